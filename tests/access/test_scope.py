"""Row-level rules: whatever a caller passes, a viewer gets only the pupils their role allows.
Expectations come from the raw sample CSV (rosters), not from the project's SQL."""

from __future__ import annotations

import duckdb
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from tests.factories import copy_warehouse, raw, small_sample_warehouse, tiny_export, write_export
from warehouse.queries import (
    SUPPRESSED,
    class_progress,
    marked_pairs,
    own_class,
    school_summary,
    visible_classes,
    visible_subjects,
)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = tmp_path_factory.mktemp("scope") / "w.duckdb"
    copy_warehouse(small_sample_warehouse(tmp_path_factory), db)  # the sample, ingested once
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def full_names() -> dict[str, str]:
    return {
        p["pupil_id"]: " ".join(x for x in (p["last_name"], p["first_name"], p["middle_name"]) if x)
        for p in raw("pupils")
    }


def test_subgroup_teacher_sees_only_their_subgroup(con):
    names = full_names()
    for group in raw("groups"):
        viewer = Viewer("t", Role.TEACHER, "sch-0001", group["teacher_id"])
        members = {m["pupil_id"] for m in raw("group_members") if m["group_id"] == group["group_id"]}
        shown = set(class_progress(con, viewer, group["class_id"], group["subject_id"])["Ученик"])
        assert shown == {names[p] for p in members}
        others = {names[p] for p in names} - {names[p] for p in members}
        assert not shown & others


def test_teacher_cannot_open_a_subject_they_do_not_teach(con):
    group = raw("groups")[0]
    viewer = Viewer("t", Role.TEACHER, "sch-0001", group["teacher_id"])
    taught = {s for s, _ in visible_subjects(con, viewer, group["class_id"])}
    for subject in {c["subject_id"] for c in raw("curriculum")} - taught:
        assert class_progress(con, viewer, group["class_id"], subject).height == 0
    assert class_progress(con, viewer, "2025-11Б", group["subject_id"]).height == 0  # another class: nothing


def test_class_teacher_sees_the_whole_class_in_every_subject(con):
    (klass,) = raw("classes")
    viewer = Viewer("k", Role.CLASS_TEACHER, "sch-0001", klass["class_teacher_id"])
    enrolled = {e["pupil_id"] for e in raw("enrolments") if e["class_id"] == klass["class_id"]}
    subjects = {c["subject_id"] for c in raw("curriculum")}
    assert {s for s, _ in visible_subjects(con, viewer, klass["class_id"])} == subjects
    for subject in subjects:
        assert class_progress(con, viewer, klass["class_id"], subject).height == len(enrolled)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.PARENT_COUNCIL, Role.ADMIN])
def test_roles_without_pupil_access_get_no_pupils(con, role):
    (klass,) = raw("classes")
    viewer = Viewer("x", role, "sch-0001", klass["class_teacher_id"])
    assert visible_classes(con, viewer) == []
    assert class_progress(con, viewer, klass["class_id"], "alg").height == 0


def test_teacher_of_another_school_sees_nothing(con):
    group = raw("groups")[0]
    viewer = Viewer("t", Role.TEACHER, "sch-other", group["teacher_id"])
    assert visible_classes(con, viewer) == []


def test_small_groups_are_suppressed_for_director_and_parent_council(tmp_path):
    db = tmp_path / "tiny.duckdb"
    ingest_path(write_export(tiny_export(), tmp_path / "tiny"), db)  # class 5А: 3 pupils
    with duckdb.connect(str(db), read_only=True) as con:
        for role in (Role.DIRECTOR, Role.PARENT_COUNCIL):
            table = school_summary(con, Viewer("d", role, "sch-test"))
            assert set(table["Учеников"]) == {SUPPRESSED}
            assert set(table["Средний балл"]) == {SUPPRESSED}
        deputy = school_summary(con, Viewer("z", Role.DEPUTY, "sch-test"))
        maths = deputy.filter(deputy["Предмет"] == "Математика").row(0, named=True)
        # marks of 5А in maths (tests/factories.py): 5, 4/5, 3, 2 → pupils p1, p2, p3; mean (5+4+5+3+2)/5
        assert maths["Учеников"] == "3"
        assert maths["Средний балл"] == "3,80"  # средний балл to two decimals, as documents print it
        assert school_summary(con, Viewer("t", Role.TEACHER, "sch-test", "t1")).height == 0


def test_pages_open_on_the_own_class_and_on_pairs_with_marks(con):
    """The pairs a page may open on are the class × subject pairs with marks in the raw CSV, within
    the viewer's scope; a class teacher's own class is theirs, a deputy director has none."""
    lessons = {row["lesson_id"]: row for row in raw("lessons")}
    with_marks = {(lessons[m["lesson_id"]]["class_id"], lessons[m["lesson_id"]]["subject_id"]) for m in raw("marks")}
    deputy = Viewer("z", Role.DEPUTY, "sch-0001")
    assert marked_pairs(con, deputy) == with_marks and own_class(con, deputy) is None
    (klass,) = raw("classes")
    class_teacher = Viewer("k", Role.CLASS_TEACHER, "sch-0001", klass["class_teacher_id"])
    assert own_class(con, class_teacher) == klass["class_id"]
    group = raw("groups")[0]
    teacher = Viewer("t", Role.TEACHER, "sch-0001", group["teacher_id"])
    taught = {(klass["class_id"], s) for s, _ in visible_subjects(con, teacher, klass["class_id"])}
    assert marked_pairs(con, teacher) == with_marks & taught
    assert own_class(con, Viewer("t", Role.TEACHER, "sch-0001", "t-нет")) is None
