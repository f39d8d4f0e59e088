-- Grain: one row per lesson held. Key: school_id, lesson_id.
-- Lessons (уроки) with topic, homework and entry times, the study period of the class's grade,
-- the number of marks given, the roster size on the lesson date (class enrolment, or subgroup
-- membership for a subgroup lesson) and the absences (н, у, б) and lateness (оп) among them.
with lessons as (
    select * from int_lesson
),

mark_counts as (
    select
        school_id,
        lesson_id,
        count(*) as n_marks
    from fct_mark
    group by school_id, lesson_id
),

attendance_counts as (
    select
        school_id,
        lesson_id,
        count(*) as n_pupils_expected,
        count(case when is_absent then 1 end) as n_absent,
        count(case when is_late then 1 end) as n_late
    from fct_attendance
    group by school_id, lesson_id
),

final as (
    select
        lessons.school_id,
        lessons.lesson_id,
        lessons.lesson_date,
        lessons.lesson_number,
        lessons.academic_year_id,
        lessons.period_id,
        lessons.grade,
        lessons.class_id,
        lessons.group_id,
        lessons.subject_id,
        lessons.teacher_id,
        lessons.replacing_teacher_id,
        lessons.effective_teacher_id,
        lessons.topic,
        lessons.homework,
        lessons.topic is not null as has_topic,
        lessons.homework is not null as has_homework,
        lessons.lesson_entered_at,
        lessons.homework_entered_at,
        coalesce(mark_counts.n_marks, 0) as n_marks,
        coalesce(attendance_counts.n_pupils_expected, 0) as n_pupils_expected,
        coalesce(attendance_counts.n_absent, 0) as n_absent,
        coalesce(attendance_counts.n_late, 0) as n_late
    from lessons
    left join mark_counts
        on mark_counts.school_id = lessons.school_id
        and mark_counts.lesson_id = lessons.lesson_id
    left join attendance_counts
        on attendance_counts.school_id = lessons.school_id
        and attendance_counts.lesson_id = lessons.lesson_id
)

select * from final
