-- Grain: one row per lesson inside a period. Key: school_id, lesson_id.
-- What the padding check reads (marks entered in a rush before the period ends): per lesson of
-- a teacher (timetabled), class, subgroup and subject, the days left to the period's end, the
-- pupils present (no code, or late) and the current marks other than control works. The window
-- («the last N days»), the minimum number of marks and the ratio are school settings applied by
-- the query layer (warehouse/objectivity.py).
with lessons as (
    select
        school_id,
        lesson_id,
        lesson_date,
        period_id,
        grade,
        class_id,
        group_id,
        subject_id,
        teacher_id
    from fct_lesson
    where period_id is not null
),

periods as (
    select
        school_id,
        period_id,
        end_date
    from dim_period
),

present as (
    select
        school_id,
        lesson_id,
        count(*) as n_present
    from fct_attendance
    where is_present
    group by school_id, lesson_id
),

ordinary_marks as (
    select
        school_id,
        lesson_id,
        count(*) as n_marks
    from fct_mark
    where not is_control
    group by school_id, lesson_id
),

final as (
    select
        lessons.school_id,
        lessons.lesson_id,
        lessons.lesson_date,
        lessons.period_id,
        periods.end_date as period_end_date,
        date_diff('day', lessons.lesson_date, periods.end_date) as days_to_period_end,
        lessons.grade,
        lessons.class_id,
        lessons.group_id,
        lessons.subject_id,
        lessons.teacher_id,
        coalesce(present.n_present, 0) as n_present,
        coalesce(ordinary_marks.n_marks, 0) as n_ordinary_marks
    from lessons
    inner join periods
        on periods.school_id = lessons.school_id
        and periods.period_id = lessons.period_id
    left join present
        on present.school_id = lessons.school_id
        and present.lesson_id = lessons.lesson_id
    left join ordinary_marks
        on ordinary_marks.school_id = lessons.school_id
        and ordinary_marks.lesson_id = lessons.lesson_id
)

select * from final
