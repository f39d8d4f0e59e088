"""Дневник.ру v2: a bundle of answers in the shapes real clients record and model (fixtures/README.md)
loads every mark, lesson, absence and period mark it holds; the counts are read from the raw JSON
here, independently of the importer, and a few values are checked as read by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ejournal.settings import Norms, ValidationNorms
from pipelines.importers.contract import ImportContext
from pipelines.importers.dnevnik.api import DnevnikImporter
from pipelines.importers.notes import UNKNOWN_FIELD
from pipelines.importers.registry import detect_source
from pipelines.ingest import ingest_source

BUNDLE = Path(__file__).resolve().parent / "fixtures" / "v2-kundelik-11h"
NORMS = Norms(validation=ValidationNorms())


def raw(name: str):
    return json.loads((BUNDLE / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dnevnik")
    db = root / "w.duckdb"
    result = ingest_source(BUNDLE, db, norms=NORMS, context=ImportContext(norms=NORMS), run_by="test")
    (batch,) = result.results
    assert batch.status == "loaded" and batch.issues == []
    return db


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_format_is_detected(tmp_path):
    shutil.copytree(BUNDLE, tmp_path / "bundle")
    assert detect_source(tmp_path / "bundle", tmp_path / "work") == "dnevnik"


def test_no_field_of_the_answers_is_unknown(tmp_path):
    notes = DnevnikImporter().convert(BUNDLE, tmp_path / "out", ImportContext(norms=NORMS))
    assert [n for n in notes if n.message == UNKNOWN_FIELD] == []
    assert {n.field for n in notes} == {"предмет", "согласие_пдн"}  # «Русская литература» is not in the catalogue


def test_every_mark_is_loaded(loaded):
    expected = [m for m in raw("marks.json") if m["value"] in {"1", "2", "3", "4", "5"}]
    assert len(expected) == 16
    loaded_ids = {r[0] for r in rows(loaded, "select mark_id from fct_mark")}
    assert loaded_ids == {f"m-{m['id_str']}" for m in expected}


def test_every_lesson_is_loaded(loaded):
    lessons = raw("lessons.json")
    assert len(lessons) == 9
    assert rows(loaded, "select count(*) from fct_lesson") == [(len(lessons),)]


def test_every_absence_is_loaded(loaded):
    absences = [e for e in raw("lesson-log-entries.json") if e["status"] != "Attend"]
    assert len(absences) == 4
    assert rows(loaded, "select count(*) from fct_attendance where absence_code is not null") == [(len(absences),)]


def test_every_period_mark_is_loaded(loaded):
    finals = [
        item["final-mark"]
        for block in raw("final-marks.json")
        for item in block["per-subject-final-marks"]
        if item["final-mark"] is not None
    ]
    assert len(finals) == 6
    assert rows(loaded, "select count(*) from fct_period_mark") == [(len(finals),)]


def test_subgroups_with_one_rounded_id_stay_apart(loaded):
    """The recorded edu-groups give the three subgroups one rounded ``id``; ``id_str`` tells them apart."""
    assert len({g["id"] for g in raw("edu-groups.json")}) == 1
    groups = rows(
        loaded,
        """select g.group_name, s.subject_name, g.n_members from dim_group g
           join dim_subject s using (school_id, subject_id) order by 1""",
    )
    assert groups == [
        ("Алг1 К.Л", "Алгебра", 2),
        ("Анг.я1 Б.Е", "Английский язык", 2),
        ("Инфор1 Р.Т", "Информатика", 2),
    ]


def test_values_read_by_hand(loaded):
    marks = rows(
        loaded,
        """select p.full_name, s.subject_name, strftime(m.lesson_date, '%d.%m.%Y'), m.mark_value, m.weight,
                  t.full_name, strftime(m.entered_at, '%d.%m.%Y %H:%M')
           from fct_mark m join dim_pupil p using (school_id, pupil_id)
           join dim_subject s using (school_id, subject_id) join dim_teacher t using (school_id, teacher_id)""",
    )
    # The control work of 22.10.2024 (weight 2 of «Контрольная работа»), entered 23.10.2024 16:02.
    assert (
        "Ахметов Данияр Ерланович",
        "Алгебра",
        "22.10.2024",
        "4",
        2.0,
        "Котова Людмила Николаевна",
        "23.10.2024 16:02",
    ) in marks
    # A mark with "lesson": null gets the lesson of its work.
    assert ("Иванов Максим", "Английский язык", "11.09.2024", "5") in [m[:4] for m in marks]
    # Two marks of one pupil in one work (number 0 and 1) are two marks.
    informatics = sorted(m[3] for m in marks if m[0] == "Жукова Алина Сергеевна" and m[2] == "05.09.2024")
    assert informatics == ["4", "5"]
    absences = rows(
        loaded,
        """select p.full_name, strftime(a.lesson_date, '%d.%m.%Y'), a.absence_code from fct_attendance a
           join dim_pupil p using (school_id, pupil_id) where a.absence_code is not null order by 2, 1""",
    )
    assert ("Иванов Максим", "02.09.2024", "б") in absences
    assert ("Жукова Алина Сергеевна", "10.09.2024", "у") in absences
    period_marks = rows(
        loaded,
        """select p.full_name, s.subject_name, d.period_name, f.mark_value from fct_period_mark f
           join dim_pupil p using (school_id, pupil_id) join dim_subject s using (school_id, subject_id)
           join dim_period d on d.school_id = f.school_id and d.period_id = f.period_id""",
    )
    assert ("Смирнова Дарья Олеговна", "Информатика", "1 четверть", "4") in period_marks
    assert not any(m[0] == "Ахметов Данияр Ерланович" and m[1] == "Русская литература" for m in period_marks)
