-- Grain: one row per school and subject. Key: school_id, subject_id.
-- Subjects (предметы) with the full and short names and the ФИПИ subject code used to match
-- external assessments.
with source as (
    select * from src_subjects
),

renamed as (
    select
        school_id,
        subject_id,
        subject_name,
        short_name,
        nullif(trim(fipi_code), '') as fipi_code
    from source
),

final as (
    select
        school_id,
        subject_id,
        subject_name,
        short_name,
        fipi_code
    from renamed
)

select * from final
