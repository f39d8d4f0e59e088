-- Grain: one row per ВПР result of a pupil. Key: school_id, pupil_id, subject_id, assessment_date.
-- ВПР against the journal in the ФИС ОКО layout: each participant's ВПР mark beside the journal
-- period mark (fct_external_result), the class the pupil was on roll in on the day of the work,
-- the teacher who gave the journal mark, and the gap (ВПР mark − journal mark). The query layer
-- counts понизили / подтвердили / повысили per school, parallel, class, subject and teacher and
-- marks groups under the minimum size «не оценивается».
with results as (
    select
        school_id,
        pupil_id,
        subject_id,
        assessment_date,
        grade,
        primary_score,
        max_score,
        mark_numeric,
        journal_period_id,
        journal_mark_numeric,
        comparison_code
    from fct_external_result
    where assessment_code = 'ВПР'
),

stays as (
    select
        results.school_id,
        results.pupil_id,
        results.subject_id,
        results.assessment_date,
        roster.class_id,
        row_number() over (
            partition by results.school_id, results.pupil_id, results.subject_id, results.assessment_date
            order by roster.start_date desc, roster.class_id
        ) as stay_rank
    from results
    inner join int_roster as roster
        on roster.school_id = results.school_id
        and roster.pupil_id = results.pupil_id
        and roster.roster_kind_code = 'class'
        and roster.start_date <= results.assessment_date
        and (roster.end_date is null or roster.end_date >= results.assessment_date)
),

journal_teachers as (
    select
        school_id,
        pupil_id,
        subject_id,
        period_id,
        entered_by as teacher_id
    from fct_period_mark
    where mark_kind_code = 'period'
),

final as (
    select
        results.school_id,
        results.pupil_id,
        results.subject_id,
        results.assessment_date,
        results.grade,
        stays.class_id,
        journal_teachers.teacher_id,
        results.primary_score,
        results.max_score,
        results.mark_numeric,
        results.journal_period_id,
        results.journal_mark_numeric,
        results.comparison_code,
        results.mark_numeric - results.journal_mark_numeric as mark_gap
    from results
    left join stays
        on stays.school_id = results.school_id
        and stays.pupil_id = results.pupil_id
        and stays.subject_id = results.subject_id
        and stays.assessment_date = results.assessment_date
        and stays.stay_rank = 1
    left join journal_teachers
        on journal_teachers.school_id = results.school_id
        and journal_teachers.pupil_id = results.pupil_id
        and journal_teachers.subject_id = results.subject_id
        and journal_teachers.period_id = results.journal_period_id
)

select * from final
