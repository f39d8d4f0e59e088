"""What every saved ELSCHOOL diary page shares: the HTML tree, the pupil's name over the table, the
navigation links with ``pupilId``/``instituteId``, and the years menu (the selected school year
``model-start-year``/``model-end-year`` and its class, e.g. «2А»). Any part but the tree may be
missing: a page trimmed by a client library keeps only its tables."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.etree.ElementTree import Element

import tinyhtml5

from pipelines.importers.periods import parse_period_name
from pipelines.importers.reading import read_text_file
from pipelines.issues import ExportRefused

_TAB_LINK = re.compile(r"^(?:/users/diaries/)?(?:details|grades|gradesandabsences|results)\?.*pupilId=")
# The block around a page's table and the pupil's name over it.
_CONTAINERS = {"DivForGradesTable", "DivForResultsTable"}
# The short period names of the mobile layout («1 чет.», «1 три.», «1 пол.»), in case a header uses them.
_SHORT_PERIODS = ((re.compile(r"\bтри\.?$", re.I), "триместр"), (re.compile(r"\bпол\.?$", re.I), "полугодие"))
# Characters a saved name never holds but a hand-trimmed page sometimes leaves («Иванов Иван<»).
_NOT_IN_NAME = re.compile(r"[<>]")


@dataclass(frozen=True)
class PageHead:
    pupil_name: str
    pupil_key: str | None  # pupilId of the navigation links
    institute: str | None  # instituteId of the navigation links
    start_year: int | None  # the school year selected in the years menu
    class_name: str | None  # the class of that year, as the menu names it


def load_tree(path: Path) -> Element:
    """The page's HTML tree; a page saved incompletely is refused."""
    text = read_text_file(path)
    if "</html>" not in text.lower():
        raise ExportRefused(path.name, None, None, "страница сохранена не полностью (нет закрывающего </html>)")
    return tinyhtml5.parse(text, namespace_html_elements=False)


def read_head(root: Element, name: str) -> PageHead:
    """The pupil and the school year a page names."""
    container = find(root, lambda e: e.tag == "div" and bool(_CONTAINERS & set(classes(e))))
    in_container = find(container, _is_pupil_heading) if container is not None else None
    heading = in_container if in_container is not None else find(root, _is_pupil_heading)
    pupil_name = " ".join(_NOT_IN_NAME.sub(" ", text_of(heading)).split())
    if len(pupil_name.split()) < 2:
        raise ExportRefused(name, "заголовок над таблицей", "ФИО", "не найдено ФИО ученика (Фамилия Имя)")
    # The page's own tabs («Дневник», «Табель», «Итоговые») name its pupil; other links may not.
    link = find(root, lambda e: e.tag == "a" and bool(_TAB_LINK.match(e.get("href") or "")))
    link = link if link is not None else find(root, lambda e: e.tag == "a" and "pupilId=" in (e.get("href") or ""))
    query = parse_qs(urlparse(link.get("href")).query) if link is not None else {}
    selected = find(root, lambda e: e.tag == "a" and "navigation__years_selected" in classes(e))
    start_year = selected.get("model-start-year") if selected is not None else None
    return PageHead(
        pupil_name,
        (query.get("pupilId") or [None])[0],
        (query.get("instituteId") or [None])[0],
        int(start_year) if start_year and start_year.isdigit() else None,
        text_of(selected) or None,
    )


def _is_pupil_heading(element: Element) -> bool:
    return element.tag == "h4" and "text-center" in classes(element)


def period_of(header: str) -> tuple[int, str] | None:
    """(number, period kind) of a column header «1 четверть», «2 триместр», «1 пол.»; None otherwise."""
    for short, full in _SHORT_PERIODS:
        header = short.sub(full, header.strip())
    return parse_period_name(header)


def find(root: Element, test: Callable[[Element], bool]) -> Element | None:
    return next((e for e in root.iter() if isinstance(e.tag, str) and test(e)), None)


def main_table(root: Element, table_id: str, table_class: str, mobile_class: str) -> Element | None:
    """The desktop table: by its id, else the first table of its class without an id (a page trimmed
    by a client library) that is not the mobile one. A table of the class with another id is not it."""
    by_id = find(root, lambda e: e.tag == "table" and e.get("id") == table_id)
    if by_id is not None:
        return by_id
    return find(
        root,
        lambda e: e.tag == "table" and not e.get("id") and table_class in classes(e) and mobile_class not in classes(e),
    )


def classes(element: Element) -> list[str]:
    return (element.get("class") or "").split()


def text_of(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def header_texts(table: Element, name: str, where: str) -> list[str]:
    """Header texts of a table by column index (colspan expanded)."""
    row = next((tr for tr in table.iter("tr") if any(th.tag == "th" for th in tr)), None)
    if row is None:
        raise ExportRefused(name, where, None, "у таблицы нет заголовка")
    headers = []
    for th in (c for c in row if c.tag == "th"):
        span = th.get("colspan") or "1"
        headers += [text_of(th)] * (int(span) if span.isdigit() else 1)
    return headers


def note_other_tables(root: Element, known: Callable[[Element], bool], name: str, notes) -> None:
    """Tables of the page that the importer does not read (named by id or class, never by text:
    it may hold a pupil's name)."""
    for number, other in enumerate(root.iter("table"), start=1):
        if known(other):
            continue
        title = f"#{other.get('id')}" if other.get("id") else other.get("class") or f"№ {number} на странице"
        notes.add_once(
            "unknown table", name, "страница", f"таблица «{title}»", None, "таблица не распознана: не загружена"
        )
