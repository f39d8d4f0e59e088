-- A period mark's period must belong to the academic year the row names.
select
    'period_marks' as file_name,
    pm._row as row_number,
    'period_id' as column_name,
    pm.period_id as cell_value,
    'period_wrong_year' as rule_code,
    'Период «' || p.period_name || '» относится к году ' || p.academic_year_id || ', а не ' || pm.academic_year_id as message,
from stg_period_marks as pm
join cur_periods as p on p.period_id = pm.period_id
where p.academic_year_id <> pm.academic_year_id
