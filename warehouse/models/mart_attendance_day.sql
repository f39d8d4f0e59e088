-- Grain: one row per pupil and school day with lessons the pupil was expected at.
-- Key: school_id, pupil_id, lesson_date.
-- A pupil's day: lessons expected, missed (н, у, б) in all and by reason, late arrivals (оп), and
-- whether the whole day was missed (every lesson of it missed: shared/DOMAIN.md); the day's
-- reason is the one of most of its missed lessons (б before у before н on a tie). class_id is
-- the class of the day's lessons (the pupil's class on that day), period_id the study period.
with attendance as (
    select * from fct_attendance
),

days as (
    select
        school_id,
        pupil_id,
        lesson_date,
        any_value(academic_year_id) as academic_year_id,
        any_value(period_id) as period_id,
        any_value(class_id) as class_id,
        count(*) as n_lessons,
        count(case when is_absent then 1 end) as n_missed,
        count(case when absence_code = 'н' then 1 end) as n_missed_unexcused,
        count(case when absence_code = 'у' then 1 end) as n_missed_excused,
        count(case when absence_code = 'б' then 1 end) as n_missed_illness,
        count(case when is_late then 1 end) as n_late
    from attendance
    group by school_id, pupil_id, lesson_date
),

final as (
    select
        days.*,
        n_missed = n_lessons as is_day_missed,
        case
            when n_missed = 0 then null
            when n_missed_illness >= n_missed_excused and n_missed_illness >= n_missed_unexcused then 'б'
            when n_missed_excused >= n_missed_unexcused then 'у'
            else 'н'
        end as day_reason_code
    from days
)

select * from final
