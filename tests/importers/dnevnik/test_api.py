"""Дневник.ру v2: the scenario written as v2 answers loads with the same figures as the canonical export."""

from __future__ import annotations

import copy

import pytest

from pipelines.importers.dnevnik.api import DnevnikImporter
from pipelines.issues import ExportRefused
from tests.importers import api_scenario as sc
from tests.importers.api_scenario import write_json

GROUP = 3001
Q1 = 41  # id of «1 четверть» in reporting-periods.json
STATUS = {"н": "Absent", "б": "Ill", "оп": "Late", "у": "Pass"}
LESSON_WORK, FINAL_WORK = 60000, 80000


def ids(value: int, name: str = "id") -> dict:
    """An id as the API gives it: the number and its text twin."""
    return {name: value, f"{name}_str": str(value)}


def person(row: tuple) -> dict:
    """Person of ``edu-groups/{id}/persons`` (camelCase)."""
    return {**ids(int(row[0])), "userId": None, "lastName": row[1], "firstName": row[2], "middleName": row[3] or None}


def school_teacher(row: tuple) -> dict:
    """Teacher of ``schools/{id}/teachers`` (PascalCase)."""
    t_id, last, first, middle = row
    return {"Id": int(t_id), "IdStr": t_id, "FirstName": first, "LastName": last, "MiddleName": middle, "Sex": None}


def lesson_work(work_id: int, lesson: str, w_id: str, at) -> dict:
    return {
        **ids(work_id),
        "type": "DefaultNewLessonWork",
        "workType": int(w_id),
        "markType": "Mark5",
        **ids(int(lesson), "lesson"),
        **ids(GROUP, "eduGroup"),
        "periodNumber": 1,
        "periodType": "Quarter",
        "subjectId": int(sc.LESSON[lesson][3]),
        "targetDate": sc.LESSON[lesson][1].isoformat() + "T00:00:00",
        "sentDate": at.isoformat(),
        "createdBy": int(sc.TEACHER_OF[sc.LESSON[lesson][3]]),
    }


def final_work(i: int, s_id: str, kind: str) -> dict:
    return {
        **ids(FINAL_WORK + i),
        "type": "PeriodMark",
        "workType": 29,
        "markType": "Mark5",
        "lesson": 0,
        "lesson_str": "0",
        "subjectId": int(s_id),
        "periodNumber": 1 if kind == "period" else 0,
        "periodType": "Quarter" if kind == "period" else "Year",
        "createdBy": int(sc.TEACHER_OF[s_id]),
    }


def mark(m_id: int, pupil: str, work: int, value: str, at, lesson: int = 0, w_id: int = 29) -> dict:
    return {
        **ids(m_id),
        "type": "Mark5",
        "value": value,
        "textValue": value,
        **ids(int(pupil), "person"),
        **ids(work, "work"),
        **ids(lesson, "lesson"),
        "number": 0,
        "date": at.isoformat(timespec="milliseconds"),
        "workType": w_id,
        "mood": "Good",
        "use_avg_calc": True,
    }


def final_marks() -> list[dict]:
    """``edu-groups/{id}/final-marks``: per pupil, the final mark of each subject (a year mark has
    no reporting period)."""
    answer: dict[tuple, dict] = {}
    for i, (pupil, s_id, kind, _period, value, at) in enumerate(sc.PERIOD_MARKS):
        period = Q1 if kind == "period" else None
        block = answer.setdefault(
            (pupil, period),
            {
                **ids(int(pupil), "person"),
                **ids(GROUP, "group"),
                "reportingPeriod": period,
                "reportingPeriod_str": None if period is None else str(period),
                "per-subject-final-marks": [],
            },
        )
        final = mark(90000 + i, pupil, FINAL_WORK + i, value, at)
        block["per-subject-final-marks"].append({**ids(int(s_id), "subject"), "final-mark": final})
    return list(answer.values())


