-- Grain: one row per lesson held. Key: school_id, lesson_id.
-- Lessons (уроки) with topic, homework and entry times, the study period of the class's grade,
-- the number of marks given, the roster size on the lesson date (class enrolment, or subgroup
-- membership for a subgroup lesson) and the absences (н, у, б) and lateness (оп) among them.
-- How the lesson was kept, before any norm is applied: the days from the lesson to the entry of
-- the lesson and of the homework (null when never entered), and the last lesson number the class
-- had that day (its own lessons and its subgroups'), which the «3 hours after the pupils' last
-- lesson» homework rule needs (mart_lesson_entry shows these columns to the control pages).
with lessons as (
    select * from int_lesson
),

subjects as (
    select
        school_id,
        subject_id,
        subject_name
    from dim_subject
),

class_days as (
    select
        school_id,
        class_id,
        lesson_date,
        max(lesson_number) as class_last_lesson_number
    from lessons
    group by school_id, class_id, lesson_date
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
        subjects.subject_name,
        lessons.teacher_id,
        lessons.replacing_teacher_id,
        lessons.effective_teacher_id,
        lessons.topic,
        lessons.homework,
        lessons.topic is not null as has_topic,
        lessons.homework is not null as has_homework,
        lessons.lesson_entered_at,
        lessons.homework_entered_at,
        date_diff('day', lessons.lesson_date, cast(lessons.lesson_entered_at as date)) as lesson_entry_delay_days,
        date_diff('day', lessons.lesson_date, cast(lessons.homework_entered_at as date)) as homework_entry_delay_days,
        class_days.class_last_lesson_number,
        coalesce(mark_counts.n_marks, 0) as n_marks,
        coalesce(attendance_counts.n_pupils_expected, 0) as n_pupils_expected,
        coalesce(attendance_counts.n_absent, 0) as n_absent,
        coalesce(attendance_counts.n_late, 0) as n_late
    from lessons
    left join subjects
        on subjects.school_id = lessons.school_id
        and subjects.subject_id = lessons.subject_id
    left join class_days
        on class_days.school_id = lessons.school_id
        and class_days.class_id = lessons.class_id
        and class_days.lesson_date = lessons.lesson_date
    left join mark_counts
        on mark_counts.school_id = lessons.school_id
        and mark_counts.lesson_id = lessons.lesson_id
    left join attendance_counts
        on attendance_counts.school_id = lessons.school_id
        and attendance_counts.lesson_id = lessons.lesson_id
)

select * from final
