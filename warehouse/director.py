"""The director's view (seed 000 §3.12): the school's picture for a study period, with no pupil or
teacher named, for the director, the deputy and the parent council.

Every function takes the viewer and returns plain numbers, each figure with the number of distinct
pupils behind it (n_pupils / n_distinct); :func:`shown` turns a figure describing fewer than 5
pupils into «< 5» for the roles that must not see small groups (director, parent council) by the
one rule of :mod:`warehouse.suppression`, and :func:`with_hidden` also hides the parts of a total
that subtraction would give away. Figures:

- results: the standard period summary of shared/DOMAIN.md, the class-and-subject rows of
  mart_period_results added up for the school, a parallel or a subject;
- attendance: lessons and days missed by reason and the chronic-absence share (mart_attendance_day);
- journal keeping: lessons with a topic, entered on time, with homework (mart_lesson_entry);
- objectivity: period marks against the rounding rule (mart_objectivity_final) and ВПР
  понизили / подтвердили / повысили for the academic year (mart_vpr_result);
- class sizes and movement of pupils in the period (int_roster).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import polars as pl

from ejournal.access.accounts import AccessError
from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal, half_up, thousands
from ejournal.settings import Norms
from warehouse import query
from warehouse.class_period import PERIOD_APPLIES
from warehouse.objectivity_norms import ObjectivityNorms, rule_mark_sql
from warehouse.suppression import SUPPRESSED, completed, hidden, hidden_expr, total_hidden_by_parts
from warehouse.vpr import vpr_rows


@dataclass(frozen=True)
class Period:
    school_id: str
    period_id: str
    period_name: str
    academic_year_id: str
    kind_code: str
    number: int
    start_date: dt.date
    end_date: dt.date

    @property
    def title(self) -> str:
        return f"{self.period_name} {self.academic_year_id} учебного года"


def _require(viewer: Viewer) -> None:
    if not viewer.sees_aggregates:
        raise AccessError("Сводка директора доступна директору, заместителю директора и родительскому совету")


_PERIODS = """
    select school_id, period_id, period_name, academic_year_id, period_kind_code, period_number, start_date, end_date
    from dim_period where ($school_id is null or school_id = $school_id)
"""


def periods(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[Period]:
    """The study periods of the viewer's school, oldest first."""
    _require(viewer)
    with con.cursor() as cur:
        rows = cur.execute(_PERIODS + " order by start_date, period_name", {"school_id": viewer.school_id}).fetchall()
    return [Period(*row) for row in rows]


def find_period(con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str, year: str | None = None) -> Period:
    """The period named so (the latest academic year unless given); a Russian message when absent."""
    found = [p for p in periods(con, viewer) if p.period_name == period_name and year in (None, p.academic_year_id)]
    if not found:
        names = ", ".join(dict.fromkeys(p.period_name for p in periods(con, viewer))) or "нет ни одного"
        raise AccessError(f"Нет периода «{period_name}» в хранилище (есть: {names})")
    return found[-1]


def previous_period(all_periods: list[Period], period: Period) -> Period | None:
    """The period before it in the same year and of the same kind (2 четверть → 1 четверть)."""
    return next(
        (
            p
            for p in all_periods
            if p.school_id == period.school_id
            and p.academic_year_id == period.academic_year_id
            and p.kind_code == period.kind_code
            and p.number == period.number - 1
        ),
        None,
    )


def same_period_last_year(all_periods: list[Period], period: Period) -> Period | None:
    """The period of the same kind and number in the previous academic year."""
    start = int(period.academic_year_id[:4]) - 1
    last_year = f"{start}/{start + 1}"
    return next(
        (
            p
            for p in all_periods
            if p.school_id == period.school_id
            and p.academic_year_id == last_year
            and p.kind_code == period.kind_code
            and p.number == period.number
        ),
        None,
    )


GradePeriods = dict[int, Period]


