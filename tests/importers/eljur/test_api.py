"""ЭлЖур: the scenario written as apiv3 answers loads with the same figures as the canonical export."""

from __future__ import annotations

import copy
import datetime as dt
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


ABSENCE_VALUE = {"н": "Н", "у": "УП", "б": "Б", "оп": "ОП"}


def eljur_payload() -> dict[str, dict]:
    """The scenario in the fields real ЭлЖур answers carry (fixtures/README.md): the class from
    getrules, diary items keyed by lesson number with the subject's ``lesson_id``, marks by
    subject and date, absences as marks «Н», «УП», «Б», «ОП», final marks by period name."""
    periods = [
        {
            "name": n,
            "fullname": n,
            "disabled": False,
            "ambigious": None,
            "start": s.strftime("%Y%m%d"),
            "end": e.strftime("%Y%m%d"),
            "weeks": [],
        }
        for n, s, e in sc.QUARTERS
    ]
    days: dict[str, dict] = {}
    for _, day, number, s_id, topic, homework in sc.LESSONS:
        item = {
            "name": sc.SUBJECT_NAME[s_id],
            "num": str(number),
            "lesson_id": s_id,
            "teacher": TEACHER_NAME[sc.TEACHER_OF[s_id]],
            "topic": topic,
            "homework": {"31": {"id": 31, "value": homework, "individual": False}} if homework else [],
            "files": [],
            "resources": [],
            "is_control": "Контрольная" in topic,
            "room": "12",
            "sort": number,
        }
        key = day.strftime("%Y%m%d")
        days.setdefault(key, {"name": key, "title": "Понедельник", "items": {}})["items"][str(number)] = item
    marks: dict[str, dict[str, list]] = {p[0]: {} for p in sc.PUPILS}
    for _, pupil, lesson, value, w_id, _ in sc.MARKS:
        _, day, number, s_id, _, _ = sc.LESSON[lesson]
        w_id, name, short, weight, _ = WORK_TYPE[w_id]
        marks[pupil].setdefault(s_id, []).append(
            {
                "value": value,
                "comment": "",
                "lesson_comment": None,
                "date": day.isoformat(),
                "convert": int(value),
                "count": True,
                "countas": value,
                "lesson_id": s_id,
                "nm": str(number),
                "weight": int(weight) if weight == int(weight) else 1,
                "weight_float": weight,
                "mtype": {"id": int(w_id), "short": short, "type": name},
            }
        )
    for pupil, lesson, code, _ in sc.ABSENCES:
        _, day, number, s_id, _, _ = sc.LESSON[lesson]
        marks[pupil].setdefault(s_id, []).append(
            {
                "value": ABSENCE_VALUE[code],
                "comment": "",
                "date": day.isoformat(),
                "convert": 0,
                "count": False,
                "countas": 0,
                "lesson_id": s_id,
                "nm": str(number),
            }
        )
    finals: dict[str, dict[str, list]] = {p[0]: {} for p in sc.PUPILS}
    for pupil, s_id, _kind, period, value, _ in sc.PERIOD_MARKS:
        finals[pupil].setdefault(sc.SUBJECT_NAME[s_id], []).append(
            {"value": value, "period": period or "Год", "comment": ""}
        )
    students = {p_id: {"name": p_id, "title": sc.full_name(sc.PUPIL[p_id])} for p_id, *_ in sc.PUPILS}
    relations = {
        p_id: {"rel": "child", "name": p_id, "title": s["title"], "class": sc.CLASS_NAME, "parallel": 5}
        for p_id, s in students.items()
    }
    return {
        "school.json": {"id": sc.SCHOOL_ID, "name": sc.SCHOOL_NAME, "short_name": "Школа № 2", "region": sc.REGION},
        "getrules.json": envelope({"roles": ["parent"], "name": "2001", "relations": {"students": relations}}),
        "getperiods.json": envelope({"students": [{**s, "periods": periods} for s in students.values()]}),
        "getdiary.json": envelope(
            {"students": {p: {**s, "parent_signed": False, "days": days} for p, s in students.items()}}
        ),
        "getmarks.json": envelope(
            {
                "students": {
                    p: {
                        **s,
                        "lessons": [
                            {"name": sc.SUBJECT_NAME[k], "lesson_id": k, "average": "", "marks": m}
                            for k, m in marks[p].items()
                        ],
                    }
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


def test_a_mark_on_a_day_without_its_lesson_is_loaded_on_a_lesson_made_from_it(tmp_path, context, load):
    files = eljur_payload()
    mark = _student(files["getmarks.json"])["lessons"][0]["marks"][0]
    mark.update(date="2025-09-11", nm=None)
    bundle = write_json(tmp_path / "eljur", files)
    notes = EljurImporter().convert(bundle, tmp_path / "out", context)
    result, db = load(tmp_path / "out")
    assert result.status == "loaded", [i.message for i in result.issues][:5]
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        made = con.execute(
            """select l.lesson_date, s.subject_name, l.lesson_number, m.mark_value from fct_mark m
               join fct_lesson l using (school_id, lesson_id)
               join dim_subject s on s.school_id = l.school_id and s.subject_id = l.subject_id
               where l.lesson_date = '2025-09-11'"""
        ).fetchall()
    assert made == [(dt.date(2025, 9, 11), _student(files["getmarks.json"])["lessons"][0]["name"], 1, mark["value"])]
    said = [n for n in notes if "нет в getdiary.json: 1." in n.message]
    assert len(said) == 1 and said[0].file_name == "getmarks.json"


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
    "mark without date": (
        "getmarks.json",
        lambda f: _student(f)["lessons"][0]["marks"][0].pop("date"),
        "date",
        "нет обязательного поля",
    ),
    "mark date not a date": (
        "getmarks.json",
        lambda f: _student(f)["lessons"][0]["marks"][0].update(date="31.02.2025"),
        "date",
        "31.02.2025",
    ),
    "days as text": (
        "getdiary.json",
        lambda f: _student(f).update(days="нет"),
        "days",
        "ожидается объект",
    ),
    "weight as text": (
        "getmarks.json",
        lambda f: _student(f)["lessons"][0]["marks"][0].update(weight_float="тяжёлый"),
        "weight_float",
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


def test_the_class_comes_from_getrules_or_the_command_line(tmp_path, context, load):
    files = eljur_payload()
    del files["getrules.json"]
    bundle = write_json(tmp_path / "eljur", files)
    with pytest.raises(
        ExportRefused, match=r"класс ученика 1001 неизвестен: добавьте ответ getrules\.json или укажите --class"
    ):
        EljurImporter().convert(bundle, tmp_path / "out", context)
    context.class_name = "5А"
    EljurImporter().convert(bundle, tmp_path / "out", context)
    result, db = load(tmp_path / "out")
    assert result.status == "loaded"
    assert sc.warehouse_figures(db) == sc.expected_figures()
