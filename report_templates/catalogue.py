"""The catalogue of documents: one entry per document, read by the command line (`ejournal report
<kind>`, `report all`), the rendering workers, the demo and the dashboard's «Отчёты» page.

A document is one folder, report_templates/<package>/ (``context.py`` builds its typed context for
a viewer and refuses what the viewer's role may not see; ``render.py`` has ``html``, ``pdf`` and
``xlsx``; its template), and one ``Entry`` in ``ENTRIES`` below: its name, title, file name stem,
the roles the page offers it to, the inputs it needs, its builder and its renderer.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

import duckdb

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from report_templates.attendance_ledger import context as attendance_ledger
from report_templates.attendance_ledger import render as attendance_ledger_render
from report_templates.attendance_report import context as attendance_report
from report_templates.attendance_report import render as attendance_report_render
from report_templates.choices import Choice
from report_templates.class_teacher_report import context as class_teacher_report
from report_templates.class_teacher_report import render as class_teacher_report_render
from report_templates.control_works import context as control_works
from report_templates.control_works import render as control_works_render
from report_templates.document_norms import DocumentNorms
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
from report_templates.period_results import context as period_results
from report_templates.period_results import render as period_results_render
from report_templates.preliminary_report import context as preliminary_report
from report_templates.preliminary_report import render as preliminary_report_render
from report_templates.progress_ledger import context as progress_ledger
from report_templates.progress_ledger import render as progress_ledger_render
from report_templates.user_activity import context as user_activity
from report_templates.user_activity import render as user_activity_render

CLASS_ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER})
DEPUTY_ONLY = frozenset({Role.DEPUTY})
# The inputs a document can need; the page and the command line ask for these and no others.
INPUTS = ("class", "period", "subject", "pupil", "dates", "week")

Builder = Callable[[duckdb.DuckDBPyConnection, Viewer, Choice, DocumentNorms], object]


class Renderer(Protocol):
    """A document's render.py (or an object with the same three functions)."""

    def html(self, ctx) -> str: ...
    def pdf(self, ctx, path: Path) -> Path: ...
    def xlsx(self, ctx, path: Path) -> Path: ...


def class_and_period(asked: Choice, one: Choice) -> tuple[str | None, ...]:
    """The file name after the stem: class and period (`итоги-7А-2-четверть.pdf`)."""
    return (one.class_name, one.period_name)


def period_only(asked: Choice, one: Choice) -> tuple[str | None, ...]:
    return (one.period_name,)


def said_as_class_and_period(asked: Choice, ctx: object | None) -> tuple[str, str]:
    """What the command line prints before the files: the class and the period."""
    return asked.class_name or "", asked.period_name or ""


def said_as_school(asked: Choice, ctx: object | None) -> tuple[str, str]:
    return "вся школа", asked.period_name or ""


@dataclass(frozen=True)
class Entry:
    """One document of the catalogue."""

    kind: str  # its name: `ejournal report <kind>`, the page's choice, the audit log's object
    title: str
    file_stem: str  # the first part of its file names
    builder: Builder  # (connection, viewer, choice, norms) → context; refuses what the viewer may not see
    renderer: Renderer
    roles: frozenset[Role] = CLASS_ROLES  # who the «Отчёты» page offers it to
    needs: tuple[str, ...] = ("class", "period")  # of INPUTS
    in_school_set: bool = False  # formed by `report all` for every class
    # the file name's parts after the stem, from what was asked and the one document's choice
    file_parts: Callable[[Choice, Choice], tuple[str | None, ...]] = class_and_period
    # (who, when) the command line prints before the files, from what was asked and the last context
    said_as: Callable[[Choice, object | None], tuple[str, str]] = said_as_class_and_period
    # when a choice leaves the document's own input open (no subject, no pupil): the documents it stands for
    each: Callable[[duckdb.DuckDBPyConnection, Viewer, Choice], list[Choice]] | None = None
    page_stem: str | None = None  # the download's name on the «Отчёты» page, where it has its own

    def __post_init__(self) -> None:
        assert set(self.needs) <= set(INPUTS), self.needs

    @property
    def download_stem(self) -> str:
        return self.page_stem or self.file_stem

    def allowed(self, viewer: Viewer) -> bool:
        return viewer.role in self.roles

    def choices(self, con: duckdb.DuckDBPyConnection, viewer: Viewer, asked: Choice) -> list[Choice]:
        return self.each(con, viewer, asked) if self.each else [asked]


def class_document(context: ModuleType) -> Builder:
    """The builder of a document of one class in one period: ``context.build(con, viewer,
    class_name, period_name[, norms])``."""
    takes_norms = "norms" in inspect.signature(context.build).parameters

    def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice, norms: DocumentNorms) -> object:
        if takes_norms:
            return context.build(con, viewer, choice.class_name, choice.period_name, norms=norms)
        return context.build(con, viewer, choice.class_name, choice.period_name)

    return build


# --- the documents whose choice is not one class in one period -----------------------------------


def _each_subject(con: duckdb.DuckDBPyConnection, viewer: Viewer, asked: Choice) -> list[Choice]:
    """The printout of the asked subject, or of every subject of the class the viewer may see."""
    if asked.subject_name:
        return [asked]
    subjects = journal_printout.subjects_of(con, viewer, asked.class_name, asked.period_name)
    return [dataclasses.replace(asked, subject_name=name) for name in subjects]


