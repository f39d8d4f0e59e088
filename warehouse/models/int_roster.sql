-- Grain: one row per stay of a pupil on a roster: a class enrolment or a subgroup membership.
-- Key: school_id, roster_kind_code, pupil_id, class_id, group_id, start_date.
-- roster_kind_code is 'class' (from enrolments; group_id is null) or 'group' (from group members;
-- class_id is the class the group splits). A pupil is on the roster on date d when
-- start_date <= d and (end_date is null or end_date >= d).
with enrolments as (
    select
        school_id,
        pupil_id,
        class_id,
        start_date,
        end_date
    from src_enrolments
),

group_members as (
    select
        school_id,
        pupil_id,
        group_id,
        start_date,
        end_date
    from src_group_members
),

groups as (
    select
        school_id,
        group_id,
        class_id
    from src_groups
),

class_roster as (
    select
        school_id,
        'class' as roster_kind_code,
        pupil_id,
        class_id,
        cast(null as varchar) as group_id,
        start_date,
        end_date
    from enrolments
),

group_roster as (
    select
        members.school_id,
        'group' as roster_kind_code,
        members.pupil_id,
        groups.class_id,
        members.group_id,
        members.start_date,
        members.end_date
    from group_members as members
    left join groups
        on groups.school_id = members.school_id
        and groups.group_id = members.group_id
),

unioned as (
    select * from class_roster
    union all
    select * from group_roster
),

final as (
    select
        school_id,
        roster_kind_code,
        pupil_id,
        class_id,
        group_id,
        start_date,
        end_date
    from unioned
)

select * from final
