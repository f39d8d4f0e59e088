"""Дневник.ру v2: the scenario written as v2 answers loads with the same figures as the canonical export."""

from __future__ import annotations

import copy

import pytest

from pipelines.importers.dnevnik.api import DnevnikImporter
from pipelines.issues import ExportRefused
from tests.importers import api_scenario as sc
from tests.importers.api_scenario import write_json

GROUP = 3001
STATUS = {"н": "Absent", "б": "Ill", "оп": "Late", "у": "Pass"}


def person(row: tuple) -> dict:
    return {"id": int(row[0]), "lastName": row[1], "firstName": row[2], "middleName": row[3] or None}


def dnevnik_payload() -> dict[str, object]:
    """The scenario in v2 fields: Mark, Work, WorkType, Lesson, LessonLogEntry, ReportingPeriod, final marks."""
    works, marks = [], []
    for m_id, pupil, lesson, value, w_id, at in sc.MARKS:
        work_id = 60000 + int(m_id)
        works.append(
            {
                "id": work_id,
                "type": "LessonTestWork",
                "workType": int(w_id),
                "markType": "Mark5",
                "lesson": int(lesson),
                "targetDate": sc.LESSON[lesson][1].isoformat(),
                "sentDate": at.isoformat(),
                "createdBy": int(sc.TEACHER_OF[sc.LESSON[lesson][3]]),
                "periodNumber": 1,
                "periodType": "Quarter",
            }
        )
        marks.append(
            {
                "id": int(m_id),
                "value": value,
                "textValue": value,
                "person": int(pupil),
                "work": work_id,
                "lesson": int(lesson),
                "date": at.isoformat(),
                "workType": int(w_id),
            }
        )
    finals = []
    for i, (pupil, s_id, kind, period, value, at) in enumerate(sc.PERIOD_MARKS):
        work_id = 80000 + i
        works.append(
            {
                "id": work_id,
                "type": "PeriodFinalMark",
                "workType": 29,
                "markType": "Mark5",
                "subjectId": int(s_id),
                "periodNumber": 1 if period else 0,
                "periodType": "Quarter" if kind == "period" else "Year",
                "createdBy": int(sc.TEACHER_OF[s_id]),
            }
        )
        finals.append(
            {
                "id": 90000 + i,
                "value": value,
                "textValue": value,
                "person": int(pupil),
                "work": work_id,
                "date": at.isoformat(),
            }
        )
    lessons = [
        {
            "id": int(l_id),
            "title": topic,
            "date": day.isoformat() + "T00:00:00",
            "number": number,
            "subject": {"id": int(s_id), "name": sc.SUBJECT_NAME[s_id]},
            "teachers": [int(sc.TEACHER_OF[s_id])],
        }
        for l_id, day, number, s_id, topic, _ in sc.LESSONS
    ]
    return {
        "school.json": {"id": 1000001, "name": "Школа № 2", "fullName": sc.SCHOOL_NAME, "region": sc.REGION},
        "edu-groups.json": [{"id": GROUP, "name": sc.CLASS_NAME, "parallel": 5, "type": "Group"}],
        "students.json": [{"eduGroup": GROUP, "persons": [person(p) for p in sc.PUPILS]}],
        "teachers.json": [person(t) for t in sc.TEACHERS],
        "work-types.json": [
            {"id": int(w), "title": name, "abbr": abbr, "weight": weight} for w, name, abbr, weight, _ in sc.WORK_TYPES
        ],
        "reporting-periods.json": [
            {"id": 40 + i, "start": s.isoformat(), "finish": e.isoformat(), "number": i, "type": "Quarter", "name": n}
            for i, (n, s, e) in enumerate(sc.QUARTERS, start=1)
        ],
        "lessons.json": [{"eduGroup": GROUP, "lessons": lessons}],
        "works.json": works,
        "marks.json": marks,
        "lesson-log-entries.json": [
            {"person": int(p), "lesson": int(lesson), "status": STATUS[code], "createdDate": at.isoformat()}
            for p, lesson, code, at in sc.ABSENCES
        ]
        + [{"person": 1002, "lesson": 7001, "status": "Attend", "createdDate": "2025-09-08T09:00:00"}],
        "final-marks.json": finals,
    }


