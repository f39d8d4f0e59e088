-- A mark cannot be entered before its lesson took place.
select
    'marks' as file_name,
    m._row as row_number,
    'entered_at' as column_name,
    strftime(m.entered_at, '%d.%m.%Y %H:%M') as cell_value,
    'mark_before_lesson' as rule_code,
    'Отметка выставлена раньше даты урока ' || strftime(l.lesson_date, '%d.%m.%Y') as message,
from stg_marks as m
join cur_lessons as l on l.lesson_id = m.lesson_id
where cast(m.entered_at as date) < l.lesson_date
