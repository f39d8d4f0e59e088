"""What the journal-control pages show: completeness, timeliness remarks, teacher activity,
program completion, attendance and the weekly overview.

Each function takes the viewer, the norms, the reference date («as of», the day the deputy
director looks from) and the filters, and returns a polars frame with English column names;
:data:`TITLES` gives every column its Russian header for the pages and the XLSX downloads.
Rows pass the same row-level rules as :func:`warehouse.control_rules.violations`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import duckdb
import polars as pl

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.formatting import MONTHS, rounded_numbers
from ejournal.formatting import share as percent
from ejournal.settings import Norms
from warehouse import query
from warehouse.control_rules import RULES, Filters, _norm_params, _scope_filter, _used, violations
from warehouse.periods import SPAN_SQL
from warehouse.scope import scope_sql

TITLES = {
    "class_name": "Класс",
    "subject_name": "Предмет",
    "group_name": "Подгруппа",
    "teacher_name": "Учитель",
    "pupil_name": "Ученик",
    "period_name": "Период",
    "n_pupils": "Учеников",
    "n_enough": "С достаточным числом отметок",
    "share_enough": "Доля, %",
    "n_marks": "Отметок",
    "n_required": "Нужно к дате",
    "n_required_full": "Нужно за период",
    "control_works_held": "Контрольных проведено",
    "n_control_marks": "Отметок за контрольные",
    "risk": "Риск",
    "n_control_works": "Контрольных работ",
    "first_control_date": "Первая",
    "last_control_date": "Последняя",
    "n_lessons_held": "Уроков проведено",
    "share_same_day": "Заполнено в день урока, %",
    "median_mark_delay_days": "Медиана задержки отметок, дн.",
    "active_days_per_week": "Активных дней в неделю",
    "last_activity": "Последняя активность",
    "n_violations": "Замечаний",
    "week_start": "Неделя с",
    "rule_title": "Замечание",
    "n_cases": "Случаев",
    "examples": "Примеры",
    "n_planned_total": "По КТП за период, ч",
    "n_planned_to_date": "По КТП к дате, ч",
    "n_held_to_date": "Проведено к дате",
    "n_projected": "Прогноз к концу периода",
    "share_done": "Выполнение к дате, %",
    "topic_number": "№",
    "topic": "Тема",
    "planned_date": "Плановая дата",
    "month": "Месяц",
    "n_lessons": "Уроков по списку",
    "n_missed": "Пропущено уроков",
    "n_missed_unexcused": "Без уважительной причины (н)",
    "n_missed_excused": "По уважительной причине (у, б)",
    "n_missed_illness": "Из них по болезни (б)",
    "n_late": "Опозданий",
    "n_days_missed": "Пропущено дней",
    "share_missed": "Пропущено, %",
    "lesson_date": "Дата",
    "lesson_number": "Урок",
    "absence_code": "Отметка",
    "detail": "Подробно",
    "event_date": "Дата",
    "this_week": "Эта неделя",
    "last_week": "Прошлая неделя",
    "change": "Изменение",
    "measure": "Показатель",
}


def filter_options(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> dict[str, list[tuple]]:
    """What the filter bar of the control pages offers: the viewer's classes (id, name, grade, year)
    and subjects, and the school's periods (id, name, year, start, end) and teachers (id, short name)."""
    scope, params = scope_sql(viewer)
    with con.cursor() as cur:
        classes = cur.execute(
            f"with s as ({scope}) select distinct c.class_id, c.class_name, c.grade, c.academic_year_id "
            "from dim_class as c join s on s.school_id = c.school_id and s.class_id = c.class_id "
            "order by c.grade, c.class_name",
            params,
        ).fetchall()
        subjects = cur.execute(
            f"with s as ({scope}) select distinct sb.subject_id, sb.subject_name from dim_subject as sb "
            "join s on s.school_id = sb.school_id and s.subject_id = sb.subject_id order by sb.subject_name",
            params,
        ).fetchall()
        periods = cur.execute(
            "select period_id, period_name, academic_year_id, start_date, end_date from dim_period "
            "where $school_id is null or school_id = $school_id order by start_date, period_name",
            {"school_id": viewer.school_id},
        ).fetchall()
        teachers = cur.execute(
            "select teacher_id, short_name from dim_teacher where $school_id is null or school_id = $school_id "
            "order by short_name",
            {"school_id": viewer.school_id},
        ).fetchall()
    return {"classes": classes, "subjects": subjects, "periods": periods, "teachers": teachers}


