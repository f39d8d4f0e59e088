-- A mark or attendance row needs the pupil on the lesson's roster on the lesson date:
-- enrolled in the lesson's class, and for a subgroup lesson also a member of the subgroup.
with rows_to_check as (
    select 'marks' as file_name, m._row, m.pupil_id, m.lesson_id from stg_marks as m
    union all
    select 'attendance', a._row, a.pupil_id, a.lesson_id from stg_attendance as a
),
with_lesson as (
    select r.*, l.lesson_date, l.class_id, l.group_id
    from rows_to_check as r
    join cur_lessons as l on l.lesson_id = r.lesson_id
),
enrolled as (
    select distinct w.file_name, w._row
    from with_lesson as w
    join cur_enrolments as e
        on e.pupil_id = w.pupil_id
        and e.class_id = w.class_id
        and w.lesson_date >= e.start_date
        and (e.end_date is null or w.lesson_date <= e.end_date)
),
in_group as (
    select distinct w.file_name, w._row
    from with_lesson as w
    join cur_group_members as g
        on g.pupil_id = w.pupil_id
        and g.group_id = w.group_id
        and w.lesson_date >= g.start_date
        and (g.end_date is null or w.lesson_date <= g.end_date)
    where w.group_id is not null
)
select
    w.file_name,
    w._row as row_number,
    'pupil_id' as column_name,
    w.pupil_id as cell_value,
    'pupil_not_enrolled' as rule_code,
    case
        when e._row is null then 'Ученик «' || w.pupil_id || '» не числится в классе урока на ' || strftime(w.lesson_date, '%d.%m.%Y')
        else 'Ученик «' || w.pupil_id || '» не входит в подгруппу урока на ' || strftime(w.lesson_date, '%d.%m.%Y')
    end as message,
from with_lesson as w
left join enrolled as e on e.file_name = w.file_name and e._row = w._row
left join in_group as g on g.file_name = w.file_name and g._row = w._row
where e._row is null or (w.group_id is not null and g._row is null)
