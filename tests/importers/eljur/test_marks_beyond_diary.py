"""getmarks saved for more days than getdiary (a term of marks, a week of diary): every mark and
absence is still loaded, each on a lesson of the pupil's class made from its date and subject, and
the school is told once how many.

The real-shape bundles (fixtures/README.md) are copied with the diary cut to its first school day;
what is beyond the cut diary is counted here from the raw files with plain code.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from pipelines.importers.eljur.api import EljurImporter
from tests.importers.eljur.test_real_shapes import (
    BUNDLE_2019,
    BUNDLE_2025,
    MARKS_SQL,
    query,
    raw_counts,
    result,
    values,
    warehouse_counts,
)

BEYOND_NOTE = "которых нет в getdiary.json"
LESSONS_SQL = """
    select c.class_name, l.lesson_date, s.subject_name, l.lesson_number, t.last_name, l.topic, l.homework
    from fct_lesson l join dim_class c using (school_id, class_id) join dim_subject s using (school_id, subject_id)
    join dim_teacher t using (school_id, teacher_id) order by all"""


def cut_diary_to_first_day(bundle: Path) -> str:
    """Keep in getdiary.json only the first day with lessons; returns that day («ГГГГММДД»)."""
    path = bundle / "getdiary.json"
    answer = json.loads(path.read_text(encoding="utf-8"))
    pupils = answer["response"]["result"]["students"].values()
    first = min(key for pupil in pupils for key, day in pupil["days"].items() if values(day.get("items")))
    for pupil in pupils:
        pupil["days"] = {first: pupil["days"][first]}
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return first


def beyond_diary(bundle: Path) -> tuple[int, set[tuple[str, str, str]]]:
    """(marks and absences whose pupil's diary has no lesson of their subject that day,
    the (class, date, subject) of each), from the raw answers."""
    classes = {k: s["class"] for k, s in result(bundle, "getrules.json")["relations"]["students"].items()}
    in_diary = set()
    for pupil_id, pupil in result(bundle, "getdiary.json")["students"].items():
        for day_key, day in pupil["days"].items():
            day_iso = f"{day_key[:4]}-{day_key[4:6]}-{day_key[6:]}"
            in_diary |= {(pupil_id, day_iso, item["name"]) for item in values(day.get("items"))}
    count, lessons = 0, set()
    for pupil_id, pupil in result(bundle, "getmarks.json")["students"].items():
        for subject in pupil.get("lessons", []):
            for mark in subject.get("marks", []):
                if str(mark["value"]).strip() and (pupil_id, mark["date"], subject["name"]) not in in_diary:
                    count += 1
                    lessons.add((classes[pupil_id], mark["date"], subject["name"]))
    return count, lessons


@pytest.mark.parametrize(
    ("folder", "school_id", "beyond", "made"),
    [
        (BUNDLE_2025, None, 7, 4),  # 7Б: Алгебра, Физика on 11.11; 3А: Математика, Окружающий мир on 11.11
        (BUNDLE_2019, "sch-1011", 3, 2),  # 10А: Русский язык, Физика on 15.01
    ],
    ids=["models_2025", "apheleia_2019"],
)
def test_marks_beyond_a_short_diary_are_all_loaded_on_lessons_made_from_them(
    tmp_path, context, load, folder, school_id, beyond, made
):
    context.school_id = school_id
    bundle = tmp_path / "bundle"
    shutil.copytree(folder, bundle)
    kept_day = cut_diary_to_first_day(bundle)
    expected = raw_counts(bundle)
    counted_beyond, made_lessons = beyond_diary(bundle)
    assert (counted_beyond, len(made_lessons)) == (beyond, made)
    assert (expected["marks"], expected["attendance"]) == (
        (raw_counts(folder)["marks"], raw_counts(folder)["attendance"])
    )

    notes = EljurImporter().convert(bundle, tmp_path / "out", context)
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]
    assert warehouse_counts(db) == {**expected, "lessons": expected["lessons"] + made}
    lessons = query(db, LESSONS_SQL)
    kept = dt.date.fromisoformat(f"{kept_day[:4]}-{kept_day[4:6]}-{kept_day[6:]}")
    made_rows = [row for row in lessons if row[1] != kept]
    assert {(c, d.isoformat(), s) for c, d, s, *_ in made_rows} == made_lessons
    assert all(topic is None and homework is None for *_, topic, homework in made_rows)
    said = [n for n in notes if BEYOND_NOTE in n.message]
    assert len(said) == 1
    assert said[0].file_name == "getmarks.json"
    assert f"{BEYOND_NOTE}: {beyond}." in said[0].message
    assert "выгрузите getdiary.json за те же даты" in said[0].message


def test_made_lessons_are_numbered_after_the_day_and_taught_by_the_subject_teacher(tmp_path, context, load):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE_2025, bundle)
    cut_diary_to_first_day(bundle)
    EljurImporter().convert(bundle, tmp_path / "out", context)
    _, db = load(tmp_path / "out")
    day = dt.date(2025, 11, 11)
    made = [row[:5] for row in query(db, LESSONS_SQL) if row[1] == day]
    # read by hand from getmarks.json: Алиса's marks come first (Алгебра, then Физика);
    # Орлова teaches Алгебра in 7Б and Журавлёва Математика in 3А on 10.11; Физика and Окружающий мир
    # have no lesson in the cut diary.
    assert made == [
        ("3А", day, "Математика", 1, "Журавлёва"),
        ("3А", day, "Окружающий мир", 2, "Не указан"),
        ("7Б", day, "Алгебра", 1, "Орлова"),
        ("7Б", day, "Физика", 2, "Не указан"),
    ]
    marks = query(db, MARKS_SQL)
    assert ("Лебедев Максим", day, "Алгебра", "3", 2.0, "Контрольная работа", 1) in marks
    assert [m[3] for m in marks if m[0] == "Лебедева Софья" and m[1] == day] == ["4", "5"]


def test_the_full_diary_makes_no_lesson_and_no_note(tmp_path, context, load):
    notes = EljurImporter().convert(BUNDLE_2025, tmp_path / "out", context)
    assert not [n for n in notes if BEYOND_NOTE in n.message]
    _, db = load(tmp_path / "out")
    assert warehouse_counts(db) == raw_counts(BUNDLE_2025)
