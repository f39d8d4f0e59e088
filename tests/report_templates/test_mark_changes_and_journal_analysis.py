"""«Отчет об изменениях оценок» and the weekly «Анализ ведения журнала» against the raw sample CSV.

The rules are restated here from the norms' defaults (edit window 7 days, period closed 7 days
after its end, lesson 2 days, marks 2 days / written work 10 days, homework by 18:00 of the lesson
day from grade 2 except the exempt subjects) as documented in warehouse/control_rules.py: a written work
type or an exempt subject is named by its name or its code; a late mark counts for the teacher who
entered it. A second set of norms checks that the documents follow the school's norms.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import duckdb
import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms
from report_templates.choices import Choice
from report_templates.journal_analysis.context import build as build_analysis
from report_templates.mark_changes.context import build as build_changes
from report_templates.output import write
from tests.factories import raw
from tests.report_templates.pdf_checks import (
    assert_pages_inside_margins,
    assert_pdf_a,
    day,
    full_names,
    load_sample,
    moment,
    pdf_lines,
    period,
    teacher_short_names,
    xlsx_rows,
)

PERIOD = "2 четверть"
WEEK_OF = dt.date(2025, 11, 12)
DEPUTY = Viewer("z", Role.DEPUTY, "sch-0001")
NON_TOPIC = re.compile(r"^\s*(урок|тема|контрольная работа(\s*№\s*\d+)?|[-—.]+)\s*\.?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rules:
    """The norms as this test restates them (names and codes lower-cased)."""

    lesson_days: int = 2
    mark_days: int = 2
    written_days: int = 10
    written: frozenset[str] = frozenset(
        {
            "контрольная работа",
            "диктант",
            "сочинение",
            "самостоятельная работа",
            "тест",
            "практическая работа",
            "лабораторная работа",
        }
    )
    homework_hour: int = 18
    homework_from_grade: int = 2
    homework_exempt: frozenset[str] = frozenset(
        {
            "физическая культура",
            "музыка",
            "изобразительное искусство",
            "труд (технология)",
            "основы безопасности и защиты родины",
            "основы духовно-нравственной культуры народов россии",
            "основы религиозных культур и светской этики",
            "индивидуальный проект",
            "разговоры о важном",
            "россия — мои горизонты",
        }
    )
    edit_window: int = 7
    closed_after_days: int = 7


DEFAULT = Rules()
# Another school: written work only control works (by code) and dictations (by name), no homework in
# English (by name) and algebra (by code), a two-week edit window, periods closed 3 days after the end.
OTHER = Rules(
    written=frozenset({"control", "диктант"}),
    homework_exempt=frozenset({"английский язык", "alg"}),
    edit_window=14,
    closed_after_days=3,
)
OTHER_NORMS = replace(
    Norms(),
    timeliness=replace(
        Norms().timeliness,
        written_work_types=("control", "Диктант"),
        homework_exempt_subjects=("Английский язык", "alg"),
        mark_edit_window_days=14,
        period_mark_days_after_end=3,
    ),
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    db = load_sample(tmp_path_factory)
    out = tmp_path_factory.mktemp("mc")
    with duckdb.connect(str(db), read_only=True) as con:
        changes = write(con, DEPUTY, "mark-changes", Choice("7А", PERIOD), out, ["pdf", "xlsx"]).paths
        analysis = write(con, DEPUTY, "journal-analysis", Choice(day=WEEK_OF), out, ["pdf", "xlsx"]).paths
    return db, changes, analysis


def lesson_dates() -> dict[str, dt.date]:
    return {les["lesson_id"]: day(les["lesson_date"]) for les in raw("lessons")}


def expected_changes(rules: Rules = DEFAULT):
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    closed = end + dt.timedelta(days=rules.closed_after_days)
    dates = lesson_dates()
    lessons = {les["lesson_id"]: les for les in raw("lessons")}
    subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    teachers, names = teacher_short_names(), full_names()
    kinds = {(False, False): "изменена", (True, False): "выставлена", (False, True): "удалена"}
    rows, per_teacher = [], {}
    for c in raw("mark_changes"):
        lesson_day = dates[c["lesson_id"]]
        if not start <= lesson_day <= end:
            continue
        at = moment(c["changed_at"])
        days = (at.date() - lesson_day).days
        late, after = days > rules.edit_window, at.date() > closed
        who = teachers[c["changed_by"]]
        kind = kinds[(not c["old_value"], not c["new_value"])]
        subject = subjects[lessons[c["lesson_id"]]["subject_id"]]
        rows.append(
            [
                f"{at:%d.%m.%Y %H:%M}",
                who,
                subject,
                names[c["pupil_id"]],
                f"{lesson_day:%d.%m.%Y}",
                c["old_value"],
                c["new_value"],
                kind,
                str(days),
                "да" if late else "",
                "да" if after else "",
            ]
        )
        counts = per_teacher.setdefault(who, [0, 0, 0])
        counts[0] += 1
        counts[1] += late
        counts[2] += after
    return rows, per_teacher


def test_mark_changes_match_the_raw_log(rendered):
    _, (pdf, xlsx), _ = rendered
    rows, per_teacher = expected_changes()
    assert rows and any(c[1] for c in per_teacher.values())
    lines = pdf_lines(pdf)
    sheet = xlsx_rows(xlsx)
    for who, counts in per_teacher.items():
        assert f"{who} {' '.join(map(str, counts))}" in lines
        assert [who, *map(str, counts)] in sheet
    totals = [sum(c[i] for c in per_teacher.values()) for i in range(3)]
    assert f"Всего {' '.join(map(str, totals))}" in lines
    listed = [r[1:] + [""] * (12 - len(r)) for r in sheet if r[0].isdigit() and len(r) > 8]
    assert sorted(listed) == sorted(rows)
    text = "\n".join(lines)
    for row in rows:
        assert " ".join(x for x in row if x) in text, row


def expected_analysis(rules: Rules = DEFAULT) -> dict[str, list[int]]:
    start = WEEK_OF - dt.timedelta(days=WEEK_OF.weekday())
    end = start + dt.timedelta(days=6)
    teachers = teacher_short_names()
    dates = lesson_dates()
    grades = {c["class_id"]: int(c["grade"]) for c in raw("classes")}
    subjects = {s["subject_id"]: s["subject_name"].lower() for s in raw("subjects")}
    work_types = {w["work_type_id"]: w["work_type_name"].lower() for w in raw("work_types")}
    result: dict[str, list[int]] = {}

    def row(teacher_id):
        return result.setdefault(teachers[teacher_id], [0] * 10)

    week = {}
    for les in raw("lessons"):
        when = day(les["lesson_date"])
        if not start <= when <= end:
            continue
        teacher = les["replacing_teacher_id"] or les["teacher_id"]
        week[les["lesson_id"]] = teacher
        r = row(teacher)
        topic, homework = les["topic"].strip(), les["homework"].strip()
        entered = les["lesson_entered_at"]
        hw_entered = les["homework_entered_at"]
        r[0] += 1
        exempt = {les["subject_id"].lower(), subjects[les["subject_id"]]} & rules.homework_exempt
        r[1] += not entered or (moment(entered).date() - when).days > rules.lesson_days
        r[2] += not topic
        r[3] += bool(topic) and bool(NON_TOPIC.match(topic))
        r[4] += not homework and grades[les["class_id"]] >= rules.homework_from_grade and not exempt
        due = dt.datetime.combine(when, dt.time(rules.homework_hour))
        r[5] += bool(homework) and (not hw_entered or moment(hw_entered) > due)
    for m in raw("marks"):
        if m["lesson_id"] in week:
            # marks given count for the teacher of the lesson; a late mark for the one who entered it
            row(week[m["lesson_id"]])[6] += 1
            delay = (moment(m["entered_at"]).date() - dates[m["lesson_id"]]).days
            written = {m["work_type_id"].lower(), work_types.get(m["work_type_id"], "")} & rules.written
            row(m["entered_by"])[7] += delay > (rules.written_days if written else rules.mark_days)
    for c in raw("mark_changes"):
        at = moment(c["changed_at"]).date()
        if start <= at <= end and (at - dates[c["lesson_id"]]).days > rules.edit_window:
            row(c["changed_by"])[8] += 1
    for r in result.values():
        r[9] = sum(r[1:6]) + r[7] + r[8]
    return result


def test_journal_analysis_matches_the_raw_export(rendered):
    _, _, (pdf, xlsx) = rendered
    expected = expected_analysis()
    assert sum(r[9] for r in expected.values()) > 0
    lines = pdf_lines(pdf)
    sheet = xlsx_rows(xlsx)
    for who, counts in expected.items():
        assert f"{who} {' '.join(map(str, counts))}" in lines
        assert [who, *map(str, counts)] in sheet
    totals = [sum(r[i] for r in expected.values()) for i in range(10)]
    assert f"Всего {' '.join(map(str, totals))}" in lines
    assert "Неделя с 10.11.2025 по 16.11.2025" in lines


def test_documents_follow_the_school_norms(rendered):
    """Other norms (written work and exempt subjects by code and by name, a wider edit window, an
    earlier close of the period): both documents change exactly as the raw export says."""
    db, _, _ = rendered
    analysis, (rows, per_teacher) = expected_analysis(OTHER), expected_changes(OTHER)
    assert analysis != expected_analysis(DEFAULT) and per_teacher != expected_changes(DEFAULT)[1]
    with duckdb.connect(str(db), read_only=True) as con:
        doc = build_analysis(con, DEPUTY, WEEK_OF, norms=OTHER_NORMS)
        changes = build_changes(con, DEPUTY, "7А", PERIOD, school_norms=OTHER_NORMS)
    totals = [sum(r[i] for r in analysis.values()) for i in range(10)]
    assert {r[0]: r[1:] for r in doc.sections[0].rows} == {**analysis, "Всего": totals}
    assert "изменение отметки — в течение 14 дн." in doc.sections[0].note
    totals = [sum(c[i] for c in per_teacher.values()) for i in range(3)]
    assert {r[0]: r[1:] for r in changes.sections[0].rows} == {**per_teacher, "Всего": totals}
    assert sorted([str(c) for c in r[1:]] for r in changes.sections[1].rows) == sorted(rows)
    assert "Окно редактирования — 14 дн." in changes.sections[0].note


def test_pdf_a_and_margins(rendered, tmp_path):
    _, (changes, _), (analysis, _) = rendered
    assert_pdf_a(changes, "Отчет об изменениях оценок")
    assert_pdf_a(analysis, "Анализ ведения журнала")
    assert assert_pages_inside_margins(changes, tmp_path) >= 2
    assert_pages_inside_margins(analysis, tmp_path)


def test_roles(rendered):
    db, _, _ = rendered
    group = raw("groups")[0]
    teacher = Viewer("t", Role.TEACHER, "sch-0001", group["teacher_id"])
    with duckdb.connect(str(db), read_only=True) as con:
        for viewer in (Viewer("d", Role.DIRECTOR, "sch-0001"), Viewer("s", Role.PARENT_COUNCIL, "sch-0001")):
            with pytest.raises(AccessError):
                build_changes(con, viewer, "7А", PERIOD)
        with pytest.raises(AccessError):
            build_changes(con, Viewer("k", Role.CLASS_TEACHER, "sch-0001", "t-other"), "7А", PERIOD)
        # a subgroup teacher sees the changes to the marks of their own subgroup's pupils only
        members = {m["pupil_id"] for m in raw("group_members") if m["group_id"] == group["group_id"]}
        names = full_names()
        own = build_changes(con, teacher, "7А", PERIOD).sections[1].rows
        assert own and {r[4] for r in own} <= {names[p] for p in members}
        assert {r[3] for r in own} == {
            s["subject_name"] for s in raw("subjects") if s["subject_id"] == group["subject_id"]
        }
        # … flagged as for the deputy director
        everything = [tuple(r) for r in expected_changes()[0]]
        assert all(tuple(str(c) for c in r[1:]) in everything for r in own)
        assert any(r[10] or r[11] for r in own)
        # the analysis: the director sees every teacher as the deputy director does, a teacher only
        # their own line, the parent council not at all
        director = build_analysis(con, Viewer("d", Role.DIRECTOR, "sch-0001"), WEEK_OF)
        deputy = build_analysis(con, DEPUTY, WEEK_OF)
        assert [s.rows for s in director.sections] == [s.rows for s in deputy.sections]
        assert len(director.sections[0].rows) > 2
        mine = build_analysis(con, teacher, WEEK_OF).sections[0].rows
        name = teacher_short_names()[group["teacher_id"]]
        assert mine == [[name, *expected_analysis()[name]]]
        for viewer in (Viewer("s", Role.PARENT_COUNCIL, "sch-0001"), Viewer("k", Role.CLASS_TEACHER, "sch-0001", "x")):
            with pytest.raises(AccessError):
                build_analysis(con, viewer, WEEK_OF)
