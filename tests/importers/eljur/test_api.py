"""ЭлЖур: the scenario written as apiv3 answers loads with the same figures as the canonical export."""

from __future__ import annotations

import copy
import json
import zipfile

import pytest

from pipelines.canonical.reader import unpack
from pipelines.importers.eljur.api import EljurImporter
from pipelines.issues import ExportRefused
from tests.importers import api_scenario as sc
from tests.importers.api_scenario import write_json

TEACHER_NAME = {t[0]: sc.full_name(t) for t in sc.TEACHERS}
WORK_TYPE = {w[0]: w for w in sc.WORK_TYPES}


def envelope(result: dict) -> dict:
    return {"response": {"state": 200, "error": None, "result": result}}


def eljur_payload() -> dict[str, dict]:
    """The scenario in ЭлЖур's fields: periods, diary, marks (absences as marks н/оп/у/б), finals."""
    periods = [
        {"name": n, "fullname": n, "start": s.strftime("%Y%m%d"), "end": e.strftime("%Y%m%d")}
        for n, s, e in sc.QUARTERS
    ]
    days: dict[str, dict] = {}
    for l_id, day, number, s_id, topic, homework in sc.LESSONS:
        item = {
            "id": l_id,
            "name": sc.SUBJECT_NAME[s_id],
            "num": str(number),
            "teacher": TEACHER_NAME[sc.TEACHER_OF[s_id]],
            "topic": topic,
            "homework": {"1": {"value": homework}} if homework else {},
            "is_control": "Контрольная" in topic,
        }
        days.setdefault(day.strftime("%Y%m%d"), {"name": day.strftime("%Y%m%d"), "items": {}})["items"][str(number)] = (
            item
        )
    marks: dict[str, dict[str, list]] = {p[0]: {} for p in sc.PUPILS}
    for _, pupil, lesson, value, w_id, _ in sc.MARKS:
        _, day, _, s_id, _, _ = sc.LESSON[lesson]
        _, name, short, weight, _ = WORK_TYPE[w_id]
        marks[pupil].setdefault(sc.SUBJECT_NAME[s_id], []).append(
            {
                "value": value,
                "weight": weight,
                "date": day.isoformat(),
                "lesson_id": lesson,
                "nm": "",
                "mtype": {"short": short, "type": name},
            }
        )
    for pupil, lesson, code, _ in sc.ABSENCES:
        _, day, _, s_id, _, _ = sc.LESSON[lesson]
        marks[pupil].setdefault(sc.SUBJECT_NAME[s_id], []).append(
            {"value": code, "date": day.isoformat(), "lesson_id": lesson, "mtype": {"type": "Пропуск"}}
        )
    finals: dict[str, dict[str, list]] = {p[0]: {} for p in sc.PUPILS}
    for pupil, s_id, _kind, period, value, _ in sc.PERIOD_MARKS:
        finals[pupil].setdefault(sc.SUBJECT_NAME[s_id], []).append({"value": value, "period": period or "Год"})
    students = {
        p_id: {"name": p_id, "title": sc.full_name(sc.PUPIL[p_id]), "class": sc.CLASS_NAME} for p_id, *_ in sc.PUPILS
    }
    return {
        "school.json": {"id": sc.SCHOOL_ID, "name": sc.SCHOOL_NAME, "short_name": "Школа № 2", "region": sc.REGION},
        "getperiods.json": envelope(
            {"students": [{"name": p, "title": s["title"], "periods": periods} for p, s in students.items()]}
        ),
        "getdiary.json": envelope({"students": {p: {**s, "days": days} for p, s in students.items()}}),
        "getmarks.json": envelope(
            {
                "students": {
                    p: {**s, "lessons": [{"name": n, "marks": m} for n, m in marks[p].items()]}
                    for p, s in students.items()
                }
            }
        ),
        "getfinalassessments.json": envelope(
            {
                "students": {
                    p: {**s, "items": [{"name": n, "assessments": a} for n, a in finals[p].items()]}
                    for p, s in students.items()
                }
            }
        ),
    }


def test_eljur_bundle_gives_the_canonical_figures(tmp_path, context, load):
    bundle = write_json(tmp_path / "eljur", eljur_payload())
    importer = EljurImporter()
    assert importer.detect(bundle)
    notes = importer.convert(bundle, tmp_path / "converted", context)
    result, db = load(tmp_path / "converted")
    assert result.status == "loaded", [i.message for i in result.issues]
    reference, reference_db = load(sc.canonical_export(tmp_path / "canonical"))
    assert reference.status == "loaded", [i.message for i in reference.issues]
    expected = sc.expected_figures()
    assert sc.warehouse_figures(db) == sc.warehouse_figures(reference_db) == expected
    assert expected.weighted_average[("Андреев Антон Ильич", "Математика")] == round((5 + 4 * 1.5 + 5 + 4 * 2) / 5.5, 4)
    # ЭлЖур has no entry moment: said once, not per mark.
    assert [n.field for n in notes] == ["date", "согласие_пдн"]