def grade_periods(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period) -> GradePeriods:
    """Every grade of the period's year in its own latest period (read from dim_period): the period
    itself for the grades it covers; for the others (10–11 keep halves while 1–9 keep quarters) the
    latest period covering the grade that has ended by the period's last day (the shorter on a tie).
    A grade with no such period yet is left out."""
    _require(viewer)
    sql = f"""
        select c.grade, p.period_id
        from (select distinct school_id, academic_year_id, grade from dim_class
            where school_id = $school_id and academic_year_id = $year) as c
        join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id
        where {PERIOD_APPLIES} and p.end_date <= $end
        qualify row_number() over (partition by c.grade order by p.period_id = $period_id desc,
            p.end_date desc, date_diff('day', p.start_date, p.end_date), p.period_number desc) = 1
        order by c.grade
    """
    params = {
        "school_id": period.school_id,
        "year": period.academic_year_id,
        "end": period.end_date,
        "period_id": period.period_id,
    }
    with con.cursor() as cur:
        chosen = cur.execute(sql, params).fetchall()
    by_id = {p.period_id: p for p in periods(con, viewer) if p.school_id == period.school_id}
    return {int(grade): by_id[period_id] for grade, period_id in chosen}


def year_grades(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period) -> list[int]:
    """The grades of the classes of the period's academic year."""
    _require(viewer)
    rows = con.execute(
        "select distinct grade from dim_class where school_id = ? and academic_year_id = ? order by grade",
        [period.school_id, period.academic_year_id],
    ).fetchall()
    return [int(grade) for (grade,) in rows]


def each_grade(all_periods: list[Period], now: GradePeriods, find) -> GradePeriods:
    """`find(all_periods, period)` (previous_period, same_period_last_year) for each grade's period;
    grades without one are left out."""
    found = {grade: find(all_periods, period) for grade, period in now.items()}
    return {grade: period for grade, period in found.items() if period is not None}


def _chosen(con: duckdb.DuckDBPyConnection, period: Period, grades: GradePeriods | None) -> dict:
    """Query parameters naming (grade, period) pairs: the grades' own periods, or every grade the one
    period covers. SQL joins them as `chosen` (see CHOSEN)."""
    if grades is None:
        covered = con.execute(
            f"select distinct c.grade from dim_class as c join dim_period as p on p.school_id = c.school_id "
            f"and p.academic_year_id = c.academic_year_id where p.school_id = ? and p.period_id = ? "
            f"and {PERIOD_APPLIES}",
            [period.school_id, period.period_id],
        ).fetchall()
        grades = {int(grade): period for (grade,) in covered}
    pairs = sorted(grades.items()) or [(-1, period)]  # no grade: a pair that matches nothing
    return {
        "school_id": period.school_id,
        "grades": [grade for grade, _ in pairs],
        "period_ids": [p.period_id for _, p in pairs],
    }


# the (grade, period) pairs of _chosen as a table
CHOSEN = "(select unnest($grades) as grade, unnest($period_ids) as period_id)"


# ---------------------------------------------------------------- results

RESULT_KEYS = {
    "school": (),
    "grade": ("grade",),
    "subject": ("subject_name",),
    "grade_subject": ("grade", "subject_name"),
}


