-- Grain: one row per school, pupil, class and date on which the pupil was expected at lessons
-- of the class. Key: school_id, pupil_id, class_id, lesson_date.
-- A pupil's school day for the attendance reports: lessons expected (class and subgroup lessons),
-- missed (н, у, б), missed for a good reason (у, б), missed for illness (б) and late (оп). A day
-- counts as missed only when every expected lesson of that day was missed (shared/DOMAIN.md); a
-- missed day is excused when every lesson of it was missed for a good reason, and a day of
-- illness when every lesson of it was missed for illness.
with attendance as (
    select
        school_id,
        pupil_id,
        class_id,
        lesson_date,
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
        count(*) as n_lessons,
        sum(case when is_absent then 1 else 0 end) as n_missed,
        sum(case when is_excused then 1 else 0 end) as n_missed_excused,
        sum(case when is_illness then 1 else 0 end) as n_missed_illness,
        sum(case when is_late then 1 else 0 end) as n_late
    from attendance
    group by school_id, pupil_id, class_id, lesson_date
),

final as (
    select
        school_id,
        pupil_id,
        class_id,
        lesson_date,
        n_lessons,
        n_missed,
        n_missed_excused,
        n_missed_illness,
        n_late,
        n_missed = n_lessons as is_day_missed,
        n_missed_excused = n_lessons as is_day_missed_excused,
        n_missed_illness = n_lessons as is_day_missed_illness
    from days
)

select * from final
