-- Grain: one row per control work. Key: school_id, lesson_id.
-- A control work (контрольная работа) is a lesson with at least one mark of a control work type
-- (dim_work_type.is_control). The one definition every mart, page and document reads. Beside the
-- lesson's date, year, period, class, subgroup and subject: the control-type marks given at it
-- (n_control_marks, one per mark row), the pupils who wrote it (a numeric control-type mark) and
-- the distribution of the numeric marks by component («4/5» counts as a «4» and a «5», «1» with
-- «2»), with their sum for the mean mark.
with control_marks as (
    select
        school_id,
        lesson_id,
        lesson_date,
        academic_year_id,
        period_id,
        class_id,
        group_id,
        subject_id,
        pupil_id,
        mark_1,
        mark_2
    from fct_mark
    where is_control
),

works as (
    select
        school_id,
        lesson_id,
        max(lesson_date) as lesson_date,
        max(academic_year_id) as academic_year_id,
        max(period_id) as period_id,
        max(class_id) as class_id,
        max(group_id) as group_id,
        max(subject_id) as subject_id,
        count(*) as n_control_marks,
        count(distinct case when mark_1 is not null then pupil_id end) as n_pupils_wrote,
        sum(case when mark_1 = 5 then 1 else 0 end) + sum(case when mark_2 = 5 then 1 else 0 end) as n_5,
        sum(case when mark_1 = 4 then 1 else 0 end) + sum(case when mark_2 = 4 then 1 else 0 end) as n_4,
        sum(case when mark_1 = 3 then 1 else 0 end) + sum(case when mark_2 = 3 then 1 else 0 end) as n_3,
        sum(case when mark_1 <= 2 then 1 else 0 end) + sum(case when mark_2 <= 2 then 1 else 0 end) as n_2,
        sum(coalesce(mark_1, 0) + coalesce(mark_2, 0)) as sum_marks
    from control_marks
    group by school_id, lesson_id
),

final as (
    select
        school_id,
        lesson_id,
        lesson_date,
        academic_year_id,
        period_id,
        class_id,
        group_id,
        subject_id,
        n_control_marks,
        n_pupils_wrote,
        cast(n_5 as bigint) as n_5,
        cast(n_4 as bigint) as n_4,
        cast(n_3 as bigint) as n_3,
        cast(n_2 as bigint) as n_2,
        cast(sum_marks as bigint) as sum_marks
    from works
)

select * from final