def results(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    period: Period,
    by: str = "school",
    *,
    grades: GradePeriods | None = None,
) -> pl.DataFrame:
    """N, n5…n2, н/а, успеваемость, качество, СОУ and средний балл per group `by`; n_distinct counts pupils.
    Each grade in its own period when `grades` is given (:func:`grade_periods`), else in `period`.

    The class-and-subject rows of mart_period_results added up: each share is the sum of the mart's
    numerators (n_progress, n_quality, sou_points, sum_marks) over the sum of N (or of numeric
    marks), so which pupils count in a share is said in the mart only."""
    _require(viewer)
    keys = RESULT_KEYS[by]
    select_keys = "".join(f"{k}, " for k in keys)
    row_keys = "".join(f"rows.{k}, " for k in keys)
    group = ("group by " + ", ".join(keys)) if keys else ""
    row_group = ("group by " + ", ".join(f"rows.{k}" for k in keys)) if keys else ""
    sql = f"""
        with rows as (
            select c.grade, s.subject_name, m.*
            from mart_period_results as m
            join dim_class as c on c.school_id = m.school_id and c.class_id = m.class_id
            join dim_subject as s on s.school_id = m.school_id and s.subject_id = m.subject_id
            join {CHOSEN} as chosen on chosen.grade = c.grade and chosen.period_id = m.period_id
            where m.school_id = $school_id
        ),
        pupils as (
            select {row_keys} count(distinct pm.pupil_id) as n_distinct
            from rows
            join fct_period_mark as pm on pm.school_id = rows.school_id and pm.class_id = rows.class_id
                and pm.period_id = rows.period_id and pm.subject_id = rows.subject_id
                and pm.mark_kind_code = 'period' and (pm.mark_numeric is not null or pm.is_na)
            {row_group}
        ),
        counts as (
            select {select_keys}
                cast(sum(n_pupils) as bigint) as n_pupils,
                cast(sum(n_5) as bigint) as n_5,
                cast(sum(n_4) as bigint) as n_4,
                cast(sum(n_3) as bigint) as n_3,
                cast(sum(n_2) as bigint) as n_2,
                cast(sum(n_na) as bigint) as n_na,
                1.0 * sum(sum_marks) / nullif(sum(n_numeric), 0) as mean_mark,
                100.0 * sum(n_progress) / sum(n_pupils) as progress_pct,
                100.0 * sum(n_quality) / sum(n_pupils) as quality_pct,
                1.0 * sum(sou_points) / sum(n_pupils) as sou_pct
            from rows {group}
        )
        select {select_keys} counts.n_pupils, pupils.n_distinct, n_5, n_4, n_3, n_2, n_na, mean_mark,
            progress_pct, quality_pct, sou_pct
        from counts {"join pupils using (" + ", ".join(keys) + ")" if keys else "cross join pupils"}
        where counts.n_pupils > 0
        order by {", ".join(keys) or "1"}
    """
    return query.frame(con, sql, _chosen(con, period, grades))


# ---------------------------------------------------------------- attendance


def attendance(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    period: Period,
    norms: Norms,
    by: str = "school",
    *,
    grades: GradePeriods | None = None,
) -> pl.DataFrame:
    """Pupils, lessons and days missed (all, н, у+б, б), missed lessons per pupil, chronic-absence share
    (each grade in its own period when `grades` is given)."""
    _require(viewer)
    keys = {"school": (), "grade": ("grade",)}[by]
    select_keys = "".join(f"{k}, " for k in keys)
    group = ("group by " + ", ".join(keys)) if keys else ""
    sql = f"""
        with pupils as (
            select c.grade, a.pupil_id, sum(a.n_lessons) as n_lessons, sum(a.n_missed) as n_missed,
                sum(a.n_missed_unexcused) as n_unexcused, sum(a.n_missed_excused) as n_excused,
                sum(a.n_missed_illness) as n_illness, count(*) filter (where a.is_day_missed) as n_days_missed,
                count(*) filter (where a.is_day_missed and not a.is_day_missed_excused) as n_days_unexcused
            from mart_attendance_day as a
            join dim_class as c on c.school_id = a.school_id and c.class_id = a.class_id
            join {CHOSEN} as chosen on chosen.grade = c.grade and chosen.period_id = a.period_id
            where a.school_id = $school_id
            group by c.grade, a.pupil_id
        )
        select {select_keys}
            count(distinct pupil_id) as n_pupils,
            cast(sum(n_lessons) as bigint) as n_lessons,
            cast(sum(n_missed) as bigint) as n_missed,
            cast(sum(n_unexcused) as bigint) as n_unexcused,
            cast(sum(n_excused) as bigint) as n_excused,
            cast(sum(n_illness) as bigint) as n_illness,
            cast(sum(n_days_missed) as bigint) as n_days_missed,
            cast(sum(n_days_unexcused) as bigint) as n_days_unexcused,
            1.0 * sum(n_missed) / count(distinct pupil_id) as missed_per_pupil,
            100.0 * count(distinct pupil_id) filter (where n_missed >= $chronic * n_lessons - 1e-9 and n_lessons > 0)
                / count(distinct pupil_id) as chronic_pct
        from pupils {group}
        order by {", ".join(keys) or "1"}
    """
    params = _chosen(con, period, grades)
    return query.frame(con, sql, {**params, "chronic": norms.attendance.chronic_absence_share})


