"""Pieces the pages share: the journal-control filter bar, tables with Russian headers and an
audited XLSX download, the explanation of a metric with its norm and source, and the choice of one
of the viewer's classes."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import streamlit as st

from dashboards.auth import download_button
from dashboards.formats import data_table
from dashboards.text import as_text
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms, load_norms
from ejournal.xlsx import frame_to_xlsx
from warehouse.control_pages import TITLES, filter_options, latest_date
from warehouse.control_rules import RULES, Filters, explain
from warehouse.periods import CHOICE_TITLES, CURRENT, YEAR, Period, period_names, spans
from warehouse.queries import marked_pairs, own_class, visible_classes

ALL = "__all__"
# The columns a table is read for (why a row is there): first, never off-screen to the right.
KEY_COLUMNS = ("risk", "n_violations")


def choose_class(con: duckdb.DuckDBPyConnection, viewer: Viewer, key: str) -> tuple[str, dict[str, str]]:
    """A select box of the classes the viewer may see: (the chosen class_id, {class_id: name}); the
    page stops with a note when there is none."""
    names = dict(visible_classes(con, viewer))
    if not names:
        st.info("Для вашей учётной записи нет доступных классов.")
        st.stop()
    class_ids = list(names)
    chosen = st.selectbox(
        "Класс", class_ids, index=opening_class(con, viewer, class_ids), format_func=names.get, key=key
    )
    return chosen, names


def opening_class(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_ids: list[str]) -> int:
    """Which of the classes a page opens on: the viewer's own class (a class teacher's), else the
    first class with marks, else the first."""
    own = own_class(con, viewer)
    if own in class_ids:
        return class_ids.index(own)
    marked = {class_id for class_id, _ in marked_pairs(con, viewer)}
    return next((i for i, class_id in enumerate(class_ids) if class_id in marked), 0)


def norms() -> Norms:
    """The school's norms as saved now (read on every run: a saved change shows at once)."""
    return load_norms()


def _kept(kind, label: str, key: str, default, options: list | None = None, **kwargs):
    """A widget whose value survives switching pages: Streamlit forgets the state of widgets a
    page does not draw, so the value is also kept under a key of its own and put back."""
    keep = f"kept_{key}"
    # set every run: a value the same key's widget of another page left is not this widget's own
    value = st.session_state[key] if key in st.session_state else st.session_state.get(keep, default)
    st.session_state[key] = default if options is not None and value not in options else value

    def remember() -> None:
        # at the very start of the rerun a change makes: kept even if a page switch cuts that run short
        st.session_state[keep] = st.session_state[key]

    if options is not None:
        value = kind(label, options, key=key, on_change=remember, **kwargs)
    else:
        value = kind(label, key=key, on_change=remember, **kwargs)
    st.session_state[keep] = value
    return value


def _choice(label: str, key: str, names: dict, everything: str = "все"):
    """A kept selectbox of «all» and the given values (value → shown name)."""
    return _kept(
        st.selectbox, label, key, ALL, [ALL, *names], format_func=lambda v: everything if v == ALL else names[v]
    )


# The query parameters a link to a control page may carry (see `link_filters`).
TEACHER_PARAM, FROM_PARAM, TO_PARAM = "teacher", "from", "to"


def link_filters(teacher_id: str, date_from: dt.date, date_to: dt.date) -> dict[str, str]:
    """Query parameters for `st.page_link` that open a control page filtered to the teacher and days."""
    return {TEACHER_PARAM: teacher_id, FROM_PARAM: date_from.isoformat(), TO_PARAM: date_to.isoformat()}


def _iso_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _apply_link_filters(teachers: dict[str, str]) -> None:
    """Put the filters a link brought (`link_filters`) into the sidebar's state, once: the
    parameters are then dropped so that the sidebar stays the user's. Unknown values are ignored."""
    params = st.query_params
    teacher_id = params.get(TEACHER_PARAM)
    date_from, date_to = _iso_date(params.get(FROM_PARAM)), _iso_date(params.get(TO_PARAM))
    for name in (TEACHER_PARAM, FROM_PARAM, TO_PARAM):
        if name in params:
            del params[name]
    if teacher_id in teachers:
        st.session_state["f_teacher"] = st.session_state["kept_f_teacher"] = teacher_id
    if date_from and date_to and date_from <= date_to:
        st.session_state["f_dates"] = st.session_state["kept_f_dates"] = (date_from, date_to)


def filter_bar(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, *, dates: bool = True, period: bool = True
) -> tuple[Filters, dt.date]:
    """The sidebar filters (kept when switching pages, set by a link's `link_filters`) and the
    «на дату» reference day; without `period` (a page of dates, not periods) no «Период»."""
    opts = filter_options(con, viewer)
    _apply_link_filters(dict(opts["teachers"]))
    last = latest_date(con) or dt.date.today()
    with st.sidebar:
        st.markdown("**Фильтры**")
        years = sorted({c[3] for c in opts["classes"]})
        year = _choice("Учебный год", "f_year", {y: y for y in years})
        choice = _period_choice(con, viewer, None if year == ALL else year) if period else None
        grade = _choice("Параллель", "f_grade", {g: str(g) for g in sorted({c[2] for c in opts["classes"]})})
        classes = {
            c[0]: c[1] for c in opts["classes"] if (grade == ALL or c[2] == grade) and (year == ALL or c[3] == year)
        }
        class_id = _choice("Класс", "f_class", classes)
        subject_id = _choice("Предмет", "f_subject", dict(opts["subjects"]))
        teacher_id = _choice("Учитель", "f_teacher", dict(opts["teachers"]))
        as_of = _as_of(last)
        date_from = date_to = None
        if dates:
            span = _kept(st.date_input, "Даты событий (с — по)", "f_dates", (), format="DD.MM.YYYY")
            if isinstance(span, tuple | list) and len(span) == 2:
                date_from, date_to = span
    filters = Filters(
        academic_year_id=None if year == ALL else year,
        period=Period(choice, as_of) if choice else None,
        grade=None if grade == ALL else grade,
        class_id=None if class_id == ALL else class_id,
        subject_id=None if subject_id == ALL else subject_id,
        teacher_id=None if teacher_id == ALL else teacher_id,
        date_from=date_from,
        date_to=date_to,
    )
    return filters, as_of


