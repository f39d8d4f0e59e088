-- Grain: one row per school, pupil, subject and period with a period mark. Key: school_id,
-- pupil_id, subject_id, period_id.
-- Is the final mark justified (seed 000 §4.6.5, §5.1-5.2, §6.2)? Beside each period mark: the
-- weighted average of the pupil's current marks in the subject in the period (Σ part·weight /
-- Σ weight, «4/5» counting as two marks), the number of marks, and whether a control work was
-- held at a lesson of the subject in the period the pupil was expected at (a control work of
-- int_control_work: a lesson with at least one control-type mark) and whether the pupil has a
-- control-type mark. The rounding rule is a school setting (norms.toml
-- attestation.rounding_threshold) and is applied by the query layer (warehouse/objectivity.py),
-- not here.
with period_marks as (
    select
        school_id,
        pupil_id,
        subject_id,
        period_id,
        academic_year_id,
        class_id,
        grade,
        entered_by as teacher_id,
        mark_value,
        mark_numeric,
        is_na
    from fct_period_mark
    where mark_kind_code = 'period'
        and period_id is not null
),

marks as (
    select
        school_id,
        pupil_id,
        subject_id,
        period_id,
        count(*) as n_marks,
        cast(sum(n_numeric) as bigint) as n_numeric,
        sum(sum_numeric * weight) / nullif(sum(n_numeric * weight), 0) as weighted_average,
        cast(sum(case when is_control then 1 else 0 end) as bigint) as n_control_marks
    from fct_mark
    where period_id is not null
    group by school_id, pupil_id, subject_id, period_id
),

control_lessons as (
    select
        school_id,
        lesson_id
    from int_control_work
),

control_held as (
    select distinct
        attendance.school_id,
        attendance.pupil_id,
        attendance.subject_id,
        attendance.period_id
    from fct_attendance as attendance
    inner join control_lessons
        on control_lessons.school_id = attendance.school_id
        and control_lessons.lesson_id = attendance.lesson_id
    where attendance.period_id is not null
),

final as (
    select
        period_marks.school_id,
        period_marks.pupil_id,
        period_marks.subject_id,
        period_marks.period_id,
        period_marks.academic_year_id,
        period_marks.class_id,
        period_marks.grade,
        period_marks.teacher_id,
        period_marks.mark_value,
        period_marks.mark_numeric,
        period_marks.is_na,
        coalesce(marks.n_marks, 0) as n_marks,
        coalesce(marks.n_numeric, 0) as n_numeric,
        marks.weighted_average,
        coalesce(marks.n_control_marks, 0) as n_control_marks,
        control_held.pupil_id is not null as has_control_held,
        coalesce(marks.n_control_marks, 0) > 0 as has_control_mark
    from period_marks
    left join marks
        on marks.school_id = period_marks.school_id
        and marks.pupil_id = period_marks.pupil_id
        and marks.subject_id = period_marks.subject_id
        and marks.period_id = period_marks.period_id
    left join control_held
        on control_held.school_id = period_marks.school_id
        and control_held.pupil_id = period_marks.pupil_id
        and control_held.subject_id = period_marks.subject_id
        and control_held.period_id = period_marks.period_id
)

select * from final
