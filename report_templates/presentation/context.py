"""The presentation for the parent council: a typed deck of slides built from warehouse/director.py.

Each slide holds a table of text cells (as printed: decimal comma, «< 5» for suppressed figures),
an optional chart (a plotly figure, drawn to SVG by the renderer) and short conclusions written
from the data. No pupil or teacher is named anywhere; the XLSX repeats every slide's table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import plotly.graph_objects as go
import polars as pl

from ejournal.access.viewer import Viewer
from ejournal.settings import Norms
from report_templates.presentation.charts import grouped_bars
from warehouse import director as d
from warehouse.class_documents import school_facts
from warehouse.objectivity_norms import ObjectivityNorms
from warehouse.queries import SUPPRESSED

TITLE = "Итоги учебного периода"
CLASS_ROWS_PER_SLIDE = 12
CHART_ROWS_PER_SLIDE = 8  # rows of a table with a chart beside it: 8 groups of bars stay readable


@dataclass
class Slide:
    title: str
    header: list[str]
    rows: list[list[str]]
    chart: go.Figure | None = None
    conclusions: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class Deck:
    school_name: str
    period_title: str
    audience: str
    data_as_of: dt.date | None
    formed_on: dt.date
    slides: list[Slide]
    suppression_note: str | None

    @property
    def document_title(self) -> str:
        return f"{TITLE}: {self.period_title}"


def _one(frame: pl.DataFrame) -> dict | None:
    return frame.row(0, named=True) if not frame.is_empty() else None


def _get(row: dict | None, key: str) -> float | None:
    return None if row is None else row.get(key)


def _bars(title: str, categories: list[str], series: list[tuple[str, list]], **options) -> go.Figure | None:
    """A chart of the values shown; none when every value is hidden (its axis would be all there is)."""
    if not any(value is not None for _, values in series for value in values):
        return None
    return grouped_bars(title, categories, series, **options)


def _cell(hide: bool, value: float | None, digits: int = 1) -> str:
    """A figure of a row the warehouse layer marked hidden (warehouse/director.py, `with_hidden`)."""
    return SUPPRESSED if hide else d.number(value, digits)


def _pct(part: int | None, whole: int | None) -> float | None:
    return 100.0 * part / whole if part is not None and whole else None


@dataclass
class _Builder:
    con: duckdb.DuckDBPyConnection
    viewer: Viewer
    norms: Norms
    period: d.Period
    previous: d.Period | None
    last_year: d.Period | None

    def against(self) -> list[tuple[str, d.Period | None]]:
        return [("prev", self.previous), ("year", self.last_year)]

    def label(self, period: d.Period | None) -> str:
        if period is None:
            return "год назад"
        return period.period_name if period.academic_year_id == self.period.academic_year_id else period.title

    # ---------------------------------------------------------------- key figures

    def key_slide(self) -> Slide:
        v = self.viewer
        figures: dict[str, dict[str, dict | None]] = {}
        for tag, period in [("now", self.period), *self.against()]:
            figures[tag] = {
                "results": _one(d.results(self.con, v, period)) if period else None,
                "attendance": _one(d.attendance(self.con, v, period, self.norms)) if period else None,
                "journal": _one(d.journal_keeping(self.con, v, period, self.norms)) if period else None,
            }
        lines = [
            ("Успеваемость, %", "results", "progress_pct", "n_distinct", 1, "Успеваемость", "f"),
            ("Качество знаний, %", "results", "quality_pct", "n_distinct", 1, "Качество знаний", "n"),
            ("СОУ, %", "results", "sou_pct", "n_distinct", 1, "Степень обученности (СОУ)", "f"),
            ("Средний балл", "results", "mean_mark", "n_distinct", 2, "Средний балл", "m"),
            ("Пропущено уроков на ученика", "attendance", "missed_per_pupil", "n_pupils", 1, None, ""),
            ("Пропустили 10 % уроков и больше, % учеников", "attendance", "chronic_pct", "n_pupils", 1, None, ""),
            ("Уроки с записанной темой, %", "journal", "topic_pct", "n_pupils", 1, None, ""),
        ]
        rows, conclusions = [], []
        for label, source, key, n_key, digits, phrase, gender in lines:
            cells, values = [label], {}
            for tag in ("now", "prev", "year"):
                row = figures[tag][source]
                n = _get(row, n_key)
                values[tag] = None if row is None or d.hidden(v, n) else row[key]
                cells.append(d.shown(v, n, _get(row, key), digits) if row else "—")
                if tag != "now":
                    cells.append(d.delta_text(values["now"], values[tag], digits))
            rows.append(cells)
            if phrase and self.previous:
                unit = "п.п." if key.endswith("_pct") else "балла"
                text = d.change_text(
                    phrase,
                    values["now"],
                    values["prev"],
                    d.instrumental(self.previous.period_name),
                    gender,
                    unit,
                    digits,
                )
                if text:
                    conclusions.append(text + ".")
        header = [
            "Показатель",
            self.period.period_name,
            self.label(self.previous),
            "изменение",
            self.label(self.last_year),
            "изменение",
        ]
        return Slide("Главные цифры", header, rows, conclusions=conclusions)

    # ---------------------------------------------------------------- results

    def parts(self, period: d.Period, by: str) -> pl.DataFrame:
        """The period's results by grade or subject, with `hidden` for the small parts and for the parts
        the school's total would give away by subtraction (the total is on «Главные цифры»)."""
        school = _one(d.results(self.con, self.viewer, period))
        total_hidden = d.hidden(self.viewer, _get(school, "n_distinct"))
        return d.with_hidden(
            self.viewer, d.results(self.con, self.viewer, period, by), "n_distinct", total_hidden=total_hidden
        )

    def results_slides(self, by: str) -> list[Slide]:
        key = {"grade": "grade", "subject": "subject_name"}[by]
        now = self.parts(self.period, by)
        before = self.parts(self.previous, by) if self.previous else pl.DataFrame()
        before_rows = {r[key]: r for r in before.iter_rows(named=True)} if not before.is_empty() else {}
        rows, categories, q_now, q_before = [], [], [], []
        for r in now.iter_rows(named=True):
            name = f"{r[key]} классы" if by == "grade" else r[key]
            hide = r["hidden"]
            prev = before_rows.get(r[key])
            prev_hidden = prev is None or prev["hidden"]
            rows.append(
                [
                    name,
                    _cell(hide, r["n_distinct"]),
                    _cell(hide, r["progress_pct"]),
                    _cell(hide, r["quality_pct"]),
                    _cell(hide, r["sou_pct"]),
                    _cell(hide, r["mean_mark"], 2),
                    (SUPPRESSED if prev and prev_hidden else "—") if prev_hidden else d.number(prev["quality_pct"]),
                ]
            )
            categories.append(name + (f" ({SUPPRESSED})" if hide else ""))
            q_now.append(None if hide else r["quality_pct"])
            q_before.append(None if prev_hidden else prev["quality_pct"])
        title = "Итоги по параллелям" if by == "grade" else "Итоги по предметам"
        prev_label = f"Качество, % ({self.label(self.previous)})"
        header = [
            "Параллель" if by == "grade" else "Предмет",
            "Учеников",
            "Успеваемость, %",
            "Качество, %",
            "СОУ, %",
            "Средний балл",
            prev_label,
        ]
        slides = []
        for start in range(0, len(rows), CHART_ROWS_PER_SLIDE):
            part = slice(start, start + CHART_ROWS_PER_SLIDE)
            series = [(self.period.period_name, q_now[part])]
            if self.previous:
                series.append((self.previous.period_name, q_before[part]))
            chart = _bars("Качество знаний, %", categories[part], series)
            slides.append(Slide(title + (" (продолжение)" if start else ""), header, rows[part], chart=chart))
        return slides

    # ---------------------------------------------------------------- attendance

    def attendance_slide(self) -> Slide:
        v = self.viewer
        columns = [("now", self.period), *self.against()]
        data = {tag: _one(d.attendance(self.con, v, p, self.norms)) if p else None for tag, p in columns}
        lines = [
            ("Учеников", "n_pupils", 0),
            ("Пропущено уроков всего", "n_missed", 0),
            ("без уважительной причины", "n_unexcused", 0),
            ("по уважительной причине", "n_excused", 0),
            ("из них по болезни", "n_illness", 0),
            ("Пропущено дней всего", "n_days_missed", 0),
            ("из них без уважительной причины", "n_days_unexcused", 0),
            ("Пропущено уроков на ученика", "missed_per_pupil", 1),
            ("Пропустили 10 % уроков и больше, % учеников", "chronic_pct", 1),
        ]
        rows = []
        for label, key, digits in lines:
            cells = [label]
            for tag, _ in columns:
                row = data[tag]
                cells.append(d.shown(v, _get(row, "n_pupils"), _get(row, key), digits) if row else "—")
            rows.append(cells)
        header = ["Посещаемость", *(self.label(p) for _, p in columns)]
        reasons = [("n_unexcused", "без уважительной"), ("n_excused", "по уважительной"), ("n_illness", "по болезни")]
        series = []
        for tag, period in columns[:2]:
            row = data[tag]
            if period is None or row is None:
                continue
            hide = d.hidden(v, row["n_pupils"])
            series.append((period.period_name, [None if hide else row[k] for k, _ in reasons]))
        chart = _bars("Пропущено уроков по причинам", [t for _, t in reasons], series, y_title="уроков", y_max=None)
        return Slide("Посещаемость", header, rows, chart=chart)

    # ---------------------------------------------------------------- journal keeping

    def journal_slide(self) -> Slide:
        v = self.viewer
        columns = [("now", self.period), *self.against()]
        data = {tag: _one(d.journal_keeping(self.con, v, p, self.norms)) if p else None for tag, p in columns}
        days = self.norms.timeliness.lesson_entry_days
        lines = [
            ("Уроков проведено", "n_lessons", 0),
            ("Записана тема урока, %", "topic_pct", 1),
            (f"Урок записан не позднее {days} дн., %", "on_time_pct", 1),
            ("Записано домашнее задание, %", "homework_pct", 1),
        ]
        rows = [
            [
                label,
                *(
                    d.shown(v, _get(data[tag], "n_pupils"), _get(data[tag], key), digits) if data[tag] else "—"
                    for tag, _ in columns
                ),
            ]
            for label, key, digits in lines
        ]
        header = ["Ведение журнала", *(self.label(p) for _, p in columns)]
        series = [
            (p.period_name, [data[tag][k] for _, k, _ in lines[1:]])
            for tag, p in columns[:2]
            if p and data[tag] and not d.hidden(v, data[tag]["n_pupils"])
        ]
        chart = _bars("Ведение журнала, % уроков", ["тема", "вовремя", "д/з"], series)
        note = "Наполняемость и своевременность — по нормам школы (страница «Нормы школы»)."
        return Slide("Ведение электронного журнала", header, rows, chart=chart, note=note)

    # ---------------------------------------------------------------- objectivity

    def objectivity_slide(self) -> Slide:
        v = self.viewer
        final = _one(d.final_vs_current(self.con, v, self.period, ObjectivityNorms.of(self.norms)))
        vpr = _one(d.vpr_summary(self.con, v, self.period))
        n_final, n_vpr = _get(final, "n_marks"), _get(vpr, "n")
        # Suppressed by the pupils behind each figure, never by the marks or results counted.
        p_final, p_vpr = _get(final, "n_pupils"), _get(vpr, "n_pupils")
        rows = [
            ["Отметок за период сверено с текущими", d.shown(v, p_final, n_final)],
            ["совпадают с правилом округления, %", d.shown(v, p_final, _pct(_get(final, "n_match"), n_final))],
            ["выше средневзвешенного, %", d.shown(v, p_final, _pct(_get(final, "n_raised"), n_final))],
            ["ниже средневзвешенного, %", d.shown(v, p_final, _pct(_get(final, "n_lowered"), n_final))],
            [f"ВПР {self.period.academic_year_id}: участников", d.shown(v, p_vpr, n_vpr)],
            ["понизили отметку журнала, %", d.shown(v, p_vpr, _pct(_get(vpr, "n_down"), n_vpr))],
            ["подтвердили, %", d.shown(v, p_vpr, _pct(_get(vpr, "n_same"), n_vpr))],
            ["повысили, %", d.shown(v, p_vpr, _pct(_get(vpr, "n_up"), n_vpr))],
        ]
        chart = None
        if vpr and not d.hidden(v, p_vpr):
            shares = [_pct(vpr[k], n_vpr) for k in ("n_down", "n_same", "n_up")]
            chart = grouped_bars(
                "ВПР против отметки журнала, %", ["понизили", "подтвердили", "повысили"], [("ВПР", shares)]
            )
        rule = str(ObjectivityNorms.of(self.norms).rounding_threshold).replace(".", ",")
        note = f"Правило округления: средневзвешенный балл от x,{rule[2:]} и выше даёт следующую отметку."
        return Slide("Объективность отметок", ["Показатель", self.period.period_name], rows, chart=chart, note=note)

    # ---------------------------------------------------------------- classes

    def class_slides(self) -> list[Slide]:
        v = self.viewer
        sizes = d.class_sizes(self.con, v, self.period)
        rows, keys = [], ("n_start", "n_arrived", "n_left", "n_end")
        cells = [[r["class_name"], *(d.class_cell(v, r, key) for key in keys)] for r in sizes.iter_rows(named=True)]
        rows.extend(cells)
        rows.append(["Всего", *(d.class_total(v, sizes, key) for key in keys)])
        header = ["Класс", "На начало периода", "Прибыло", "Выбыло", "На конец периода"]
        chunks = [rows[i : i + CLASS_ROWS_PER_SLIDE] for i in range(0, len(rows), CLASS_ROWS_PER_SLIDE)]
        slides = []
        for i, chunk in enumerate(chunks):
            title = "Наполняемость классов и движение учащихся" + (" (продолжение)" if i else "")
            slides.append(Slide(title, header, chunk))
        return slides


def build(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str, norms: Norms, *, year: str | None = None
) -> Deck:
    """The deck for a period of the viewer's school (e.g. «2 четверть»; the latest year unless given)."""
    period = d.find_period(con, viewer, period_name, year)
    everything = d.periods(con, viewer)
    builder = _Builder(
        con, viewer, norms, period, d.previous_period(everything, period), d.same_period_last_year(everything, period)
    )
    slides = [
        builder.key_slide(),
        *builder.results_slides("grade"),
        *builder.results_slides("subject"),
        builder.attendance_slide(),
        builder.journal_slide(),
        builder.objectivity_slide(),
        *builder.class_slides(),
    ]
    school_name, _, _, as_of = school_facts(con, period.school_id)
    audience = (
        "для родительского совета" if viewer.role.value == "parent_council" else "для родительского совета и собраний"
    )
    note = None
    if viewer.suppresses_small_groups:
        note = (
            f"Значения, описывающие меньше 5 учеников, скрыты и отмечены «{SUPPRESSED}». Имён учеников и учителей нет."
        )
    as_of_date = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    return Deck(school_name, period.title, audience, as_of_date, dt.date.today(), slides, note)
