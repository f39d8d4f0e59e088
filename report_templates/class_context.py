"""What every class document's context shares: the class and period a user asked for (found by
warehouse.class_period) after the access rule, with the school header and signatures; the
class's pupils; the header values of base.html.j2; a table as an XLSX sheet. No queries of its own:
the rows come from warehouse/ (class_period.py, class_documents.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.render import render_html, write_pdf
from report_templates.table_document import School, class_signatures, school_header
from warehouse.class_documents import class_roll
from warehouse.class_period import ClassPeriod as FoundClassPeriod
from warehouse.class_period import find_class_period

CLASS_DOCUMENT_ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER})
# what a class document prints instead of empty tables when the class is taught without marks
WITHOUT_MARKS = "Класс обучается без отметок: итоги успеваемости за период не подводятся"
# the line naming the subjects assessed «зачёт»/«освоил»
UNMARKED = "Без отметок (зачёт, освоил)"


@dataclass(frozen=True)
class ClassPeriod(FoundClassPeriod):
    """The class and study period a document is about (warehouse.class_period), with the header
    facts every document prints."""

    school: School
    data_as_of: dt.date | None
    formed_on: dt.date = field(default_factory=dt.date.today)

    @property
    def dated_subtitle(self) -> str:
        """«Класс 7А, 2 четверть (10.11.2025 – 26.12.2025)»: the subtitle of a class document."""
        return f"Класс {self.class_name}, {self.period_name} ({self.start_date:%d.%m.%Y} – {self.end_date:%d.%m.%Y})"

    @property
    def signatures(self) -> list[tuple[str, str | None]]:
        return class_signatures(self.class_teacher, self.school)


def resolve_class_period(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str
) -> ClassPeriod:
    """The class (by name, «7А») and period («1 четверть») of a document with the class's pupils'
    names, after the access rule: the deputy director any class, a class teacher their own class;
    other roles are refused with a Russian message."""
    if viewer.role not in CLASS_DOCUMENT_ROLES:
        raise AccessError(
            "Этот документ содержит имена и отметки учеников класса и недоступен для вашей роли "
            "(его формируют классный руководитель и заместитель директора)"
        )
    found = find_class_period(con, viewer, class_name, period_name)
    school, as_of = school_header(con, found.school_id)
    return ClassPeriod(**dataclasses.asdict(found), school=school, data_as_of=as_of)


@dataclass(frozen=True)
class Pupil:
    pupil_id: str
    full_name: str
    left_on: dt.date | None
    arrived_on: dt.date | None

    @property
    def note(self) -> str:
        """«прибыл(а) 15.09.2025», «выбыл(а) 20.02.2026» or nothing."""
        parts = []
        if self.arrived_on:
            parts.append(f"прибыл(а) {self.arrived_on:%d.%m.%Y}")
        if self.left_on:
            parts.append(f"выбыл(а) {self.left_on:%d.%m.%Y}")
        return ", ".join(parts)


def class_pupils(
    con: duckdb.DuckDBPyConnection, where: ClassPeriod, start_date: dt.date, end_date: dt.date
) -> list[Pupil]:
    """Pupils enrolled in the class on any day from start_date to end_date, by name. arrived_on is
    set when the pupil came after the academic year's first day, left_on when they left before
    end_date."""
    rows = class_roll(con, where.school_id, where.class_id, start_date, end_date)
    return [
        Pupil(
            pupil_id,
            name,
            left if left < end_date else None,
            arrived if arrived > where.year_start_date else None,
        )
        for pupil_id, name, arrived, left in rows
    ]


def header_values(where: ClassPeriod, title: str, subtitle: str) -> dict[str, object]:
    """What base.html.j2 prints around every class document."""
    return {
        "school": where.school,
        "document_title": title,
        "subtitle": subtitle,
        "formed_on": where.formed_on,
        "data_as_of": where.data_as_of,
        "signatures": where.signatures,
    }


def rows_to_xlsx(columns: list[str], rows: list[list[object]], sheet_name: str) -> bytes:
    """A document's table as an XLSX sheet: numbers written as numbers (a Decimal, as
    ejournal.formatting.half_up rounds a figure for print, with its number of decimals: «88,3» is
    88.3 shown as "0.0"), every other value as text (safe against formula injection), bold header,
    frozen header row. Columns may mix numbers and texts («5» and «н/а»), which a typed data frame
    cannot hold."""
    import io

    from ejournal.xlsx import new_workbook

    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
    for c, name in enumerate(columns):
        sheet.write_string(0, c, name, bold)
        sheet.set_column(c, c, max(6, min(40, len(name) + 2)))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, Decimal):
                workbook.write_figure(sheet, r, c, value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class ClassRenderer:
    """How a class document is written: its template inside the header every class document prints
    (header_values), the PDF/A, and its table as one XLSX sheet with the same figures. The template
    gets the context's fields, the named properties (``extra``) and ``constants``; a document's
    render.py gives its table and exposes html, pdf and xlsx from here."""

    template: str
    sheet: str
    table: Callable[[Any], tuple[list[str], list[list[object]]]]
    extra: tuple[str, ...] = ()
    constants: dict[str, object] = field(default_factory=dict)

    def html(self, ctx: Any) -> str:
        values = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
        values.update({name: getattr(ctx, name) for name in self.extra}, **self.constants)
        header = header_values(ctx.where, ctx.document_title, ctx.subtitle)
        return render_html(self.template, **header, **values)

    def pdf(self, ctx: Any, path: Path) -> Path:
        return write_pdf(self.html(ctx), path, title=ctx.document_title)

    def xlsx(self, ctx: Any, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rows_to_xlsx(*self.table(ctx), self.sheet))
        return path
