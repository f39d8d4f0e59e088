"""Validation issues: what is wrong, where, in words a school administrator understands."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from ejournal.xlsx import new_workbook, safe_cell

# Columns holding a pupil's name or birth date: masked on screen (152-ФЗ), kept in the report file.
# The canonical names, and the fields journal systems name them by (importers' notes), any case.
PERSONAL_COLUMNS = frozenset({"last_name", "first_name", "middle_name", "birth_date"})
PERSONAL_FIELDS = PERSONAL_COLUMNS | {
    "ученик", "фио", "фамилия", "имя", "отчество", "дата рождения", "дата_рождения",
    "pupil", "student", "fio", "lastname", "firstname", "middlename", "birthdate", "birthday",
}  # fmt: skip

REPORT_HEADERS = {
    "file_name": "Файл",
    "row_number": "Строка",
    "column_name": "Столбец",
    "cell_value": "Значение",
    "rule_code": "Правило",
    "message": "Что не так",
}


@dataclass(frozen=True)
class Issue:
    """One problem in one place. ``row_number`` is the row as a spreadsheet shows it (header = 1)."""

    file_name: str
    row_number: int | None
    column_name: str | None
    cell_value: str | None
    rule_code: str
    message: str
    raw_row: str | None = None

    @property
    def is_file_level(self) -> bool:
        return self.row_number is None

    @property
    def is_personal(self) -> bool:
        return (self.column_name or "").lower() in PERSONAL_FIELDS and bool(self.cell_value)

    def shown_value(self) -> str:
        """The value as a screen may show it: a name or birth date masked, a long text cut."""
        if self.cell_value is None:
            return ""
        if self.is_personal:
            return mask_personal(self.cell_value)
        return self.cell_value if len(self.cell_value) <= 60 else self.cell_value[:57] + "..."

    def shown_message(self) -> str:
        """The message as a screen may show it: a name or birth date it quotes is masked (the cell's
        value, and about a personal field every «quoted» text, as importers quote what they found)."""
        message = self.message
        if self.is_personal:
            message = message.replace(self.cell_value, mask_personal(self.cell_value))
        elif (self.column_name or "").lower() in PERSONAL_FIELDS:  # no value given: what it quotes
            field = self.column_name

            def masked(quoted: re.Match[str]) -> str:
                text = quoted.group(1)
                return quoted.group(0) if text == field else f"«{mask_personal(text)}»"

            message = _QUOTED.sub(masked, message)
        return message


_QUOTED = re.compile(r"«([^«»]+)»")


def mask_personal(value: str) -> str:
    """A pupil's name or birth date as a console may show it: «Иванов Алексей» → «И*** А.»,
    «04.12.2012» → «**.**.****»; enough to find the row in the file, not to know the child."""
    words = value.split()
    masked = [
        re.sub(r"[^\W_]", "*", word) if any(ch.isdigit() for ch in word) else word[0] + ("***" if i == 0 else ".")
        for i, word in enumerate(words)
    ]
    return " ".join(masked) or "***"


class ExportRefused(Exception):
    """The export cannot be loaded at all: the whole of it is refused and nothing changes.

    The one refusal of the house, raised wherever the data turns out to be unreadable: unpacking
    a zip, reading a canonical file, or an importer reading a journal system's data. It names the
    file, the place inside it (a row, a JSON path, an HTML element), the field and the problem, in
    Russian; ``issue`` is the same as one line of the issue report, with ``rule`` as its code.
    """

    def __init__(
        self,
        file_name: str,
        location: str | None,
        field: str | None,
        problem: str,
        *,
        rule: str = "import_refused",
    ):
        where = ", ".join(part for part in (file_name, location, f"поле «{field}»" if field else None) if part)
        super().__init__(f"{where}: {problem}")
        self.file_name, self.location, self.field, self.problem = file_name, location, field, problem
        self.rule = rule

    def __reduce__(self) -> tuple:
        """Pickled whole (a refusal found in a worker process reaches the loading process)."""
        return (
            functools.partial(ExportRefused, rule=self.rule),
            (self.file_name, self.location, self.field, self.problem),
        )

    @property
    def issue(self) -> Issue:
        place = ", ".join(part for part in (self.location, f"поле «{self.field}»" if self.field else None) if part)
        message = f"{place}: {self.problem}" if place else self.problem
        return Issue(self.file_name, None, self.field, None, self.rule, message)


def issues_frame(issues: list[Issue]) -> pl.DataFrame:
    schema = {
        "file_name": pl.String,
        "row_number": pl.Int64,
        "column_name": pl.String,
        "cell_value": pl.String,
        "rule_code": pl.String,
        "message": pl.String,
        "raw_row": pl.String,
    }
    return pl.DataFrame([asdict(i) for i in issues], schema=schema)


def write_issue_report(issues: list[Issue], path: Path) -> Path:
    """Write the issues as XLSX (or CSV when ``path`` ends in .csv) with Russian headers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [[getattr(i, key) for key in REPORT_HEADERS] for i in issues]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(REPORT_HEADERS.values())
            writer.writerows([[safe_cell(v) if v is not None else "" for v in row] for row in rows])
        return path
    workbook = new_workbook(path)
    sheet = workbook.add_worksheet("Ошибки")
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    for col, header in enumerate(REPORT_HEADERS.values()):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 3, 22)
    sheet.set_column(4, 4, 18)
    sheet.set_column(5, 5, 90)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(REPORT_HEADERS) - 1)
    workbook.close()
    return path