# ---------------------------------------------------------------- journal keeping


def journal_keeping(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    period: Period,
    norms: Norms,
    *,
    grades: GradePeriods | None = None,
) -> pl.DataFrame:
    """Lessons held in the period; shares with a topic, entered within the norm's days, with homework;
    n_pupils: the distinct pupils on the lessons' lists in the period (the pupils these lessons describe)."""
    _require(viewer)
    sql = f"""
        select count(*) as n_lessons,
            (select count(distinct a.pupil_id) from mart_attendance_day as a
                join dim_class as c on c.school_id = a.school_id and c.class_id = a.class_id
                join {CHOSEN} as chosen on chosen.grade = c.grade and chosen.period_id = a.period_id
                where a.school_id = $school_id) as n_pupils,
            100.0 * count(*) filter (where topic is not null) / count(*) as topic_pct,
            100.0 * count(*) filter (where lesson_entry_delay_days <= $days) / count(*) as on_time_pct,
            100.0 * count(*) filter (where homework is not null) / count(*) as homework_pct
        from mart_lesson_entry as l
        join {CHOSEN} as chosen on chosen.grade = l.grade and chosen.period_id = l.period_id
        where school_id = $school_id
        having count(*) > 0
    """
    params = _chosen(con, period, grades)
    return query.frame(con, sql, {**params, "days": norms.timeliness.lesson_entry_days})


# ---------------------------------------------------------------- objectivity


def final_vs_current(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    period: Period,
    norms: ObjectivityNorms,
    *,
    grades: GradePeriods | None = None,
) -> pl.DataFrame:
    """Numeric period marks with current marks: how many match the rounding rule, are above or below it;
    n_pupils: the distinct pupils those marks belong to."""
    _require(viewer)
    sql = f"""
        with checked as (
            select pupil_id, mark_numeric, {rule_mark_sql("weighted_average")} as rule_mark
            from mart_objectivity_final as f
            join {CHOSEN} as chosen on chosen.grade = f.grade and chosen.period_id = f.period_id
            where school_id = $school_id
                and mark_numeric is not null and weighted_average is not null
        )
        select count(*) as n_marks,
            count(distinct pupil_id) as n_pupils,
            count(*) filter (where mark_numeric = rule_mark) as n_match,
            count(*) filter (where mark_numeric > rule_mark) as n_raised,
            count(*) filter (where mark_numeric < rule_mark) as n_lowered
        from checked
        having count(*) > 0
    """
    params = _chosen(con, period, grades)
    return query.frame(con, sql, {**params, "t": norms.rounding_threshold})


def vpr_summary(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period) -> pl.DataFrame:
    """ВПР of the period's academic year against the journal: results (n), понизили/подтвердили/повысили;
    n_pupils: the distinct pupils who wrote them (a pupil writes several subjects)."""
    _require(viewer)
    rows = vpr_rows(con, viewer)
    if rows.is_empty():
        return pl.DataFrame()
    year = con.execute(
        "select start_date, end_date from dim_academic_year where school_id = ? and academic_year_id = ?",
        [period.school_id, period.academic_year_id],
    ).fetchone()
    counted = rows.filter(
        (pl.col("school_id") == period.school_id)
        & pl.col("comparison_code").is_not_null()
        & pl.col("assessment_date").is_between(year[0], year[1])
    )
    if counted.is_empty():
        return pl.DataFrame()
    return counted.select(
        pl.len().alias("n"),
        pl.col("pupil_id").n_unique().alias("n_pupils"),
        (pl.col("comparison_code") == "понизил").sum().alias("n_down"),
        (pl.col("comparison_code") == "подтвердил").sum().alias("n_same"),
        (pl.col("comparison_code") == "повысил").sum().alias("n_up"),
    )


