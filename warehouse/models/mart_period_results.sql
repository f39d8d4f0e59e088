-- Grain: one row per school, class, period and subject with period marks. Key: school_id,
-- class_id, period_id, subject_id.
-- The standard period summary (shared/DOMAIN.md «Standard period summary figures»): N counts the
-- pupils on the class's roll on the period's last day with a period mark or «н/а» in the subject
-- (a pupil who left before that day is not in N even with a period mark; pupils with no mark and
-- exempt pupils are not in N; non-attested pupils are); n5…n2 and n_na count them by mark.
-- успеваемость = (n5+n4+n3)/N·100, качество = (n5+n4)/N·100,
-- СОУ = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·nна)/N, средний балл = sum of numeric marks / their
-- number. Each share is one division of two counts, so its double is the exact ratio's nearest and
-- ejournal.formatting.half_up rounds it half up as printed (DuckDB's round() is not applied here).
-- Each share's numerator is a column too (n_progress, n_quality, sou_points, sum_marks over
-- n_numeric), so a school, parallel or subject total is a sum of numerators over a sum of N
-- (warehouse/director.py) and the formulas stay written here only.
with period_marks as (
    select
        school_id,
        class_id,
        period_id,
        subject_id,
        pupil_id,
        mark_numeric,
        is_na
    from fct_period_mark
    where mark_kind_code = 'period'
        and class_id is not null
        and is_on_roll_at_end
        and (mark_numeric is not null or is_na)
),

counts as (
    select
        school_id,
        class_id,
        period_id,
        subject_id,
        count(distinct pupil_id) as n_pupils,
        count(distinct case when mark_numeric = 5 then pupil_id end) as n_5,
        count(distinct case when mark_numeric = 4 then pupil_id end) as n_4,
        count(distinct case when mark_numeric = 3 then pupil_id end) as n_3,
        count(distinct case when mark_numeric <= 2 then pupil_id end) as n_2,
        count(distinct case when is_na then pupil_id end) as n_na,
        count(mark_numeric) as n_numeric,
        sum(mark_numeric) as sum_marks
    from period_marks
    group by school_id, class_id, period_id, subject_id
),

numerators as (
    select
        *,
        n_5 + n_4 + n_3 as n_progress,
        n_5 + n_4 as n_quality,
        100 * n_5 + 64 * n_4 + 36 * n_3 + 16 * n_2 + 7 * n_na as sou_points
    from counts
),

final as (
    select
        school_id,
        class_id,
        period_id,
        subject_id,
        n_pupils,
        n_5,
        n_4,
        n_3,
        n_2,
        n_na,
        100.0 * n_progress / n_pupils as progress_pct,
        100.0 * n_quality / n_pupils as quality_pct,
        1.0 * sou_points / n_pupils as sou_pct,
        1.0 * sum_marks / nullif(n_numeric, 0) as mean_mark,
        n_progress,
        n_quality,
        sou_points,
        n_numeric,
        cast(sum_marks as bigint) as sum_marks
    from numerators
)

select * from final
