"""«Муниципалитет / регион»: schools compared on the marts, aggregates only.

Reads the marts through DuckDB, from the lake that Spark (or DuckDB) built
(:func:`open_lake_marts`) or from a warehouse file that holds several schools. One row per
school: completeness (marks per pupil, subject and period), timeliness (lessons entered within
the norm), objectivity (final mark against the weighted average), ВПР (понизили / подтвердили /
повысили) and attendance (lessons missed). No pupil appears; for roles that suppress small
groups a school with fewer than 5 pupils shows no figures, and ВПР shares of fewer than
``vpr_min_participants`` participants are «не оценивается», as in ФИС ОКО.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ejournal.access.viewer import MIN_GROUP_SIZE, Viewer
from warehouse import lake

SUPPRESSED = "< 5"
NOT_JUDGED = "не оценивается"
MARTS = (
    "mart_attestation_roster",
    "mart_lesson_entry",
    "mart_objectivity_final",
    "mart_vpr_result",
    "mart_attendance_day",
)

COMPARISON_SQL = """
with schools as (
    select school_id, max(short_name) as school_name, max(region_id) as region_id
    from src_school group by school_id
),
pupils as (
    select school_id, count(distinct pupil_id) as n_pupils from mart_attendance_day group by school_id
),
completeness as (
    select school_id, avg(n_marks) as marks_per_pupil_subject
    from mart_attestation_roster group by school_id
),
timeliness as (
    select
        school_id,
        100.0 * count(*) filter (where lesson_entry_delay_days <= $lesson_entry_days) / count(*) as lessons_on_time_pct
    from mart_lesson_entry group by school_id
),
objectivity as (
    select school_id, avg(abs(mark_numeric - weighted_average)) as final_vs_average
    from mart_objectivity_final
    where mark_numeric is not null and weighted_average is not null
    group by school_id
),
vpr as (
    select
        school_id,
        count(comparison_code) as n_vpr,
        100.0 * count(*) filter (where comparison_code = 'понизил') / nullif(count(comparison_code), 0) as lowered_pct,
        100.0 * count(*) filter (where comparison_code = 'подтвердил') / nullif(count(comparison_code), 0)
            as confirmed_pct,
        100.0 * count(*) filter (where comparison_code = 'повысил') / nullif(count(comparison_code), 0) as raised_pct
    from mart_vpr_result group by school_id
),
attendance as (
    select school_id, 100.0 * sum(n_missed) / nullif(sum(n_lessons), 0) as missed_pct
    from mart_attendance_day group by school_id
)
select
    schools.school_id,
    coalesce(schools.school_name, schools.school_id) as school_name,
    schools.region_id,
    coalesce(pupils.n_pupils, 0) as n_pupils,
    completeness.marks_per_pupil_subject,
    timeliness.lessons_on_time_pct,
    objectivity.final_vs_average,
    coalesce(vpr.n_vpr, 0) as n_vpr,
    vpr.lowered_pct,
    vpr.confirmed_pct,
    vpr.raised_pct,
    attendance.missed_pct
from schools
left join pupils on pupils.school_id = schools.school_id
left join completeness on completeness.school_id = schools.school_id
left join timeliness on timeliness.school_id = schools.school_id
left join objectivity on objectivity.school_id = schools.school_id
left join vpr on vpr.school_id = schools.school_id
left join attendance on attendance.school_id = schools.school_id
order by schools.region_id, school_name
"""

TITLES = {
    "school_name": "Школа",
    "region_id": "Регион",
    "n_pupils": "Учеников",
    "marks_per_pupil_subject": "Отметок на ученика по предмету за период",
    "lessons_on_time_pct": "Уроков записано в срок, %",
    "final_vs_average": "Итоговая − средневзвешенный, балла",
    "n_vpr": "Участников ВПР",
    "lowered_pct": "ВПР: понизили, %",
    "confirmed_pct": "ВПР: подтвердили, %",
    "raised_pct": "ВПР: повысили, %",
    "missed_pct": "Пропущено уроков, %",
}


def open_lake_marts(lake_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views over the lake's marts and src_school."""
    con = duckdb.connect()
    lake.attach_lake(con, lake_path, ("mart_", "src_school"))
    return con


def n_schools(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(distinct school_id) from src_school").fetchone()[0]


def school_comparison(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, *, lesson_entry_days: int, vpr_min_participants: int
) -> pl.DataFrame:
    """One row per school with Russian column titles; empty for roles without aggregates."""
    if not viewer.sees_aggregates:
        return pl.DataFrame()
    with con.cursor() as cursor:
        frame = cursor.sql(COMPARISON_SQL, params={"lesson_entry_days": lesson_entry_days}).pl()
    figures = [c for c in TITLES if c not in {"school_name", "region_id", "n_pupils", "n_vpr"}]
    rounded = [pl.col(c).round(1 if c != "final_vs_average" else 2).cast(pl.String) for c in figures]
    frame = frame.with_columns(*rounded)
    vpr_columns = ["lowered_pct", "confirmed_pct", "raised_pct"]
    frame = frame.with_columns(
        pl.when(pl.col("n_vpr") < vpr_min_participants).then(pl.lit(NOT_JUDGED)).otherwise(pl.col(c)).alias(c)
        for c in vpr_columns
    )
    if viewer.suppresses_small_groups:
        small = pl.col("n_pupils") < MIN_GROUP_SIZE
        frame = frame.with_columns(
            *(pl.when(small).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c)).alias(c) for c in figures),
            pl.when(small).then(pl.lit(SUPPRESSED)).otherwise(pl.col("n_pupils").cast(pl.String)).alias("n_pupils"),
            pl.when(small | (pl.col("n_vpr") < MIN_GROUP_SIZE))
            .then(pl.lit(SUPPRESSED))
            .otherwise(pl.col("n_vpr").cast(pl.String))
            .alias("n_vpr"),
        )
    return frame.select(list(TITLES)).rename(TITLES)