def test_dnevnik_bundle_gives_the_canonical_figures(tmp_path, context, load):
    bundle = write_json(tmp_path / "dnevnik", dnevnik_payload())
    importer = DnevnikImporter()
    assert importer.detect(bundle)
    notes = importer.convert(bundle, tmp_path / "converted", context)
    assert [n.field for n in notes] == ["согласие_пдн"]
    result, db = load(tmp_path / "converted")
    assert result.status == "loaded", [i.message for i in result.issues]
    reference, reference_db = load(sc.canonical_export(tmp_path / "canonical"))
    assert reference.status == "loaded"
    expected = sc.expected_figures()
    assert sc.warehouse_figures(db) == sc.warehouse_figures(reference_db) == expected
    assert expected.absences == {
        ("Борисова Вера Олеговна", "б"): 1,
        ("Андреев Антон Ильич", "н"): 1,
        ("Васильев Глеб", "оп"): 1,
        ("Васильев Глеб", "у"): 1,
    }


def test_unknown_work_type_gets_the_default_weight_and_a_note(tmp_path, context, load):
    files = dnevnik_payload()
    files["marks.json"][0]["workType"] = 77  # «5» of Андреев on 08.09, not in work-types.json
    bundle = write_json(tmp_path / "dnevnik", files)
    notes = DnevnikImporter().convert(bundle, tmp_path / "out", context)
    assert {n.field for n in notes} == {"workType", "вид работы", "согласие_пдн"}
    _result, db = load(tmp_path / "out")
    figures = sc.warehouse_figures(db)
    # default weight 1 = the weight of «Ответ на уроке» it replaced: the average is unchanged.
    assert figures.weighted_average == sc.expected_figures().weighted_average


def test_unknown_status_is_kept_as_absence_with_a_note(tmp_path, context, load):
    files = dnevnik_payload()
    files["lesson-log-entries.json"][0]["status"] = "Quarantine"
    bundle = write_json(tmp_path / "dnevnik", files)
    notes = DnevnikImporter().convert(bundle, tmp_path / "out", context)
    assert [(n.field, n.value) for n in notes] == [("status", "Quarantine"), ("согласие_пдн", None)]
    _result, db = load(tmp_path / "out")
    assert sc.warehouse_figures(db).absences[("Борисова Вера Олеговна", "н")] == 1


HOSTILE = {
    "mark without person": ("marks.json", lambda f: f[3].pop("person"), "person", "нет обязательного поля"),
    "lesson number as text": (
        "lessons.json",
        lambda f: f[0]["lessons"][1].update(number="второй"),
        "number",
        "ожидается целое число",
    ),
    "mark of an unknown work": ("marks.json", lambda f: f[0].update(work=1), "work", "нет в works.json"),
    "period finish not a date": (
        "reporting-periods.json",
        lambda f: f[0].update(finish="скоро"),
        "finish",
        "ожидается дата",
    ),
    "marks not a list": ("marks.json", lambda f: None, None, "ожидается список"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_payloads_are_refused_with_their_place(tmp_path, context, case):
    name, change, field, problem = HOSTILE[case]
    files = copy.deepcopy(dnevnik_payload())
    if case == "marks not a list":
        files[name] = {"marks": files[name]}
    change(files[name])
    bundle = write_json(tmp_path / "dnevnik", files)
    with pytest.raises(ExportRefused) as refused:
        DnevnikImporter().convert(bundle, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.field) == (name, field)
    assert problem in refused.value.problem
    assert refused.value.location
    assert not (tmp_path / "out").exists()


def test_empty_file_is_refused(tmp_path, context):
    bundle = write_json(tmp_path / "dnevnik", dnevnik_payload())
    (bundle / "works.json").write_bytes(b"  \n")
    with pytest.raises(ExportRefused, match=r"works\.json: файл пуст"):
        DnevnikImporter().convert(bundle, tmp_path / "out", context)