def dnevnik_payload() -> dict[str, object]:
    """The scenario as the v2 API answers it (the shapes of the clients' models, docs/importers.md)."""
    works_of = {lesson: [] for lesson, *_ in sc.LESSONS}
    marks = []
    for m_id, pupil, lesson, value, w_id, at in sc.MARKS:
        works_of[lesson].append(lesson_work(LESSON_WORK + int(m_id), lesson, w_id, at))
        marks.append(mark(int(m_id), pupil, LESSON_WORK + int(m_id), value, at, int(lesson), int(w_id)))
    lessons = [
        {
            **ids(int(l_id)),
            "title": topic,
            "date": day.isoformat() + "T00:00:00",
            "number": number,
            "subject": {**ids(int(s_id)), "name": sc.SUBJECT_NAME[s_id], "knowledgeArea": None},
            "group": GROUP,
            "status": None,
            "works": works_of[l_id],
            "teachers": [int(sc.TEACHER_OF[s_id])],
            "teachers_str": [sc.TEACHER_OF[s_id]],
        }
        for l_id, day, number, s_id, topic, _ in sc.LESSONS
    ]
    class_group = {
        **ids(GROUP),
        "parentIds": None,
        "parentIds_str": None,
        "type": "Group",
        "name": sc.CLASS_NAME,
        "parallel": 5,
        "status": "Active",
        "studyyear": 2025,
    }
    return {
        "school.json": {**ids(1000001), "name": "Школа № 2", "fullName": sc.SCHOOL_NAME, "regionId": int(sc.REGION)},
        "edu-groups.json": [class_group],
        "students.json": [
            {"group": class_group, "students": [{"person": person(p), "membershipstatus": "Active"} for p in sc.PUPILS]}
        ],
        "teachers.json": [school_teacher(t) for t in sc.TEACHERS],
        "work-types.json": [
            {"id": int(w), "schoolId": 1000001, "kind": "CommonWork", "title": name, "abbr": abbr, "weight": weight}
            for w, name, abbr, weight, _ in sc.WORK_TYPES
        ],
        "reporting-periods.json": [
            {
                **ids(40 + i),
                "start": s.isoformat() + "T00:00:00",
                "finish": e.isoformat() + "T00:00:00",
                "number": i,
                "type": "Quarter",
                "name": n,
                "year": 2025,
            }
            for i, (n, s, e) in enumerate(sc.QUARTERS, start=1)
        ],
        "lessons.json": lessons,
        "works.json": [final_work(i, s_id, kind) for i, (_, s_id, kind, *_) in enumerate(sc.PERIOD_MARKS)],
        "marks.json": marks,
        "lesson-log-entries.json": [
            {
                **ids(int(p), "person"),
                **ids(int(lesson), "lesson"),
                "comment": None,
                "status": STATUS[code],
                "createdDate": at.isoformat(),
            }
            for p, lesson, code, at in sc.ABSENCES
        ]
        + [{"person": 1002, "lesson": 7001, "status": "Attend", "createdDate": "2025-09-08T09:00:00"}],
        "final-marks.json": final_marks(),
    }


def legacy_wrappers(files: dict) -> None:
    """The wrappers written before real answers were seen: [{eduGroup, persons}], [{eduGroup,
    lessons}] with the works in works.json, and final marks as a bare list of marks."""
    files["students.json"] = [{"eduGroup": GROUP, "persons": [person(p) for p in sc.PUPILS]}]
    works = [work for lesson in files["lessons.json"] for work in lesson.pop("works")]
    for lesson in files["lessons.json"]:
        lesson.pop("group")
    files["lessons.json"] = [{"eduGroup": GROUP, "lessons": files["lessons.json"]}]
    files["works.json"] = works + files["works.json"]
    files["final-marks.json"] = [
        entry["final-mark"] for block in files["final-marks.json"] for entry in block["per-subject-final-marks"]
    ]


def all_final_marks(files: dict) -> None:
    """final-marks.json as ``allfinalmarks`` answers it: {marks, works, subjects, workTypes}."""
    marks = [entry["final-mark"] for block in files["final-marks.json"] for entry in block["per-subject-final-marks"]]
    subjects = [{**ids(int(s_id)), "name": name} for s_id, name, _ in sc.SUBJECTS]
    work_types = [{"id": 29, "schoolId": 1000001, "abbreviation": "И", "name": "Итоговая", "isFinal": True}]
    files["final-marks.json"] = {
        "marks": marks,
        "works": files.pop("works.json"),
        "subjects": subjects,
        "workTypes": work_types,
    }


def camel_case_and_bare_lists(files: dict) -> None:
    """Teachers of ``edu-groups/{id}/teachers`` (camelCase), pupils as the bare answer of
    ``edu-groups/{id}/persons``, periods as ``reporting-periods-group``."""
    files["teachers.json"] = [person(t) for t in sc.TEACHERS]
    files["students.json"] = [person(p) for p in sc.PUPILS]
    files["reporting-periods.json"] = {"id": 7, "reportingPeriods": files["reporting-periods.json"], "holidays": []}