def test_double_mark_and_unknown_code_are_kept_or_reported(tmp_path, context, load):
    files = eljur_payload()
    marks = files["getmarks.json"]["response"]["result"]["students"]["1001"]["lessons"][0]["marks"]
    marks[0]["value"] = "3/5"
    marks.append(
        {
            "value": "?",
            "date": marks[0]["date"],
            "lesson_id": marks[0]["lesson_id"],
            "mtype": {"type": "Ответ на уроке"},
        }
    )
    bundle = write_json(tmp_path / "eljur", files)
    notes = EljurImporter().convert(bundle, tmp_path / "out", context)
    assert any(n.field == "value" and n.value == "?" for n in notes)
    result, db = load(tmp_path / "out")
    assert result.status == "loaded"
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select mark_1, mark_2, n_numeric from fct_mark where mark_value = '3/5'").fetchall()
    assert row == [(3, 5, 2)]


def _broken(files, name, change):
    files = copy.deepcopy(files)
    change(files[name])
    return files


def _other_topic(student):
    student["days"] = copy.deepcopy(student["days"])
    student["days"]["20250908"]["items"]["1"]["topic"] = "Другая тема"


def _student(payload):
    return payload["response"]["result"]["students"]["1002"]


HOSTILE = {
    "mark without lesson_id": (
        "getmarks.json",
        lambda f: _student(f)["lessons"][0]["marks"][0].pop("lesson_id"),
        "lesson_id",
        "нет обязательного поля",
    ),
    "weight as text": (
        "getmarks.json",
        lambda f: _student(f)["lessons"][0]["marks"][0].update(weight="тяжёлый"),
        "weight",
        "ожидается число",
    ),
    "lesson number as list": (
        "getdiary.json",
        lambda f: next(iter(_student(f)["days"].values()))["items"]["1"].update(num=[1]),
        "num",
        "ожидается целое число",
    ),
    "period without end": (
        "getperiods.json",
        lambda f: f["response"]["result"]["students"][0]["periods"][0].pop("end"),
        "end",
        "нет обязательного поля",
    ),
    "lesson differs between diaries": (
        "getdiary.json",
        lambda f: _other_topic(_student(f)),
        "topic",
        "уже встречался с другим значением",
    ),
    "API error": (
        "getmarks.json",
        lambda f: f["response"].update(state=403, error="доступ запрещён"),
        "error",
        "ошибку",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_payloads_are_refused_with_their_place(tmp_path, context, case):
    name, change, field, problem = HOSTILE[case]
    bundle = write_json(tmp_path / "eljur", _broken(eljur_payload(), name, change))
    with pytest.raises(ExportRefused) as refused:
        EljurImporter().convert(bundle, tmp_path / "out", context)
    assert refused.value.file_name == name
    assert refused.value.field == field
    assert problem in refused.value.problem
    assert refused.value.location  # a JSON path such as result.students.1002.lessons[0].marks[0]
    assert not (tmp_path / "out").exists()


def test_broken_and_empty_files_are_refused(tmp_path, context):
    files = eljur_payload()
    bundle = write_json(tmp_path / "eljur", files)
    (bundle / "getdiary.json").write_text('{"response": {"state": 200,', encoding="utf-8")
    with pytest.raises(ExportRefused, match=r"getdiary\.json, строка 1, позиция \d+: повреждённый JSON"):
        EljurImporter().convert(bundle, tmp_path / "out", context)
    (bundle / "getdiary.json").write_text("", encoding="utf-8")
    with pytest.raises(ExportRefused, match=r"getdiary\.json: файл пуст"):
        EljurImporter().convert(bundle, tmp_path / "out", context)
    (bundle / "getdiary.json").unlink()
    assert not EljurImporter().detect(bundle)
    with pytest.raises(ExportRefused, match=r"нет обязательного файла «getdiary\.json»"):
        EljurImporter().convert(bundle, tmp_path / "out", context)


def test_extra_fields_are_reported_not_dropped_silently_and_zip_works(tmp_path, context, load):
    files = eljur_payload()
    _student(files["getmarks.json"])["lessons"][0]["marks"][0]["colour"] = "red"
    archive = tmp_path / "eljur.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, payload in files.items():
            zipped.writestr(f"export/{name}", json.dumps(payload, ensure_ascii=False))
    folder = unpack(archive, tmp_path / "unpacked")
    assert EljurImporter().detect(folder)
    notes = EljurImporter().convert(folder, tmp_path / "out", context)
    assert [(n.file_name, n.field) for n in notes if n.field == "colour"] == [("getmarks.json", "colour")]
    result, db = load(tmp_path / "out")
    assert result.status == "loaded"
    assert sc.warehouse_figures(db) == sc.expected_figures()


def test_without_school_json_the_school_comes_from_the_command_line(tmp_path, context, load):
    files = eljur_payload()
    del files["school.json"]
    bundle = write_json(tmp_path / "eljur", files)
    with pytest.raises(ExportRefused, match="--school"):
        EljurImporter().convert(bundle, tmp_path / "out", context)
    context.school_id = "sch-77"
    EljurImporter().convert(bundle, tmp_path / "out", context)
    result, _db = load(tmp_path / "out")
    assert (result.status, result.school_id) == ("loaded", "sch-77")
