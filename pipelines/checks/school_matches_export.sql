-- school.csv must describe the school named in export.csv.
select
    'school' as file_name,
    s._row as row_number,
    'school_id' as column_name,
    s.school_id as cell_value,
    'school_mismatch' as rule_code,
    'Школа «' || s.school_id || '» не совпадает со школой выгрузки «' || $school_id || '» (export.csv)' as message,
from stg_school as s
where s.school_id <> $school_id
