"""«Выписка для родителей»: every figure against a computation from the raw sample CSV."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.choices import Choice
from report_templates.output import write
from report_templates.parent_statement.context import build
from tests.factories import raw
from tests.report_templates.pdf_checks import (
    assert_pages_inside_margins,
    assert_pdf_a,
    comma,
    day,
    load_sample,
    moment,
    numeric_parts,
    pdf_lines,
    period,
    xlsx_rows,
)

PERIOD = "2 четверть"
DEPUTY = Viewer("z", Role.DEPUTY, "sch-0001")
TITLE = "Выписка из электронного журнала для родителей"


def expected_lessons() -> dict[str, list[dict[str, str]]]:
    """pupil_id → the lessons of the period the pupil was on the roster for (class or subgroup)."""
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])

    def on(rows, key, value, when):
        return [
            r["pupil_id"]
            for r in rows
            if r[key] == value and day(r["start_date"]) <= when and (not r["end_date"] or day(r["end_date"]) >= when)
        ]

    result: dict[str, list[dict[str, str]]] = {}
    for lesson in raw("lessons"):
        when = day(lesson["lesson_date"])
        if not start <= when <= end:
            continue
        if lesson["group_id"]:
            pupils = on(raw("group_members"), "group_id", lesson["group_id"], when)
        else:
            pupils = on(raw("enrolments"), "class_id", lesson["class_id"], when)
        for pupil in pupils:
            result.setdefault(pupil, []).append(lesson)
    return result


def codes() -> dict[tuple[str, str], str]:
    return {(a["pupil_id"], a["lesson_id"]): a["absence_code"] for a in raw("attendance") if a["absence_code"]}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """The pupil with the most absences in the period, and the statement for the period."""
    lessons = expected_lessons()
    absences = codes()
    pupil = max(sorted(lessons), key=lambda p: sum((p, les["lesson_id"]) in absences for les in lessons[p]))
    db = load_sample(tmp_path_factory)
    p = period(PERIOD)
    with duckdb.connect(str(db), read_only=True) as con:
        pdf, xlsx = write(
            con,
            DEPUTY,
            "parent-statement",
            Choice(pupil_id=pupil, start=day(p["start_date"]), end=day(p["end_date"])),
            tmp_path_factory.mktemp("ps"),
            ["pdf", "xlsx"],
        ).paths
    return db, pupil, lessons[pupil], pdf, xlsx


def expected_summary(pupil: str, lessons: list[dict[str, str]]) -> list[list[str]]:
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    weights = {w["work_type_id"]: float(w["weight"].replace(",", ".")) for w in raw("work_types")}
    lesson_by_id = {les["lesson_id"]: les for les in raw("lessons")}
    absences = codes()
    rows = {}
    for subject_id, name in subjects.items():
        mine = [les for les in lessons if les["subject_id"] == subject_id]
        marks = [
            m
            for m in raw("marks")
            if m["pupil_id"] == pupil
            and lesson_by_id[m["lesson_id"]]["subject_id"] == subject_id
            and start <= day(lesson_by_id[m["lesson_id"]]["lesson_date"]) <= end
        ]
        if not mine and not marks:
            continue
        parts = [
            (v, float(m["weight"].replace(",", ".")) if m["weight"] else weights[m["work_type_id"]])
            for m in marks
            for v in numeric_parts(m["mark_value"])
        ]
        got = [absences.get((pupil, les["lesson_id"]), "") for les in mine]
        rows[name] = [
            name,
            str(len(mine)),
            str(len(marks)),
            comma(sum(v for v, _ in parts) / len(parts), 2) if parts else "—",
            comma(sum(v * w for v, w in parts) / sum(w for _, w in parts), 2) if parts else "—",
            str(sum(c in ("н", "у", "б") for c in got)),
            str(sum(c in ("у", "б") for c in got)),
            str(got.count("б")),
            str(got.count("оп")),
        ]
    return [rows[name] for name in sorted(rows)]


def test_summary_per_subject_matches_the_raw_export(case):
    _, pupil, lessons, pdf, xlsx = case
    expected = expected_summary(pupil, lessons)
    assert expected and any(row[5] != "0" for row in expected)
    lines = pdf_lines(pdf)
    sheet = xlsx_rows(xlsx)
    for row in expected:
        assert " ".join(row) in lines
        assert row in sheet
    total = [
        "Всего",
        *(str(sum(int(r[i]) for r in expected)) for i in (1, 2)),
        "",
        "",
        *(str(sum(int(r[i]) for r in expected)) for i in (5, 6, 7, 8)),
    ]
    assert " ".join(x for x in total if x) in lines
    assert total[:3] + total[5:] == [c for c in next(r for r in sheet if r[0] == "Всего") if c]


def test_every_lesson_with_its_marks_and_attendance(case):
    _, pupil, lessons, pdf, xlsx = case
    subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    work_types = {w["work_type_id"]: w["work_type_name"] for w in raw("work_types")}
    absences = codes()
    marks: dict[str, list[dict[str, str]]] = {}
    for m in raw("marks"):
        if m["pupil_id"] == pupil:
            marks.setdefault(m["lesson_id"], []).append(m)
    expected = set()
    for les in lessons:
        mine = sorted(marks.get(les["lesson_id"], []), key=lambda m: (moment(m["entered_at"]), m["mark_id"]))
        text = "; ".join(f"{m['mark_value']} ({work_types[m['work_type_id']]})" for m in mine)
        expected.add(
            (les["lesson_date"], subjects[les["subject_id"]], text, absences.get((pupil, les["lesson_id"]), ""))
        )
    got = {
        (r[0], r[2], r[5] if len(r) > 5 else "", r[6] if len(r) > 6 else "")
        for r in xlsx_rows(xlsx)
        if len(r) > 2 and r[0][:2].isdigit() and r[1].isdigit()
    }
    assert got == expected
    text = " ".join(pdf_lines(pdf))
    assert all(marks_text.split(" (")[0] in text for _, _, marks_text, _ in expected if marks_text)
    assert f"с {period(PERIOD)['start_date']} по {period(PERIOD)['end_date']}" in text


def test_pdf_a_margins_and_header(case, tmp_path):
    _, _, _, pdf, _ = case
    assert_pdf_a(pdf, TITLE)
    n = assert_pages_inside_margins(pdf, tmp_path)
    assert f"стр. {n} из {n}" in " ".join(pdf_lines(pdf))


def test_roles(case):
    db, pupil, _, _, _ = case
    teacher_id = raw("classes")[0]["class_teacher_id"]
    start, end = dt.date(2025, 11, 10), dt.date(2025, 11, 16)
    with duckdb.connect(str(db), read_only=True) as con:
        assert build(con, Viewer("k", Role.CLASS_TEACHER, "sch-0001", teacher_id), pupil, start, end)
        for viewer in (
            Viewer("s", Role.PARENT_COUNCIL, "sch-0001"),
            Viewer("d", Role.DIRECTOR, "sch-0001"),
            Viewer("t", Role.TEACHER, "sch-0001", raw("groups")[0]["teacher_id"]),
            Viewer("a", Role.ADMIN),
        ):
            with pytest.raises(AccessError, match="формирует"):
                build(con, viewer, pupil, start, end)
        with pytest.raises(AccessError, match="не числится в доступном"):
            build(con, Viewer("k2", Role.CLASS_TEACHER, "sch-0001", "t-other"), pupil, start, end)
        with pytest.raises(AccessError, match="раньше"):
            build(con, DEPUTY, pupil, end, start)
        with pytest.raises(AccessError, match="Нет ученика"):
            build(con, DEPUTY, "p-nobody", start, end)
