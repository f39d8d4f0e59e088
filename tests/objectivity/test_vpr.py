"""The ВПР table equals counts computed here from the raw export, without the project's SQL."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from warehouse import vpr
from warehouse.db import connect
from warehouse.objectivity_norms import ObjectivityNorms

DEPUTY = Viewer("zavuch", Role.DEPUTY, "sch-0001")
DIRECTOR = Viewer("director", Role.DIRECTOR, "sch-0001")


def expected_rows(frames) -> list[dict]:
    """Each ВПР result with the journal mark of the latest period starting on or before its date."""
    periods = {r["period_id"]: r for r in frames["periods"].iter_rows(named=True)}
    journal = defaultdict(list)
    for r in frames["period_marks"].iter_rows(named=True):
        if r["mark_kind_code"] == "period":
            journal[(r["pupil_id"], r["subject_id"])].append(r)
    classes = {r["class_id"]: r for r in frames["classes"].iter_rows(named=True)}
    subjects = {r["subject_id"]: r["subject_name"] for r in frames["subjects"].iter_rows(named=True)}
    out = []
    for r in frames["external_results"].iter_rows(named=True):
        if r["assessment_code"] != "ВПР":
            continue
        day = r["assessment_date"]
        candidates = [
            m for m in journal[(r["pupil_id"], r["subject_id"])] if periods[m["period_id"]]["start_date"] <= day
        ]
        if not candidates:
            continue
        mark = max(candidates, key=lambda m: periods[m["period_id"]]["start_date"])["mark_value"]
        if mark not in "2345" or r["mark_value"] not in "2345":
            continue
        stay = [
            e
            for e in frames["enrolments"].iter_rows(named=True)
            if e["pupil_id"] == r["pupil_id"]
            and e["start_date"] <= day
            and (e["end_date"] is None or e["end_date"] >= day)
        ]
        cls = classes[stay[0]["class_id"]]
        gap = int(r["mark_value"]) - int(mark)
        kind = "понизил" if gap < 0 else "подтвердил" if gap == 0 else "повысил"
        out.append(
            {
                "subject": subjects[r["subject_id"]],
                "class": cls["class_name"],
                "grade": cls["grade"],
                "kind": kind,
                "gap": gap,
                "pupil_id": r["pupil_id"],
            }
        )
    return out


@pytest.fixture(scope="module")
def rows(school):
    with connect(school.db, read_only=True) as con:
        return {"deputy": vpr.vpr_rows(con, DEPUTY), "director": vpr.vpr_rows(con, DIRECTOR)}


def test_class_table_equals_raw_counts(school, rows):
    norms = ObjectivityNorms()
    expected = expected_rows(school.frames)
    assert len(expected) > 100
    by_class = defaultdict(Counter)
    for e in expected:
        by_class[(e["subject"], e["class"])][e["kind"]] += 1
    table = vpr.comparison(rows["deputy"], DEPUTY, norms, "class")
    assert table.height == len(by_class)
    for r in table.iter_rows(named=True):
        c = by_class[(r["Предмет"], r["Класс"])]
        n = sum(c.values())
        assert int(r["Участников"]) == n
        assert int(r["Понизили, чел."]) == c["понизил"]
        assert int(r["Подтвердили, чел."]) == c["подтвердил"]
        assert int(r["Повысили, чел."]) == c["повысил"]
        if n >= 10:
            assert r["Оценка"] == "оценивается"
            assert r["Понизили, %"] == f"{100 * c['понизил'] / n:.1f}".replace(".", ",")
        else:
            assert r["Оценка"] == "не оценивается" and r["Понизили, %"] == "—"


def test_school_and_parallel_tables_equal_raw_counts(school, rows):
    norms = ObjectivityNorms()
    expected = expected_rows(school.frames)
    by_subject = Counter((e["subject"], e["kind"]) for e in expected)
    for r in vpr.comparison(rows["deputy"], DEPUTY, norms, "school").iter_rows(named=True):
        assert int(r["Повысили, чел."]) == by_subject[(r["Предмет"], "повысил")]
        assert int(r["Понизили, чел."]) == by_subject[(r["Предмет"], "понизил")]
    by_grade = Counter((e["subject"], f"{e['grade']} классы") for e in expected)
    grade_table = vpr.comparison(rows["director"], DIRECTOR, norms, "grade")
    assert {(r["Предмет"], r["Параллель"]): int(r["Участников"]) for r in grade_table.iter_rows(named=True)} == dict(
        by_grade
    )


def test_large_gaps_list_the_pupils_two_marks_apart(school, rows):
    expected = sorted(e["gap"] for e in expected_rows(school.frames) if abs(e["gap"]) >= 2)
    listed = vpr.large_gaps(rows["deputy"], DEPUTY, ObjectivityNorms())
    assert sorted(listed["Разница"].to_list()) == expected


def test_director_gets_no_pupils_and_no_teachers(rows):
    norms = ObjectivityNorms()
    assert vpr.large_gaps(rows["director"], DIRECTOR, norms).is_empty()
    assert vpr.comparison(rows["director"], DIRECTOR, norms, "teacher").is_empty()
