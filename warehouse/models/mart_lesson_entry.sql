-- Grain: one row per lesson held. Key: school_id, lesson_id.
-- Materialized: view
-- How a lesson was kept in the journal, before any norm is applied: topic and homework, when
-- the lesson (topic, attendance) and the homework were entered, the days from the lesson to each
-- entry (null when never entered), and the last lesson number the class had that day (its own
-- lessons and its subgroups'), which the «3 hours after the pupils' last lesson» homework rule
-- needs. The query layer (warehouse/control_rules.py) compares these with the school's norms.
-- The columns of fct_lesson under the names the control pages read: a view, so the lessons are
-- stored once.
with lessons as (
    select * from fct_lesson
),

final as (
    select
        school_id,
        lesson_id,
        lesson_date,
        lesson_number,
        academic_year_id,
        period_id,
        grade,
        class_id,
        group_id,
        subject_id,
        subject_name,
        effective_teacher_id as teacher_id,
        topic,
        homework,
        lesson_entered_at,
        homework_entered_at,
        lesson_entry_delay_days,
        homework_entry_delay_days,
        class_last_lesson_number,
        n_marks,
        n_pupils_expected,
        n_absent
    from lessons
)

select * from final
