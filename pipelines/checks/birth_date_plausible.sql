-- A pupil is $youngest_pupil to $oldest_pupil years old on the days the export covers
-- (pipelines/limits.py: PUPIL_AGE_YEARS). The date itself is personal data: the message does not repeat it.
select
    'pupils' as file_name,
    p._row as row_number,
    'birth_date' as column_name,
    strftime(p.birth_date, '%d.%m.%Y') as cell_value,
    'birth_date_implausible' as rule_code,
    'Дата рождения неправдоподобна: в период выгрузки ученику было бы меньше ' || $youngest_pupil
        || ' или больше ' || $oldest_pupil || ' лет' as message,
from stg_pupils as p
where p.birth_date > cast($covers_to_date as date) - to_years(cast($youngest_pupil as integer))
    or p.birth_date < cast($covers_from_date as date) - to_years(cast($oldest_pupil as integer))
