-- Grain: one row per school and class. Key: school_id, class_id.
-- Classes (классы) of an academic year with the class teacher (классный руководитель) and the
-- number of pupils on roll on the first and on the last day of the year. A pupil is on roll on
-- date d when start_date <= d and (end_date is null or end_date >= d).
with classes as (
    select
        school_id,
        class_id,
        class_name,
        grade,
        academic_year_id,
        nullif(trim(class_teacher_id), '') as class_teacher_id
    from src_classes
),

academic_years as (
    select
        school_id,
        academic_year_id,
        start_date,
        end_date
    from src_academic_years
),

teachers as (
    select
        school_id,
        teacher_id,
        full_name
    from dim_teacher
),

roster as (
    select
        school_id,
        pupil_id,
        class_id,
        start_date,
        end_date
    from int_roster
    where roster_kind_code = 'class'
),

class_years as (
    select
        classes.school_id,
        classes.class_id,
        years.start_date as year_start_date,
        years.end_date as year_end_date
    from classes
    inner join academic_years as years
        on years.school_id = classes.school_id
        and years.academic_year_id = classes.academic_year_id
),

roll_counts as (
    select
        class_years.school_id,
        class_years.class_id,
        count(distinct case
            when roster.start_date <= class_years.year_start_date
                and (roster.end_date is null or roster.end_date >= class_years.year_start_date)
                then roster.pupil_id
        end) as n_pupils_start,
        count(distinct case
            when roster.start_date <= class_years.year_end_date
                and (roster.end_date is null or roster.end_date >= class_years.year_end_date)
                then roster.pupil_id
        end) as n_pupils_end
    from class_years
    inner join roster
        on roster.school_id = class_years.school_id
        and roster.class_id = class_years.class_id
    group by class_years.school_id, class_years.class_id
),

final as (
    select
        classes.school_id,
        classes.class_id,
        classes.class_name,
        classes.grade,
        classes.academic_year_id,
        classes.class_teacher_id,
        teachers.full_name as class_teacher_name,
        coalesce(roll_counts.n_pupils_start, 0) as n_pupils_start,
        coalesce(roll_counts.n_pupils_end, 0) as n_pupils_end
    from classes
    left join teachers
        on teachers.school_id = classes.school_id
        and teachers.teacher_id = classes.class_teacher_id
    left join roll_counts
        on roll_counts.school_id = classes.school_id
        and roll_counts.class_id = classes.class_id
)

select * from final
