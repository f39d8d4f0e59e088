"""«Сводная ведомость учета успеваемости обучающихся класса»: per pupil and subject the marks of
each period of the year up to the chosen one, and, at the year's last period, the year, exam and
final marks, with the column «Решение педагогического совета» left for the council's decision.

Marks come from fct_period_mark as the export gives them («5», «н/а», «зач», «осв»); a pupil's
mark belongs to the class they were in on the period's last day (the year's last day for year,
exam and final marks).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.class_context import ClassPeriod, Pupil, class_pupils, resolve_class_period
from warehouse.class_period import periods_covering_class
from warehouse.class_results import attested_subjects, year_marks

TITLE = "Сводная ведомость учета успеваемости обучающихся класса"
YEAR_KINDS = (("year", "Год"), ("exam", "Экз."), ("final", "Итог."))
# above this many subjects the columns carry the short names (with a legend below the table)
FULL_NAMES_UP_TO = 8


@dataclass(frozen=True)
class Subject:
    subject_id: str
    name: str
    short_name: str


@dataclass(frozen=True)
class PupilRow:
    """One line of the sheet: a pupil, a kind of mark (a period, «Год», «Экз.», «Итог.») and the
    mark of each subject in the order of the sheet's subjects (None: no mark)."""

    label: str
    marks: list[str | None]


@dataclass(frozen=True)
class PupilBlock:
    number: int
    pupil: Pupil
    rows: list[PupilRow]


@dataclass
class ProgressLedger:
    where: ClassPeriod
    subjects: list[Subject]
    row_labels: list[str]
    pupils: list[PupilBlock]

    document_title = TITLE

    @property
    def subtitle(self) -> str:
        return f"Класс {self.where.class_name}, {self.where.academic_year_id} учебный год, по {self.where.period_name} включительно"

    @property
    def short_headers(self) -> bool:
        return len(self.subjects) > FULL_NAMES_UP_TO


def period_label(name: str) -> str:
    """«1 четверть» → «1 четв.»: the row label of a period."""
    for word, short in (("четверть", "четв."), ("полугодие", "полуг."), ("триместр", "трим."), ("семестр", "сем.")):
        name = name.replace(word, short)
    return name


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> ProgressLedger:
    where = resolve_class_period(con, viewer, class_name, period_name)
    # every period of the class's grade that has ended by the chosen one: quarters, and half-years
    # where the school keeps both, a half-year after the quarter that ends on the same day
    periods = periods_covering_class(con, where.school_id, where.class_id)
    last_end = max(end for _, _, end in periods)
    periods = [(pid, name) for pid, name, end in periods if end <= where.end_date]
    kinds: list[tuple[str, str | None, str]] = [("period", pid, period_label(name)) for pid, name in periods]
    if where.end_date >= last_end:
        kinds += [(code, None, label) for code, label in YEAR_KINDS]
    pupils = class_pupils(con, where, where.year_start_date, where.end_date)
    marks = year_marks(con, where.school_id, where.class_id, where.academic_year_id)
    by_key = {(p, s, k, pid): v for p, s, k, pid, v in marks}
    subjects = [
        Subject(*row) for row in attested_subjects(con, where.school_id, where.class_id, where.academic_year_id)
    ]
    # year, exam and final rows only where the class has such marks at all
    present = {(k, pid) for _, _, k, pid, _ in marks}
    kinds = [(k, pid, label) for k, pid, label in kinds if k == "period" or (k, None) in present]
    blocks = []
    for number, pupil in enumerate(pupils, start=1):
        rows = [
            PupilRow(label, [by_key.get((pupil.pupil_id, s.subject_id, kind, pid)) for s in subjects])
            for kind, pid, label in kinds
        ]
        blocks.append(PupilBlock(number, pupil, rows))
    return ProgressLedger(where, subjects, [label for _, _, label in kinds], blocks)
