"""What a person (or the command line) chooses a document by, and the lists to choose from that
depend on a document: the subjects and the pupils of a class in a period. The class and period
lists are warehouse.class_period's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.journal_printout import context as journal_printout
from report_templates.parent_statement import context as parent_statement


@dataclass(frozen=True)
class Choice:
    """What was picked; a document reads the fields its catalogue entry says it needs."""

    class_name: str | None = None
    period_name: str | None = None
    subject_name: str | None = None
    pupil_id: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    day: dt.date | None = None


def subjects_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice) -> list[str]:
    """The subjects of the class in the period the viewer may see (the journal printout's choice)."""
    return journal_printout.subjects_of(con, viewer, choice.class_name, choice.period_name)


def pupils_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice) -> list[tuple[str, str]]:
    """(pupil_id, full name) of the class in the period (the statement for parents' choice)."""
    pupils, _, _ = parent_statement.pupils_of_class(con, viewer, choice.class_name, choice.period_name)
    return pupils
