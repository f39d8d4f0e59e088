-- Grain: one row per teacher and calendar day on which the teacher held a lesson or entered
-- anything in the journal. Key: school_id, teacher_id, activity_date.
-- Teacher activity (активность учителей): lessons held that day (as the effective teacher) and how
-- many of them were filled in the same day (the lesson record entered on the lesson day), marks
-- entered that day (by who entered them) with the sum of their entry delays in days, lesson and
-- homework records entered that day, and whether the teacher did anything in the journal that day.
-- Each thing done is one row of activity, counted by its own column (null on the other kinds of
-- row), and the rows are grouped once: each input is read once, so a school's rebuild reads that
-- school's lessons and marks only (a CTE read twice is computed whole first, for every school).
with activity as (
    select
        school_id,
        effective_teacher_id as teacher_id,
        lesson_date as activity_date,
        1 as held,
        case when cast(lesson_entered_at as date) = lesson_date then 1 end as filled_same_day,
        cast(null as integer) as mark,
        cast(null as bigint) as mark_delay_days,
        cast(null as integer) as lesson_entered,
        cast(null as integer) as homework_entered
    from fct_lesson
    where effective_teacher_id is not null

    union all

    select
        school_id,
        teacher_id,
        cast(entered_at as date) as activity_date,
        null as held,
        null as filled_same_day,
        1 as mark,
        entry_delay_days as mark_delay_days,
        null as lesson_entered,
        null as homework_entered
    from fct_mark
    where teacher_id is not null and entered_at is not null

    union all

    select
        school_id,
        effective_teacher_id as teacher_id,
        cast(lesson_entered_at as date) as activity_date,
        null as held,
        null as filled_same_day,
        null as mark,
        null as mark_delay_days,
        1 as lesson_entered,
        null as homework_entered
    from fct_lesson
    where effective_teacher_id is not null and lesson_entered_at is not null

    union all

    select
        school_id,
        effective_teacher_id as teacher_id,
        cast(homework_entered_at as date) as activity_date,
        null as held,
        null as filled_same_day,
        null as mark,
        null as mark_delay_days,
        null as lesson_entered,
        1 as homework_entered
    from fct_lesson
    where effective_teacher_id is not null and homework_entered_at is not null
),

final as (
    select
        school_id,
        teacher_id,
        activity_date,
        cast(date_trunc('week', activity_date) as date) as week_start,
        count(held) as n_lessons_held,
        count(filled_same_day) as n_lessons_filled_same_day,
        count(mark) as n_marks_entered,
        coalesce(cast(sum(mark_delay_days) as bigint), 0) as sum_mark_delay_days,
        count(lesson_entered) as n_lessons_entered,
        count(homework_entered) as n_homework_entered,
        count(mark) + count(lesson_entered) + count(homework_entered) > 0 as is_active
    from activity
    group by school_id, teacher_id, activity_date
)

select * from final
