-- Grain: one row per school, pupil, class and date on which the pupil was expected at lessons of
-- the class. Key: school_id, pupil_id, class_id, lesson_date.
-- A pupil's school day for the attendance pages and reports: lessons expected (class and subgroup
-- lessons), missed (н, у, б), missed without a good reason (н), for a good reason (у or б), for
-- illness (б), and late arrivals (оп). A day counts as missed only when every expected lesson of
-- it was missed (shared/DOMAIN.md); a missed day is excused when every lesson of it was missed for
-- a good reason, and a day of illness when every lesson of it was missed for illness. The day's
-- reason is the one of most of its missed lessons (б before у before н on a tie).
with attendance as (
    select
        school_id,
        pupil_id,
        class_id,
        lesson_date,
        academic_year_id,
        period_id,
        absence_code,
        is_absent,
        is_excused,
        is_illness,
        is_late
    from fct_attendance
),

days as (
    select
        school_id,
        pupil_id,
        class_id,
        lesson_date,
        any_value(academic_year_id) as academic_year_id,
        any_value(period_id) as period_id,
        count(*) as n_lessons,
        cast(sum(case when is_absent then 1 else 0 end) as bigint) as n_missed,
        cast(sum(case when absence_code = 'н' then 1 else 0 end) as bigint) as n_missed_unexcused,
        cast(sum(case when is_excused then 1 else 0 end) as bigint) as n_missed_excused,
        cast(sum(case when is_illness then 1 else 0 end) as bigint) as n_missed_illness,
        cast(sum(case when is_late then 1 else 0 end) as bigint) as n_late
    from attendance
    group by school_id, pupil_id, class_id, lesson_date
),

final as (
    select
        school_id,
        pupil_id,
        class_id,
        lesson_date,
        academic_year_id,
        period_id,
        n_lessons,
        n_missed,
        n_missed_unexcused,
        n_missed_excused,
        n_missed_illness,
        n_late,
        n_missed = n_lessons as is_day_missed,
        n_missed_excused = n_lessons as is_day_missed_excused,
        n_missed_illness = n_lessons as is_day_missed_illness,
        case
            when n_missed = 0 then null
            when n_missed_illness >= n_missed_excused - n_missed_illness
                and n_missed_illness >= n_missed_unexcused then 'б'
            when n_missed_excused - n_missed_illness >= n_missed_unexcused then 'у'
            else 'н'
        end as day_reason_code
    from days
)

select * from final
