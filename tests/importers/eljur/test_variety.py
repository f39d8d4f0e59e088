"""ЭлЖур answers in shapes other clients' models allow and the 2025 fixture does not show:
diary items without ``grp`` (older servers; a Python client reads the subgroup as ``group``) and
an empty getmarks answer. Every lesson, mark and absence is still loaded; the counts come from the
raw JSON here.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb

from pipelines.importers.eljur.api import EljurImporter

BUNDLE = Path(__file__).parent / "fixtures" / "models_2025"
ABSENCES = {"н", "б", "у", "уп", "оп"}


def result(folder: Path, name: str):
    return json.loads((folder / name).read_text(encoding="utf-8"))["response"]["result"]


def items(day: dict) -> list[dict]:
    found = day.get("items") or []
    return list(found.values()) if isinstance(found, dict) else found


def without_grp(tmp_path: Path) -> Path:
    """The 2025 bundle with ``grp`` and ``grp_short`` removed from every diary item."""
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    answer = json.loads((bundle / "getdiary.json").read_text(encoding="utf-8"))
    for student in answer["response"]["result"]["students"].values():
        for day in student["days"].values():
            for item in items(day):
                item.pop("grp", None)
                item.pop("grp_short", None)
    (bundle / "getdiary.json").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return bundle


def raw_lessons(folder: Path) -> set[tuple]:
    """(class, day, number, subject, teacher): without grp a lesson is told apart by its teacher."""
    classes = {k: s["class"] for k, s in result(folder, "getrules.json")["relations"]["students"].items()}
    return {
        (classes[key], day_key, item["num"], item["lesson_id"], item["teacher"])
        for key, student in result(folder, "getdiary.json")["students"].items()
        for day_key, day in student["days"].items()
        for item in items(day)
    }


def raw_diary_marks(folder: Path) -> tuple[int, int]:
    """(marks, absences) of the diary's own assessments."""
    values = [
        str(mark["value"]).strip().lower()
        for student in result(folder, "getdiary.json")["students"].values()
        for day in student["days"].values()
        for item in items(day)
        for mark in item.get("assessments") or []
    ]
    return sum(1 for v in values if v and v not in ABSENCES), sum(1 for v in values if v in ABSENCES)


def csv_count(folder: Path, name: str) -> int:
    with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
        return len(list(csv.DictReader(handle, delimiter=";")))


def test_items_without_grp_keep_two_subgroups_at_one_hour_apart(tmp_path, context, load):
    bundle = without_grp(tmp_path)
    expected = len(raw_lessons(bundle))
    assert expected == 13  # the twins' English at lesson 3 on 10.11 are two lessons (two teachers)
    EljurImporter().convert(bundle, tmp_path / "out", context)
    assert csv_count(tmp_path / "out", "lessons") == expected
    assert (csv_count(tmp_path / "out", "marks"), csv_count(tmp_path / "out", "attendance")) == (11, 3)
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]
    with duckdb.connect(str(db), read_only=True) as con:
        english = con.execute(
            """select t.last_name, count(distinct m.mark_id) from fct_lesson l
               join dim_subject s using (school_id, subject_id)
               join dim_teacher t on t.school_id = l.school_id and t.teacher_id = l.teacher_id
               left join fct_mark m on m.school_id = l.school_id and m.lesson_id = l.lesson_id
               where s.subject_name = 'Английский язык' group by 1 order by 1"""
        ).fetchall()
    # Алиса's «5» is on Уткина's lesson; Максим's «Н» is an absence on Фролов's
    assert english == [("Уткина", 1), ("Фролов", 0)]


def test_an_empty_getmarks_answer_gives_the_diary_own_marks(tmp_path, context, load):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    empty = {"response": {"state": 200, "error": None, "result": []}}
    (bundle / "getmarks.json").write_text(json.dumps(empty), encoding="utf-8")
    marks, absences = raw_diary_marks(bundle)
    assert (marks, absences) == (11, 3)
    notes = EljurImporter().convert(bundle, tmp_path / "out", context)
    assert (csv_count(tmp_path / "out", "marks"), csv_count(tmp_path / "out", "attendance")) == (marks, absences)
    assert any(n.file_name == "getmarks.json" and "assessments" in n.message for n in notes)
    loaded, _db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]


def gapped(items: list) -> dict[str, object]:
    """A PHP list with gaps in its keys, as json_encode writes it: an object keyed 0, 2, 4…"""
    return {str(2 * i): item for i, item in enumerate(items)}


def test_lists_written_as_objects_keyed_by_number(tmp_path, context, load):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    marks = json.loads((bundle / "getmarks.json").read_text(encoding="utf-8"))
    for student in marks["response"]["result"]["students"].values():
        for subject in student["lessons"]:
            subject["marks"] = gapped(subject["marks"])
        student["lessons"] = gapped(student["lessons"])
    periods = json.loads((bundle / "getperiods.json").read_text(encoding="utf-8"))
    for student in periods["response"]["result"]["students"]:
        student["periods"] = gapped(student["periods"])
    finals = json.loads((bundle / "getfinalassessments.json").read_text(encoding="utf-8"))
    for student in finals["response"]["result"]["students"].values():
        student["items"] = gapped(student["items"])
    for name, answer in (("getmarks.json", marks), ("getperiods.json", periods), ("getfinalassessments.json", finals)):
        (bundle / name).write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    values = [
        str(mark["value"]).strip().lower()
        for student in marks["response"]["result"]["students"].values()
        for subject in student["lessons"].values()
        for mark in subject["marks"].values()
    ]
    expected_finals = sum(
        1
        for student in finals["response"]["result"]["students"].values()
        for item in student["items"].values()
        for final in item.get("assessments", [])
        if final["value"]
    )
    EljurImporter().convert(bundle, tmp_path / "out", context)
    assert csv_count(tmp_path / "out", "marks") == sum(1 for v in values if v and v not in ABSENCES) == 11
    assert csv_count(tmp_path / "out", "attendance") == sum(1 for v in values if v in ABSENCES) == 3
    assert csv_count(tmp_path / "out", "period_marks") == expected_finals == 7
    loaded, _db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]


def test_days_written_as_numbers(tmp_path, context, load):
    """A server that writes numbers as numbers gives «20251110» as 20251110 (periods, diary days, marks)."""
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    periods = json.loads((bundle / "getperiods.json").read_text(encoding="utf-8"))
    for student in periods["response"]["result"]["students"]:
        for period in student["periods"]:
            period["start"], period["end"] = int(period["start"]), int(period["end"])
    diary = json.loads((bundle / "getdiary.json").read_text(encoding="utf-8"))
    for student in diary["response"]["result"]["students"].values():
        for day in student["days"].values():
            day["name"] = int(day["name"])
    marks = json.loads((bundle / "getmarks.json").read_text(encoding="utf-8"))
    for student in marks["response"]["result"]["students"].values():
        for subject in student["lessons"]:
            for mark in subject["marks"]:
                mark["date"] = int(mark["date"].replace("-", ""))
    for name, answer in (("getperiods.json", periods), ("getdiary.json", diary), ("getmarks.json", marks)):
        (bundle / name).write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    EljurImporter().convert(bundle, tmp_path / "out", context)
    counts = {name: csv_count(tmp_path / "out", name) for name in ("lessons", "marks", "attendance", "period_marks")}
    assert counts == {"lessons": 13, "marks": 11, "attendance": 3, "period_marks": 7}
    loaded, _db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]
