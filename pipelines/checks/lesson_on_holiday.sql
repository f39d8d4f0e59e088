-- A lesson on a holiday of its class's grade is refused unless the school allows it.
select
    'lessons' as file_name,
    l._row as row_number,
    'lesson_date' as column_name,
    strftime(l.lesson_date, '%d.%m.%Y') as cell_value,
    'lesson_on_holiday' as rule_code,
    'Урок в день каникул или праздника «' || any_value(h.holiday_name) || '» (класс «' || any_value(c.class_name) || '»)' as message,
from stg_lessons as l
join cur_classes as c on c.class_id = l.class_id
join cur_holidays as h
    on h.academic_year_id = c.academic_year_id
    and l.lesson_date between h.start_date and h.end_date
    and (h.grades is null or list_contains(string_split(h.grades, ','), cast(c.grade as varchar)))
where not $allow_lessons_on_holidays
group by l._row, l.lesson_date
