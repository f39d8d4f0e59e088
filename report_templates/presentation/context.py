"""The presentation for the parent council: a typed deck of slides built from warehouse/director.py.

Each slide holds its message (the headline a projector shows), a table of text cells (as printed:
decimal comma, «< 5» for suppressed figures), an optional chart (a plotly figure, drawn to SVG by the
renderer; the slide then shows the chart alone) and short conclusions written from the data. Every
grade is shown in its own latest period (quarters for 1–9, halves for 10–11: `d.grade_periods`). A
slide whose figures are all zero, «—» or «< 5» is dropped and its topic named in `Deck.missing`.
No pupil or teacher is named anywhere; the XLSX repeats every slide's table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

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
CLASS_ROWS_PER_SLIDE = 8  # table rows at the minimum font size (render.MIN_FONT_PT) fit a slide
CHART_ROWS_PER_SLIDE = 6  # groups of bars whose labels stay readable at the minimum font size


@dataclass
class Slide:
    title: str
    header: list[str]
    rows: list[list[str]]
    chart: go.Figure | None = None
    conclusions: list[str] = field(default_factory=list)
    note: str | None = None
    message: str | None = None  # the one message of the slide, its headline (the topic when None)
    tones: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) of a change: good / bad

    @property
    def headline(self) -> str:
        return self.message or self.title

    def has_figures(self) -> bool:
        """Whether any figure of the table or chart is shown and not zero (a label column is not a figure)."""
        cells = [cell for row in self.rows for cell in row[1:]]
        values = [y for trace in self.chart.data for y in trace.y] if self.chart is not None else []
        return any(_is_figure(cell) for cell in cells) or any(value for value in values if value is not None)


@dataclass
class Deck:
    school_name: str
    period_title: str
    audience: str
    data_as_of: dt.date | None
    formed_on: dt.date
    slides: list[Slide]
    suppression_note: str | None
    missing: list[str] = field(default_factory=list)  # topics whose slides had no figure to show

    @property
    def document_title(self) -> str:
        return f"{TITLE}: {self.period_title}"


def _is_figure(cell: str) -> bool:
    """A printed cell holding a figure that is not zero («12,5», «↓ 0,3»); not «0», «0,0», «—», «< 5»."""
    return cell != SUPPRESSED and any(ch in "123456789" for ch in cell)


def grade_list(grades: list[int]) -> str:
    """[5, 6, 7, 8, 9] → «5–9»; [5, 7, 10, 11] → «5, 7, 10–11» (runs of consecutive grades)."""
    runs: list[list[int]] = []
    for grade in sorted(grades):
        if runs and grade == runs[-1][-1] + 1:
            runs[-1].append(grade)
        else:
            runs.append([grade])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def _one(frame: pl.DataFrame) -> dict | None:
    return frame.row(0, named=True) if not frame.is_empty() else None


def _get(row: dict | None, key: str) -> float | None:
    return None if row is None else row.get(key)


def _bars(title: str, categories: list[str], series: list[tuple[str, list]], **options) -> go.Figure | None:
    """A chart of the values shown; none when every value is hidden or zero (its axis would be all there is)."""
    if not any(value for _, values in series for value in values if value is not None):
        return None
    return grouped_bars(title, categories, series, **options)


def _cell(hide: bool, value: float | None, digits: int = 1) -> str:
    """A figure of a row the warehouse layer marked hidden (warehouse/director.py, `with_hidden`)."""
    return SUPPRESSED if hide else d.number(value, digits)


def _pct(part: int | None, whole: int | None) -> float | None:
    return 100.0 * part / whole if part is not None and whole else None


ABSENT = {"now": "этот период", "prev": "предыдущий период", "year": "год назад"}  # a column without a period


def without_empty_columns(slide: Slide) -> Slide:
    """The slide without the figure columns that hold nothing but «—» (no period to compare with)."""
    keep = [0, *(c for c in range(1, len(slide.header)) if any(row[c] != "—" for row in slide.rows))]
    if len(keep) == len(slide.header) or not slide.rows:
        return slide
    tones = {(r, keep.index(c)): tone for (r, c), tone in slide.tones.items() if c in keep}
    return replace(
        slide,
        header=[slide.header[c] for c in keep],
        rows=[[row[c] for c in keep] for row in slide.rows],
        tones=tones,
    )


@dataclass
class _Builder:
    con: duckdb.DuckDBPyConnection
    viewer: Viewer
    norms: Norms
    period: d.Period
    now: d.GradePeriods
    previous: d.GradePeriods  # each grade's previous period of its kind, where it has one
    before: d.GradePeriods  # the grades of the previous period's deck (3 четверть → 2 четверть's)
    year_ago: d.GradePeriods  # the grades of the deck of the same period last year

    def whole(self, grades: d.GradePeriods) -> d.GradePeriods | None:
        """The periods to compare the whole school with: only when they hold every grade shown now
        (else the school's figure would compare different grades)."""
        return grades if grades and set(grades) == set(self.now) else None

    def against(self) -> list[tuple[str, d.GradePeriods | None]]:
        return [("prev", self.whole(self.before)), ("year", self.whole(self.year_ago))]

    def label(self, grades: d.GradePeriods | None, absent: str = "год назад") -> str:
        """«2 четверть», «2 четверть, 1 полугодие» (grades in their own periods), `absent` when none."""
        if not grades:
            return absent
        periods = list(dict.fromkeys(grades[grade] for grade in sorted(grades)))
        same_year = all(p.academic_year_id == self.period.academic_year_id for p in periods)
        return ", ".join(p.period_name if same_year else p.title for p in periods)

    def previous_phrase(self) -> str:
        """«1 четвертью» (after «по сравнению с»): the previous deck's periods that differ from now."""
        changed = [p for g, p in sorted(self.before.items()) if self.now.get(g) != p] or list(self.before.values())
        return " и ".join(d.instrumental(name) for name in dict.fromkeys(p.period_name for p in changed))

    def results(self, grades: d.GradePeriods, by: str = "school") -> pl.DataFrame:
        return d.results(self.con, self.viewer, self.period, by, grades=grades)

    # ---------------------------------------------------------------- key figures

    def key_slide(self) -> Slide:
        v, norms = self.viewer, self.norms
        figures: dict[str, dict[str, dict | None]] = {}
        for tag, grades in [("now", self.now), *self.against()]:
            figures[tag] = {
                "results": _one(self.results(grades)) if grades else None,
                "attendance": _one(d.attendance(self.con, v, self.period, norms, grades=grades)) if grades else None,
                "journal": _one(d.journal_keeping(self.con, v, self.period, norms, grades=grades)) if grades else None,
            }
        lines = [
            ("Успеваемость, %", "results", "progress_pct", "n_distinct", 1, "Успеваемость", "f", True),
            ("Качество знаний, %", "results", "quality_pct", "n_distinct", 1, "Качество знаний", "n", True),
            ("СОУ, %", "results", "sou_pct", "n_distinct", 1, "Степень обученности (СОУ)", "f", True),
            ("Средний балл", "results", "mean_mark", "n_distinct", 2, "Средний балл", "m", True),
            ("Пропущено уроков на ученика", "attendance", "missed_per_pupil", "n_pupils", 1, None, "", False),
            (
                "Пропустили 10 % уроков и больше, % учеников",
                "attendance",
                "chronic_pct",
                "n_pupils",
                1,
                None,
                "",
                False,
            ),
            ("Уроки с записанной темой, %", "journal", "topic_pct", "n_pupils", 1, None, "", True),
        ]
        rows, conclusions, tones = [], [], {}
        previous = self.whole(self.before)
        for r, (label, source, key, n_key, digits, phrase, gender, up_is_good) in enumerate(lines):
            cells, values = [label], {}
            for tag in ("now", "prev", "year"):
                row = figures[tag][source]
                n = _get(row, n_key)
                values[tag] = None if row is None or d.hidden(v, n) else row[key]
                cells.append(d.shown(v, n, _get(row, key), digits) if row else "—")
                if tag != "now":
                    cells.append(d.delta_text(values["now"], values[tag], digits))
                    tone = d.delta_tone(values["now"], values[tag], digits, up_is_good=up_is_good)
                    if tone:
                        tones[(r, len(cells) - 1)] = tone
            rows.append(cells)
            if phrase and previous:
                unit = "п.п." if key.endswith("_pct") else "балла"
                text = d.change_text(
                    phrase, values["now"], values["prev"], self.previous_phrase(), gender, unit, digits
                )
                if text:
                    conclusions.append(text + ".")
        header = [
            "Показатель",
            self.label(self.now),
            self.label(previous, ABSENT["prev"]),
            "изменение",
            self.label(self.whole(self.year_ago)),
            "изменение",
        ]
        quality = next((c for c in conclusions if c.startswith("Качество знаний")), None)
        note = None
        if (self.before or self.previous) and not previous:
            note = "Сравнение по школе не проводится: не у всех параллелей есть предыдущий период (по параллелям — на слайде «Итоги по параллелям»)."
        return Slide(
            "Главные цифры",
            header,
            rows,
            conclusions=conclusions,
            message=quality.rstrip(".") if quality else f"Главные цифры: {self.label(self.now)}",
            tones=tones,
            note=note,
        )

    # ---------------------------------------------------------------- results

    def parts(self, grades: d.GradePeriods, by: str) -> pl.DataFrame:
        """The results by grade or subject, with `hidden` for the small parts and for the parts the
        school's total would give away by subtraction (the total is on «Главные цифры»)."""
        school = _one(self.results(grades))
        total_hidden = d.hidden(self.viewer, _get(school, "n_distinct"))
        return d.with_hidden(self.viewer, self.results(grades, by), "n_distinct", total_hidden=total_hidden)

    def grade_name(self, grade: int) -> str:
        """«7 классы»; «10 классы (1 полугодие)» when the grades are not all in one period."""
        name = f"{grade} классы"
        if len({p.period_id for p in self.now.values()}) > 1:
            name += f" ({self.now[grade].period_name})"
        return name

    def results_slides(self, by: str) -> list[Slide]:
        key = {"grade": "grade", "subject": "subject_name"}[by]
        previous = self.previous if by == "grade" else self.whole(self.before)
        now = self.parts(self.now, by)
        before = self.parts(previous, by) if previous else pl.DataFrame()
        before_rows = {r[key]: r for r in before.iter_rows(named=True)} if not before.is_empty() else {}
        rows, categories, q_now, q_before, changes = [], [], [], [], {"up": [], "down": [], "same": []}
        for r in now.iter_rows(named=True):
            name = self.grade_name(r[key]) if by == "grade" else r[key]
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
            if not hide and not prev_hidden:
                delta = d.delta_text(r["quality_pct"], prev["quality_pct"])
                changes["same" if delta == d.UNCHANGED else "up" if delta.startswith("↑") else "down"].append(r[key])
        title = "Итоги по параллелям" if by == "grade" else "Итоги по предметам"
        prev_label = f"Качество, % ({self.label(previous, ABSENT['prev'])})"
        header = [
            "Параллель" if by == "grade" else "Предмет",
            "Учеников",
            "Успеваемость, %",
            "Качество, %",
            "СОУ, %",
            "Средний балл",
            prev_label,
        ]
        message = self.quality_message(changes) if by == "grade" else self.best_subject(now)
        slides = []
        for start in range(0, len(rows), CHART_ROWS_PER_SLIDE):
            part = slice(start, start + CHART_ROWS_PER_SLIDE)
            series = [(self.label(self.now), q_now[part])]
            if previous:
                series.append((self.label(previous), q_before[part]))
            chart = _bars("Качество знаний, %", categories[part], series)
            slide_title = title + (" (продолжение)" if start else "")
            slides.append(Slide(slide_title, header, rows[part], chart=chart, message=message))
        return slides

    @staticmethod
    def quality_message(changes: dict[str, list[int]]) -> str:
        """«Качество знаний выросло в 5–9 классах, снизилось в 10–11 классах» from the changes as printed
        (the grades without change are said only when no grade changed: the chart shows them)."""
        kinds = (
            (("up", "выросло"), ("down", "снизилось"))
            if changes["up"] or changes["down"]
            else (("same", "не изменилось"),)
        )
        parts = [f"{verb} в {grade_list(changes[kind])} классах" for kind, verb in kinds if changes[kind]]
        return "Качество знаний " + ", ".join(parts) if parts else "Качество знаний по параллелям"

    def best_subject(self, now: pl.DataFrame) -> str:
        """«Выше всего качество знаний — Русский язык, 72,4 %» among the subjects shown."""
        shown = now.filter(~pl.col("hidden")).sort("quality_pct", descending=True) if not now.is_empty() else now
        if shown.is_empty():
            return "Качество знаний по предметам"
        best = shown.row(0, named=True)
        return f"Выше всего качество знаний — {best['subject_name']}, {d.number(best['quality_pct'])} %"

    # ---------------------------------------------------------------- attendance

    def attendance_slide(self) -> Slide:
        v = self.viewer
        columns = [("now", self.now), *self.against()]
        data = {
            tag: _one(d.attendance(self.con, v, self.period, self.norms, grades=g)) if g else None for tag, g in columns
        }
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
        header = ["Посещаемость", *(self.label(g, ABSENT[tag]) for tag, g in columns)]
        reasons = [("n_unexcused", "без уважительной"), ("n_excused", "по уважительной"), ("n_illness", "по болезни")]
        series = []
        for tag, grades in columns[:2]:
            row = data[tag]
            if not grades or row is None:
                continue
            hide = d.hidden(v, row["n_pupils"])
            series.append((self.label(grades), [None if hide else row[k] for k, _ in reasons]))
        chart = _bars("Пропущено уроков по причинам", [t for _, t in reasons], series, y_title="уроков", y_max=None)
        per_pupil = rows[7][1]
        message = f"Пропущено уроков на ученика: {per_pupil}" if _is_figure(per_pupil) else None
        return Slide("Посещаемость", header, rows, chart=chart, message=message)

    # ---------------------------------------------------------------- journal keeping

    def journal_slide(self) -> Slide:
        v = self.viewer
        columns = [("now", self.now), *self.against()]
        data = {
            tag: _one(d.journal_keeping(self.con, v, self.period, self.norms, grades=g)) if g else None
            for tag, g in columns
        }
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
        header = ["Ведение журнала", *(self.label(g, ABSENT[tag]) for tag, g in columns)]
        series = [
            (self.label(g), [data[tag][k] for _, k, _ in lines[1:]])
            for tag, g in columns[:2]
            if g and data[tag] and not d.hidden(v, data[tag]["n_pupils"])
        ]
        chart = _bars("Ведение журнала, % уроков", ["тема", "вовремя", "д/з"], series)
        note = "Наполняемость и своевременность — по нормам школы (страница «Нормы школы»)."
        topic = rows[1][1]
        message = f"Тема урока записана: {topic} % уроков" if _is_figure(topic) else None
        return Slide("Ведение электронного журнала", header, rows, chart=chart, note=note, message=message)

    # ---------------------------------------------------------------- objectivity

    def objectivity_slide(self) -> Slide:
        v = self.viewer
        norms = ObjectivityNorms.of(self.norms)
        final = _one(d.final_vs_current(self.con, v, self.period, norms, grades=self.now))
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
            chart = _bars("ВПР против отметки журнала, %", ["понизили", "подтвердили", "повысили"], [("ВПР", shares)])
        rule = str(norms.rounding_threshold).replace(".", ",")
        note = f"Правило округления: средневзвешенный балл от x,{rule[2:]} и выше даёт следующую отметку."
        match = rows[1][1]
        message = f"Совпадают с правилом округления: {match} % отметок" if _is_figure(match) else None
        header = ["Показатель", self.label(self.now)]
        return Slide("Объективность отметок", header, rows, chart=chart, note=note, message=message)

    # ---------------------------------------------------------------- classes

    def class_slides(self) -> list[Slide]:
        v = self.viewer
        sizes = d.class_sizes(self.con, v, self.period, grades=self.now)
        rows, keys = [], ("n_start", "n_arrived", "n_left", "n_end")
        cells = [[r["class_name"], *(d.class_cell(v, r, key) for key in keys)] for r in sizes.iter_rows(named=True)]
        rows.extend(cells)
        rows.append(["Всего", *(d.class_total(v, sizes, key) for key in keys)])
        header = ["Класс", "На начало периода", "Прибыло", "Выбыло", "На конец периода"]
        total = rows[-1][4]
        message = f"Учеников на конец периода: {total}" if _is_figure(total) else None
        n_slides = -(-len(rows) // CLASS_ROWS_PER_SLIDE)
        size = -(-len(rows) // n_slides)  # rows shared evenly: no slide left with a line or two
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        slides = []
        for i, chunk in enumerate(chunks):
            title = "Наполняемость классов и движение учащихся" + (" (продолжение)" if i else "")
            slides.append(Slide(title, header, chunk, message=message))
        return slides


TOPICS = {
    "Главные цифры": "главные цифры",
    "Итоги по параллелям": "итоги по параллелям",
    "Итоги по предметам": "итоги по предметам",
    "Посещаемость": "посещаемость",
    "Ведение электронного журнала": "ведение журнала",
    "Объективность отметок": "объективность отметок",
    "Наполняемость классов и движение учащихся": "наполняемость классов",
}


def build(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str, norms: Norms, *, year: str | None = None
) -> Deck:
    """The deck for a period of the viewer's school (e.g. «2 четверть»; the latest year unless given);
    every grade in its own latest period (a quarter's deck shows 10–11 in their latest half)."""
    period = d.find_period(con, viewer, period_name, year)
    everything = d.periods(con, viewer)
    now = d.grade_periods(con, viewer, period)
    deck_of = [d.previous_period(everything, period), d.same_period_last_year(everything, period)]
    before, year_ago = (d.grade_periods(con, viewer, p) if p else {} for p in deck_of)
    builder = _Builder(
        con, viewer, norms, period, now, d.each_grade(everything, now, d.previous_period), before, year_ago
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
    shown = [without_empty_columns(s) for s in slides if s.has_figures()]
    missing = list(dict.fromkeys(TOPICS[s.title] for s in slides if not s.has_figures() and s.title in TOPICS))
    waiting = [grade for grade in d.year_grades(con, viewer, period) if grade not in now]
    if waiting:
        missing.append(f"{grade_list(waiting)} классы (нет закончившегося периода)")
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
    title = period.title
    others = [p for p in dict.fromkeys(now.values()) if p != period]
    if others:
        title += (
            " ("
            + ", ".join(f"{grade_list([g for g in now if now[g] == p])} классы — {p.period_name}" for p in others)
            + ")"
        )
    return Deck(school_name, title, audience, as_of_date, dt.date.today(), shown, note, missing)
