"""«Муниципалитет / регион»: schools compared on the marts, scoped by the viewer.

Reads the marts through DuckDB, from the lake that Spark (or DuckDB) built
(:func:`open_lake_marts`) or from a warehouse file that holds several schools. The figures per
school: completeness (marks per pupil, subject and period), timeliness (lessons entered within
the norm), objectivity (final mark against the weighted average), ВПР (понизили / подтвердили /
повысили) and attendance (lessons missed). No pupil appears anywhere.

Who sees what (:func:`region_view`):

- the education authority (``Role.REGION``) sees the schools of its region, or of its
  municipality, by name, and a summary per municipality and for the whole scope. A summary row
  pools the schools' counts (lessons on time / all lessons of the municipality), it is not an
  average of school averages. Figures describing fewer than 5 pupils show «< 5»; so does a summary
  figure whose hidden schools have 1–4 pupils together, which subtracting the schools shown
  would otherwise reveal;
- a director or deputy director sees their own school by name and the other schools of its
  region only as the region's median and quartiles per figure, with the school's place. With
  fewer than :data:`MIN_SCHOOLS` schools these are not shown: they would give away another
  school's figures; a school's figure describing fewer than 5 pupils is left out of them.

ВПР shares of fewer than ``vpr_min_participants`` participants are «не оценивается», as in ФИС ОКО.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ejournal.access.viewer import Viewer
from warehouse import lake, query
from warehouse.periods import SPAN_DIMENSIONS, SPAN_SOURCES, Period, no_period
from warehouse.region_figures import (
    AGGREGATED_PARTS_SQL,
    FIGURES,
    NOT_JUDGED,
    SCHOOL_PARTS_SQL,
    SUPPRESSED,
    Figure,
    number,
    pooled,
    pooling,
    school_hidden,
    texts,
    with_figures,
)
from warehouse.region_parts import ALL, PARTS_TABLE, has_parts, has_sources

NO_MUNICIPALITY = "не указан"
MIN_SCHOOLS = 5
TIE = 1e-9

DISTRIBUTION_TITLES = {
    "figure": "Показатель",
    "own": "Ваша школа",
    "median": "Медиана",
    "p25": "25-й процентиль",
    "p75": "75-й процентиль",
    "n_schools": "Школ с данными",
    "place": "Место (1 — лучшее)",
}


@dataclass(frozen=True)
class RegionView:
    """What the page shows one viewer; nothing about schools outside the viewer's scope is in it."""

    scope_text: str = ""
    n_schools: int = 0  # schools in the scope (the authority's) or in the school's region
    school_name: str | None = None  # the viewer's own school (director, deputy)
    schools: pl.DataFrame = field(default_factory=pl.DataFrame)  # named rows: the authority only
    municipalities: pl.DataFrame = field(default_factory=pl.DataFrame)  # the authority only
    distribution: pl.DataFrame = field(default_factory=pl.DataFrame)  # director, deputy
    notice: str | None = None


# what the page's connection to a lake has views over (prefixes of table names)
LAKE_TABLES = ("mart_", PARTS_TABLE, "src_school", *SPAN_SOURCES)


