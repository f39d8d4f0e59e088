-- Grain: one row per school and subgroup. Key: school_id, group_id.
-- Subgroups (подгруппы) a class is split into for a subject, with the class, the subject, the
-- subgroup's teacher, the number of pupils who were members at any time (n_members) and the
-- number of members on the last day of the academic year (n_members_end).
with groups as (
    select
        school_id,
        group_id,
        group_name,
        class_id,
        subject_id,
        nullif(trim(teacher_id), '') as teacher_id
    from src_groups
),

classes as (
    select
        school_id,
        class_id,
        class_name,
        grade,
        academic_year_id
    from src_classes
),

academic_years as (
    select
        school_id,
        academic_year_id,
        end_date as year_end_date
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
        group_id,
        start_date,
        end_date
    from int_roster
    where roster_kind_code = 'group'
),

group_years as (
    select
        groups.school_id,
        groups.group_id,
        years.year_end_date
    from groups
    left join classes
        on classes.school_id = groups.school_id
        and classes.class_id = groups.class_id
    left join academic_years as years
        on years.school_id = classes.school_id
        and years.academic_year_id = classes.academic_year_id
),

member_counts as (
    select
        group_years.school_id,
        group_years.group_id,
        count(distinct roster.pupil_id) as n_members,
        count(distinct case
            when roster.start_date <= group_years.year_end_date
                and (roster.end_date is null or roster.end_date >= group_years.year_end_date)
                then roster.pupil_id
        end) as n_members_end
    from group_years
    inner join roster
        on roster.school_id = group_years.school_id
        and roster.group_id = group_years.group_id
    group by group_years.school_id, group_years.group_id
),

final as (
    select
        groups.school_id,
        groups.group_id,
        groups.group_name,
        groups.class_id,
        classes.class_name,
        classes.grade,
        classes.academic_year_id,
        groups.subject_id,
        groups.teacher_id,
        teachers.full_name as teacher_name,
        coalesce(member_counts.n_members, 0) as n_members,
        coalesce(member_counts.n_members_end, 0) as n_members_end
    from groups
    left join classes
        on classes.school_id = groups.school_id
        and classes.class_id = groups.class_id
    left join teachers
        on teachers.school_id = groups.school_id
        and teachers.teacher_id = groups.teacher_id
    left join member_counts
        on member_counts.school_id = groups.school_id
        and member_counts.group_id = groups.group_id
)

select * from final
