"""«Итоги успеваемости класса за учебный период»: the typed context and its builder.

Figures come from mart_period_results (formulas of shared/DOMAIN.md); each subject's row stands
beside the previous period of the same kind, and a subject of the plan without period marks keeps
its row (N = 0, «—»). N and the lists of pupils by category are the class's
(warehouse.class_results.class_results), the same in every class document of the period; a class
taught without marks (grade 1) says so instead of printing empty tables. The lists need
pupil-level access: the builder refuses a viewer whose role or scope does not include the class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import duckdb

from ejournal.access.accounts import AccessError
from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal
from report_templates.class_context import UNMARKED
from report_templates.table_document import School, class_signatures, school_header
from warehouse.class_period import find_class_period
from warehouse.class_results import (
    class_results,
    previous_period,
    subject_result,
    subject_results,
    unmarked_subjects,
)

TITLE = "Итоги успеваемости класса за учебный период"


@dataclass(frozen=True)
class Figures:
    n_pupils: int
    n_5: int
    n_4: int
    n_3: int
    n_2: int
    n_na: int
    progress_pct: float | None  # None when N = 0
    quality_pct: float | None
    sou_pct: float | None
    mean_mark: float | None


@dataclass(frozen=True)
class SubjectRow:
    subject_name: str
    current: Figures
    previous: Figures | None


@dataclass
class PeriodResults:
    school: School
    class_name: str
    class_teacher: str | None
    period_name: str
    previous_period_name: str | None
    subjects: list[SubjectRow]
    categories: dict[str, list[str]] = field(default_factory=dict)
    n_pupils: int = 0  # N of the class: pupils on the roll at the period end with a period mark or н/а
    progress: Fraction | None = None  # успеваемость класса, %
    quality: Fraction | None = None  # качество знаний класса, %
    unmarked_subjects: list[str] = field(default_factory=list)  # taught without marks («зачёт», grade 1)
    formed_on: dt.date = field(default_factory=dt.date.today)
    data_as_of: dt.date | None = None

    @property
    def document_title(self) -> str:
        return TITLE

    @property
    def subtitle(self) -> str:
        return f"Класс {self.class_name}, {self.period_name}"

    @property
    def without_marks(self) -> bool:
        """The class is taught without marks (grade 1): no subject is attested and none has marks."""
        return not self.subjects

    @property
    def signatures(self) -> list[tuple[str, str | None]]:
        return class_signatures(self.class_teacher, self.school)

    @property
    def has_zero_n(self) -> bool:
        """A subject of the plan has no period mark (its row shows N = 0)."""
        return any(row.current.n_pupils == 0 for row in self.subjects)

    @property
    def unmarked_line(self) -> str:
        """«Без отметок (зачёт, освоил): Музыка.» or nothing."""
        return f"{UNMARKED}: {', '.join(self.unmarked_subjects)}." if self.unmarked_subjects else ""

    @property
    def class_line(self) -> str:
        """The class's N, успеваемость and качество знаний, as the document prints them."""
        return (
            f"Класс: обучающихся с отметками за период (N): {self.n_pupils}; "
            f"успеваемость {decimal(self.progress)} %, качество знаний {decimal(self.quality)} %"
        )


CATEGORY_TITLES = {
    "excellent": "Отличники",
    "good": "Хорошисты (только «4» и «5», с одной «4» тоже)",
    "one_3": "С одной «3»",
    "one_4": "С одной «4» (они же среди хорошистов)",
    "failing": "Неуспевающие (есть «2» или н/а)",
}


ZERO_N_NOTE = "N = 0 — по предмету учебного плана нет ни одной отметки за период."
CATEGORIES_NOTE = (
    "Отличники и хорошисты вместе — обучающиеся, учтённые в качестве знаний класса; ученики с одной «4» входят "
    "и в число хорошистов. N — обучающиеся в классе на последний день периода с отметкой за период или «н/а»: "
    "выбывший до этого дня в N не входит."
)


def _figures(row: tuple | None) -> Figures | None:
    return Figures(*row) if row else None


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> PeriodResults:
    """The document's context for a class (by name, e.g. «7А») and period (e.g. «1 четверть»)."""
    if not viewer.sees_pupils:
        raise AccessError("Этот документ содержит имена учеников и недоступен для вашей роли")
    cp = find_class_period(con, viewer, class_name, period_name)
    school_id, class_id, class_teacher, period_id = cp.school_id, cp.class_id, cp.class_teacher, cp.period_id
    kind, number, year = cp.period_kind_code, cp.period_number, cp.academic_year_id
    previous = previous_period(con, school_id, year, kind, number)
    subjects = []
    for subject_name, subject_id, *figures in subject_results(con, school_id, class_id, period_id):
        before = subject_result(con, school_id, class_id, previous[0], subject_id) if previous else None
        subjects.append(SubjectRow(subject_name, Figures(*figures), _figures(before)))
    results = class_results(con, school_id, class_id, period_id)
    school, as_of = school_header(con, school_id)
    return PeriodResults(
        school=school,
        class_name=class_name,
        class_teacher=class_teacher,
        period_name=period_name,
        previous_period_name=previous[1] if previous else None,
        subjects=subjects,
        categories=results.categories,
        n_pupils=results.n_pupils,
        progress=results.progress,
        quality=results.quality,
        unmarked_subjects=unmarked_subjects(con, school_id, class_id, period_id),
        data_as_of=as_of,
    )
