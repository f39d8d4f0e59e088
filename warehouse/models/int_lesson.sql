-- Grain: one row per lesson held. Key: school_id, lesson_id.
-- Materialized: view
-- Lessons with the attributes every fact needs: the class's academic year and grade, the
-- effective teacher (the replacing one when there was a replacement) and the study period of the
-- class's grade covering the lesson date (from dim_date; null between periods). Blank topic,
-- homework, subgroup and replacing teacher are read as null. A view: only the models read it,
-- and joining the lessons with their class and calendar day as they do costs them less than
-- reading a stored copy (a 1,000-pupil school's build 1.83–1.90 → 1.74 s, its file 1.3 MB less).
with lessons as (
    select
        school_id,
        lesson_id,
        lesson_date,
        lesson_number,
        class_id,
        nullif(trim(group_id), '') as group_id,
        subject_id,
        teacher_id,
        nullif(trim(replacing_teacher_id), '') as replacing_teacher_id,
        nullif(trim(topic), '') as topic,
        nullif(trim(homework), '') as homework,
        lesson_entered_at,
        homework_entered_at
    from src_lessons
),

classes as (
    select
        school_id,
        class_id,
        academic_year_id,
        grade
    from src_classes
),

calendar as (
    select
        school_id,
        grade,
        date_day,
        academic_year_id,
        period_id
    from dim_date
),

final as (
    select
        lessons.school_id,
        lessons.lesson_id,
        lessons.lesson_date,
        lessons.lesson_number,
        classes.academic_year_id,
        calendar.period_id,
        classes.grade,
        lessons.class_id,
        lessons.group_id,
        lessons.subject_id,
        lessons.teacher_id,
        lessons.replacing_teacher_id,
        coalesce(lessons.replacing_teacher_id, lessons.teacher_id) as effective_teacher_id,
        lessons.topic,
        lessons.homework,
        lessons.lesson_entered_at,
        lessons.homework_entered_at
    from lessons
    left join classes
        on classes.school_id = lessons.school_id
        and classes.class_id = lessons.class_id
    left join calendar
        on calendar.school_id = lessons.school_id
        and calendar.grade = classes.grade
        and calendar.date_day = lessons.lesson_date
        and calendar.academic_year_id = classes.academic_year_id
)

select * from final
