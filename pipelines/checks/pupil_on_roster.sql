-- A mark or attendance row needs the pupil on the lesson's roster on the lesson date:
-- enrolled in the lesson's class, and for a subgroup lesson also a member of the subgroup.
-- Checked once per pupil, class (or subgroup) and day, not per row: a pupil has a few lessons a
-- day and most days pass; only the rows of the days that fail are joined back.
with rows_to_check as (
    select 'marks' as file_name, m._row, m.pupil_id, m.lesson_id from stg_marks as m
    union all
    select 'attendance', a._row, a.pupil_id, a.lesson_id from stg_attendance as a
),
placed as (
    select r.file_name, r._row, r.pupil_id, l.lesson_date, l.class_id, l.group_id
    from rows_to_check as r
    join cur_lessons as l on l.lesson_id = r.lesson_id
),
class_days as (
    select distinct pupil_id, class_id, lesson_date from placed
),
group_days as (
    select distinct pupil_id, group_id, lesson_date from placed where group_id is not null
),
not_enrolled as (
    select d.pupil_id, d.class_id, d.lesson_date
    from class_days as d
    anti join cur_enrolments as e
        on e.pupil_id = d.pupil_id
        and e.class_id = d.class_id
        and d.lesson_date >= e.start_date
        and (e.end_date is null or d.lesson_date <= e.end_date)
),
not_in_group as (
    select d.pupil_id, d.group_id, d.lesson_date
    from group_days as d
    anti join cur_group_members as g
        on g.pupil_id = d.pupil_id
        and g.group_id = d.group_id
        and d.lesson_date >= g.start_date
        and (g.end_date is null or d.lesson_date <= g.end_date)
)
select
    p.file_name,
    p._row as row_number,
    'pupil_id' as column_name,
    p.pupil_id as cell_value,
    'pupil_not_enrolled' as rule_code,
    case
        when e.pupil_id is not null then 'Ученик «' || p.pupil_id || '» не числится в классе урока на ' || strftime(p.lesson_date, '%d.%m.%Y')
        else 'Ученик «' || p.pupil_id || '» не входит в подгруппу урока на ' || strftime(p.lesson_date, '%d.%m.%Y')
    end as message,
from placed as p
left join not_enrolled as e
    on e.pupil_id = p.pupil_id and e.class_id = p.class_id and e.lesson_date = p.lesson_date
left join not_in_group as g
    on g.pupil_id = p.pupil_id and g.group_id = p.group_id and g.lesson_date = p.lesson_date
where e.pupil_id is not null or g.pupil_id is not null
