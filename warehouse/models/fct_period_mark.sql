-- Grain: one row per pupil, subject, academic year, mark kind and period.
-- Key: school_id, pupil_id, subject_id, academic_year_id, mark_kind_code, period_id (null for year, exam, final).
-- Period, year, exam and final marks (итоговые отметки). mark_numeric is 1–5 or null; «н/а» is
-- non-attestation with its reason; «зач» and «осв» are passes. entry_offset_days counts days from
-- the period's last day to the entry date (negative = entered early; null for kinds without a
-- period). class_id is the pupil's class on the period's last day (the year's last day for kinds
-- without a period), else the pupil's latest enrolment in a class of that academic year;
-- is_on_roll_at_end says whether the pupil is on that class's roll on that day (a pupil who left
-- before the period's last day is not: shared/DOMAIN.md, not in N of the period).
with period_marks as (
    select
        school_id,
        pupil_id,
        subject_id,
        academic_year_id,
        mark_kind_code,
        nullif(trim(period_id), '') as period_id,
        trim(mark_value) as mark_value,
        nullif(trim(na_reason_code), '') as na_reason_code,
        entered_at,
        entered_by
    from src_period_marks
),

periods as (
    select
        school_id,
        period_id,
        end_date
    from dim_period
),

academic_years as (
    select
        school_id,
        academic_year_id,
        end_date
    from src_academic_years
),

enrolments as (
    select
        enrolments.school_id,
        enrolments.pupil_id,
        enrolments.class_id,
        classes.academic_year_id,
        classes.grade,
        enrolments.start_date,
        enrolments.end_date
    from src_enrolments as enrolments
    inner join src_classes as classes
        on classes.school_id = enrolments.school_id
        and classes.class_id = enrolments.class_id
),

dated as (
    select
        period_marks.*,
        periods.end_date as period_end_date,
        coalesce(periods.end_date, years.end_date) as reference_date
    from period_marks
    left join periods
        on periods.school_id = period_marks.school_id
        and periods.period_id = period_marks.period_id
    left join academic_years as years
        on years.school_id = period_marks.school_id
        and years.academic_year_id = period_marks.academic_year_id
),

ranked as (
    select
        dated.*,
        enrolments.class_id,
        enrolments.grade,
        coalesce(
            enrolments.start_date <= dated.reference_date
            and (enrolments.end_date is null or enrolments.end_date >= dated.reference_date),
            false
        ) as is_on_roll_at_end,
        row_number() over (
            partition by
                dated.school_id,
                dated.pupil_id,
                dated.subject_id,
                dated.academic_year_id,
                dated.mark_kind_code,
                dated.period_id
            order by
                case
                    when enrolments.start_date <= dated.reference_date
                        and (enrolments.end_date is null or enrolments.end_date >= dated.reference_date)
                        then 0
                    else 1
                end,
                enrolments.start_date desc,
                enrolments.class_id
        ) as class_rank
    from dated
    left join enrolments
        on enrolments.school_id = dated.school_id
        and enrolments.pupil_id = dated.pupil_id
        and enrolments.academic_year_id = dated.academic_year_id
),

final as (
    select
        school_id,
        pupil_id,
        subject_id,
        academic_year_id,
        mark_kind_code,
        period_id,
        period_end_date,
        class_id,
        grade,
        is_on_roll_at_end,
        mark_value,
        case when mark_value in ('1', '2', '3', '4', '5') then cast(mark_value as integer) end as mark_numeric,
        mark_value = 'н/а' as is_na,
        na_reason_code,
        mark_value in ('зач', 'осв') as is_pass,
        entered_at,
        entered_by,
        date_diff('day', period_end_date, cast(entered_at as date)) as entry_offset_days
    from ranked
    where class_rank = 1
)

select * from final