def period_marks_among_marks(files: dict) -> None:
    """The final marks come with the current ones (their works are of type PeriodMark)."""
    finals = [
        entry["final-mark"] for block in files.pop("final-marks.json") for entry in block["per-subject-final-marks"]
    ]
    files["marks.json"] += finals


def empty_answers(files: dict) -> None:
    """A subgroup with nobody in it yet (``students: null``), a pupil with no final mark yet."""
    subgroup = {**ids(3002), "parentIds": [GROUP], "parentIds_str": [str(GROUP)], "type": "Subgroup", "name": "5А-1"}
    files["edu-groups.json"].append(subgroup)
    files["students.json"].append({"group": subgroup, "students": None})
    files["final-marks.json"].append(
        {**ids(1003, "person"), **ids(GROUP, "group"), "reportingPeriod": Q1, "per-subject-final-marks": None}
    )


def final_works_not_saved(files: dict) -> None:
    """No works.json: a final mark's period comes from its reporting period (none: the year) and
    its author is the subject's teacher."""
    del files["works.json"]


SHAPES = {
    "as the API answers": lambda files: None,
    "legacy wrappers": legacy_wrappers,
    "allfinalmarks": all_final_marks,
    "camelCase teachers, bare lists": camel_case_and_bare_lists,
    "period marks among marks": period_marks_among_marks,
    "empty answers": empty_answers,
    "final works not saved": final_works_not_saved,
}
SHAPE_NOTES = {"empty answers": ["eduGroup"], "final works not saved": ["work", "work"]}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_gives_the_canonical_figures(tmp_path, context, load, shape):
    files = dnevnik_payload()
    SHAPES[shape](files)
    bundle = write_json(tmp_path / "dnevnik", files)
    importer = DnevnikImporter()
    assert importer.detect(bundle)
    notes = importer.convert(bundle, tmp_path / "converted", context)
    assert [n.field for n in notes] == [*SHAPE_NOTES.get(shape, []), "согласие_пдн"], notes
    result, db = load(tmp_path / "converted")
    assert result.status == "loaded", [i.message for i in result.issues]
    assert sc.warehouse_figures(db) == sc.expected_figures()


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
    "mark without person": (
        "marks.json",
        lambda f: [f[3].pop(name) for name in ("person", "person_str")],
        "person",
        "нет обязательного поля",
    ),
    "lesson number as text": (
        "lessons.json",
        lambda f: f[1].update(number="второй"),
        "number",
        "ожидается целое число",
    ),
    "mark of an unknown work": (
        "marks.json",
        lambda f: f[0].update(work=1, work_str="1"),
        "work",
        "нет ни в works.json",
    ),
    "period finish not a date": (
        "reporting-periods.json",
        lambda f: f[0].update(finish="скоро"),
        "finish",
        "ожидается дата",
    ),
    "marks not a list": ("marks.json", lambda f: None, None, "ожидается список"),
    "subgroup without its class": (
        "edu-groups.json",
        lambda f: f.append({**ids(3002), "parentIds": None, "type": "Subgroup", "name": "5А-1", "parallel": 5}),
        "parentIds",
        "у подгруппы не указан класс",
    ),
    "unknown group type": ("edu-groups.json", lambda f: f[0].update(type="Кружок"), "type", "неизвестный вид группы"),
    "lesson of an unknown group": (
        "lessons.json",
        lambda f: f[2].update(group=999),
        "group",
        "класса или подгруппы 999 нет в edu-groups.json",
    ),
    "final mark of an unknown period": (
        "final-marks.json",
        lambda f: f[0].update(reportingPeriod_str="999"),
        "reportingPeriod",
        "периода 999 нет в reporting-periods.json",
    ),
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


def test_bare_pupils_of_several_classes_are_refused(tmp_path, context):
    files = dnevnik_payload()
    files["edu-groups.json"].append({**ids(3002), "type": "Group", "name": "5Б", "parallel": 5})
    files["students.json"] = [person(p) for p in sc.PUPILS]
    bundle = write_json(tmp_path / "dnevnik", files)
    with pytest.raises(ExportRefused, match=r"ученики без класса, а классов в edu-groups\.json 2") as refused:
        DnevnikImporter().convert(bundle, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.location) == ("students.json", "[0]")


def test_empty_file_is_refused(tmp_path, context):
    bundle = write_json(tmp_path / "dnevnik", dnevnik_payload())
    (bundle / "works.json").write_bytes(b"  \n")
    with pytest.raises(ExportRefused, match=r"works\.json: файл пуст"):
        DnevnikImporter().convert(bundle, tmp_path / "out", context)
