-- Grain: one row per school and teacher. Key: school_id, teacher_id.
-- Teachers and other staff who keep the journal, with the full name («Смирнова Ольга Петровна»)
-- and the short name for signatures and tables («Смирнова О. П.»; «Иванов П.» without a patronymic).
with source as (
    select * from src_teachers
),

renamed as (
    select
        school_id,
        teacher_id,
        trim(last_name) as last_name,
        trim(first_name) as first_name,
        nullif(trim(middle_name), '') as middle_name,
        nullif(trim(position), '') as position
    from source
),

final as (
    select
        school_id,
        teacher_id,
        last_name,
        first_name,
        middle_name,
        concat_ws(' ', last_name, first_name, middle_name) as full_name,
        last_name || ' ' || substring(first_name, 1, 1) || '.'
            || coalesce(' ' || substring(middle_name, 1, 1) || '.', '') as short_name,
        position
    from renamed
)

select * from final
