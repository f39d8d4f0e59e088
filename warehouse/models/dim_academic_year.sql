-- Grain: one row per school and academic year. Key: school_id, academic_year_id.
-- Academic years (учебные годы) with their first and last day and the number of study days:
-- dates on which at least one grade studies (not a weekend, not that grade's holiday), from dim_date.
with source as (
    select * from src_academic_years
),

renamed as (
    select
        school_id,
        academic_year_id,
        start_date,
        end_date
    from source
),

calendar as (
    select
        school_id,
        academic_year_id,
        date_day,
        is_study_day
    from dim_date
),

study_days as (
    select
        school_id,
        academic_year_id,
        count(distinct case when is_study_day then date_day end) as n_study_days
    from calendar
    group by school_id, academic_year_id
),

final as (
    select
        years.school_id,
        years.academic_year_id,
        years.start_date,
        years.end_date,
        coalesce(study_days.n_study_days, 0) as n_study_days
    from renamed as years
    left join study_days
        on study_days.school_id = years.school_id
        and study_days.academic_year_id = years.academic_year_id
)

select * from final
