-- Canonical current state: one table per canonical export file (src_<file>).
-- Grain: one row per natural key (nk) of the file within a school; the newest export wins.
-- Every table carries school_id, nk (natural key as text), row_hash (64 bits of the md5 of the content),
-- batch_id (the batch that wrote the row) and exported_at (the export moment of that batch).

create table if not exists src_school (
    school_id varchar not null,
    school_name varchar not null,
    short_name varchar not null,
    region_id varchar not null,
    municipality varchar,
    director_name varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_academic_years (
    school_id varchar not null,
    academic_year_id varchar not null,
    start_date date not null,
    end_date date not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_periods (
    school_id varchar not null,
    period_id varchar not null,
    academic_year_id varchar not null,
    period_kind_code varchar not null,
    period_number bigint not null,
    period_name varchar not null,
    start_date date not null,
    end_date date not null,
    grades varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_holidays (
    school_id varchar not null,
    academic_year_id varchar not null,
    holiday_name varchar not null,
    start_date date not null,
    end_date date not null,
    grades varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_teachers (
    school_id varchar not null,
    teacher_id varchar not null,
    last_name varchar not null,
    first_name varchar not null,
    middle_name varchar,
    position varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_subjects (
    school_id varchar not null,
    subject_id varchar not null,
    subject_name varchar not null,
    short_name varchar not null,
    fipi_code varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_classes (
    school_id varchar not null,
    class_id varchar not null,
    academic_year_id varchar not null,
    class_name varchar not null,
    grade bigint not null,
    class_teacher_id varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_groups (
    school_id varchar not null,
    group_id varchar not null,
    class_id varchar not null,
    subject_id varchar not null,
    group_name varchar not null,
    teacher_id varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_pupils (
    school_id varchar not null,
    pupil_id varchar not null,
    last_name varchar not null,
    first_name varchar not null,
    middle_name varchar,
    birth_date date,
    gender_code varchar,
    has_consent boolean not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_enrolments (
    school_id varchar not null,
    pupil_id varchar not null,
    class_id varchar not null,
    start_date date not null,
    end_date date,
    arrival_reason varchar,
    departure_reason varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_group_members (
    school_id varchar not null,
    pupil_id varchar not null,
    group_id varchar not null,
    start_date date not null,
    end_date date,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_curriculum (
    school_id varchar not null,
    class_id varchar not null,
    subject_id varchar not null,
    weekly_hours double not null,
    is_attested boolean not null,
    teacher_id varchar,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_work_types (
    school_id varchar not null,
    work_type_id varchar not null,
    work_type_name varchar not null,
    weight double not null,
    is_control boolean not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_planned_topics (
    school_id varchar not null,
    class_id varchar not null,
    group_id varchar,
    subject_id varchar not null,
    topic_number bigint not null,
    topic varchar not null,
    planned_date date,
    hours double not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_lessons (
    school_id varchar not null,
    lesson_id varchar not null,
    lesson_date date not null,
    lesson_number bigint not null,
    class_id varchar not null,
    group_id varchar,
    subject_id varchar not null,
    teacher_id varchar not null,
    replacing_teacher_id varchar,
    topic varchar,
    homework varchar,
    lesson_entered_at timestamp,
    homework_entered_at timestamp,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_marks (
    school_id varchar not null,
    mark_id varchar not null,
    pupil_id varchar not null,
    lesson_id varchar not null,
    mark_value varchar not null,
    work_type_id varchar not null,
    weight double,
    entered_at timestamp not null,
    entered_by varchar not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_attendance (
    school_id varchar not null,
    pupil_id varchar not null,
    lesson_id varchar not null,
    absence_code varchar,
    entered_at timestamp,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_period_marks (
    school_id varchar not null,
    pupil_id varchar not null,
    subject_id varchar not null,
    academic_year_id varchar not null,
    mark_kind_code varchar not null,
    period_id varchar,
    mark_value varchar not null,
    na_reason_code varchar,
    entered_at timestamp not null,
    entered_by varchar not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_mark_changes (
    school_id varchar not null,
    change_id varchar not null,
    mark_id varchar not null,
    pupil_id varchar not null,
    lesson_id varchar not null,
    old_value varchar,
    new_value varchar,
    changed_at timestamp not null,
    changed_by varchar not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);

create table if not exists src_external_results (
    school_id varchar not null,
    pupil_id varchar not null,
    subject_id varchar not null,
    assessment_code varchar not null,
    assessment_date date not null,
    grade bigint not null,
    primary_score double not null,
    max_score double not null,
    mark_value varchar not null,
    nk varchar not null,
    row_hash ubigint not null,
    batch_id bigint not null,
    exported_at timestamp not null
);
