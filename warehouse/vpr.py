"""ВПР against the journal in the ФИС ОКО layout: понизили / подтвердили / повысили per school,
parallel, class, subject and teacher, and the pupils whose ВПР mark is 2 or more away from the
journal mark. Reads mart_vpr_result.

A participant is counted when both the ВПР mark and the journal period mark are numeric.
Groups under `vpr_min_participants` (10) are shown as «не оценивается» without percentages, as
the federal quality system does. Director and parent council get no teacher level and no pupils;
any of their cells describing fewer than 5 distinct pupils is hidden, and so are the cells that
subtraction from a shown total would give them away with: the school's subjects are the parts of
the school's ВПР total (the deck's «ВПР: участников»), the parallels of a subject are the parts of
the subject's school row, the classes those of the parallel's (warehouse/suppression.py).
"""

from __future__ import annotations

import duckdb
import polars as pl

from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal_texts
from warehouse import query
from warehouse.objectivity_norms import ObjectivityNorms
from warehouse.scope import visible_pupils_sql
from warehouse.suppression import SUPPRESSED, completed, hidden, hidden_expr

# level → (columns grouped by, Russian title)
LEVELS: dict[str, tuple[tuple[str, ...], str]] = {
    "school": ((), "Школа"),
    "grade": (("grade",), "Параллель"),
    "class": (("grade", "class_name"), "Класс"),
    "teacher": (("teacher_name",), "Учитель"),
}
NOT_JUDGED = "не оценивается"
# level → the level whose rows are its totals (per subject)
PARENT_LEVEL = {"grade": "school", "class": "grade"}


