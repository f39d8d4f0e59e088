-- Grain: one row per pupil, subject, assessment and date. Key: school_id, pupil_id, subject_id, assessment_code, assessment_date.
-- External assessments (ВПР, ОГЭ, ЕГЭ, РДР, НИКО) beside the pupil's journal mark: the period
-- mark of the period covering the assessment date or, when there is none yet, the latest earlier
-- period mark of the subject. comparison_code tells whether the assessment mark is below
-- («понизил»), equal to («подтвердил») or above («повысил») the journal mark, when both are numeric.
with results as (
    select
        school_id,
        pupil_id,
        subject_id,
        assessment_code,
        assessment_date,
        grade,
        primary_score,
        max_score,
        trim(mark_value) as mark_value
    from src_external_results
),

period_marks as (
    select
        school_id,
        pupil_id,
        subject_id,
        period_id,
        mark_value,
        mark_numeric
    from fct_period_mark
    where mark_kind_code = 'period'
),

periods as (
    select
        school_id,
        period_id,
        start_date,
        end_date
    from dim_period
),

journal_candidates as (
    select
        results.school_id,
        results.pupil_id,
        results.subject_id,
        results.assessment_code,
        results.assessment_date,
        period_marks.period_id,
        period_marks.mark_value,
        period_marks.mark_numeric,
        row_number() over (
            partition by
                results.school_id,
                results.pupil_id,
                results.subject_id,
                results.assessment_code,
                results.assessment_date
            order by periods.start_date desc, periods.end_date, periods.period_id
        ) as candidate_rank
    from results
    inner join period_marks
        on period_marks.school_id = results.school_id
        and period_marks.pupil_id = results.pupil_id
        and period_marks.subject_id = results.subject_id
    inner join periods
        on periods.school_id = period_marks.school_id
        and periods.period_id = period_marks.period_id
        and periods.start_date <= results.assessment_date
),

journal_marks as (
    select * from journal_candidates
    where candidate_rank = 1
),

compared as (
    select
        results.*,
        case when results.mark_value in ('1', '2', '3', '4', '5') then cast(results.mark_value as integer) end
            as mark_numeric,
        journal_marks.period_id as journal_period_id,
        journal_marks.mark_value as journal_mark_value,
        journal_marks.mark_numeric as journal_mark_numeric
    from results
    left join journal_marks
        on journal_marks.school_id = results.school_id
        and journal_marks.pupil_id = results.pupil_id
        and journal_marks.subject_id = results.subject_id
        and journal_marks.assessment_code = results.assessment_code
        and journal_marks.assessment_date = results.assessment_date
),

final as (
    select
        school_id,
        pupil_id,
        subject_id,
        assessment_code,
        assessment_date,
        grade,
        primary_score,
        max_score,
        primary_score / max_score as score_share,
        mark_value,
        mark_numeric,
        journal_period_id,
        journal_mark_value,
        journal_mark_numeric,
        case
            when mark_numeric < journal_mark_numeric then 'понизил'
            when mark_numeric = journal_mark_numeric then 'подтвердил'
            when mark_numeric > journal_mark_numeric then 'повысил'
        end as comparison_code
    from compared
)

select * from final