# ---------------------------------------------------------------- classes and movement


def class_sizes(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, *, grades: GradePeriods | None = None
) -> pl.DataFrame:
    """Per class of the period's year: on roll on the first day, arrived and left during, on roll on the
    last day; n_pupils: on roll at any time in the period (n_school_pupils: in any class of the
    school, each pupil once); `hidden`: the class is not shown to the
    viewer (fewer than 5 pupils, or needed to keep «Всего» from giving a small class away).
    With `grades`, each class counts in its grade's own period (:func:`grade_periods`); without, every
    class of the year in `period`'s dates."""
    _require(viewer)
    sql = f"""
        with spans as (
            select c.class_id, coalesce(p.start_date, $start) as span_start, coalesce(p.end_date, $end) as span_end
            from dim_class as c
            left join {CHOSEN} as chosen on chosen.grade = c.grade and $by_grade
            left join dim_period as p on p.school_id = c.school_id and p.period_id = chosen.period_id
            where c.school_id = $school_id and c.academic_year_id = $year and (chosen.grade is not null or not $by_grade)
        ),
        stays as (
            select r.class_id, r.pupil_id, r.start_date, r.end_date, spans.span_start, spans.span_end
            from int_roster as r
            join spans on spans.class_id = r.class_id
            where r.school_id = $school_id and r.roster_kind_code = 'class'
        )
        select c.grade, c.class_name,
            count(distinct s.pupil_id) filter (
                where s.start_date <= s.span_start and (s.end_date is null or s.end_date >= s.span_start)) as n_start,
            count(distinct s.pupil_id) filter (
                where s.start_date > s.span_start and s.start_date <= s.span_end) as n_arrived,
            count(distinct s.pupil_id) filter (where s.end_date >= s.span_start and s.end_date < s.span_end) as n_left,
            count(distinct s.pupil_id) filter (
                where s.start_date <= s.span_end and (s.end_date is null or s.end_date >= s.span_end)) as n_end,
            count(distinct s.pupil_id) filter (
                where s.start_date <= s.span_end and (s.end_date is null or s.end_date >= s.span_start)) as n_pupils,
            (select count(distinct pupil_id) from stays
                where start_date <= span_end and (end_date is null or end_date >= span_start)) as n_school_pupils
        from dim_class as c
        join spans on spans.class_id = c.class_id
        left join stays as s on s.class_id = c.class_id
        where c.school_id = $school_id and c.academic_year_id = $year
        group by c.grade, c.class_name
        having count(distinct s.pupil_id) filter (
            where s.start_date <= s.span_end and (s.end_date is null or s.end_date >= s.span_start)) > 0
        order by c.grade, c.class_name
    """
    params = {
        **_chosen(con, period, grades or {}),
        "year": period.academic_year_id,
        "start": period.start_date,
        "end": period.end_date,
        "by_grade": grades is not None,
    }
    return with_hidden(viewer, query.frame(con, sql, params), "n_pupils")


def class_cell(viewer: Viewer, row: dict, key: str) -> str:
    """A class's count as printed: the whole row «< 5» when hidden; arrivals and departures of 1–4 too."""
    return SUPPRESSED if row["hidden"] else count_shown(viewer, row[key])


def class_total(viewer: Viewer, sizes: pl.DataFrame, key: str) -> str:
    """«Всего» of a column: hidden when the school has fewer than 5 pupils in the period, or when the
    hidden cells of the column add up to 1–4 pupils, which «Всего» minus the cells shown would give away."""
    if sizes.is_empty():
        return count_shown(viewer, 0)
    if hidden(viewer, sizes["n_school_pupils"].max()):
        return SUPPRESSED
    values = sizes[key].to_list()
    cells = [class_cell(viewer, row, key) for row in sizes.iter_rows(named=True)]
    if total_hidden_by_parts(values, [cell == SUPPRESSED for cell in cells]):
        return SUPPRESSED
    return count_shown(viewer, sum(values))


# ---------------------------------------------------------------- suppression and text


