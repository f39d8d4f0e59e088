-- Grain: one row per pupil, attested subject and study period the pupil was on the subject's
-- roster during. Key: school_id, pupil_id, class_id, subject_id, period_id.
-- Who must be attested in what: the pupils enrolled in the class (or, where the class is split
-- into subgroups for the subject, members of a subgroup) at some time in the period, with the
-- first and last day of the stay inside the period (on_roll_from, on_roll_to), whether the stay
-- covers the whole period, the teacher who keeps the marks (the subgroup's, else the curriculum's),
-- the weekly hours, the period's kind and dates, and the marks the pupil got in the subject in the
-- period: n_marks counts mark components («4/5» = 2, a non-numeric mark = 1), n_control_marks
-- those of control works. control_works_held counts the control works (lessons with a control-work
-- mark, int_control_work) the pupil was on the roster for.
with curriculum as (
    select
        school_id,
        class_id,
        subject_id,
        weekly_hours,
        teacher_id
    from src_curriculum
    where is_attested
),

periods as (
    select
        school_id,
        period_id,
        period_kind_code,
        start_date,
        end_date,
        grades
    from dim_period
),

classes as (
    select
        school_id,
        class_id,
        academic_year_id,
        grade
    from dim_class
),

split as (
    select distinct
        school_id,
        class_id,
        subject_id
    from dim_group
),

class_stays as (
    select
        roster.school_id,
        roster.pupil_id,
        roster.class_id,
        curriculum.subject_id,
        cast(null as varchar) as group_id,
        curriculum.teacher_id,
        curriculum.weekly_hours,
        roster.start_date,
        roster.end_date
    from int_roster as roster
    inner join curriculum
        on curriculum.school_id = roster.school_id
        and curriculum.class_id = roster.class_id
    where roster.roster_kind_code = 'class'
        and not exists (
            select 1 from split
            where split.school_id = curriculum.school_id
                and split.class_id = curriculum.class_id
                and split.subject_id = curriculum.subject_id
        )
),

group_stays as (
    select
        roster.school_id,
        roster.pupil_id,
        groups.class_id,
        groups.subject_id,
        groups.group_id,
        coalesce(groups.teacher_id, curriculum.teacher_id) as teacher_id,
        curriculum.weekly_hours,
        -- a member counts only while also enrolled in the class
        greatest(roster.start_date, enrolment.start_date) as start_date,
        case
            when roster.end_date is null then enrolment.end_date
            when enrolment.end_date is null then roster.end_date
            else least(roster.end_date, enrolment.end_date)
        end as end_date
    from int_roster as roster
    inner join dim_group as groups
        on groups.school_id = roster.school_id
        and groups.group_id = roster.group_id
    inner join curriculum
        on curriculum.school_id = groups.school_id
        and curriculum.class_id = groups.class_id
        and curriculum.subject_id = groups.subject_id
    inner join int_roster as enrolment
        on enrolment.school_id = roster.school_id
        and enrolment.pupil_id = roster.pupil_id
        and enrolment.class_id = groups.class_id
        and enrolment.roster_kind_code = 'class'
        and enrolment.start_date <= coalesce(roster.end_date, date '9999-12-31')
        and coalesce(enrolment.end_date, date '9999-12-31') >= roster.start_date
    where roster.roster_kind_code = 'group'
),

stays as (
    select * from class_stays
    union all
    select * from group_stays
),

in_period as (
    select
        stays.school_id,
        stays.pupil_id,
        stays.class_id,
        stays.subject_id,
        stays.group_id,
        stays.teacher_id,
        stays.weekly_hours,
        periods.period_id,
        periods.period_kind_code,
        periods.start_date as period_start,
        periods.end_date as period_end,
        greatest(stays.start_date, periods.start_date) as on_roll_from,
        least(coalesce(stays.end_date, periods.end_date), periods.end_date) as on_roll_to,
        stays.start_date <= periods.start_date
            and (stays.end_date is null or stays.end_date >= periods.end_date) as is_whole_period
    from stays
    inner join classes
        on classes.school_id = stays.school_id
        and classes.class_id = stays.class_id
    inner join dim_academic_year as years
        on years.school_id = classes.school_id
        and years.academic_year_id = classes.academic_year_id
    inner join periods
        on periods.school_id = stays.school_id
        and (nullif(trim(periods.grades), '') is null
            or list_contains(string_split(replace(periods.grades, ' ', ''), ','), cast(classes.grade as varchar)))
        and periods.start_date >= years.start_date
        and periods.end_date <= years.end_date
        and stays.start_date <= periods.end_date
        and (stays.end_date is null or stays.end_date >= periods.start_date)
),

-- one row per pupil, class, subject and period even when the pupil had several stays
roster as (
    select
        school_id,
        pupil_id,
        class_id,
        subject_id,
        period_id,
        any_value(period_kind_code) as period_kind_code,
        any_value(period_start) as period_start,
        any_value(period_end) as period_end,
        arg_max(group_id, on_roll_to) as group_id,
        arg_max(teacher_id, on_roll_to) as teacher_id,
        max(weekly_hours) as weekly_hours,
        min(on_roll_from) as on_roll_from,
        max(on_roll_to) as on_roll_to,
        bool_or(is_whole_period) as is_whole_period
    from in_period
    group by school_id, pupil_id, class_id, subject_id, period_id
),

marks as (
    select
        school_id,
        pupil_id,
        subject_id,
        period_id,
        cast(sum(greatest(n_numeric, 1)) as bigint) as n_marks,
        cast(sum(case when is_control then greatest(n_numeric, 1) else 0 end) as bigint) as n_control_marks,
        max(lesson_date) as last_mark_date
    from fct_mark
    group by school_id, pupil_id, subject_id, period_id
),

control_lessons as (
    select
        school_id,
        lesson_id
    from int_control_work
),

control_held as (
    select
        attendance.school_id,
        attendance.pupil_id,
        attendance.subject_id,
        attendance.period_id,
        count(*) as control_works_held
    from fct_attendance as attendance
    inner join control_lessons
        on control_lessons.school_id = attendance.school_id
        and control_lessons.lesson_id = attendance.lesson_id
    group by attendance.school_id, attendance.pupil_id, attendance.subject_id, attendance.period_id
),

final as (
    select
        roster.*,
        coalesce(marks.n_marks, 0) as n_marks,
        coalesce(marks.n_control_marks, 0) as n_control_marks,
        marks.last_mark_date,
        coalesce(control_held.control_works_held, 0) as control_works_held
    from roster
    left join marks
        on marks.school_id = roster.school_id
        and marks.pupil_id = roster.pupil_id
        and marks.subject_id = roster.subject_id
        and marks.period_id = roster.period_id
    left join control_held
        on control_held.school_id = roster.school_id
        and control_held.pupil_id = roster.pupil_id
        and control_held.subject_id = roster.subject_id
        and control_held.period_id = roster.period_id
)

select * from final
