-- Grain: one row per current mark. Key: school_id, mark_id.
-- Current marks (текущие отметки) with their lesson, work type and weight. A mark is numeric when
-- it is a single «4» (mark_1 = 4, mark_2 null) or a double «4/5» (mark_1 = 4, mark_2 = 5);
-- «зач», «незач» and «К» are not numeric (n_numeric = 0, sum_numeric = 0). The weighted average of
-- a set of marks is sum(sum_numeric * weight) / sum(n_numeric * weight). weight is the mark's own
-- weight when given (own_weight, as entered with the mark), else the work type's. teacher_id is
-- who entered the mark; entry_delay_days counts days from the lesson date to the entry date.
-- Materialized: in src_marks (key school_id, mark_id; its own pupil_id, lesson_id, work_type_id, entered_at, entered_by as teacher_id, mark_value, weight as own_weight)
-- Each mark is stored once: the warehouse keeps the fact's other columns in src_marks (as
-- fct_mark__<column>), and fct_mark is a view of them (warehouse/db.py, KeptIn). The model shows
-- every column of src_marks as it is (mark_value arrives trimmed: the export's checks trim every
-- cell), so a school's new marks are inserted straight from the model's rows.
with marks as (
    select
        school_id,
        mark_id,
        pupil_id,
        lesson_id,
        mark_value,
        work_type_id,
        weight,
        entered_at,
        entered_by
    from src_marks
),

lessons as (
    select
        school_id,
        lesson_id,
        lesson_date,
        academic_year_id,
        period_id,
        class_id,
        group_id,
        subject_id
    from int_lesson
),

work_types as (
    select
        school_id,
        work_type_id,
        weight,
        is_control
    from src_work_types
),

parsed as (
    select
        marks.*,
        case
            when mark_value in ('1', '2', '3', '4', '5') then cast(mark_value as integer)
            when length(mark_value) = 3
                and substring(mark_value, 2, 1) = '/'
                and substring(mark_value, 1, 1) in ('1', '2', '3', '4', '5')
                and substring(mark_value, 3, 1) in ('1', '2', '3', '4', '5')
                then cast(substring(mark_value, 1, 1) as integer)
        end as mark_1,
        case
            when length(mark_value) = 3
                and substring(mark_value, 2, 1) = '/'
                and substring(mark_value, 1, 1) in ('1', '2', '3', '4', '5')
                and substring(mark_value, 3, 1) in ('1', '2', '3', '4', '5')
                then cast(substring(mark_value, 3, 1) as integer)
        end as mark_2
    from marks
),

final as (
    select
        parsed.school_id,
        parsed.mark_id,
        parsed.pupil_id,
        parsed.lesson_id,
        lessons.lesson_date,
        lessons.academic_year_id,
        lessons.period_id,
        lessons.class_id,
        lessons.group_id,
        lessons.subject_id,
        parsed.entered_by as teacher_id,
        parsed.work_type_id,
        parsed.mark_value,
        parsed.mark_1 is not null as is_numeric,
        parsed.mark_1,
        parsed.mark_2,
        case when parsed.mark_1 is not null then 1 else 0 end
            + case when parsed.mark_2 is not null then 1 else 0 end as n_numeric,
        coalesce(parsed.mark_1, 0) + coalesce(parsed.mark_2, 0) as sum_numeric,
        parsed.weight as own_weight,
        coalesce(parsed.weight, work_types.weight) as weight,
        coalesce(work_types.is_control, false) as is_control,
        parsed.entered_at,
        date_diff('day', lessons.lesson_date, cast(parsed.entered_at as date)) as entry_delay_days
    from parsed
    left join lessons
        on lessons.school_id = parsed.school_id
        and lessons.lesson_id = parsed.lesson_id
    left join work_types
        on work_types.school_id = parsed.school_id
        and work_types.work_type_id = parsed.work_type_id
)

select * from final
