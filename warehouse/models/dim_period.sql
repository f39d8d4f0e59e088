-- Grain: one row per school and study period. Key: school_id, period_id.
-- Study periods (учебные периоды: четверти, триместры, полугодия, семестры). grades is the
-- apply-list as given («1,2,3,4»); null or empty means the period applies to every grade.
-- is_year_part: the period lies within its academic year and is a proper part of it (does not
-- span the whole year); false flags a period outside its year's dates or covering all of it.
with source as (
    select * from src_periods
),

renamed as (
    select
        school_id,
        period_id,
        academic_year_id,
        period_kind_code,
        period_number,
        period_name,
        start_date,
        end_date,
        nullif(replace(grades, ' ', ''), '') as grades
    from source
),

academic_years as (
    select
        school_id,
        academic_year_id,
        start_date as year_start_date,
        end_date as year_end_date
    from src_academic_years
),

final as (
    select
        periods.school_id,
        periods.period_id,
        periods.academic_year_id,
        periods.period_kind_code,
        periods.period_number,
        periods.period_name,
        periods.start_date,
        periods.end_date,
        periods.grades,
        coalesce(
            periods.start_date >= years.year_start_date
            and periods.end_date <= years.year_end_date
            and not (periods.start_date = years.year_start_date and periods.end_date = years.year_end_date),
            false
        ) as is_year_part
    from renamed as periods
    left join academic_years as years
        on years.school_id = periods.school_id
        and years.academic_year_id = periods.academic_year_id
)

select * from final
