"""«Предварительный отчет классного руководителя»: before the period ends, per pupil and subject
the current weighted average of the period's marks up to the data date, the mark it rounds to
under the school's rule (norms.toml [attestation] rounding_threshold) and the number of marks; then
the pupils at risk: a forecast «2», fewer marks than the school's minimum, or a chronic share of
missed lessons (norms.toml [attendance] chronic_absence_share).

Weighted average = Σ(mark·weight) / Σ(weight) over the numeric marks of the class's lessons
(a double mark «4/5» counts as two marks of the same weight), as in fct_mark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal
from report_templates.attendance_figures import Attendance, by_pupil
from report_templates.class_context import ClassPeriod, Pupil, class_pupils, resolve_class_period
from report_templates.document_norms import DocumentNorms
from report_templates.progress_ledger.context import FULL_NAMES_UP_TO, Subject
from warehouse.class_results import attested_subjects, current_averages, current_subjects, expected_subjects
from warehouse.objectivity_norms import ObjectivityNorms

TITLE = "Предварительный отчет классного руководителя"


@dataclass(frozen=True)
class Current:
    n_marks: int
    weighted: float | None
    forecast: int | None


@dataclass(frozen=True)
class PupilBlock:
    number: int
    pupil: Pupil
    subjects: list[Current | None]
    attendance: Attendance


@dataclass(frozen=True)
class Risk:
    """A pupil at risk and every reason: «Алгебра: прогноз «2» (2,41)», «Музыка: мало отметок (1 из 3)»,
    «пропущено 12,5 % уроков»."""

    number: int
    pupil: str
    reasons: list[str]


@dataclass(frozen=True)
class ModelRisk:
    """A pupil-subject the forecast model (warehouse/forecast) puts at risk: the predicted period
    mark and the probability of «2» or н/а, at least the school's [forecast] risk_probability."""

    pupil: str
    subject: str
    predicted: str
    probability: float


@dataclass
class PreliminaryReport:
    where: ClassPeriod
    as_of: dt.date
    subjects: list[Subject]
    pupils: list[PupilBlock]
    risks: list[Risk]
    norms: DocumentNorms
    model_risks: list[ModelRisk] = field(default_factory=list)
    model_threshold: float = ObjectivityNorms.risk_probability
    # the class is taught without marks (grade 1): no subject is attested and none has period marks
    without_marks: bool = False

    document_title = TITLE

    @property
    def subtitle(self) -> str:
        return f"Класс {self.where.class_name}, {self.where.period_name}: текущие отметки на {self.as_of:%d.%m.%Y}"

    @property
    def short_headers(self) -> bool:
        return len(self.subjects) > FULL_NAMES_UP_TO


def build(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    class_name: str,
    period_name: str,
    norms: DocumentNorms | None = None,
) -> PreliminaryReport:
    norms = norms or DocumentNorms()
    where = resolve_class_period(con, viewer, class_name, period_name)
    as_of = min(where.end_date, where.data_as_of or where.end_date)
    rows = current_averages(con, where.school_id, where.class_id, where.start_date, as_of)
    current = {(p, s): Current(int(n), w, norms.rounded_mark(w)) for p, s, n, w in rows}
    subjects = [
        Subject(*row) for row in current_subjects(con, where.school_id, where.class_id, where.start_date, as_of)
    ]
    # subjects a pupil takes: they had lessons of it in the period (subgroups split a class)
    expected = expected_subjects(con, where.school_id, where.class_id, where.start_date, as_of)
    attendance = by_pupil(con, where, where.start_date, as_of)
    blocks, risks = [], []
    for number, pupil in enumerate(class_pupils(con, where, as_of, as_of), start=1):
        cells: list[Current | None] = []
        reasons = []
        for subject in subjects:
            key = (pupil.pupil_id, subject.subject_id)
            cell = current.get(key) or (Current(0, None, None) if key in expected else None)
            cells.append(cell)
            if cell is None:
                continue
            if cell.forecast is not None and cell.forecast <= 2:
                reasons.append(f"{subject.name}: прогноз «{cell.forecast}» ({decimal(cell.weighted, 2)})")
            if cell.n_marks < norms.min_marks_per_period:
                reasons.append(f"{subject.name}: мало отметок ({cell.n_marks} из {norms.min_marks_per_period})")
        figures = attendance.get(pupil.pupil_id, Attendance())
        if figures.n_lessons and figures.n_missed / figures.n_lessons >= norms.chronic_absence_share - 1e-12:
            reasons.append(f"пропущено {decimal(figures.missed_pct)} % уроков")
        if reasons:
            risks.append(Risk(len(risks) + 1, pupil.full_name, reasons))
        blocks.append(PupilBlock(number, pupil, cells, figures))
    if not attested_subjects(con, where.school_id, where.class_id, where.academic_year_id):
        return PreliminaryReport(where, as_of, subjects, blocks, risks, norms, without_marks=True)
    threshold, predicted = _model_risks(con, viewer, where, as_of)
    names = {block.pupil.pupil_id: block.pupil.full_name for block in blocks}
    subject_names = {subject.subject_id: subject.name for subject in subjects}
    model = sorted(
        (
            ModelRisk(names[pupil_id], subject_names.get(subject_id, subject_id), str(mark), probability)
            for (pupil_id, subject_id), (mark, probability) in predicted.items()
            if pupil_id in names
        ),
        key=lambda r: (-r.probability, r.pupil, r.subject),
    )
    return PreliminaryReport(where, as_of, subjects, blocks, risks, norms, model, threshold)


def _model_risks(con: duckdb.DuckDBPyConnection, viewer: Viewer, where, as_of: dt.date) -> tuple[float, dict]:
    """The forecast model's risk list for the class on the date (000 §2.8, §9.2)."""
    from ejournal.settings import load_norms
    from warehouse.forecast.predict import class_risks

    settings = ObjectivityNorms.of(load_norms())
    return settings.risk_probability, class_risks(con, viewer, where.class_id, as_of, settings)