def with_hidden(viewer: Viewer, frame: pl.DataFrame, n_pupils: str, *, total_hidden: bool = False) -> pl.DataFrame:
    """`frame` (the parts of one total: grades or subjects of the school) with a column `hidden`: the
    parts describing fewer than 5 pupils and, when the total is shown, the smallest parts that keep
    «total − parts shown» from giving them away (warehouse/suppression.py)."""
    if frame.is_empty():
        return frame.with_columns(pl.lit(False).alias("hidden"))
    flagged = frame.with_columns(hidden_expr(viewer, n_pupils).alias("hidden"))
    if not viewer.suppresses_small_groups:
        return flagged
    return completed(
        flagged.with_columns(pl.lit(total_hidden).alias("_total_hidden")),
        n_pupils=n_pupils,
        hide="hidden",
        total_hidden="_total_hidden",
    ).drop("_total_hidden")


def number(value: float | None, digits: int = 1) -> str:
    """«72,4»; whole counts without decimals; «—» when there is no value."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return thousands(value)
    return decimal(value, digits)


def shown(viewer: Viewer, n_pupils: int | None, value: float | None, digits: int = 1) -> str:
    """The figure as printed: «—» without a value, «< 5» when it describes fewer than 5 distinct pupils."""
    if value is None:
        return "—"
    return SUPPRESSED if hidden(viewer, n_pupils) else number(value, digits)


def count_shown(viewer: Viewer, count: int | None) -> str:
    """A count of pupils (arrivals, departures): from 1 to 4 it would single children out."""
    if count and hidden(viewer, count):  # 0 singles nobody out
        return SUPPRESSED
    return number(count)


VERBS = {"n": ("выросло", "снизилось"), "f": ("выросла", "снизилась"), "m": ("вырос", "снизился")}
_INSTRUMENTAL = (
    ("четверть", "четвертью"),
    ("триместр", "триместром"),
    ("полугодие", "полугодием"),
    ("семестр", "семестром"),
)


def instrumental(period_name: str) -> str:
    """«1 четверть» → «1 четвертью» (after «по сравнению с»)."""
    for nominative, form in _INSTRUMENTAL:
        if period_name.endswith(nominative):
            return period_name[: -len(nominative)] + form
    return f"периодом «{period_name}»"


def change_text(
    what: str,
    now: float | None,
    before: float | None,
    against: str,
    gender: str = "n",
    unit: str = "п.п.",
    digits: int = 1,
) -> str | None:
    """«Качество знаний выросло на 3,2 п.п. по сравнению с 1 четвертью»; None without both values."""
    delta = _printed_change(now, before, digits)
    if delta is None:
        return None
    if delta == 0:
        return f"{what}: без изменений по сравнению с {against}"
    up, down = VERBS[gender]
    return f"{what} {up if delta > 0 else down} на {number(abs(delta), digits)} {unit} по сравнению с {against}"


def delta_text(now: float | None, before: float | None, digits: int = 1) -> str:
    """«↑ 3,2» / «↓ 1,0» / «без изменений» / «—»: an arrow only when the change of the figures as
    printed (rounded half up) is not zero."""
    delta = _printed_change(now, before, digits)
    if delta is None:
        return "—"
    if delta == 0:
        return UNCHANGED
    return ("↑ " if delta > 0 else "↓ ") + number(abs(delta), digits)


UNCHANGED = "без изменений"


def _printed_change(now: float | None, before: float | None, digits: int) -> Decimal | None:
    """The change of the two figures as printed; None when either is missing or not a number (a
    share of no marks at all, 0 / 0)."""
    now_printed, before_printed = half_up(now, digits), half_up(before, digits)
    if now_printed is None or before_printed is None:
        return None
    return now_printed - before_printed


def delta_tone(now: float | None, before: float | None, digits: int = 1, *, up_is_good: bool = True) -> str | None:
    """ "good" / "bad" for a change as printed by :func:`delta_text` (absences going down is good), None
    when there is no change to colour."""
    delta = _printed_change(now, before, digits)
    if not delta:  # none, or no change
        return None
    return "good" if (delta > 0) == up_is_good else "bad"
