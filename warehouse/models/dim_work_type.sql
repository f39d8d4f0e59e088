-- Grain: one row per school and work type. Key: school_id, work_type_id.
-- Kinds of work marks are given for (виды работ) with the weight set by the school's local act
-- and whether the work is a control work (контрольная).
with source as (
    select * from src_work_types
),

renamed as (
    select
        school_id,
        work_type_id,
        work_type_name,
        weight,
        is_control
    from source
),

final as (
    select
        school_id,
        work_type_id,
        work_type_name,
        weight,
        is_control
    from renamed
)

select * from final
