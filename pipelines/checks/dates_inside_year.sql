-- Periods, holidays, classes' lessons and enrolments must fall inside their academic year.
with years as (
    select academic_year_id, start_date, end_date from cur_academic_years
),
periods as (
    select 'periods' as file_name, p._row, 'start_date' as column_name,
        strftime(p.start_date, '%d.%m.%Y') || '–' || strftime(p.end_date, '%d.%m.%Y') as cell_value,
        'Период «' || p.period_name || '» выходит за границы учебного года ' || p.academic_year_id as message,
    from stg_periods as p
    join years as y on y.academic_year_id = p.academic_year_id
    where p.start_date < y.start_date or p.end_date > y.end_date
),
holidays as (
    select 'holidays', h._row, 'start_date',
        strftime(h.start_date, '%d.%m.%Y') || '–' || strftime(h.end_date, '%d.%m.%Y'),
        'Каникулы «' || h.holiday_name || '» выходят за границы учебного года ' || h.academic_year_id,
    from stg_holidays as h
    join years as y on y.academic_year_id = h.academic_year_id
    where h.end_date < y.start_date or h.start_date > y.end_date
),
lessons as (
    select 'lessons', l._row, 'lesson_date', strftime(l.lesson_date, '%d.%m.%Y'),
        'Дата урока вне учебного года ' || c.academic_year_id || ' класса «' || c.class_name || '»',
    from stg_lessons as l
    join cur_classes as c on c.class_id = l.class_id
    join years as y on y.academic_year_id = c.academic_year_id
    where l.lesson_date < y.start_date or l.lesson_date > y.end_date
),
enrolments as (
    select 'enrolments', e._row, 'start_date', strftime(e.start_date, '%d.%m.%Y'),
        'Пребывание в классе «' || c.class_name || '» не пересекается с учебным годом ' || c.academic_year_id,
    from stg_enrolments as e
    join cur_classes as c on c.class_id = e.class_id
    join years as y on y.academic_year_id = c.academic_year_id
    where e.start_date > y.end_date or coalesce(e.end_date, e.start_date) < y.start_date
)
select t.file_name, t.row_number, t.column_name, t.cell_value, 'date_outside_year' as rule_code, t.message from (
    select * from periods
    union all select * from holidays
    union all select * from lessons
    union all select * from enrolments
) as t (file_name, row_number, column_name, cell_value, message)
