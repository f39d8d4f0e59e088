-- Grain: one row per school and pupil. Key: school_id, pupil_id.
-- Pupils (обучающиеся) with the full name («Фамилия Имя Отчество»), personal-data consent and
-- their place in the school: the current class (the latest enrolment: latest start, then the open
-- or latest-ending one), the first and the latest enrolment start dates, the departure date of the
-- latest enrolment, and is_on_roll (the latest enrolment has no end date or is still open on the
-- last day of its academic year). Personal data under 152-ФЗ: filter on has_consent downstream.
with pupils as (
    select
        school_id,
        pupil_id,
        trim(last_name) as last_name,
        trim(first_name) as first_name,
        nullif(trim(middle_name), '') as middle_name,
        birth_date,
        nullif(trim(gender_code), '') as gender_code,
        has_consent
    from src_pupils
),

enrolments as (
    select
        school_id,
        pupil_id,
        class_id,
        start_date,
        end_date
    from src_enrolments
),

classes as (
    select
        school_id,
        class_id,
        academic_year_id
    from src_classes
),

academic_years as (
    select
        school_id,
        academic_year_id,
        end_date as year_end_date
    from src_academic_years
),

enrolment_span as (
    select
        school_id,
        pupil_id,
        min(start_date) as first_enrolment_date,
        max(start_date) as last_enrolment_date
    from enrolments
    group by school_id, pupil_id
),

ranked_enrolments as (
    select
        enrolments.school_id,
        enrolments.pupil_id,
        enrolments.class_id,
        enrolments.end_date,
        years.year_end_date,
        row_number() over (
            partition by enrolments.school_id, enrolments.pupil_id
            order by
                enrolments.start_date desc,
                coalesce(enrolments.end_date, date '9999-12-31') desc,
                enrolments.class_id desc
        ) as enrolment_rank
    from enrolments
    left join classes
        on classes.school_id = enrolments.school_id
        and classes.class_id = enrolments.class_id
    left join academic_years as years
        on years.school_id = classes.school_id
        and years.academic_year_id = classes.academic_year_id
),

latest_enrolment as (
    select
        school_id,
        pupil_id,
        class_id,
        end_date,
        end_date is null or end_date >= year_end_date as is_open_at_year_end
    from ranked_enrolments
    where enrolment_rank = 1
),

final as (
    select
        pupils.school_id,
        pupils.pupil_id,
        pupils.last_name,
        pupils.first_name,
        pupils.middle_name,
        concat_ws(' ', pupils.last_name, pupils.first_name, pupils.middle_name) as full_name,
        pupils.birth_date,
        pupils.gender_code,
        pupils.has_consent,
        latest_enrolment.class_id as current_class_id,
        enrolment_span.first_enrolment_date,
        enrolment_span.last_enrolment_date,
        latest_enrolment.end_date as departure_date,
        coalesce(latest_enrolment.is_open_at_year_end, false) as is_on_roll
    from pupils
    left join enrolment_span
        on enrolment_span.school_id = pupils.school_id
        and enrolment_span.pupil_id = pupils.pupil_id
    left join latest_enrolment
        on latest_enrolment.school_id = pupils.school_id
        and latest_enrolment.pupil_id = pupils.pupil_id
)

select * from final
