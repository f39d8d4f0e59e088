"""«Отчет об изменениях оценок» and the weekly «Анализ ведения журнала» against the raw sample CSV
(rules restated here from the norms' defaults: edit window 7 days, period closed 7 days after its
end, lesson 2 days, marks 2 days / written work 10 days, homework by 18:00 of the lesson day)."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.journal_analysis.context import build as build_analysis
from report_templates.mark_changes.context import build as build_changes
from report_templates.more_documents import render_journal_analysis, render_mark_changes
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
WRITTEN = {"control", "dictation", "essay", "independent", "test", "practical", "lab"}
NON_TOPIC = re.compile(r"^\s*(урок|тема|контрольная работа(\s*№\s*\d+)?|[-—.]+)\s*\.?\s*$", re.IGNORECASE)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    db = load_sample(tmp_path_factory)
    out = tmp_path_factory.mktemp("mc")
    with duckdb.connect(str(db), read_only=True) as con:
        changes = render_mark_changes(con, DEPUTY, "7А", PERIOD, out, ["pdf", "xlsx"]).paths
        analysis = render_journal_analysis(con, DEPUTY, WEEK_OF, out, ["pdf", "xlsx"]).paths
    return db, changes, analysis


def lesson_dates() -> dict[str, dt.date]:
    return {les["lesson_id"]: day(les["lesson_date"]) for les in raw("lessons")}


def expected_changes():
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    closed = end + dt.timedelta(days=7)
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
        late, after = days > 7, at.date() > closed
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


def expected_analysis() -> dict[str, list[int]]:
    start = WEEK_OF - dt.timedelta(days=WEEK_OF.weekday())
    end = start + dt.timedelta(days=6)
    teachers = teacher_short_names()
    dates = lesson_dates()
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
        r[1] += not entered or (moment(entered).date() - when).days > 2
        r[2] += not topic
        r[3] += bool(topic) and bool(NON_TOPIC.match(topic))
        r[4] += not homework  # grade 7; every subject of the sample sets homework
        r[5] += bool(homework) and (not hw_entered or moment(hw_entered) > dt.datetime.combine(when, dt.time(18)))
    for m in raw("marks"):
        if m["lesson_id"] in week:
            r = row(week[m["lesson_id"]])
            r[6] += 1
            delay = (moment(m["entered_at"]).date() - dates[m["lesson_id"]]).days
            r[7] += delay > (10 if m["work_type_id"] in WRITTEN else 2)
    for c in raw("mark_changes"):
        at = moment(c["changed_at"]).date()
        if start <= at <= end and (at - dates[c["lesson_id"]]).days > 7:
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
        # the analysis: the director sees it, a teacher only their own line, the parent council not at all
        assert build_analysis(con, Viewer("d", Role.DIRECTOR, "sch-0001"), WEEK_OF)
        mine = build_analysis(con, teacher, WEEK_OF).sections[0].rows
        assert [r[0] for r in mine] == [teacher_short_names()[group["teacher_id"]]]
        for viewer in (Viewer("s", Role.PARENT_COUNCIL, "sch-0001"), Viewer("k", Role.CLASS_TEACHER, "sch-0001", "x")):
            with pytest.raises(AccessError):
                build_analysis(con, viewer, WEEK_OF)
