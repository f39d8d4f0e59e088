"""ELSCHOOL «Итоговые» page (``/users/diaries/results?...``) saved as HTML: the pupil's period and
year marks. The desktop table ``#result-marks-table`` (class ``ResultsTable``) has a row per
subject: the subject in the first cell, then a cell ``td.results-mark`` per column («1 четверть» …,
«1 полугодие», «Год»; older pages also «Экзамен», «Итог»), the mark in ``<i>``, empty when there is
none. The mobile layout ``ResultsTable MobileResults`` repeats every mark and is the integrity
check. The page names no dates: the school year comes from its years menu or from the pupil's
«Табель» page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from pipelines.importers.elschool.page_html import (
    PageHead,
    classes,
    header_texts,
    load_tree,
    main_table,
    note_other_tables,
    period_of,
    read_head,
    text_of,
)
from pipelines.importers.marks import canonical_period_mark
from pipelines.importers.notes import Notes
from pipelines.issues import ExportRefused

TABLE = "#result-marks-table"
_KIND_HEADERS = {
    "year": re.compile(r"^(год|годовая|годовая отметка|год\.)$", re.I),
    "exam": re.compile(r"^(экзамен|экз\.?|экзаменационная)$", re.I),
    "final": re.compile(r"^(итог|итоговая|итоговая отметка|итог\.)$", re.I),
}
_SUBJECT_HEADER = "предмет"


@dataclass(frozen=True)
class ResultMark:
    subject: str
    kind: str  # period, year, exam, final (period_marks.mark_kind_code)
    period: tuple[int, str] | None  # (number, period kind code) for kind «period»
    value: str
    where: str


@dataclass
class ResultsPage:
    file_name: str
    head: PageHead
    marks: list[ResultMark]
    subjects: list[str]


def is_results_page(text: str) -> bool:
    return "result-marks-table" in text or "ResultsTable" in text


def read_results_page(path: Path, notes: Notes) -> ResultsPage:
    """Parse one saved «Итоговые» page; anything that makes it untrustworthy refuses the import."""
    name = path.name
    root = load_tree(path)
    table = main_table(root, "result-marks-table", "ResultsTable", "MobileResults")
    if table is None:
        raise ExportRefused(name, None, None, "на странице нет таблицы итоговых отметок (#result-marks-table)")
    head = read_head(root, name)
    columns = _columns(header_texts(table, name, TABLE), name, notes)
    inside = {id(t) for t in table.iter("table")}
    note_other_tables(root, lambda t: id(t) in inside or "MobileResults" in classes(t), name, notes)
    marks: list[ResultMark] = []
    subjects: list[str] = []
    rows = [tr for tr in table.iter("tr") if any(td.tag == "td" for td in tr)]
    if not rows:
        raise ExportRefused(name, TABLE, None, "в таблице итоговых отметок нет ни одного предмета")
    for number, tr in enumerate(rows, start=1):
        subject, row_marks = _row(tr, columns, name, f"таблица итоговых отметок, строка {number}")
        subjects.append(subject)
        marks += row_marks
    _check_against_mobile(root, len(marks), name)
    return ResultsPage(name, head, marks, subjects)


def _columns(headers: list[str], name: str, notes: Notes) -> dict[int, tuple[str, tuple[int, str] | None, str]]:
    """Mark columns by index: (kind, period, header); other headers are noted as unknown."""
    columns = {}
    for index, header in enumerate(headers):
        period = period_of(header)
        kind = "period" if period else next((k for k, rx in _KIND_HEADERS.items() if rx.match(header)), None)
        if kind:
            columns[index] = (kind, period, header)
        elif index and header.lower() != _SUBJECT_HEADER:
            notes.unknown_column(name, f"{TABLE}, заголовок, столбец {index + 1}", header)
    if not columns:
        raise ExportRefused(name, TABLE, "заголовок", "в заголовке нет ни одного периода («1 четверть», «Год»)")
    return columns


def _row(tr: Element, columns: dict, name: str, where_row: str) -> tuple[str, list[ResultMark]]:
    cells = [td for td in tr if td.tag == "td"]
    subject = text_of(cells[0])
    if not subject:
        raise ExportRefused(name, where_row, "Предмет", "нет названия предмета")
    marks, index = [], 0
    for td in cells:
        column = columns.get(index)
        span = td.get("colspan") or "1"
        index += int(span) if span.isdigit() else 1
        text = text_of(td)
        if td is cells[0] or not text:
            continue
        if column is None:
            if "results-mark" in classes(td):
                raise ExportRefused(name, where_row, f"столбец {index}", f"отметка «{text}» в столбце без периода")
            continue
        kind, period, header = column
        value = canonical_period_mark(text)
        where = f"{where_row} («{subject}»), «{header}»"
        if value is None:
            raise ExportRefused(name, where, "отметка", f"«{text}» — не итоговая отметка")
        marks.append(ResultMark(subject, kind, period, value, where))
    return subject, marks


def _check_against_mobile(root: Element, count: int, name: str) -> None:
    """The page repeats every mark in a mobile layout: a different count means a damaged page."""
    mobile = [t for t in root.iter("table") if "MobileResults" in classes(t)]
    if not mobile:
        return
    repeated = sum(1 for t in mobile for td in t.iter("td") if "results-mark" in classes(td) and text_of(td))
    if repeated != count:
        raise ExportRefused(
            name, TABLE, None, f"страница повреждена: в таблице {count} итоговых отметок, в мобильной — {repeated}"
        )
