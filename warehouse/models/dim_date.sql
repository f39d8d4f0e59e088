-- Grain: one row per school, grade (1–11) and date of each academic year. Key: school_id, grade, date_day.
-- The school calendar: weekday, weekend, holidays (каникулы) and the study period of each grade
-- on each day. A holiday or period whose grades are null or empty applies to every grade.
-- Dates come from a spine of day offsets 0–999 (three inline digit tables) added to the year's
-- first day and cut at its last day; the weekday is counted from Monday 2000-01-03.
with academic_years as (
    select
        school_id,
        academic_year_id,
        start_date,
        end_date
    from src_academic_years
),

digits as (
    select n from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as t(n)
),

day_offsets as (
    select hundreds.n * 100 + tens.n * 10 + units.n as day_offset
    from digits as hundreds
    cross join digits as tens
    cross join digits as units
),

grades as (
    select grade from (values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11)) as t(grade)
),

days as (
    select
        years.school_id,
        years.academic_year_id,
        date_add(years.start_date, day_offsets.day_offset) as date_day
    from academic_years as years
    cross join day_offsets
    where day_offsets.day_offset <= date_diff('day', years.start_date, years.end_date)
),

grade_days as (
    select
        days.school_id,
        days.academic_year_id,
        grades.grade,
        days.date_day,
        cast((date_diff('day', date '2000-01-03', days.date_day) % 7 + 7) % 7 + 1 as integer) as weekday_number
    from days
    cross join grades
),

periods as (
    select
        school_id,
        period_id,
        academic_year_id,
        start_date,
        end_date,
        nullif(replace(grades, ' ', ''), '') as grades
    from src_periods
),

holidays as (
    select
        school_id,
        academic_year_id,
        holiday_name,
        start_date,
        end_date,
        nullif(replace(grades, ' ', ''), '') as grades
    from src_holidays
),

-- when periods of one grade overlap (a quarter inside a half-year), the shortest one wins
period_matches as (
    select
        grade_days.school_id,
        grade_days.grade,
        grade_days.date_day,
        periods.period_id,
        row_number() over (
            partition by grade_days.school_id, grade_days.grade, grade_days.date_day
            order by date_diff('day', periods.start_date, periods.end_date), periods.period_id
        ) as match_rank
    from grade_days
    inner join periods
        on periods.school_id = grade_days.school_id
        and periods.academic_year_id = grade_days.academic_year_id
        and grade_days.date_day between periods.start_date and periods.end_date
        and (
            periods.grades is null
            or (',' || periods.grades || ',') like ('%,' || cast(grade_days.grade as varchar) || ',%')
        )
),

-- when holidays overlap (a public holiday inside the winter break), the shortest one names the day
holiday_matches as (
    select
        grade_days.school_id,
        grade_days.grade,
        grade_days.date_day,
        holidays.holiday_name,
        row_number() over (
            partition by grade_days.school_id, grade_days.grade, grade_days.date_day
            order by date_diff('day', holidays.start_date, holidays.end_date), holidays.holiday_name
        ) as match_rank
    from grade_days
    inner join holidays
        on holidays.school_id = grade_days.school_id
        and holidays.academic_year_id = grade_days.academic_year_id
        and grade_days.date_day between holidays.start_date and holidays.end_date
        and (
            holidays.grades is null
            or (',' || holidays.grades || ',') like ('%,' || cast(grade_days.grade as varchar) || ',%')
        )
),

calendar as (
    select
        grade_days.school_id,
        grade_days.grade,
        grade_days.date_day,
        grade_days.academic_year_id,
        grade_days.weekday_number,
        grade_days.weekday_number in (6, 7) as is_weekend,
        holiday_matches.holiday_name,
        holiday_matches.holiday_name is not null as is_holiday,
        period_matches.period_id,
        cast(extract(month from grade_days.date_day) as integer) as month_number
    from grade_days
    left join period_matches
        on period_matches.school_id = grade_days.school_id
        and period_matches.grade = grade_days.grade
        and period_matches.date_day = grade_days.date_day
        and period_matches.match_rank = 1
    left join holiday_matches
        on holiday_matches.school_id = grade_days.school_id
        and holiday_matches.grade = grade_days.grade
        and holiday_matches.date_day = grade_days.date_day
        and holiday_matches.match_rank = 1
),

final as (
    select
        school_id,
        cast(grade as bigint) as grade,
        date_day,
        academic_year_id,
        weekday_number,
        case weekday_number
            when 1 then 'понедельник'
            when 2 then 'вторник'
            when 3 then 'среда'
            when 4 then 'четверг'
            when 5 then 'пятница'
            when 6 then 'суббота'
            when 7 then 'воскресенье'
        end as weekday_name,
        date_add(date_day, 1 - weekday_number) as week_start_date,
        is_weekend,
        holiday_name,
        is_holiday,
        not is_weekend and not is_holiday as is_study_day,
        period_id,
        month_number,
        case month_number
            when 1 then 'январь'
            when 2 then 'февраль'
            when 3 then 'март'
            when 4 then 'апрель'
            when 5 then 'май'
            when 6 then 'июнь'
            when 7 then 'июль'
            when 8 then 'август'
            when 9 then 'сентябрь'
            when 10 then 'октябрь'
            when 11 then 'ноябрь'
            when 12 then 'декабрь'
        end as month_name
    from calendar
)

select * from final
