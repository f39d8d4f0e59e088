"""The documents a signed-in person may form on the dashboard's «Отчёты» page, and forming one as
PDF/A and XLSX bytes. The page only asks for choices and offers the files; what each role may
form is said here, and each builder still refuses what the viewer's scope does not include."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from report_templates.control_works import context as control_works
from report_templates.control_works import render as control_works_render
from report_templates.documents import render_document
from report_templates.journal_analysis import context as journal_analysis
from report_templates.journal_analysis import render as journal_analysis_render
from report_templates.journal_printout import context as journal_printout
from report_templates.journal_printout import render as journal_printout_render
from report_templates.mark_changes import context as mark_changes
from report_templates.mark_changes import render as mark_changes_render
from report_templates.movement import context as movement
from report_templates.movement import render as movement_render
from report_templates.parent_statement import context as parent_statement
from report_templates.parent_statement import render as parent_statement_render
from report_templates.table_document import Document, xlsx_bytes

CLASS_ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER})


@dataclass(frozen=True)
class Choice:
    """What the person picked on the page; a document reads the fields it needs."""

    class_name: str
    period_name: str
    subject_name: str | None = None
    pupil_id: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    day: dt.date | None = None


@dataclass(frozen=True)
class Offer:
    kind: str  # the CLI's kind name
    title: str
    roles: frozenset[Role]
    # which extra choice the page must ask for: "", "subject", "pupil" or "week"
    needs: str
    file_stem: str

    def allowed(self, viewer: Viewer) -> bool:
        return viewer.role in self.roles


OFFERS = (
    Offer("results", "Итоги успеваемости класса за учебный период", CLASS_ROLES, "", "итоги"),
    Offer(
        "ledger", "Сводная ведомость учета успеваемости обучающихся класса", CLASS_ROLES, "", "ведомость-успеваемости"
    ),
    Offer("attendance", "Отчет о посещаемости класса", CLASS_ROLES, "", "посещаемость"),
    Offer("attendance-ledger", "Сводная ведомость учета посещаемости", CLASS_ROLES, "", "ведомость-посещаемости"),
    Offer("preliminary", "Предварительный отчет классного руководителя", CLASS_ROLES, "", "предварительный-отчет"),
    Offer("class-teacher", "Отчет классного руководителя за учебный период", CLASS_ROLES, "", "отчет-кл-руководителя"),
    Offer("movement", "Сводная ведомость учета движения учащихся", CLASS_ROLES, "", "движение"),
    Offer("mark-changes", "Отчет об изменениях оценок", CLASS_ROLES, "", "изменения-отметок"),
    Offer("control-works", "Результаты контрольных работ", CLASS_ROLES, "", "контрольные-работы"),
    Offer("journal-printout", "Архивная копия журнала по предмету", CLASS_ROLES, "subject", "журнал"),
    Offer("parent-statement", "Выписка из электронного журнала для родителей", CLASS_ROLES, "pupil", "выписка"),
    Offer("occupancy", "Наполняемость классов", frozenset({Role.DEPUTY}), "", "наполняемость"),
    Offer("movement-dynamics", "Динамика движения обучающихся по школе", frozenset({Role.DEPUTY}), "", "динамика"),
    Offer("journal-analysis", "Анализ ведения журнала (за неделю)", frozenset({Role.DEPUTY}), "week", "анализ-журнала"),
)


def offers_for(viewer: Viewer) -> list[Offer]:
    return [offer for offer in OFFERS if offer.allowed(viewer)]


def subjects_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice) -> list[str]:
    return journal_printout.subjects_of(con, viewer, choice.class_name, choice.period_name)


def pupils_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice) -> list[tuple[str, str]]:
    pupils, _, _ = parent_statement.pupils_of_class(con, viewer, choice.class_name, choice.period_name)
    return pupils


_BUILDERS: dict[str, Callable[[duckdb.DuckDBPyConnection, Viewer, Choice], Document]] = {
    "movement": lambda con, v, c: movement.build_ledger(con, v, c.class_name, c.period_name),
    "mark-changes": lambda con, v, c: mark_changes.build(con, v, c.class_name, c.period_name),
    "control-works": lambda con, v, c: control_works.build(con, v, c.class_name, c.period_name),
    "journal-printout": lambda con, v, c: journal_printout.build(con, v, c.class_name, c.period_name, c.subject_name),
    "parent-statement": lambda con, v, c: parent_statement.build(con, v, c.pupil_id, c.start, c.end),
    "occupancy": lambda con, v, c: movement.build_occupancy(con, v, c.period_name),
    "movement-dynamics": lambda con, v, c: movement.build_dynamics(con, v, c.period_name),
    "journal-analysis": lambda con, v, c: journal_analysis.build(con, v, c.day),
}
_RENDERERS = {
    "movement": movement_render.RENDERER,
    "occupancy": movement_render.RENDERER,
    "movement-dynamics": movement_render.RENDERER,
    "mark-changes": mark_changes_render.RENDERER,
    "control-works": control_works_render.RENDERER,
    "journal-printout": journal_printout_render.RENDERER,
    "parent-statement": parent_statement_render.RENDERER,
    "journal-analysis": journal_analysis_render.RENDERER,
}


def produce(con: duckdb.DuckDBPyConnection, viewer: Viewer, offer: Offer, choice: Choice) -> tuple[bytes, bytes]:
    """(PDF/A bytes, XLSX bytes) of the document; AccessError when the viewer may not form it."""
    with tempfile.TemporaryDirectory(prefix="ejournal-doc-") as folder:
        target = Path(folder) / "document.pdf"
        if offer.kind not in _BUILDERS:
            # a class document of the registry (report_templates/documents.py), as the CLI makes it
            rendered = render_document(
                con, viewer, offer.kind, choice.class_name, choice.period_name, Path(folder), ["pdf", "xlsx"]
            )
            made = {path.suffix: path for path in rendered.paths}
            return made[".pdf"].read_bytes(), made[".xlsx"].read_bytes()
        doc = _BUILDERS[offer.kind](con, viewer, choice)
        _RENDERERS[offer.kind].pdf(doc, target)
        return target.read_bytes(), xlsx_bytes(doc)
