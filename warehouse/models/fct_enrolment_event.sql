-- Grain: one row per arrival or departure of a pupil in a class. Key: school_id, pupil_id, class_id, event_code, event_date.
-- Pupil movement (движение учащихся): every enrolment gives an arrival on its first day and, when
-- it has an end date, a departure on its last day, each with its reason as given. Arrivals on the
-- year's first day («начало года») and departures at its end («окончание года») are events too:
-- consumers filter on reason.
with enrolments as (
    select
        school_id,
        pupil_id,
        class_id,
        start_date,
        end_date,
        nullif(trim(arrival_reason), '') as arrival_reason,
        nullif(trim(departure_reason), '') as departure_reason
    from src_enrolments
),

classes as (
    select
        school_id,
        class_id,
        academic_year_id,
        grade
    from src_classes
),

arrivals as (
    select
        school_id,
        pupil_id,
        class_id,
        'arrival' as event_code,
        start_date as event_date,
        arrival_reason as reason
    from enrolments
),

departures as (
    select
        school_id,
        pupil_id,
        class_id,
        'departure' as event_code,
        end_date as event_date,
        departure_reason as reason
    from enrolments
    where end_date is not null
),

events as (
    select * from arrivals
    union all
    select * from departures
),

final as (
    select
        events.school_id,
        events.pupil_id,
        events.class_id,
        events.event_code,
        events.event_date,
        events.reason,
        classes.academic_year_id,
        classes.grade
    from events
    left join classes
        on classes.school_id = events.school_id
        and classes.class_id = events.class_id
)

select * from final
