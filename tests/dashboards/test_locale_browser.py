"""Every page of every role in an English browser (locale en-US, New York time): the figures, dates
and calendar are Russian all the same — decimal comma, 31.12.2025, Russian months, weeks from
Monday — and nothing shows «None», «nan», «null» or an English word of the interface."""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest

from ejournal.formatting import MONTHS as MONTHS_RU
from ejournal.formatting import decimal, figure_text, half_up
from tests.dashboards import guide_shots
from tests.dashboards.conftest import ACCOUNTS
from tests.dashboards.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    OUTPUT,
    _sign_in,
    runs_ended,
    wait_for_run,
)
from tests.dashboards.test_period_pages import LESSON_DATE, window
from tests.factories import raw
from warehouse.periods import CURRENT

pytestmark = pytest.mark.browser

# Words Streamlit, its grid, calendar or plotly could show in an English browser, as whole words.
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]
WEEKDAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
]
INTERFACE = (
    "None",
    "nan",
    "NaN",
    "null",
    "undefined",
    "Select",
    "Choose",
    "Choose an option",
    "No options",
    "No results",
    "No data",
    "Search",
    "Download",
    "Loading",
    "Running",
    "Today",
    "Page not found",
    "Show more",
    "View more",
    "View less",
    "True",
    "False",
)
ENGLISH = re.compile(r"\b(" + "|".join(map(re.escape, (*INTERFACE, *MONTHS, *WEEKDAYS))) + r")\b")
# A number written with a decimal dot (not a clause such as «§4.6.5», not a date 31.12.2025).
DOT_DECIMAL = re.compile(r"(?<![§\d.–])\d+\.\d+(?![.\d–])")
# A clause of a document («п. 2.8, 9.2», «табл. 3.4», «§4.6.5»): a dotted number that is not a decimal.
CLAUSES = re.compile(r"(?:\b(?:п|пп|табл|разд|гл|ст)\.|§)\s*\d+(?:\.\d+)*(?:\s*(?:,|и)\s*\d+(?:\.\d+)*)*")
FOREIGN_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
RUSSIAN_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}(–\d{2}\.\d{2}\.\d{4})?$")
RUSSIAN_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")  # the calendar shows «п», «в», «с» …

# The glide grid draws its cells on a canvas (its accessible table holds raw values, such as
# 2026-05-25 and 2.88): every text drawn on a canvas is kept on the canvas, and the texts of the
# canvases on the page are what the page shows.
RECORD_CANVAS = """(() => {
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
        (this.canvas.drawnTexts ??= new Set()).add(String(text));
        return fillText.call(this, text, ...rest);
    };
})()"""
DRAWN_TEXTS = "() => [...document.querySelectorAll('canvas')].flatMap(c => [...(c.drawnTexts || [])])"
GRIDS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(grid => grid.checkVisibility())
    .every(grid => [...grid.querySelectorAll('canvas')].some(c => c.drawnTexts && c.drawnTexts.size))"""
DATE_INPUTS = """() => [...document.querySelectorAll('[data-testid="stDateInputFieldsScroller"]')]
    .map(e => e.textContent.replace(/\\s/g, ''))"""
# Streamlit's date field keeps its placeholders in English (it sets the field's locale to en-US):
# an empty range of dates shows them, which the test cannot change.
EMPTY_RANGE = "dd.mm.yyyy–dd.mm.yyyy"


def _numbers(marks: list[dict[str, str]]) -> list[int]:
    """The numeric marks of the rows: «4/5» is two marks, a letter none."""
    return [int(part) for mark in marks for part in mark["mark_value"].split("/") if part.isdigit()]


def _marks_by(key) -> dict[tuple[str, ...], list[int]]:
    """The numeric marks of the period the pages open on, grouped by ``key(mark, lesson)``: «текущий»
    on the last day with lessons (the default «На дату»), as the raw files give it."""
    lessons = {row["lesson_id"]: row for row in raw("lessons")}
    last_day = max(LESSON_DATE.values())
    start, end = window(CURRENT, as_of=last_day)
    rows: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for mark in raw("marks"):
        if start <= LESSON_DATE[mark["lesson_id"]] <= end:
            rows[key(mark, lessons[mark["lesson_id"]])].append(mark)
    return {group: numbers for group, marks in rows.items() if (numbers := _numbers(marks))}


def _school_summary_means() -> set[str]:
    """The mean mark of each class in each subject as «Сводка по школе» prints it (two decimals)."""
    marks = _marks_by(lambda mark, lesson: (lesson["class_id"], lesson["subject_id"]))
    return {decimal(Fraction(sum(values), len(values)), 2) for values in marks.values()}


def _pupil_means(subject_name: str) -> set[str]:
    """Each pupil's mean mark in the subject as a localized Russian number («2,9», «3,25», «4»)."""
    subject_id = next(row["subject_id"] for row in raw("subjects") if row["subject_name"] == subject_name)
    marks = _marks_by(lambda mark, lesson: (mark["pupil_id"], lesson["subject_id"]))
    means = (half_up(Fraction(sum(v), len(v)), 2) for (_, subject), v in marks.items() if subject == subject_id)
    return {figure_text(mean.normalize()) for mean in means}


