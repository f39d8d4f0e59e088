-- Grain: one row per lesson held. Key: school_id, lesson_id.
-- How a lesson was kept in the journal, before any norm is applied: topic and homework, when
-- the lesson (topic, attendance) and the homework were entered, the days from the lesson to each
-- entry (null when never entered), and the last lesson number the class had that day (its own
-- lessons and its subgroups'), which the «3 hours after the pupils' last lesson» homework rule
-- needs. The query layer (warehouse/control_rules.py) compares these with the school's norms.
with lessons as (
    select * from fct_lesson
),

class_days as (
    select
        school_id,
        class_id,
        lesson_date,
        max(lesson_number) as class_last_lesson_number
    from int_lesson
    group by school_id, class_id, lesson_date
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
        lessons.effective_teacher_id as teacher_id,
        lessons.topic,
        lessons.homework,
        lessons.lesson_entered_at,
        lessons.homework_entered_at,
        date_diff('day', lessons.lesson_date, cast(lessons.lesson_entered_at as date)) as lesson_entry_delay_days,
        date_diff('day', lessons.lesson_date, cast(lessons.homework_entered_at as date)) as homework_entry_delay_days,
        class_days.class_last_lesson_number,
        lessons.n_marks,
        lessons.n_pupils_expected,
        lessons.n_absent
    from lessons
    left join dim_subject as subjects
        on subjects.school_id = lessons.school_id
        and subjects.subject_id = lessons.subject_id
    left join class_days
        on class_days.school_id = lessons.school_id
        and class_days.class_id = lessons.class_id
        and class_days.lesson_date = lessons.lesson_date
)

select * from final