def open_lake_marts(lake_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views over the lake's marts, the parts pre-aggregated per school
    (warehouse/region_parts.py) and src_school, and the years, classes and periods a «Период»
    choice reads (warehouse/periods.py); the page's tables other than the marts are read from
    their compacted files (warehouse/lake.py) while those match the school files."""
    con = duckdb.connect()
    lake.attach_lake(con, lake_path, LAKE_TABLES)
    for name, sql in SPAN_DIMENSIONS.items():
        con.execute(f"create view {name} as {sql}")
    return con


def last_lesson_day(con: duckdb.DuckDBPyConnection):
    """The last day with lessons (the page's first «На дату»); None when there is none."""
    if has_parts(con):
        sql = f"select max(day) from {PARTS_TABLE} where choice = '{ALL}' and n_lessons <> 0"
    else:
        sql = "select max(lesson_date) from mart_lesson_entry"
    return con.execute(sql).fetchone()[0]


def region_view(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    lesson_entry_days: int,
    vpr_min_participants: int,
    period: Period | None = None,
    use_parts: bool | None = None,
) -> RegionView:
    """The page's content for the viewer: named schools for the authority, a distribution for a
    school; with a period, attendance, marks and lessons of the dates it covers, period marks of
    its periods (warehouse/periods.py); ВПР always of the whole data. The counts come from the
    parts pre-aggregated per school when the connection has them for every school of the scope
    (a lake), else from the marts; ``use_parts`` True or False chooses (to compare the two)."""
    parts = {**no_period(), **(period.params() if period else {}), "use_parts": use_parts}
    if viewer.sees_region:
        return _authority_view(con, viewer, lesson_entry_days, vpr_min_participants, parts)
    if viewer.sees_aggregates:
        return _school_view(con, viewer, lesson_entry_days, vpr_min_participants, parts)
    return RegionView()


def _school_parts(
    con: duckdb.DuckDBPyConnection,
    region_id: str | None,
    municipality: str | None,
    lesson_entry_days: int,
    period_params: dict,
) -> pl.DataFrame:
    """The counts per school of the scope, from the pre-aggregated parts (of the latest year begun
    by the date, as the page asks) or from the marts (:func:`_reads_parts`)."""
    params = {"region_id": region_id, "municipality": municipality, "lesson_entry_days": lesson_entry_days}
    period_params = dict(period_params)
    use_parts = period_params.pop("use_parts", None)
    if use_parts is False or not has_parts(con):
        return query.frame(con, SCHOOL_PARTS_SQL, {**params, **period_params})
    chosen = {"f_span": period_params["f_span"], "f_as_of": period_params["f_as_of"]}
    parts = query.frame(con, AGGREGATED_PARTS_SQL, {**params, **chosen})
    if use_parts is None and not parts["has_parts"].all() and has_sources(con):
        # a school exported by an older version has no parts: the marts, for every school alike
        return query.frame(con, SCHOOL_PARTS_SQL, {**params, **period_params})
    return parts.drop("has_parts")


def _authority_view(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    lesson_entry_days: int,
    vpr_min_participants: int,
    period_params: dict,
) -> RegionView:
    if viewer.region_id is None:
        return RegionView(notice="Учётная запись не привязана к региону: обратитесь к администратору.")
    scope_text = f"регион {viewer.region_id}" + (f", {viewer.municipality}" if viewer.municipality else "")
    schools = with_figures(_school_parts(con, viewer.region_id, viewer.municipality, lesson_entry_days, period_params))
    schools = schools.with_columns(
        pl.col("municipality").fill_null(NO_MUNICIPALITY),
        *(school_hidden(key).alias(f"hidden_{key}") for key in FIGURES),
    )
    if schools.is_empty():
        return RegionView(scope_text, notice=f"В данных нет школ ({scope_text}).")
    titles = {"school_name": "Школа", "municipality": "Муниципалитет"} | {k: f.title for k, f in FIGURES.items()}
    named = (
        texts(schools, suppress=viewer.suppresses_small_groups, vpr_min_participants=vpr_min_participants)
        .select(list(titles))
        .rename(titles)
    )
    groups = pl.concat(
        [
            pooled(schools.group_by("municipality").agg(pooling()).sort("municipality")),
            pooled(schools.select(pooling()).with_columns(municipality=pl.lit("Всего"))),
        ],
        how="diagonal_relaxed",
    )
    summary_titles = {"municipality": "Муниципалитет", "n_schools": "Школ"} | {k: f.title for k, f in FIGURES.items()}
    summary = texts(
        groups, suppress=viewer.suppresses_small_groups, vpr_min_participants=vpr_min_participants
    ).with_columns(pl.col("n_schools").cast(pl.String))
    summary = summary.select(list(summary_titles)).rename(summary_titles)
    return RegionView(scope_text, schools.height, schools=named, municipalities=summary)


def _school_view(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    lesson_entry_days: int,
    vpr_min_participants: int,
    period_params: dict,
) -> RegionView:
    own_id = viewer.school_id  # a school's staff always have one (ejournal.access.viewer)
    row = con.execute("select max(region_id) from src_school where school_id = ?", [own_id]).fetchone()
    if row[0] is None:
        return RegionView(notice=f"Вашей школы ({own_id}) нет в данных: сравнивать её не с чем.")
    region_id = row[0]
    schools = with_figures(_school_parts(con, region_id, None, lesson_entry_days, period_params))
    own = schools.filter(pl.col("school_id") == own_id)
    scope_text = f"регион {region_id}"
    notice = None
    if schools.height < MIN_SCHOOLS:
        notice = (
            f"Школ ({scope_text}): {schools.height}, меньше {MIN_SCHOOLS}: медиана и квартили не показываются, "
            "по ним можно было бы узнать цифры другой школы."
        )
    return RegionView(
        scope_text,
        schools.height,
        school_name=own["school_name"][0] if own.height else None,
        distribution=_distribution(schools, own, viewer, vpr_min_participants),
        notice=notice,
    )


def _distribution(schools: pl.DataFrame, own: pl.DataFrame, viewer: Viewer, vpr_min: int) -> pl.DataFrame:
    """One row per figure: the school's value, the median and quartiles over the schools, its place."""
    rows = []
    for key, figure in FIGURES.items():
        # A figure about 1–4 pupils is in no quartile, median or place: with 5 schools the median is
        # one school's own value. Left out for every viewer, so a deputy's distribution is the director's.
        judged = schools.filter(~school_hidden(key))
        judged = judged.filter(pl.col("n_vpr") >= vpr_min) if figure.is_vpr_share else judged
        values = judged[key].drop_nulls().cast(pl.Float64)
        enough = values.len() >= MIN_SCHOOLS
        row = {"figure": figure.title, "n_schools": str(values.len())}
        for name, q in (("median", 0.5), ("p25", 0.25), ("p75", 0.75)):
            stat = values.quantile(q, interpolation="linear") if enough else None
            row[name] = number(stat, max(figure.digits, 1)) if stat is not None else "—"
        row["own"], row["place"] = _own(key, figure, own, values if enough else None, viewer, vpr_min)
        rows.append(row)
    columns = [c for c in DISTRIBUTION_TITLES if own.height or c not in ("own", "place")]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(DISTRIBUTION_TITLES, pl.String))
    return frame.select(columns).rename({c: DISTRIBUTION_TITLES[c] for c in columns})


def _own(
    key: str, figure: Figure, own: pl.DataFrame, values: pl.Series | None, viewer: Viewer, vpr_min: int
) -> tuple[str, str]:
    """The school's value as printed, and «N из M» when the figure is ranked and there are enough schools."""
    if own.height == 0:
        return "", ""
    school = own.row(0, named=True)
    value = school[key]
    if value is not None and viewer.suppresses_small_groups and own.select(school_hidden(key)).item():
        return SUPPRESSED, "—"
    if figure.is_vpr_share and school["n_vpr"] < vpr_min:
        return NOT_JUDGED, "—"
    if value is None:
        return "нет данных", "—"
    text = number(value, figure.digits)
    if not figure.better or values is None or own.select(school_hidden(key)).item():
        return text, "—"
    # Ties (the same mean reached through different float sums) share a place.
    better = (values > value + TIE) if figure.better > 0 else (values < value - TIE)
    return text, f"{int(better.sum()) + 1} из {values.len()}"
