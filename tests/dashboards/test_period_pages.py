"""One «Период» choice means the same dates on every page: attendance, «Контрольные работы»,
«Успеваемость класса» and «Сводка по школе» under AppTest, each figure against a count this test
makes itself from the raw sample CSV for exactly the dates the choice covers. «текущий» on a day
inside the second quarter is the second quarter, not the year; «год» is the year up to the date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from tests.dashboards.conftest import raw
from tests.dashboards.test_app_pages import names, page_text, signed_in
from warehouse.periods import CURRENT, YEAR


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text[:10], "%d.%m.%Y").date()


PERIODS = sorted(raw("periods"), key=lambda p: _date(p["start_date"]))
Q2 = PERIODS[1]
Q2_NAME = Q2["period_name"]
AS_OF = _date(Q2["start_date"]) + dt.timedelta(days=14)  # a day inside the second period
CHOICES = (CURRENT, Q2_NAME, YEAR)
LESSON_DATE = {lesson["lesson_id"]: _date(lesson["lesson_date"]) for lesson in raw("lessons")}
LESSON_SUBJECT = {lesson["lesson_id"]: lesson["subject_id"] for lesson in raw("lessons")}


def window(choice: str, as_of: dt.date = AS_OF) -> tuple[dt.date, dt.date]:
    """The dates a choice covers, from the raw files: a period from its first day to the day before
    the next one (the year's end after the last), the year from its first day; never past the date."""
    (year,) = raw("academic_years")
    if choice == YEAR:
        return _date(year["start_date"]), min(_date(year["end_date"]), as_of)
    started = [p for p in PERIODS if _date(p["start_date"]) <= as_of]
    period = started[-1] if choice == CURRENT else next(p for p in started if p["period_name"] == choice)
    later = [_date(p["start_date"]) for p in PERIODS if _date(p["start_date"]) > _date(period["start_date"])]
    until = min(later) - dt.timedelta(days=1) if later else _date(year["end_date"])
    return _date(period["start_date"]), min(until, as_of)


def inside(day: dt.date, choice: str) -> bool:
    start, end = window(choice)
    return start <= day <= end


def test_the_windows_differ():
    """The test means something: the second quarter up to the date is not the year up to it."""
    assert window(CURRENT) == window(Q2_NAME) == (_date(Q2["start_date"]), AS_OF)
    assert window(YEAR)[0] < window(Q2_NAME)[0]


def _table(at, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


@pytest.fixture(scope="module")
def zavuch(sample_db, access_db):
    """One signed-in deputy director for the module, «На дату» inside the second period."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EJOURNAL_DB", str(sample_db))
        patch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
        at = signed_in("zavuch")
        at.switch_page("app_pages/attendance.py").run()
        at.date_input(key="f_as_of").set_value(AS_OF).run()
        assert not at.exception, at.exception
        yield at


def _choose(at, page: str, choice: str):
    at.switch_page(page).run()
    at.selectbox(key="f_period").set_value(choice).run()
    assert not at.exception, at.exception
    return at


def _caption(choice: str) -> str:
    start, end = window(choice)
    return f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"


def test_attendance_counts_the_chosen_dates(zavuch, dashboard_env):
    at = zavuch
    got = {}
    for choice in CHOICES:
        _choose(at, "app_pages/attendance.py", choice)
        assert _caption(choice) in page_text(at), choice
        got[choice] = int(_table(at, "Месяц")["Пропущено уроков"].sum())
    expected = {
        choice: sum(
            row["absence_code"] in ("н", "у", "б") and inside(LESSON_DATE[row["lesson_id"]], choice)
            for row in raw("attendance")
        )
        for choice in CHOICES
    }
    assert got == expected
    assert got[CURRENT] == got[Q2_NAME] < got[YEAR]


def test_control_works_count_the_chosen_dates(zavuch, dashboard_env):
    at = zavuch
    control_types = {w["work_type_id"] for w in raw("work_types") if w["is_control"] == "да"}
    control_lessons = {m["lesson_id"] for m in raw("marks") if m["work_type_id"] in control_types}
    got = {}
    for choice in CHOICES:
        _choose(at, "app_pages/completeness.py", choice)
        assert _caption(choice) in page_text(at), choice
        got[choice] = int(_table(at, "Контрольных работ")["Контрольных работ"].sum())
    expected = {c: sum(inside(LESSON_DATE[lesson], c) for lesson in control_lessons) for c in CHOICES}
    assert got == expected
    assert got[CURRENT] == got[Q2_NAME] < got[YEAR]


def test_class_progress_counts_the_chosen_dates(zavuch, dashboard_env):
    at = zavuch
    everyone = names()
    pupils = {e["pupil_id"] for e in raw("enrolments")}
    got = {}
    for choice in CHOICES:
        _choose(at, "app_pages/class_progress.py", choice)
        assert _caption(choice) in page_text(at), choice
        subject_id = at.selectbox(key="progress_subject").value
        table = at.dataframe[0].value
        got[choice] = dict(zip(table["Ученик"], table["Отметок"], strict=True))
    expected = {}
    for choice in CHOICES:
        counts = defaultdict(int)
        for mark in raw("marks"):
            if LESSON_SUBJECT[mark["lesson_id"]] == subject_id and inside(LESSON_DATE[mark["lesson_id"]], choice):
                counts[mark["pupil_id"]] += 1
        expected[choice] = {everyone[p]: counts[p] for p in pupils}
    assert got == expected
    assert got[CURRENT] == got[Q2_NAME] != got[YEAR]


def test_school_summary_averages_the_chosen_dates(zavuch, dashboard_env):
    at = zavuch
    subject_names = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    got = {}
    for choice in CHOICES:
        _choose(at, "app_pages/school_summary.py", choice)
        assert _caption(choice) in page_text(at), choice
        table = at.dataframe[0].value
        got[choice] = {
            subject: (int(n), round(float(str(mean).replace(",", ".")), 2))
            for subject, n, mean in zip(table["Предмет"], table["Учеников"], table["Средний балл"], strict=True)
        }
    expected = {}
    for choice in CHOICES:
        marks, pupils = defaultdict(list), defaultdict(set)
        for mark in raw("marks"):
            if inside(LESSON_DATE[mark["lesson_id"]], choice):
                subject = subject_names[LESSON_SUBJECT[mark["lesson_id"]]]
                marks[subject] += [int(v) for v in mark["mark_value"].split("/")]
                pupils[subject].add(mark["pupil_id"])
        expected[choice] = {s: (len(pupils[s]), round(sum(v) / len(v) + 1e-9, 2)) for s, v in marks.items()}
    assert got == expected
    assert got[CURRENT] == got[Q2_NAME] != got[YEAR]


def test_the_choice_is_kept_across_pages(zavuch, dashboard_env):
    at = zavuch
    _choose(at, "app_pages/attendance.py", YEAR)
    at.switch_page("app_pages/teacher_activity.py").run()  # a page of weeks: no «Период» drawn
    assert not [box for box in at.selectbox if box.key == "f_period"]
    at.switch_page("app_pages/school_summary.py").run()
    assert at.selectbox(key="f_period").value == YEAR
    assert at.date_input(key="f_as_of").value == AS_OF
