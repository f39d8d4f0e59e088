-- Grain: one row per school and teacher. Key: school_id, teacher_id.
-- Teachers and other staff who keep the journal, with the full name («Смирнова Ольга Петровна»)
-- and the short name for signatures and tables («Смирнова О. П.»; «Иванов П.» without a patronymic).
-- Namesakes are told apart: where two teachers of a school share surname and initials, each one's
-- short name is the full name («Богданова Валентина Романовна»), and where the full names are the
-- same too, the full name with the teacher's id from the export.
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

named as (
    select
        school_id,
        teacher_id,
        last_name,
        first_name,
        middle_name,
        concat_ws(' ', last_name, first_name, middle_name) as full_name,
        last_name || ' ' || substring(first_name, 1, 1) || '.'
            || coalesce(' ' || substring(middle_name, 1, 1) || '.', '') as initials_name,
        position
    from renamed
),

final as (
    select
        school_id,
        teacher_id,
        last_name,
        first_name,
        middle_name,
        full_name,
        case
            when count(*) over (partition by school_id, full_name) > 1
                then full_name || ' (' || teacher_id || ')'
            when count(*) over (partition by school_id, initials_name) > 1 then full_name
            else initials_name
        end as short_name,
        position
    from named
)

select * from final
