"""The journal-control rules find every violation the generator planted, and nothing else.

The generator (data_samples/generator/truth.py) computes its list of violations with polars from
its own frames, independently of the warehouse SQL; here a generated school is loaded for real and
``warehouse.control_rules.violations`` (what the pages show) is compared with that list per rule. The
comparison is on the case's keys (teacher, class, subject, pupil, lesson, mark, period) as a
multiset, so a duplicate or a wrong teacher counts as both a miss and a false find.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_samples.generator.school import generate_school
from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms
from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, copy_warehouse, small_sample_warehouse
from warehouse.control_rules import RULES, TEACHER_CASE_COLUMNS, Filters, teacher_cases, violations

KEYS = ("teacher_id", "class_id", "subject_id", "pupil_id", "lesson_id", "mark_id", "period_id")
DEPUTY = Viewer("zavuch", Role.DEPUTY, "sch-0001")  # both schools below are sch-0001


def _planted(folder: Path) -> list[dict]:
    with (folder / "_truth" / "planted.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _bag(rows, rule: str) -> Counter:
    return Counter(tuple((row[k] or None) for k in KEYS) for row in rows if row["rule"] == rule)


@pytest.fixture(scope="module", params=["committed sample", "generated school"])
def school(request, tmp_path_factory) -> tuple[Path, Path]:
    """(export folder, loaded warehouse): the committed 7А sample and a fresh 200-pupil school."""
    base = tmp_path_factory.mktemp("control")
    db = base / "w.duckdb"
    if request.param == "committed sample":  # ingested once per process (tests/factories.py)
        return SAMPLE, copy_warehouse(small_sample_warehouse(tmp_path_factory), db)
    folder = base / "generated-200-pupils"
    generate_school(folder, seed=11, n_pupils=200)
    (result,) = ingest_path(folder, db)
    assert result.status == "loaded", result.issues[:3]
    return folder, db


def test_every_planted_case_is_found_and_nothing_else(school, summary):
    folder, db = school
    planted = _planted(folder)
    with duckdb.connect(str(db), read_only=True) as con:
        found = violations(con, DEPUTY, Norms()).to_dicts()
    lines = [f"journal control on {folder.name}: rule, planted, found, precision, recall"]
    for rule in RULES:
        truth, got = _bag(planted, rule), _bag(found, rule)
        hits = sum((truth & got).values())
        precision = hits / sum(got.values()) if got else 1.0
        recall = hits / sum(truth.values()) if truth else 1.0
        lines.append(f"  {rule:28s} {sum(truth.values()):6d} {sum(got.values()):6d} {precision:7.3f} {recall:7.3f}")
    summary("\n".join(lines))
    for rule in RULES:
        truth, got = _bag(planted, rule), _bag(found, rule)
        assert truth == got, (
            rule,
            list((truth - got).items())[:3],
            list((got - truth).items())[:3],
        )
    assert sum(len(_bag(planted, r)) for r in RULES) > 100


def test_a_changed_norm_changes_what_is_found(school):
    """A wider edit window: exactly the changes made more than 14 days after their lesson remain."""
    folder, db = school
    with (folder / "lessons.csv").open(encoding="utf-8-sig", newline="") as handle:
        lesson_day = {
            r["lesson_id"]: dt.datetime.strptime(r["lesson_date"], "%d.%m.%Y").date()
            for r in csv.DictReader(handle, delimiter=";")
        }
    with (folder / "mark_changes.csv").open(encoding="utf-8-sig", newline="") as handle:
        changes = list(csv.DictReader(handle, delimiter=";"))
    expected = sorted(
        c["mark_id"]
        for c in changes
        if (dt.datetime.strptime(c["changed_at"], "%d.%m.%Y %H:%M").date() - lesson_day[c["lesson_id"]]).days > 14
    )
    norms = Norms()
    wider = replace(norms, timeliness=replace(norms.timeliness, mark_edit_window_days=14))
    with duckdb.connect(str(db), read_only=True) as con:
        default = violations(con, DEPUTY, norms, rules=("change_after_edit_window",))
        found = violations(con, DEPUTY, wider, rules=("change_after_edit_window",))
    assert sorted(found["mark_id"].to_list()) == expected
    assert 0 < len(found) < len(default)


def test_roles_and_filters_narrow_the_cases(school):
    _, db = school
    with duckdb.connect(str(db), read_only=True) as con:
        everything = violations(con, DEPUTY, Norms())
        teacher = everything.filter(everything["rule"] == "mark_late")["teacher_id"][0]
        school_id = everything["school_id"][0]
        own = violations(con, Viewer("t", Role.TEACHER, school_id=school_id, teacher_id=teacher), Norms())
        director = violations(con, Viewer("d", Role.DIRECTOR, "sch-0001"), Norms())
        period = everything["period_id"].drop_nulls()[0]
        one_period = violations(con, DEPUTY, Norms(), Filters(period_id=period))
        timetabled = set(
            con.execute(
                "select distinct class_id || '|' || subject_id from fct_lesson where teacher_id = ? "
                "union select distinct class_id || '|' || subject_id from dim_group where teacher_id = ?",
                [teacher, teacher],
            ).fetchall()
        )
    assert director.is_empty()
    assert 0 < len(own) < len(everything)
    pairs = {(r["class_id"] + "|" + r["subject_id"],) for r in own.to_dicts() if r["subject_id"]}
    assert pairs <= timetabled
    assert 0 < len(one_period) < len(everything)
    assert set(one_period["period_id"].to_list()) == {period}


def test_teacher_cases_show_staff_work_without_pupils(school):
    """The staff view of the cases (for «Анализ ведения журнала»): the director gets every case the
    deputy director sees but no pupil, mark or detail; a teacher gets exactly the cases attributed
    to them, substitution lessons outside their classes included; the parent council nothing."""
    _, db = school
    norms = Norms()
    with duckdb.connect(str(db), read_only=True) as con:
        everything = violations(con, DEPUTY, norms).select(TEACHER_CASE_COLUMNS)
        director = teacher_cases(con, Viewer("d", Role.DIRECTOR, "sch-0001"), norms)
        school_id = everything["school_id"][0]
        teacher = everything.group_by("teacher_id").len().sort("len")["teacher_id"][-1]
        own = teacher_cases(con, Viewer("t", Role.TEACHER, school_id, teacher), norms)
        scoped = violations(con, Viewer("t", Role.TEACHER, school_id, teacher), norms)
        council = teacher_cases(con, Viewer("s", Role.PARENT_COUNCIL, school_id), norms)
    assert set(director.columns) & {"pupil_id", "mark_id", "detail"} == set()
    assert director.sort(director.columns).equals(everything.sort(everything.columns))
    mine = everything.filter(everything["teacher_id"] == teacher)
    assert 0 < len(own) < len(everything)
    assert own.sort(own.columns).equals(mine.sort(mine.columns))
    # their classes' view holds fewer of their cases: substitutions elsewhere are theirs too
    assert len(scoped.filter(scoped["teacher_id"] == teacher)) < len(own)
    assert council.is_empty()


def test_homework_deadline_after_the_last_lesson(school):
    """The other homework rule: due N hours after the class's last lesson of the day (bell times
    from the norms); the expected cases are computed here from the raw lessons file."""
    folder, db = school
    norms = Norms()
    rule = replace(norms.timeliness, homework_deadline_rule="after_last_lesson", homework_hours_after_last_lesson=3)
    ends = rule.lesson_end_times
    with (folder / "lessons.csv").open(encoding="utf-8-sig", newline="") as handle:
        lessons = list(csv.DictReader(handle, delimiter=";"))
    last = Counter()
    for lesson in lessons:
        key = (lesson["class_id"], lesson["lesson_date"])
        last[key] = max(last[key], int(lesson["lesson_number"]))
    expected = []
    for lesson in lessons:
        if not lesson["homework"].strip():
            continue
        day = dt.datetime.strptime(lesson["lesson_date"], "%d.%m.%Y")
        hours, minutes = map(
            int, ends[min(last[(lesson["class_id"], lesson["lesson_date"])], len(ends)) - 1].split(":")
        )
        due = day + dt.timedelta(hours=hours + 3, minutes=minutes)
        entered = lesson["homework_entered_at"]
        if not entered or dt.datetime.strptime(entered, "%d.%m.%Y %H:%M") > due:
            expected.append(lesson["lesson_id"])
    with duckdb.connect(str(db), read_only=True) as con:
        found = violations(con, DEPUTY, replace(norms, timeliness=rule), rules=("homework_late",))
    assert sorted(found["lesson_id"].to_list()) == sorted(expected)
    assert expected


def test_the_absence_share_in_a_message_is_rounded_half_up_on_the_exact_quotient(school):
    """«Пропущено n из m уроков (p %)»: p is 100·n/m rounded half up to tenths, computed here with
    integers (no floating point), as the documents round (shared/DOMAIN.md)."""
    _, db = school
    with duckdb.connect(str(db), read_only=True) as con:
        found = violations(con, DEPUTY, Norms()).filter(pl.col("rule") == "chronic_absence")
    assert found.height > 0
    for message in found["detail"]:
        missed, lessons, shown = re.fullmatch(r"Пропущено (\d+) из (\d+) уроков \((\d+,\d) %\)", message).groups()
        tenths = (2000 * int(missed) + int(lessons)) // (2 * int(lessons))
        assert shown == f"{tenths // 10},{tenths % 10}", message