def _each_pupil(con: duckdb.DuckDBPyConnection, viewer: Viewer, asked: Choice) -> list[Choice]:
    """The statement of the asked pupil, or of every pupil of the class over the period's dates."""
    if asked.pupil_id:
        return [asked]
    pupils, start, end = parent_statement.pupils_of_class(con, viewer, asked.class_name, asked.period_name)
    return [dataclasses.replace(asked, pupil_id=pupil_id, start=start, end=end) for pupil_id, _ in pupils]


def _statement_parts(asked: Choice, one: Choice) -> tuple[str | None, ...]:
    if asked.pupil_id:  # files named by the pupil's id, never the name
        return (one.pupil_id, f"{one.start:%d.%m.%Y}", f"{one.end:%d.%m.%Y}")
    return (one.class_name, one.period_name, one.pupil_id)


def _statement_said_as(asked: Choice, ctx: object | None) -> tuple[str, str]:
    if asked.pupil_id:
        return ctx.facts[1][1], f"{asked.start:%d.%m.%Y}–{asked.end:%d.%m.%Y}"
    return asked.class_name or "", asked.period_name or ""


def _week_parts(asked: Choice, one: Choice) -> tuple[str | None, ...]:
    start, _ = journal_analysis.week_of(one.day)
    return (f"{start:%d.%m.%Y}",)


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "results", period_results.TITLE, "итоги", class_document(period_results), period_results_render,
        in_school_set=True,
    ),
    Entry(
        "ledger", progress_ledger.TITLE, "ведомость-успеваемости", class_document(progress_ledger),
        progress_ledger_render, in_school_set=True,
    ),
    Entry(
        "attendance", attendance_report.TITLE, "посещаемость", class_document(attendance_report),
        attendance_report_render, in_school_set=True,
    ),
    Entry(
        "attendance-ledger", attendance_ledger.TITLE, "ведомость-посещаемости", class_document(attendance_ledger),
        attendance_ledger_render, in_school_set=True,
    ),
    Entry(
        "preliminary", preliminary_report.TITLE, "предварительный-отчет", class_document(preliminary_report),
        preliminary_report_render, in_school_set=True,
    ),
    Entry(
        "class-teacher", class_teacher_report.TITLE, "отчет-кл-руководителя", class_document(class_teacher_report),
        class_teacher_report_render, in_school_set=True,
    ),
    Entry("movement", movement.LEDGER_TITLE, "движение", class_document(movement), movement_render),
    Entry("mark-changes", mark_changes.TITLE, "изменения-отметок", class_document(mark_changes), mark_changes_render),
    Entry(
        "control-works", control_works.TITLE, "контрольные-работы", class_document(control_works),
        control_works_render,
    ),
    Entry(
        "journal-printout", "Архивная копия журнала по предмету", "журнал",
        lambda con, v, c, n: journal_printout.build(con, v, c.class_name, c.period_name, c.subject_name),
        journal_printout_render,
        needs=("class", "period", "subject"),
        file_parts=lambda asked, one: (one.class_name, one.subject_name, one.period_name),
        each=_each_subject,
    ),
    Entry(
        "parent-statement", parent_statement.TITLE, "выписка",
        lambda con, v, c, n: parent_statement.build(con, v, c.pupil_id, c.start, c.end),
        parent_statement_render,
        needs=("pupil", "dates"),
        file_parts=_statement_parts,
        said_as=_statement_said_as,
        each=_each_pupil,
    ),
    Entry(
        "occupancy", movement.OCCUPANCY_TITLE, "наполняемость",
        lambda con, v, c, n: movement.build_occupancy(con, v, c.period_name), movement_render,
        roles=DEPUTY_ONLY, needs=("period",), file_parts=period_only, said_as=said_as_school,
    ),
    Entry(
        "movement-dynamics", movement.DYNAMICS_TITLE, "динамика-движения",
        lambda con, v, c, n: movement.build_dynamics(con, v, c.period_name), movement_render,
        roles=DEPUTY_ONLY, needs=("period",), file_parts=period_only, said_as=said_as_school, page_stem="динамика",
    ),
    Entry(
        "journal-analysis", "Анализ ведения журнала (за неделю)", "анализ-ведения-журнала",
        lambda con, v, c, n: journal_analysis.build(con, v, c.day), journal_analysis_render,
        roles=DEPUTY_ONLY, needs=("week",), file_parts=_week_parts,
        said_as=lambda asked, ctx: ("вся школа", ctx.subtitle), page_stem="анализ-журнала",
    ),
    Entry(
        "user-activity", user_activity.TITLE, "активность-пользователей",
        lambda con, v, c, n: user_activity.build(con, v, c.period_name), user_activity_render,
        roles=DEPUTY_ONLY, needs=("period",), file_parts=period_only, said_as=said_as_school,
    ),
)  # fmt: skip

CATALOGUE: dict[str, Entry] = {entry.kind: entry for entry in ENTRIES}
SCHOOL_SET = [entry.kind for entry in ENTRIES if entry.in_school_set]


def entries_for(viewer: Viewer) -> list[Entry]:
    """The documents the «Отчёты» page offers the viewer (each builder still checks the scope)."""
    return [entry for entry in ENTRIES if entry.allowed(viewer)]
