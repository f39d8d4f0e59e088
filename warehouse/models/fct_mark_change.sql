-- Grain: one row per entry of the mark change log. Key: school_id, change_id.
-- Mark changes (журнал изменений отметок): created (no old value), deleted (no new value) or
-- changed, with the lesson's date, subject, class and study period, the days from the lesson to
-- the change and whether the change came after the period's last day (null when the lesson has
-- no period).
with changes as (
    select
        school_id,
        change_id,
        mark_id,
        pupil_id,
        lesson_id,
        nullif(trim(old_value), '') as old_value,
        nullif(trim(new_value), '') as new_value,
        changed_at,
        changed_by
    from src_mark_changes
),

lessons as (
    select
        school_id,
        lesson_id,
        lesson_date,
        academic_year_id,
        period_id,
        class_id,
        subject_id
    from int_lesson
),

periods as (
    select
        school_id,
        period_id,
        end_date
    from dim_period
),

final as (
    select
        changes.school_id,
        changes.change_id,
        changes.mark_id,
        changes.pupil_id,
        changes.lesson_id,
        lessons.lesson_date,
        lessons.academic_year_id,
        lessons.period_id,
        lessons.subject_id,
        lessons.class_id,
        changes.old_value,
        changes.new_value,
        case
            when changes.old_value is null then 'created'
            when changes.new_value is null then 'deleted'
            else 'changed'
        end as change_kind_code,
        changes.changed_at,
        changes.changed_by,
        date_diff('day', lessons.lesson_date, cast(changes.changed_at as date)) as days_after_lesson,
        cast(changes.changed_at as date) > periods.end_date as is_after_period_end
    from changes
    left join lessons
        on lessons.school_id = changes.school_id
        and lessons.lesson_id = changes.lesson_id
    left join periods
        on periods.school_id = lessons.school_id
        and periods.period_id = lessons.period_id
)

select * from final