def _period_choice(con: duckdb.DuckDBPyConnection, viewer: Viewer, academic_year_id: str | None) -> str:
    """The one «Период» selector of every page (kept across pages): «текущий (на дату)», each study
    period of the year by name, «год» — their dates are warehouse/periods.py's."""
    names = period_names(con, viewer.school_id, academic_year_id)
    choices = [CURRENT, *names, YEAR]
    return _kept(st.selectbox, "Период", "f_period", CURRENT, choices, format_func=lambda v: CHOICE_TITLES.get(v, v))


def _as_of(last: dt.date) -> dt.date:
    return _kept(st.date_input, "На дату", "f_as_of", last, format="DD.MM.YYYY")


def period_filter(con: duckdb.DuckDBPyConnection, viewer: Viewer, last: dt.date | None = None) -> Period:
    """The «Период» and «На дату» of the filter bar alone (same widgets, same kept values), for
    pages without the other filters; the year is the one kept by the filter bar, if any; «На дату»
    is at first `last`, else the last day with lessons."""
    year = st.session_state.get("kept_f_year", ALL)
    with st.sidebar:
        choice = _period_choice(con, viewer, None if year == ALL else year)
        as_of = _as_of(last or latest_date(con) or dt.date.today())
    return Period(choice, as_of)


def _grades_text(grades: list[int]) -> str:
    """«7 класс», «1–9 классы» or «5, 7 классы»."""
    shown = sorted(set(grades))
    if len(shown) == 1:
        return f"{shown[0]} класс"
    if shown[-1] - shown[0] + 1 == len(shown):
        return f"{shown[0]}–{shown[-1]} классы"
    return ", ".join(map(str, shown)) + " классы"


def period_text(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    period: Period,
    filters: Filters | None = None,
    class_id: str | None = None,
) -> str:
    """The dates the figures cover, in Russian: «Период: текущий (на дату) — 2 четверть, с 05.11.2025
    по 20.11.2025.»; one part per distinct span when classes' periods differ (quarters and halves)."""
    filters = filters or Filters()
    rows = spans(
        con,
        period,
        school_id=viewer.school_id,
        academic_year_id=filters.academic_year_id,
        class_id=class_id or filters.class_id,
        grade=filters.grade,
    )
    title = as_text(period.title)
    if rows.is_empty():
        return f"Период «{title}» на {period.as_of:%d.%m.%Y} ещё не начался или не относится к классам: данных нет."
    parts = rows.group_by("period_name", "start_date", "end_date", maintain_order=True).agg(pl.col("grade"))
    texts = [
        (f"{as_text(name)}, " if name and period.choice != name else "")
        + f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"
        + (f" ({_grades_text(grades)})" if parts.height > 1 else "")
        for name, start, end, grades in parts.iter_rows()
    ]
    return f"Период: {title} — " + "; ".join(texts) + "."


def show_period(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, filters: Filters, *, class_id: str | None = None, note: str = ""
) -> None:
    """A caption stating the dates the page's figures cover (and `note`, already safe text)."""
    if filters.period is not None:
        st.caption(" ".join(filter(None, [period_text(con, viewer, filters.period, filters, class_id), note])))


def show_table(frame: pl.DataFrame, viewer: Viewer, name: str, key: str, *, hide: tuple[str, ...] = ()) -> None:
    """The frame with Russian headers (identifier columns hidden) and an audited XLSX download."""
    if frame.is_empty():
        st.info("Нет данных для выбранных фильтров.")
        return
    columns = [c for c in frame.columns if c in TITLES and c not in hide]
    columns.sort(key=lambda c: c not in KEY_COLUMNS)  # what a row is flagged for comes first
    shown = frame.select(columns).rename({c: TITLES[c] for c in frame.columns if c in TITLES})
    data_table(shown, width="stretch")
    download_button(
        viewer,
        "Скачать XLSX",
        frame_to_xlsx(shown, name[:31]),
        f"{name}.xlsx",
        key=f"download_{key}",
        audit_object=f"{key}.xlsx",
        rows=shown.height,
    )


def explain_rules(codes: list[str], current: Norms, extra: str | None = None) -> None:
    """A short explanation of each metric with the school's norm and the clause it comes from."""
    with st.expander("Как считается и откуда нормы"):
        if extra:
            st.markdown(extra)
        for code in codes:
            rule = RULES[code]
            st.markdown(f"**{rule.title}.** {explain(code, current)} Источник: {rule.source}.")
