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
from report_templates.common import ClassPeriod, Pupil, class_pupils, resolve_class_period
from warehouse.class_period import PERIOD_APPLIES

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
    periods = con.execute(
        "select p.period_id, p.period_name, p.end_date from dim_period as p join dim_class as c "
        "on c.school_id = p.school_id and c.academic_year_id = p.academic_year_id "
        f"where c.school_id = ? and c.class_id = ? and {PERIOD_APPLIES} "
        "order by p.end_date, date_diff('day', p.start_date, p.end_date), p.period_number",
        [where.school_id, where.class_id],
    ).fetchall()
    last_end = max(end for _, _, end in periods)
    periods = [(pid, name) for pid, name, end in periods if end <= where.end_date]
    kinds: list[tuple[str, str | None, str]] = [("period", pid, period_label(name)) for pid, name in periods]
    if where.end_date >= last_end:
        kinds += [(code, None, label) for code, label in YEAR_KINDS]
    pupils = class_pupils(con, where, where.year_start_date, where.end_date)
    marks = con.execute(
        "select pupil_id, subject_id, mark_kind_code, period_id, mark_value from fct_period_mark "
        "where school_id = ? and class_id = ? and academic_year_id = ? and mark_value <> ''",
        [where.school_id, where.class_id, where.academic_year_id],
    ).fetchall()
    by_key = {(p, s, k, pid): v for p, s, k, pid, v in marks}
    subjects = [
        Subject(*row)
        for row in con.execute(
            "select s.subject_id, s.subject_name, coalesce(nullif(s.short_name, ''), s.subject_name) "
            "from dim_subject as s where s.school_id = $school_id and s.subject_id in ("
            "select subject_id from src_curriculum where school_id = $school_id and class_id = $class_id "
            "and is_attested union select subject_id from fct_period_mark where school_id = $school_id and class_id = $class_id "
            "and academic_year_id = $year) order by s.subject_name",
            {"school_id": where.school_id, "class_id": where.class_id, "year": where.academic_year_id},
        ).fetchall()
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