def vpr_rows(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pl.DataFrame:
    """The ВПР results the viewer may count: pupil-level roles within their scope, aggregate roles whole school."""
    if viewer.sees_pupils:
        pupils, params = visible_pupils_sql(viewer)
        where = f"""exists (with visible as ({pupils}) select 1 from visible as v
            where v.school_id = r.school_id and v.class_id = r.class_id and v.subject_id = r.subject_id
                and v.pupil_id = r.pupil_id)"""
    elif viewer.sees_aggregates:
        where, params = "($school_id is null or r.school_id = $school_id)", {"school_id": viewer.school_id}
    else:
        return pl.DataFrame()
    sql = f"""
        select r.school_id, r.pupil_id, p.full_name, r.subject_id, s.subject_name, r.assessment_date, r.grade,
            r.class_id, c.class_name, r.teacher_id, t.short_name as teacher_name, r.primary_score, r.max_score,
            r.mark_numeric, r.journal_mark_numeric, r.comparison_code, r.mark_gap
        from mart_vpr_result as r
        left join dim_pupil as p on p.school_id = r.school_id and p.pupil_id = r.pupil_id
        left join dim_subject as s on s.school_id = r.school_id and s.subject_id = r.subject_id
        left join dim_class as c on c.school_id = r.school_id and c.class_id = r.class_id
        left join dim_teacher as t on t.school_id = r.school_id and t.teacher_id = r.teacher_id
        where {where}
        order by r.grade, s.subject_name, c.class_name, p.full_name
    """
    return query.frame(con, sql, params)


def _counts(counted: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Per subject and `keys`: results (n), distinct pupils, понизили / подтвердили / повысили."""
    return (
        counted.group_by("subject_name", *keys)
        .agg(
            pl.len().alias("n"),
            pl.col("pupil_id").n_unique().alias("n_pupils"),
            (pl.col("comparison_code") == "понизил").sum().alias("n_down"),
            (pl.col("comparison_code") == "подтвердил").sum().alias("n_same"),
            (pl.col("comparison_code") == "повысил").sum().alias("n_up"),
        )
        .sort("subject_name", *keys)
    )


def _with_hidden(counted: pl.DataFrame, viewer: Viewer, level: str) -> pl.DataFrame:
    """The groups of `level` with `hidden`: fewer than 5 distinct pupils, or completed so that no
    hidden group is its total (the level above, or the school's total for the school rows) minus
    the groups shown."""
    keys = LEVELS[level][0]
    groups = _counts(counted, keys).with_columns(hidden_expr(viewer, "n_pupils").alias("hidden"))
    if not viewer.suppresses_small_groups:
        return groups
    parent = PARENT_LEVEL.get(level)
    if parent is None:
        total_hidden = hidden(viewer, counted["pupil_id"].n_unique())
        groups = groups.with_columns(pl.lit(total_hidden).alias("total_hidden"))
        return completed(groups, n_pupils="n_pupils", hide="hidden", total_hidden="total_hidden")
    parent_keys = ("subject_name", *LEVELS[parent][0])
    totals = _with_hidden(counted, viewer, parent).select(*parent_keys, pl.col("hidden").alias("total_hidden"))
    groups = groups.join(totals, on=list(parent_keys), how="left", nulls_equal=True)
    return completed(groups, n_pupils="n_pupils", hide="hidden", within=parent_keys, total_hidden="total_hidden")


def comparison(rows: pl.DataFrame, viewer: Viewer, norms: ObjectivityNorms, level: str) -> pl.DataFrame:
    """Per subject and group of `level`: participants, понизили / подтвердили / повысили (чел. and %)."""
    if level == "teacher" and not viewer.sees_pupils:
        return pl.DataFrame()
    keys, title = LEVELS[level]
    counted = rows.filter(pl.col("comparison_code").is_not_null())
    if counted.is_empty():
        return pl.DataFrame()
    grouped = _with_hidden(counted, viewer, level).sort("subject_name", *keys)
    judged = pl.col("n") >= norms.vpr_min_participants
    hidden = pl.col("hidden")

    def count(col: str) -> pl.Expr:
        return pl.when(hidden).then(pl.lit(SUPPRESSED)).otherwise(pl.col(col).cast(pl.String))

    def share(col: str) -> pl.Expr:
        pct = decimal_texts(100.0 * pl.col(col) / pl.col("n"))
        return pl.when(judged & ~hidden).then(pct).otherwise(pl.lit("—"))

    label = {"school": pl.lit("вся школа"), "grade": pl.format("{} классы", "grade")}.get(
        level, pl.col(keys[-1]) if keys else pl.lit("")
    )
    return grouped.select(
        pl.col("subject_name").alias("Предмет"),
        label.cast(pl.String).alias(title),
        count("n").alias("Участников"),
        pl.when(hidden)
        .then(pl.lit(SUPPRESSED))
        .when(judged)
        .then(pl.lit("оценивается"))
        .otherwise(pl.lit(NOT_JUDGED))
        .alias("Оценка"),
        count("n_down").alias("Понизили, чел."),
        share("n_down").alias("Понизили, %"),
        count("n_same").alias("Подтвердили, чел."),
        share("n_same").alias("Подтвердили, %"),
        count("n_up").alias("Повысили, чел."),
        share("n_up").alias("Повысили, %"),
    )


def _score(col: str) -> pl.Expr:
    return decimal_texts(pl.col(col)).str.replace(",0$", "")


def large_gaps(rows: pl.DataFrame, viewer: Viewer, norms: ObjectivityNorms) -> pl.DataFrame:
    """Pupils whose ВПР mark differs from the journal mark by `vpr_gap` (2) or more; pupil-level roles only."""
    if not viewer.sees_pupils or rows.is_empty():
        return pl.DataFrame()
    return (
        rows.filter(pl.col("mark_gap").abs() >= norms.vpr_gap)
        .sort("grade", "subject_name", "class_name", "full_name")
        .select(
            pl.col("full_name").alias("Ученик"),
            pl.col("class_name").alias("Класс"),
            pl.col("subject_name").alias("Предмет"),
            pl.col("teacher_name").alias("Учитель"),
            pl.col("assessment_date").dt.strftime("%d.%m.%Y").alias("Дата ВПР"),
            pl.col("mark_numeric").alias("Отметка ВПР"),
            pl.col("journal_mark_numeric").alias("Отметка в журнале"),
            pl.col("mark_gap").alias("Разница"),
            pl.format("{} из {}", _score("primary_score"), _score("max_score")).alias("Первичный балл"),
        )
    )
