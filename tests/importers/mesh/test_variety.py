"""МЭШ answers in shapes the clients' models allow and the fixtures do not show: schedule items and
day schedules without ``begin_time``, activities without ``type``, mark values as numbers. Every
lesson, mark and absence is still loaded; the counts come from the raw JSON here.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from ejournal.settings import Norms
from pipelines.importers.contract import ImportContext
from pipelines.importers.mesh.api import MeshImporter
from pipelines.importers.notes import UNKNOWN_FIELD

FIXTURES = Path(__file__).parent / "fixtures"


def copy_bundle(name: str, tmp_path: Path) -> Path:
    bundle = tmp_path / name
    shutil.copytree(FIXTURES / name, bundle)
    return bundle


def read(bundle: Path, name: str):
    return json.loads((bundle / name).read_text(encoding="utf-8"))


def write(bundle: Path, name: str, value) -> None:
    (bundle / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def convert(bundle: Path, out: Path) -> dict[str, list[dict[str, str]]]:
    MeshImporter().convert(bundle, out, ImportContext(norms=Norms()))
    tables = {}
    for name in ("lessons", "marks", "attendance", "period_marks"):
        with (out / f"{name}.csv").open(encoding="utf-8") as handle:
            tables[name] = list(csv.DictReader(handle, delimiter=";"))
    return tables


def test_schedule_items_without_begin_time_are_numbered_alike_for_twins(tmp_path):
    bundle = copy_bundle("schedule_items_core", tmp_path)
    answers = read(bundle, "lessons.json")
    for answer in answers:
        for item in answer["payload"]:
            item.pop("begin_time")
    write(bundle, "lessons.json", answers)
    items = [item for answer in answers for item in answer["payload"]]
    missed = {(a["student_id"], i["id"]) for a in answers for i in a["payload"] if i.get("is_missed_lesson")}
    tables = convert(bundle, tmp_path / "out")
    assert len(tables["lessons"]) == len({item["id"] for item in items}) == 8
    assert len([r for r in tables["attendance"] if r["absence_code"]]) == len(missed) == 2
    numbers = {(r["lesson_date"], r["lesson_id"]): r["lesson_number"] for r in tables["lessons"]}
    # 11.09: Геометрия (402220001) and Литература (402220002) come first by id, as by time
    assert numbers[("11.09.2023", "l-402220001")] == "1"
    assert numbers[("11.09.2023", "l-402220002")] == "2"


def test_day_schedules_without_type_and_begin_time(tmp_path):
    bundle = copy_bundle("schedule_days", tmp_path)
    days = read(bundle, "schedule.json")
    for day in days:
        for activity in day["activities"]:
            activity.pop("type")
            activity.pop("begin_time", None)
    write(bundle, "schedule.json", days)
    lessons = [a["lesson"] for day in days for a in day["activities"] if a.get("lesson")]
    tables = convert(bundle, tmp_path / "out")
    assert len(tables["lessons"]) == len({lesson["schedule_item_id"] for lesson in lessons}) == 12
    algebra = [r for r in tables["lessons"] if r["lesson_id"] == "l-402110002"]
    assert [(r["lesson_date"], r["lesson_number"]) for r in algebra] == [("04.09.2023", "2")]


def test_mark_values_as_numbers(tmp_path):
    base = convert(FIXTURES / "family_events", tmp_path / "base")
    bundle = copy_bundle("family_events", tmp_path)
    marks = read(bundle, "marks.json")
    subjects = read(bundle, "subject_marks.json")
    events = read(bundle, "events.json")
    every = marks["payload"] + [m for s in subjects["payload"] for p in s["periods"] for m in p.get("marks") or []]
    every += [m for event in events["response"] for m in event.get("marks") or []]
    for mark in every:
        mark.pop("values", None)
        mark["value"] = int(mark["value"])
    for name, value in (("marks.json", marks), ("subject_marks.json", subjects), ("events.json", events)):
        write(bundle, name, value)
    tables = convert(bundle, tmp_path / "out")
    assert len(tables["marks"]) == len({m["id"] for m in every}) == 8
    assert sorted((r["mark_id"], r["mark_value"]) for r in tables["marks"]) == sorted(
        (r["mark_id"], r["mark_value"]) for r in base["marks"]
    )
    assert ("m-2001007", "2") in {(r["mark_id"], r["mark_value"]) for r in tables["marks"]}


def test_grade_and_mark_fields_of_newer_answers_are_known(tmp_path):
    """Recorded in OctoDiary/OctoDiary-kt issue #28 (2024): a mark's ``class_results`` and grade
    objects with ``original_grade_from``/``original_grade_to``. They are known and give no warning."""
    bundle = copy_bundle("family_events", tmp_path)
    marks = read(bundle, "marks.json")
    for mark in marks["payload"]:
        for value in mark["values"]:
            value["grade"] |= {"original_grade_from": None, "original_grade_to": None}
        five = {"five": 4, "origin": None, "original_grade_from": None, "original_grade_to": None}
        mark["class_results"] = {
            "total_students": 15,
            "marks_distributions": [{"percentage_of_students": 53, "number_of_students": 8, "mark_value": five}],
        }
    write(bundle, "marks.json", marks)
    notes = MeshImporter().convert(bundle, tmp_path / "out", ImportContext(norms=Norms()))
    assert [(n.where, n.field) for n in notes if n.message == UNKNOWN_FIELD] == []