def _settle(page, runs_before: int) -> None:
    """Wait until the page's script has run (the run begun after ``runs_before`` ended, Streamlit's
    «running» indicator is gone) and its grids are drawn."""
    page.locator('[data-testid="stHeading"]').first.wait_for(timeout=30_000)
    wait_for_run(page, runs_before, at_most_ms=300)
    page.wait_for_function(GRIDS_DRAWN, timeout=30_000)


def _open(page, title: str, url_path: str, first: bool) -> None:
    runs_before = runs_ended(page)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_function(
        "([path, first]) => location.pathname.endsWith('/' + path) || (first && location.pathname === '/')",
        arg=[url_path, first],
        timeout=30_000,
    )
    _settle(page, runs_before)


def _problems(text: str, drawn: list[str], dates: list[str]) -> list[str]:
    """What is not Russian on a page: English words, numbers with a dot, foreign dates."""
    shown = "\n".join([text, *drawn])
    found = [f"слово «{word}»" for word in sorted(set(ENGLISH.findall(shown)))]
    decimals = DOT_DECIMAL.findall(CLAUSES.sub(" ", shown))
    found += [f"число с точкой «{number}»" for number in sorted(set(decimals))]
    found += [f"дата «{day}»" for day in sorted(set(FOREIGN_DATE.findall(shown)))]
    found += [f"поле даты «{day}»" for day in dates if not RUSSIAN_DATE.match(day) and day != EMPTY_RANGE]
    return found


def _calendar(page) -> tuple[str, list[str]]:
    """Open the first date field's calendar: (its heading, its weekday names); then close it."""
    page.locator('[data-testid="stDateInput"]').first.locator("button").first.click()
    calendar = page.locator('[role="dialog"], [role="application"]').last
    calendar.wait_for(timeout=10_000)
    heading = calendar.locator("h2, [role='heading']").first.inner_text()
    weekdays = [day.strip().lower() for day in calendar.locator("th").all_inner_texts()]
    page.keyboard.press("Escape")
    return heading, weekdays


def _wait_drawn(page, wanted: set[str]) -> None:
    """Give the grid time to draw one of the wanted texts (the assertions then say what it drew)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            f"wanted => ({DRAWN_TEXTS})().some(text => wanted.includes(text))", arg=sorted(wanted), timeout=15_000
        )


def _selected(page, label: str) -> str:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    return box.evaluate("e => [...e.querySelectorAll('input')].map(i => i.value || i.placeholder).join('')")


def test_every_page_of_every_role_is_russian_in_an_english_browser(server):
    from playwright.sync_api import sync_playwright

    from dashboards.navigation import PAGES, SECTIONS, page_files_for

    OUTPUT.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    drawn_on: dict[str, set[str]] = {}
    calendar, subject = None, None
    shots: dict[tuple[str, str], Path] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for login, (role, _) in ACCOUNTS.items():
            context = browser.new_context(
                locale="en-US", timezone_id="America/New_York", viewport={"width": 1400, "height": 1000}
            )
            context.add_init_script(RECORD_CANVAS)
            page = context.new_page()
            _sign_in(page, server, login)
            allowed = set(page_files_for(role))
            in_menu = [file for files in SECTIONS.values() for file in files if file in allowed]
            assert sorted(in_menu) == sorted(allowed)
            for i, file in enumerate(in_menu):  # the first is the default page, served at «/»
                title, _, url_path, _ = PAGES[file]
                where = f"{login} {url_path}"
                _open(page, title, url_path, i == 0)
                if calendar is None and page.locator('[data-testid="stDateInput"]').count():
                    calendar = _calendar(page)
                if where == "klruk class-progress":
                    subject = _selected(page, "Предмет")
                    _wait_drawn(page, _pupil_means(subject))
                if where == "director school-summary":
                    _wait_drawn(page, _school_summary_means())
                drawn_on[where] = set(page.evaluate(DRAWN_TEXTS))
                found = _problems(page.inner_text("body"), sorted(drawn_on[where]), page.evaluate(DATE_INPUTS))
                found += ["ошибка страницы"] if page.locator('[data-testid="stException"]').count() else []
                if found:
                    failures[where] = found
                    page.screenshot(path=str(OUTPUT / f"30-locale-{login}-{url_path}.png"), full_page=True)
                if shot := guide_shots.take(page, role.value, url_path):
                    shots[role.value, url_path] = shot
            context.close()
        browser.close()
    assert failures == {}, "\n".join(f"{where}: {'; '.join(found)}" for where, found in failures.items())
    # the user guide's screenshots (docs/guide/, `make guide` writes them there): each one made, not blank
    assert set(shots) == guide_shots.wanted(), guide_shots.wanted() - set(shots)
    assert [path.name for path in shots.values() if not guide_shots.inked(path)] == []
    # decimal figures against the raw CSV, with the comma: a text figure and a number the grid formats
    summary = _school_summary_means() & drawn_on["director school-summary"]
    assert len(summary) >= 3 and any("," in mean for mean in summary), summary
    pupils = _pupil_means(subject) & drawn_on["klruk class-progress"]
    assert len(pupils) >= 3 and any("," in mean for mean in pupils), (subject, pupils)
    # the calendar: a Russian month and weeks from Monday
    assert calendar is not None, "ни на одной странице нет поля даты"
    heading, weekdays = calendar
    assert any(month in heading.lower() for month in MONTHS_RU), heading
    assert [day[:1] for day in weekdays[:7]] == [day[:1] for day in RUSSIAN_WEEKDAYS], weekdays
