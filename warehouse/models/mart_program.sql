-- Grain: one row per topic of the calendar-thematic plan (КТП). Key: school_id, class_id,
-- group_id, subject_id, topic_number (group_id '' for a whole-class plan).
-- Program completion (выполнение программы): each planned topic with its planned date and hours,
-- the study period of the planned date (by the class's grade), and whether a lesson of the same
-- class, subgroup and subject has recorded that topic (compared case- and space-insensitively),
-- with the first such lesson's date.
with planned as (
    select
        school_id,
        class_id,
        coalesce(nullif(trim(group_id), ''), '') as group_id,
        subject_id,
        topic_number,
        topic,
        planned_date,
        hours,
        lower(regexp_replace(trim(topic), '\s+', ' ', 'g')) as topic_key
    from src_planned_topics
),

lessons as (
    select
        school_id,
        class_id,
        coalesce(group_id, '') as group_id,
        subject_id,
        lesson_date,
        lower(regexp_replace(trim(topic), '\s+', ' ', 'g')) as topic_key
    from int_lesson
    where topic is not null
),

covered as (
    select
        planned.school_id,
        planned.class_id,
        planned.group_id,
        planned.subject_id,
        planned.topic_number,
        min(lessons.lesson_date) as covered_on
    from planned
    inner join lessons
        on lessons.school_id = planned.school_id
        and lessons.class_id = planned.class_id
        and lessons.group_id = planned.group_id
        and lessons.subject_id = planned.subject_id
        and lessons.topic_key = planned.topic_key
    group by planned.school_id, planned.class_id, planned.group_id, planned.subject_id, planned.topic_number
),

final as (
    select
        planned.school_id,
        planned.class_id,
        planned.group_id,
        planned.subject_id,
        planned.topic_number,
        planned.topic,
        planned.planned_date,
        planned.hours,
        calendar.period_id,
        covered.covered_on,
        covered.covered_on is not null as is_covered
    from planned
    left join dim_class as classes
        on classes.school_id = planned.school_id
        and classes.class_id = planned.class_id
    left join dim_date as calendar
        on calendar.school_id = planned.school_id
        and calendar.grade = classes.grade
        and calendar.date_day = planned.planned_date
    left join covered
        on covered.school_id = planned.school_id
        and covered.class_id = planned.class_id
        and covered.group_id = planned.group_id
        and covered.subject_id = planned.subject_id
        and covered.topic_number = planned.topic_number
)

select * from final
