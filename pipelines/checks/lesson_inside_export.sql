-- An export covers a date range (export.csv); a lesson outside it does not belong to this export.
select
    'lessons' as file_name,
    l._row as row_number,
    'lesson_date' as column_name,
    strftime(l.lesson_date, '%d.%m.%Y') as cell_value,
    'lesson_outside_export' as rule_code,
    'Урок вне периода, который покрывает выгрузка (' || strftime(cast($covers_from_date as date), '%d.%m.%Y')
        || '–' || strftime(cast($covers_to_date as date), '%d.%m.%Y') || ')' as message,
from stg_lessons as l
where l.lesson_date < cast($covers_from_date as date) or l.lesson_date > cast($covers_to_date as date)
