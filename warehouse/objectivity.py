"""Objectivity of final marks (seed 000 §4.6.5, §5.1-5.2, §6.2): the query layer over
mart_objectivity_final and mart_objectivity_lesson, with the school's norms bound as parameters.

Flags (each a rule of data_samples/generator/truth.py, with the thresholds taken from norms.toml):

- final_mark_raised / final_mark_lowered: a numeric period mark above / below the mark the rounding
  rule gives from the weighted average of the pupil's current marks in the subject in the period;
- final_without_control_work: a numeric period mark while a control work was held at a lesson of
  the subject in the period the pupil was expected at, and the pupil has no control-type mark;
- marks_padding_before_period_end: for a teacher, class (subgroup), subject and period, in the last
  N days of the period at least M ordinary marks and at least K times as many ordinary marks per
  present pupil-lesson as before.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal_texts
from warehouse import query
from warehouse.objectivity_norms import ObjectivityNorms, rule_mark_sql
from warehouse.scope import scope_sql, visible_pupils_sql

FLAG_TITLES = {
    "final_mark_raised": "Отметка за период завышена относительно средневзвешенного",
    "final_mark_lowered": "Отметка за период занижена относительно средневзвешенного",
    "final_without_control_work": "Отметка за период без отметки за проведённую контрольную",
    "marks_padding_before_period_end": "Накопление отметок в последние дни периода",
}
FLAG_COLUMNS = ["rule", "teacher_id", "class_id", "subject_id", "pupil_id", "period_id", "detail"]


def final_marks(con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: ObjectivityNorms) -> pl.DataFrame:
    """Every period mark the viewer may see beside its weighted average, the rule's mark and the flags."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    pupils, params = visible_pupils_sql(viewer)
    sql = f"""
        with visible as ({pupils}),
        checked as (
            select f.*, {rule_mark_sql("f.weighted_average")} as rule_mark
            from mart_objectivity_final as f
            where exists (
                select 1 from visible as v
                where v.school_id = f.school_id and v.class_id = f.class_id
                    and v.subject_id = f.subject_id and v.pupil_id = f.pupil_id
            )
        )
        select c.school_id, c.pupil_id, p.full_name, c.class_id, cl.class_name, c.grade, c.subject_id,
            s.subject_name, c.period_id, pe.period_name, c.teacher_id, t.short_name as teacher_name,
            c.mark_value, c.mark_numeric, c.weighted_average, c.n_marks, c.n_control_marks, c.rule_mark,
            coalesce(c.mark_numeric > c.rule_mark, false) as is_raised,
            coalesce(c.mark_numeric < c.rule_mark, false) as is_lowered,
            c.mark_numeric is not null and c.has_control_held and not c.has_control_mark as is_without_control
        from checked as c
        left join dim_pupil as p on p.school_id = c.school_id and p.pupil_id = c.pupil_id
        left join dim_class as cl on cl.school_id = c.school_id and cl.class_id = c.class_id
        left join dim_subject as s on s.school_id = c.school_id and s.subject_id = c.subject_id
        left join dim_period as pe on pe.school_id = c.school_id and pe.period_id = c.period_id
        left join dim_teacher as t on t.school_id = c.school_id and t.teacher_id = c.teacher_id
        order by cl.grade, cl.class_name, s.subject_name, pe.start_date, p.full_name
    """
    return query.frame(con, sql, {**params, "t": norms.rounding_threshold})


def padding(con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: ObjectivityNorms) -> pl.DataFrame:
    """Per teacher, class, subgroup, subject and period: marks and present pupils in the last N days and before."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    scope, params = scope_sql(viewer)
    sql = f"""
        with scope as ({scope}),
        lessons as (
            select l.*, l.days_to_period_end < $last_days as is_last
            from mart_objectivity_lesson as l
            where exists (
                select 1 from scope
                where scope.school_id = l.school_id and scope.class_id = l.class_id
                    and scope.subject_id = l.subject_id
                    and (scope.group_id is null or scope.group_id = coalesce(l.group_id, ''))
            )
        ),
        sums as (
            select school_id, teacher_id, class_id, group_id, subject_id, period_id,
                sum(case when is_last then n_ordinary_marks else 0 end) as n_marks_last,
                sum(case when is_last then n_present else 0 end) as n_present_last,
                sum(case when is_last then 0 else n_ordinary_marks end) as n_marks_before,
                sum(case when is_last then 0 else n_present end) as n_present_before
            from lessons
            group by school_id, teacher_id, class_id, group_id, subject_id, period_id
        )
        select s.*, t.short_name as teacher_name, cl.class_name, g.group_name, sub.subject_name, pe.period_name,
            s.n_marks_last / nullif(s.n_present_last, 0) as rate_last,
            s.n_marks_before / nullif(s.n_present_before, 0) as rate_before,
            s.n_marks_last >= $min_marks and s.n_present_before > 0
                and s.n_marks_last * s.n_present_before >= $ratio * s.n_marks_before * s.n_present_last as is_padding
        from sums as s
        left join dim_teacher as t on t.school_id = s.school_id and t.teacher_id = s.teacher_id
        left join dim_class as cl on cl.school_id = s.school_id and cl.class_id = s.class_id
        left join dim_group as g on g.school_id = s.school_id and g.group_id = s.group_id
        left join dim_subject as sub on sub.school_id = s.school_id and sub.subject_id = s.subject_id
        left join dim_period as pe on pe.school_id = s.school_id and pe.period_id = s.period_id
        order by cl.grade, cl.class_name, sub.subject_name, pe.start_date, t.short_name
    """
    values = {
        "last_days": norms.padding_last_days,
        "min_marks": norms.padding_min_marks,
        "ratio": norms.padding_ratio,
    }
    return query.frame(con, sql, {**params, **values})


def _num(expr: pl.Expr) -> pl.Expr:
    return decimal_texts(expr, 2)


def flags(con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: ObjectivityNorms) -> pl.DataFrame:
    """Every flagged case in the long shape of the generator's planted.csv (rule, keys, detail)."""
    finals = final_marks(con, viewer, norms)
    pads = padding(con, viewer, norms)
    if finals.is_empty() and pads.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(FLAG_COLUMNS, pl.String))
    judged = pl.format(
        "Отметка за период {}, средневзвешенный балл {} — по правилу {}",
        "mark_value",
        _num(pl.col("weighted_average")),
        "rule_mark",
    )
    parts = [
        finals.filter(pl.col("is_raised")).with_columns(
            pl.lit("final_mark_raised").alias("rule"), judged.alias("detail")
        ),
        finals.filter(pl.col("is_lowered")).with_columns(
            pl.lit("final_mark_lowered").alias("rule"), judged.alias("detail")
        ),
        finals.filter(pl.col("is_without_control")).with_columns(
            pl.lit("final_without_control_work").alias("rule"),
            pl.format("Отметка за период {}; контрольная проводилась, отметки за неё нет", "mark_value").alias(
                "detail"
            ),
        ),
        pads.filter(pl.col("is_padding")).with_columns(
            pl.lit("marks_padding_before_period_end").alias("rule"),
            pl.lit(None, dtype=pl.String).alias("pupil_id"),
            pl.format(
                "Последние {} дн. периода: {} отметок, {} на ученика за урок; ранее {}",
                pl.lit(norms.padding_last_days),
                "n_marks_last",
                _num(pl.col("rate_last")),
                _num(pl.col("rate_before")),
            ).alias("detail"),
        ),
    ]
    return pl.concat([p.select([pl.col(c).cast(pl.String) for c in FLAG_COLUMNS]) for p in parts if p.height])
