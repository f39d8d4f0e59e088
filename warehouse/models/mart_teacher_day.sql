-- Grain: one row per teacher and calendar day on which the teacher held a lesson or entered
-- anything in the journal. Key: school_id, teacher_id, activity_date.
-- Teacher activity (активность учителей): lessons held that day (as the effective teacher) and how
-- many of them were filled in the same day (the lesson record entered on the lesson day), marks
-- entered that day (by who entered them) with the sum of their entry delays in days, lesson and
-- homework records entered that day, and whether the teacher did anything in the journal that day.
with held as (
    select
        school_id,
        effective_teacher_id as teacher_id,
        lesson_date as activity_date,
        count(*) as n_lessons_held,
        count(case when cast(lesson_entered_at as date) = lesson_date then 1 end) as n_lessons_filled_same_day
    from fct_lesson
    where effective_teacher_id is not null
    group by school_id, effective_teacher_id, lesson_date
),

marks_entered as (
    select
        school_id,
        teacher_id,
        cast(entered_at as date) as activity_date,
        count(*) as n_marks_entered,
        cast(sum(entry_delay_days) as bigint) as sum_mark_delay_days
    from fct_mark
    where teacher_id is not null and entered_at is not null
    group by school_id, teacher_id, cast(entered_at as date)
),

lessons_entered as (
    select
        school_id,
        effective_teacher_id as teacher_id,
        cast(lesson_entered_at as date) as activity_date,
        count(*) as n_lessons_entered
    from fct_lesson
    where effective_teacher_id is not null and lesson_entered_at is not null
    group by school_id, effective_teacher_id, cast(lesson_entered_at as date)
),

homework_entered as (
    select
        school_id,
        effective_teacher_id as teacher_id,
        cast(homework_entered_at as date) as activity_date,
        count(*) as n_homework_entered
    from fct_lesson
    where effective_teacher_id is not null and homework_entered_at is not null
    group by school_id, effective_teacher_id, cast(homework_entered_at as date)
),

spine as (
    select school_id, teacher_id, activity_date from held
    union
    select school_id, teacher_id, activity_date from marks_entered
    union
    select school_id, teacher_id, activity_date from lessons_entered
    union
    select school_id, teacher_id, activity_date from homework_entered
),

final as (
    select
        spine.school_id,
        spine.teacher_id,
        spine.activity_date,
        cast(date_trunc('week', spine.activity_date) as date) as week_start,
        coalesce(held.n_lessons_held, 0) as n_lessons_held,
        coalesce(held.n_lessons_filled_same_day, 0) as n_lessons_filled_same_day,
        coalesce(marks_entered.n_marks_entered, 0) as n_marks_entered,
        coalesce(marks_entered.sum_mark_delay_days, 0) as sum_mark_delay_days,
        coalesce(lessons_entered.n_lessons_entered, 0) as n_lessons_entered,
        coalesce(homework_entered.n_homework_entered, 0) as n_homework_entered,
        coalesce(marks_entered.n_marks_entered, 0) + coalesce(lessons_entered.n_lessons_entered, 0)
            + coalesce(homework_entered.n_homework_entered, 0) > 0 as is_active
    from spine
    left join held using (school_id, teacher_id, activity_date)
    left join marks_entered using (school_id, teacher_id, activity_date)
    left join lessons_entered using (school_id, teacher_id, activity_date)
    left join homework_entered using (school_id, teacher_id, activity_date)
)

select * from final
