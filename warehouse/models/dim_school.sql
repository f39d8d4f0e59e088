-- Grain: one row per school. Key: school_id.
-- The school (образовательная организация) as given in school.csv: names for report headers,
-- region and municipality for regional roll-ups, the director's name for signature lines.
with source as (
    select * from src_school
),

renamed as (
    select
        school_id,
        school_name,
        short_name,
        region_id,
        nullif(trim(municipality), '') as municipality,
        nullif(trim(director_name), '') as director_name
    from source
),

final as (
    select
        school_id,
        school_name,
        short_name,
        region_id,
        municipality,
        director_name
    from renamed
)

select * from final