def shown_names(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Shown names by id: {"teacher": {teacher_id: short name}, "class": {…}, "subject": {…}}."""
    with con.cursor() as cur:
        return {
            "teacher": dict(cur.execute("select teacher_id, short_name from dim_teacher").fetchall()),
            "class": dict(cur.execute("select class_id, class_name from dim_class").fetchall()),
            "subject": dict(cur.execute("select subject_id, subject_name from dim_subject").fetchall()),
        }


def latest_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The last day with lessons in the warehouse: the pages' default «as of» date (inside a period)."""
    with con.cursor() as cursor:
        row = cursor.execute("select max(lesson_date) from fct_lesson").fetchone()
    return row[0] if row else None


def _run(
    con,
    viewer: Viewer,
    norms: Norms,
    filters: Filters,
    base: str,
    tail: str,
    extra: dict | None = None,
    columns: tuple[str, ...] = (),
):
    """Rows of `base` (a SELECT with school_id, class_id, subject_id, teacher_id, period_id,
    event_date, and the `columns` among pupil_id, lesson_id, group_id it has) the viewer may see
    under the filters, then `tail` over the CTE ``v``."""
    where, scope_params = _scope_filter(viewer, "b", frozenset(columns))
    sql = f"with b as ({base}), v as (select * from b where {where}) {tail}"
    params = {**_norm_params(norms), **scope_params, **filters.params(), **(extra or {})}
    if filters.period and "as_of" in params:  # the period is seen from the date the figures are for
        params["f_as_of"] = params["as_of"]
    return _rounded(query.frame(con, sql, _used(sql, params), whole_decimals_as_int=True))


_REQUIRED = """
    (case when r.period_kind_code in $half_kinds then $min_half else $min_quarter end
        + $extra_per_hour * greatest(cast(ceil(coalesce(r.weekly_hours, 1)) as integer) - 1, 0))
"""

_PUPIL_PERIOD = f"""
    with periods as (
        -- the period chosen, else every period running on the date; a «Период» choice: its periods
        -- (every begun one for «год»), its dates below
        select d.school_id, d.period_id from dim_period as d
        where d.start_date <= $as_of
            and (d.period_id = $f_period or ($f_span is null and $f_period is null and $as_of <= d.end_date)
                or exists (select 1 from ({SPAN_SQL}) as sp where sp.school_id = d.school_id
                    and (sp.period_id is null or sp.period_id = d.period_id)))
    ),
    marks as (
        select m.school_id, m.pupil_id, m.subject_id, m.period_id, sum(greatest(m.n_numeric, 1)) as n_marks,
            sum(case when m.is_control then greatest(m.n_numeric, 1) else 0 end) as n_control_marks
        from fct_mark as m
        semi join periods as p on p.school_id = m.school_id and p.period_id = m.period_id
        where m.lesson_date <= $as_of
        group by m.school_id, m.pupil_id, m.subject_id, m.period_id
    ),
    control_lessons as (
        select w.school_id, w.lesson_id from int_control_work as w
        semi join periods as p on p.school_id = w.school_id and p.period_id = w.period_id
        where w.lesson_date <= $as_of
    ),
    held as (
        select a.school_id, a.pupil_id, a.subject_id, a.period_id, count(*) as control_works_held
        from fct_attendance as a join control_lessons as c on c.school_id = a.school_id and c.lesson_id = a.lesson_id
        semi join periods as p on p.school_id = a.school_id and p.period_id = a.period_id
        group by a.school_id, a.pupil_id, a.subject_id, a.period_id
    )
    select r.school_id, r.class_id, r.subject_id, r.group_id, r.teacher_id, r.period_id, r.pupil_id,
        least($as_of, r.period_end) as event_date,
        coalesce(m.n_marks, 0) as n_marks, coalesce(m.n_control_marks, 0) as n_control_marks,
        coalesce(h.control_works_held, 0) as control_works_held,
        {_REQUIRED} as n_required_full,
        cast(floor({_REQUIRED} * (date_diff('day', r.on_roll_from, least($as_of, r.on_roll_to)) + 1)
            / (date_diff('day', r.period_start, r.period_end) + 1) + 1e-9) as integer) as n_required
    from mart_attestation_roster as r
    semi join periods as rp on rp.school_id = r.school_id and rp.period_id = r.period_id
    left join marks as m on m.school_id = r.school_id and m.pupil_id = r.pupil_id
        and m.subject_id = r.subject_id and m.period_id = r.period_id
    left join held as h on h.school_id = r.school_id and h.pupil_id = r.pupil_id
        and h.subject_id = r.subject_id and h.period_id = r.period_id
    where r.period_start <= $as_of and r.on_roll_from <= $as_of
        and ($f_period is not null or $f_span is not null or $as_of <= r.period_end)
"""


def completeness(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Class × subject (× subgroup): pupils with enough marks for the date inside the period.

    The norm (marks for the whole period by its kind and the weekly hours) is pro-rated by the
    part of the period the pupil has been on the roll up to the date, rounded down.
    """
    if not viewer.sees_pupils:
        return pl.DataFrame()
    tail = """
        select c.class_name, s.subject_name, g.group_name, t.short_name as teacher_name, p.period_name,
            count(*) as n_pupils, count(case when v.n_marks >= v.n_required then 1 end) as n_enough,
            100.0 * count(case when v.n_marks >= v.n_required then 1 end) / count(*) as share_enough,
            max(v.n_required) as n_required, max(v.n_required_full) as n_required_full,
            c.grade, v.class_id, v.subject_id, v.period_id
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_subject as s on s.school_id = v.school_id and s.subject_id = v.subject_id
        join dim_period as p on p.school_id = v.school_id and p.period_id = v.period_id
        left join dim_group as g on g.school_id = v.school_id and g.group_id = v.group_id
        left join dim_teacher as t on t.school_id = v.school_id and t.teacher_id = v.teacher_id
        group by all
        order by c.grade, c.class_name, s.subject_name, g.group_name
    """
    return _run(con, viewer, norms, filters, _PUPIL_PERIOD, tail, {"as_of": as_of}, ("pupil_id", "group_id"))


def pupils_at_risk(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Pupils at risk of non-attestation: fewer marks than due by the date, or no mark for a
    control work that was held while they were on the roll."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    tail = """
        select c.class_name, s.subject_name, pu.full_name as pupil_name, t.short_name as teacher_name,
            p.period_name, v.n_marks, v.n_required, v.n_required_full, v.control_works_held, v.n_control_marks,
            concat_ws('; ',
                case when v.n_marks < v.n_required then 'мало отметок' end,
                case when v.control_works_held > 0 and v.n_control_marks = 0 then 'нет отметки за контрольную' end
            ) as risk,
            v.class_id, v.subject_id, v.pupil_id, v.teacher_id
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_subject as s on s.school_id = v.school_id and s.subject_id = v.subject_id
        join dim_period as p on p.school_id = v.school_id and p.period_id = v.period_id
        join dim_pupil as pu on pu.school_id = v.school_id and pu.pupil_id = v.pupil_id
        left join dim_teacher as t on t.school_id = v.school_id and t.teacher_id = v.teacher_id
        where v.n_marks < v.n_required or (v.control_works_held > 0 and v.n_control_marks = 0)
        order by c.grade, c.class_name, s.subject_name, pu.full_name
    """
    return _run(con, viewer, norms, filters, _PUPIL_PERIOD, tail, {"as_of": as_of}, ("pupil_id", "group_id"))


def control_works(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Control works held per class, subject and period up to the date (0 where none yet)."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    base = """
        select l.school_id, l.class_id, l.subject_id, l.teacher_id, l.period_id, l.lesson_date as event_date,
            l.lesson_id, exists (select 1 from int_control_work as w where w.school_id = l.school_id
                and w.lesson_id = l.lesson_id) as is_control
        from fct_lesson as l
        where l.lesson_date <= $as_of and l.period_id is not null
    """
    tail = """
        select c.class_name, s.subject_name, p.period_name,
            count(case when v.is_control then 1 end) as n_control_works,
            min(case when v.is_control then v.event_date end) as first_control_date,
            max(case when v.is_control then v.event_date end) as last_control_date,
            c.grade, v.class_id, v.subject_id, v.period_id
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_subject as s on s.school_id = v.school_id and s.subject_id = v.subject_id
        join dim_period as p on p.school_id = v.school_id and p.period_id = v.period_id
        group by all
        order by c.grade, c.class_name, s.subject_name, p.period_name
    """
    return _run(con, viewer, norms, filters, base, tail, {"as_of": as_of}, ("lesson_id",))


_TEACHER_BASE = """
    select d.school_id, d.teacher_id, d.activity_date as event_date, d.n_lessons_held, d.n_lessons_filled_same_day,
        d.n_marks_entered, d.is_active, d.week_start
    from mart_teacher_day as d
    where d.activity_date <= $as_of and ($school_id is null or d.school_id = $school_id)
        and ($f_teacher is null or d.teacher_id = $f_teacher)
        and ($f_from is null or d.activity_date >= $f_from) and ($f_to is null or d.activity_date <= $f_to)
"""


def _teacher_run(con, viewer: Viewer, filters: Filters, as_of: dt.date, tail: str) -> pl.DataFrame:
    """Teacher activity is about staff, not pupils: the deputy director sees every teacher of the school."""
    sql = f"with v as ({_TEACHER_BASE}) {tail}"
    params = {**filters.params(), "as_of": as_of, "school_id": viewer.school_id}
    return _rounded(query.frame(con, sql, _used(sql, params), whole_decimals_as_int=True))


# figures the queries leave exact (DuckDB's round() rounds the binary value) and pages show rounded
_ROUNDED_COLUMNS = ("share_enough", "share_same_day", "active_days_per_week", "share_done", "share_missed")


def _rounded(frame: pl.DataFrame) -> pl.DataFrame:
    """Shares and rates to one decimal, half up on the exact value (ejournal.formatting)."""
    return frame.with_columns(rounded_numbers(pl.col(c), 1) for c in _ROUNDED_COLUMNS if c in frame.columns)


def teacher_activity(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Per teacher: lessons held, share filled the same day, median delay of mark entry, active
    days per week, last activity and the number of remarks; sorted worst first."""
    if viewer.role is not Role.DEPUTY:
        return pl.DataFrame()
    days = _teacher_run(
        con,
        viewer,
        filters,
        as_of,
        """
        select v.teacher_id, t.short_name as teacher_name, sum(v.n_lessons_held) as n_lessons_held,
            100.0 * sum(v.n_lessons_filled_same_day) / nullif(sum(v.n_lessons_held), 0) as share_same_day,
            count(distinct case when v.is_active then v.event_date end)
                / greatest(count(distinct v.week_start), 1) as active_days_per_week,
            max(case when v.is_active then v.event_date end) as last_activity
        from v join dim_teacher as t on t.school_id = v.school_id and t.teacher_id = v.teacher_id
        group by all
        """,
    )
    delays = query.frame(
        con,
        "select teacher_id, median(entry_delay_days) as median_mark_delay_days from fct_mark "
        "where lesson_date <= $as_of and ($school_id is null or school_id = $school_id) "
        "and ($f_from is null or lesson_date >= $f_from) and ($f_to is null or lesson_date <= $f_to) "
        "group by teacher_id",
        {"as_of": as_of, "school_id": viewer.school_id, "f_from": filters.date_from, "f_to": filters.date_to},
        whole_decimals_as_int=True,
    )
    remarks = violations(con, viewer, norms, Filters(date_from=filters.date_from, date_to=filters.date_to or as_of))
    counts = remarks.group_by("teacher_id").agg(pl.len().alias("n_violations"))
    if days.is_empty():
        return days
    return (
        days.join(delays, on="teacher_id", how="left")
        .join(counts, on="teacher_id", how="left")
        .with_columns(pl.col("n_violations").fill_null(0))
        .select(
            "teacher_name",
            "n_lessons_held",
            "share_same_day",
            "median_mark_delay_days",
            "active_days_per_week",
            "last_activity",
            "n_violations",
            "teacher_id",
        )
        .sort("share_same_day", "n_violations", descending=[False, True], nulls_last=True)
    )


def teacher_weeks(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Per teacher and week: share of lessons filled the same day and active days (the trend)."""
    if viewer.role is not Role.DEPUTY:
        return pl.DataFrame()
    return _teacher_run(
        con,
        viewer,
        filters,
        as_of,
        """
        select t.short_name as teacher_name, v.week_start, sum(v.n_lessons_held) as n_lessons_held,
            sum(v.n_lessons_filled_same_day) as n_lessons_filled_same_day,
            100.0 * sum(v.n_lessons_filled_same_day) / nullif(sum(v.n_lessons_held), 0) as share_same_day,
            count(distinct case when v.is_active then v.event_date end) as active_days_per_week, v.teacher_id
        from v join dim_teacher as t on t.school_id = v.school_id and t.teacher_id = v.teacher_id
        group by all order by teacher_name, v.week_start
        """,
    )


SCHOOL_LINE = "Школа в целом"


def weekly_trend(weeks: pl.DataFrame, teacher_id: str | None = None, n_lowest: int = 5) -> pl.DataFrame:
    """The weekly chart of «Активность учителей», readable whatever the number of teachers: the
    school as a whole (lessons pooled, not an average of teachers) and either the chosen teacher or
    the ``n_lowest`` teachers with the lowest share over the weeks shown (ties by name).
    Columns: week_start, line, share_same_day; the school's line first."""
    schema = {"week_start": pl.Date, "line": pl.String, "share_same_day": pl.Float64}
    if weeks.is_empty():
        return pl.DataFrame(schema=schema)
    pooled = (
        weeks.group_by("week_start")
        .agg(pl.sum("n_lessons_filled_same_day"), pl.sum("n_lessons_held"))
        .filter(pl.col("n_lessons_held") > 0)
        .select(
            "week_start",
            pl.lit(SCHOOL_LINE).alias("line"),
            (100.0 * pl.col("n_lessons_filled_same_day") / pl.col("n_lessons_held")).alias("share_same_day"),
        )
        .sort("week_start")
    )
    if teacher_id is not None:
        chosen = [teacher_id]
    else:
        overall = (
            weeks.group_by("teacher_id", "teacher_name")
            .agg(pl.sum("n_lessons_filled_same_day"), pl.sum("n_lessons_held"))
            .filter(pl.col("n_lessons_held") > 0)
            .with_columns((pl.col("n_lessons_filled_same_day") / pl.col("n_lessons_held")).alias("share"))
            .sort("share", "teacher_name", "teacher_id")
        )
        chosen = overall["teacher_id"].head(n_lowest).to_list()
    teachers = (
        weeks.filter(pl.col("teacher_id").is_in(chosen) & pl.col("share_same_day").is_not_null())
        .with_columns(pl.col("teacher_id").replace_strict({t: n for n, t in enumerate(chosen)}).alias("rank"))
        .sort("rank", "week_start")
        .select("week_start", pl.col("teacher_name").alias("line"), "share_same_day")
    )
    return pl.concat([pooled, teachers.cast(schema)]).cast(schema)


def teacher_remarks(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """«Анализ работы с классными журналами»: per teacher and remark, the number of cases and
    up to three examples (for the week or range the filters give)."""
    found = violations(con, viewer, norms, filters)
    if found.is_empty():
        return pl.DataFrame()
    names = query.frame(
        con, "select teacher_id, short_name as teacher_name from dim_teacher", {}, whole_decimals_as_int=True
    )
    titles = pl.DataFrame({"rule": list(RULES), "rule_title": [r.title for r in RULES.values()]})
    return (
        found.filter(pl.col("event_date") <= as_of)
        .sort("event_date")
        .group_by("teacher_id", "rule")
        .agg(pl.len().alias("n_cases"), pl.col("detail").head(3).str.join("; ").alias("examples"))
        .join(names, on="teacher_id", how="left")
        .join(titles, on="rule")
        .with_columns(pl.col("teacher_name").fill_null("—"))
        .sort("teacher_name", "n_cases", descending=[False, True])
        .select("teacher_name", "rule_title", "n_cases", "examples", "teacher_id", "rule")
    )


def program(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Per class, subgroup, subject and period: КТП hours for the period and to the date, lessons
    held to the date, the share done and the projection to the period end at the present pace."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    base = """
        with planned as (
            select school_id, class_id, nullif(group_id, '') as group_id, subject_id, period_id,
                sum(hours) as n_planned_total, sum(case when planned_date <= $as_of then hours else 0 end) as n_planned_to_date
            from mart_program where period_id is not null group by all
        ),
        held as (
            select school_id, class_id, group_id, subject_id, period_id, any_value(teacher_id) as teacher_id,
                count(case when lesson_date <= $as_of then 1 end) as n_held_to_date
            from fct_lesson where period_id is not null group by all
        )
        select coalesce(p.school_id, h.school_id) as school_id, coalesce(p.class_id, h.class_id) as class_id,
            coalesce(p.group_id, h.group_id) as group_id, coalesce(p.subject_id, h.subject_id) as subject_id,
            h.teacher_id, coalesce(p.period_id, h.period_id) as period_id, least($as_of, d.end_date) as event_date,
            coalesce(p.n_planned_total, 0) as n_planned_total, coalesce(p.n_planned_to_date, 0) as n_planned_to_date,
            coalesce(h.n_held_to_date, 0) as n_held_to_date, d.start_date, d.end_date
        from planned as p
        full join held as h on h.school_id = p.school_id and h.class_id = p.class_id
            and h.group_id is not distinct from p.group_id and h.subject_id = p.subject_id and h.period_id = p.period_id
        join dim_period as d on d.school_id = coalesce(p.school_id, h.school_id)
            and d.period_id = coalesce(p.period_id, h.period_id)
        where d.start_date <= $as_of and ($f_period is not null or $f_span is not null or $as_of <= d.end_date)
    """
    tail = """
        select c.class_name, s.subject_name, g.group_name, t.short_name as teacher_name, pe.period_name,
            v.n_planned_total, v.n_planned_to_date, v.n_held_to_date,
            100.0 * v.n_held_to_date / nullif(v.n_planned_to_date, 0) as share_done,
            cast(round(v.n_held_to_date * (date_diff('day', v.start_date, v.end_date) + 1.0)
                / (date_diff('day', v.start_date, least($as_of, v.end_date)) + 1)) as integer) as n_projected,
            c.grade, v.class_id, v.subject_id, v.group_id, v.period_id
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_subject as s on s.school_id = v.school_id and s.subject_id = v.subject_id
        join dim_period as pe on pe.school_id = v.school_id and pe.period_id = v.period_id
        left join dim_group as g on g.school_id = v.school_id and g.group_id = v.group_id
        left join dim_teacher as t on t.school_id = v.school_id and t.teacher_id = v.teacher_id
        order by c.grade, c.class_name, s.subject_name, g.group_name
    """
    return _run(con, viewer, norms, filters, base, tail, {"as_of": as_of}, ("group_id",))


def uncovered_topics(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """КТП topics planned up to the date that no lesson has recorded yet."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    base = """
        select m.school_id, m.class_id, m.subject_id, nullif(m.group_id, '') as group_id,
            l.teacher_id, m.period_id, m.planned_date as event_date, m.topic_number, m.topic, m.planned_date
        from mart_program as m
        left join (select school_id, class_id, coalesce(group_id, '') as group_id, subject_id,
                any_value(teacher_id) as teacher_id from fct_lesson group by all) as l
            on l.school_id = m.school_id and l.class_id = m.class_id and l.group_id = m.group_id
            and l.subject_id = m.subject_id
        where not m.is_covered and m.planned_date <= $as_of
    """
    tail = """
        select c.class_name, s.subject_name, g.group_name, v.topic_number, v.topic, v.planned_date,
            t.short_name as teacher_name
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_subject as s on s.school_id = v.school_id and s.subject_id = v.subject_id
        left join dim_group as g on g.school_id = v.school_id and g.group_id = v.group_id
        left join dim_teacher as t on t.school_id = v.school_id and t.teacher_id = v.teacher_id
        order by c.grade, c.class_name, s.subject_name, v.planned_date, v.topic_number
    """
    return _run(con, viewer, norms, filters, base, tail, {"as_of": as_of}, ("group_id",))


_ATTENDANCE_BASE = """
    select a.school_id, a.class_id, cast(null as varchar) as subject_id, c.class_teacher_id as teacher_id,
        a.period_id, a.lesson_date as event_date, a.pupil_id, a.n_lessons, a.n_missed, a.n_missed_unexcused,
        a.n_missed_excused, a.n_missed_illness, a.n_late, a.is_day_missed
    from mart_attendance_day as a
    join dim_class as c on c.school_id = a.school_id and c.class_id = a.class_id
    where a.lesson_date <= $as_of
"""


def attendance_by_month(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Per class and month: lessons missed by reason (н, у, б), lateness and whole days missed."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    frame = _run(
        con,
        viewer,
        norms,
        filters,
        _ATTENDANCE_BASE,
        """
        select c.class_name, year(v.event_date) as year, month(v.event_date) as month_number,
            sum(v.n_lessons) as n_lessons, sum(v.n_missed) as n_missed,
            sum(v.n_missed_unexcused) as n_missed_unexcused, sum(v.n_missed_excused) as n_missed_excused,
            sum(v.n_missed_illness) as n_missed_illness, sum(v.n_late) as n_late,
            count(case when v.is_day_missed then 1 end) as n_days_missed,
            100.0 * sum(v.n_missed) / nullif(sum(v.n_lessons), 0) as share_missed, c.grade, v.class_id
        from v join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        group by all order by c.grade, c.class_name, year, month_number
        """,
        {"as_of": as_of},
        ("pupil_id",),
    )
    if frame.is_empty():
        return frame
    return frame.with_columns(
        pl.format("{} {}", pl.col("month_number").replace_strict(dict(enumerate(MONTHS, 1))), pl.col("year")).alias(
            "month"
        )
    ).select("class_name", "month", *[c for c in frame.columns if c not in ("class_name", "year", "month_number")])


def attendance_by_pupil(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """Per pupil over the filtered range: lessons and days missed by reason, lateness, share
    missed; sorted by share missed (the chronic-absence rule flags those at or above the norm)."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    return _run(
        con,
        viewer,
        norms,
        filters,
        _ATTENDANCE_BASE,
        """
        select c.class_name, pu.full_name as pupil_name, sum(v.n_lessons) as n_lessons, sum(v.n_missed) as n_missed,
            sum(v.n_missed_unexcused) as n_missed_unexcused, sum(v.n_missed_excused) as n_missed_excused,
            sum(v.n_missed_illness) as n_missed_illness, sum(v.n_late) as n_late,
            count(case when v.is_day_missed then 1 end) as n_days_missed,
            100.0 * sum(v.n_missed) / nullif(sum(v.n_lessons), 0) as share_missed, v.pupil_id, v.class_id
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_pupil as pu on pu.school_id = v.school_id and pu.pupil_id = v.pupil_id
        group by all order by share_missed desc, c.class_name, pupil_name
        """,
        {"as_of": as_of},
        ("pupil_id",),
    )


def absences_on(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, days: list[dt.date], filters: Filters
) -> pl.DataFrame:
    """The class teacher's daily view: who was absent or late on the given days, lesson by lesson."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    base = """
        select a.school_id, a.class_id, a.subject_id, a.teacher_id, a.period_id, a.lesson_date as event_date,
            a.pupil_id, a.lesson_id, a.absence_code
        from fct_attendance as a
        where a.lesson_date in (select unnest($days)) and a.absence_code is not null
    """
    return _run(
        con,
        viewer,
        norms,
        Filters(class_id=filters.class_id, grade=filters.grade, academic_year_id=filters.academic_year_id),
        base,
        """
        select v.event_date as lesson_date, c.class_name, pu.full_name as pupil_name, l.lesson_number,
            s.subject_name, v.absence_code, v.pupil_id
        from v
        join dim_class as c on c.school_id = v.school_id and c.class_id = v.class_id
        join dim_pupil as pu on pu.school_id = v.school_id and pu.pupil_id = v.pupil_id
        join dim_subject as s on s.school_id = v.school_id and s.subject_id = v.subject_id
        join fct_lesson as l on l.school_id = v.school_id and l.lesson_id = v.lesson_id
        order by lesson_date desc, c.class_name, pupil_name, l.lesson_number
        """,
        {"days": list(days)},
        ("pupil_id", "lesson_id"),
    )


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


@dataclass(frozen=True)
class Windows:
    """Like with like: this week's days from Monday to the date, and the same weekdays a week before."""

    this_start: dt.date
    this_end: dt.date
    last_start: dt.date
    last_end: dt.date

    @property
    def days(self) -> str:
        """The weekdays compared in Russian: «пн», «пн–вт», …, «пн–вс»."""
        last = WEEKDAYS[self.this_end.weekday()]
        return "пн" if last == "пн" else f"пн–{last}"


def comparison_windows(as_of: dt.date) -> Windows:
    """This week's Monday to `as_of` against the same weekdays of the previous week."""
    this_start, _ = week_bounds(as_of)
    week = dt.timedelta(days=7)
    return Windows(this_start, as_of, this_start - week, as_of - week)


def _window_filters(filters: Filters, date_from: dt.date, date_to: dt.date) -> Filters:
    """The overview's filters (not its period or event dates) over the given days."""
    return Filters(
        academic_year_id=filters.academic_year_id,
        grade=filters.grade,
        class_id=filters.class_id,
        subject_id=filters.subject_id,
        teacher_id=filters.teacher_id,
        date_from=date_from,
        date_to=date_to,
    )


def overview(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, as_of: dt.date, filters: Filters
) -> pl.DataFrame:
    """This week's days up to the date against the same weekdays of last week (:func:`comparison_windows`):
    remarks by rule, completeness and attendance."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    days = comparison_windows(as_of)
    found = violations(con, viewer, norms, _window_filters(filters, days.last_start, days.this_end))
    rows = []
    for code, rule in RULES.items():
        cases = found.filter(pl.col("rule") == code)
        this = cases.filter(pl.col("event_date") >= days.this_start).height
        last = cases.filter(pl.col("event_date") <= days.last_end).height
        rows.append({"measure": rule.title, "this_week": float(this), "last_week": float(last), "rule": code})

    def share(day: dt.date) -> float | None:
        frame = completeness(con, viewer, norms, day, filters)
        if frame.is_empty():
            return None
        return percent(frame["n_enough"].sum(), frame["n_pupils"].sum())

    def missed(start: dt.date, end: dt.date) -> float | None:
        days_only = replace(filters, date_from=start, date_to=end, period=None)  # weeks, not the period
        frame = attendance_by_month(con, viewer, norms, end, days_only)
        if frame.is_empty() or frame["n_lessons"].sum() == 0:
            return None
        return percent(frame["n_missed"].sum(), frame["n_lessons"].sum())

    rows.append(
        {
            "measure": "Наполняемость: доля учеников с достаточным числом отметок, %",
            "this_week": share(days.this_end),
            "last_week": share(days.last_end),
            "rule": "completeness",
        }
    )
    rows.append(
        {
            "measure": "Пропущено уроков, %",
            "this_week": missed(days.this_start, days.this_end),
            "last_week": missed(days.last_start, days.last_end),
            "rule": "attendance",
        }
    )
    frame = pl.DataFrame(
        rows, schema={"measure": pl.String, "this_week": pl.Float64, "last_week": pl.Float64, "rule": pl.String}
    )
    return frame.with_columns(rounded_numbers(pl.col("this_week") - pl.col("last_week"), 1).alias("change"))


def top_teachers(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    norms: Norms,
    as_of: dt.date,
    filters: Filters,
    rules: tuple[str, ...],
    limit: int = 5,
) -> pl.DataFrame:
    """The teachers with the most remarks under `rules` this week up to the date (the overview's
    window): teacher_id, teacher_name, n_violations; most first, ties by name."""
    schema = {"teacher_id": pl.String, "teacher_name": pl.String, "n_violations": pl.Int64}
    if not viewer.sees_pupils:
        return pl.DataFrame(schema=schema)
    days = comparison_windows(as_of)
    found = violations(con, viewer, norms, _window_filters(filters, days.this_start, days.this_end), rules)
    counts = found.filter(pl.col("teacher_id").is_not_null()).group_by("teacher_id").len("n_violations")
    names = shown_names(con)["teacher"]
    return (
        counts.with_columns(
            pl.col("teacher_id").replace_strict(names, default="—").alias("teacher_name"),
            pl.col("n_violations").cast(pl.Int64),
        )
        .select(list(schema))
        .sort(["n_violations", "teacher_name", "teacher_id"], descending=[True, False, False])
        .head(limit)
    )
