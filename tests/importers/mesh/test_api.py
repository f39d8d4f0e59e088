"""МЭШ: the scenario written as family-API answers loads with the same figures as the canonical export."""

from __future__ import annotations

import copy

import pytest

from pipelines.importers.mesh.api import MeshImporter
from pipelines.issues import ExportRefused
from tests.importers import api_scenario as sc
from tests.importers.api_scenario import write_json

WORK_TYPE = {w[0]: w for w in sc.WORK_TYPES}
REASON = {"н": "неуважительная", "у": "уважительная", "б": "болезнь", "оп": "опоздание"}
TEACHER = {t[0]: t for t in sc.TEACHERS}


def mesh_payload() -> dict[str, object]:
    """The scenario in МЭШ fields: marks {value, values[].grade.five, weight, control_form_name, date,
    created_at, updated_at, is_exam, is_point}, lessons with lesson_topic and lesson_homeworks, periods."""
    absences = {(p, lesson): code for p, lesson, code, _ in sc.ABSENCES}
    lessons, marks, finals = {}, {}, {}
    for p_id, *_ in sc.PUPILS:
        lessons[p_id] = []
        for l_id, day, number, s_id, topic, homework in sc.LESSONS:
            t = TEACHER[sc.TEACHER_OF[s_id]]
            item = {
                "id": int(l_id),
                "date": day.isoformat(),
                "lesson_number": number,
                "subject_id": int(s_id),
                "subject_name": sc.SUBJECT_NAME[s_id],
                "teacher": {"id": int(t[0]), "last_name": t[1], "first_name": t[2], "middle_name": t[3]},
                "lesson_topic": topic,
                "lesson_homeworks": [
                    {
                        "homework": homework,
                        "date_assigned_on": day.isoformat(),
                        "homework_created_at": f"{day}T15:00:00",
                    }
                ]
                if homework
                else [],
            }
            code = absences.get((p_id, l_id))
            if code:
                item.update(is_missed_lesson=code != "оп", absence_reason=REASON[code])
            lessons[p_id].append(item)
        marks[p_id] = [
            {
                "id": int(m_id),
                "value": value,
                "values": [{"grade": {"five": float(value), "hundred": int(value) * 20, "origin": value}}],
                "weight": WORK_TYPE[w_id][3],
                "control_form_name": WORK_TYPE[w_id][1],
                "date": sc.LESSON[l_id][1].isoformat(),
                "created_at": at.isoformat(),
                "updated_at": at.isoformat(),
                "is_exam": WORK_TYPE[w_id][4],
                "is_point": False,
                "subject_name": sc.SUBJECT_NAME[sc.LESSON[l_id][3]],
                "schedule_lesson_id": int(l_id),
            }
            for m_id, pupil, l_id, value, w_id, at in sc.MARKS
            if pupil == p_id
        ]
        subjects: dict[str, dict] = {}
        for pupil, s_id, kind, period, value, _ in sc.PERIOD_MARKS:
            if pupil != p_id:
                continue
            entry = subjects.setdefault(
                s_id, {"subject_id": int(s_id), "subject_name": sc.SUBJECT_NAME[s_id], "periods": []}
            )
            if kind == "year":
                entry["year_mark"] = value
            else:
                _, start, end = next(q for q in sc.QUARTERS if q[0] == period)
                entry["periods"].append(
                    {"title": period, "start": start.isoformat(), "end": end.isoformat(), "fixed_value": value}
                )
        finals[p_id] = list(subjects.values())
    school = {"id": 1770, "name": sc.SCHOOL_NAME, "short_name": "Школа № 2"}
    return {
        "profile.json": {
            "children": [
                {
                    "id": int(p),
                    "last_name": last,
                    "first_name": first,
                    "middle_name": middle,
                    "class_name": sc.CLASS_NAME,
                    "school": school,
                }
                for p, last, first, middle in sc.PUPILS
            ]
        },
        "periods.json": {
            "payload": [{"title": n, "start": s.isoformat(), "end": e.isoformat()} for n, s, e in sc.QUARTERS]
        },
        "lessons.json": [{"student_id": int(p), "payload": items} for p, items in lessons.items()],
        "marks.json": [{"student_id": int(p), "payload": items} for p, items in marks.items()],
        "subject_marks.json": [{"student_id": int(p), "payload": items} for p, items in finals.items()],
    }


def test_mesh_bundle_gives_the_canonical_figures(tmp_path, context, load):
    bundle = write_json(tmp_path / "mesh", mesh_payload())
    importer = MeshImporter()
    assert importer.detect(bundle)
    notes = importer.convert(bundle, tmp_path / "converted", context)
    assert [n.field for n in notes] == ["согласие_пдн"]
    result, db = load(tmp_path / "converted")
    assert result.status == "loaded", [i.message for i in result.issues]
    reference, reference_db = load(sc.canonical_export(tmp_path / "canonical"))
    assert reference.status == "loaded"
    assert sc.warehouse_figures(db) == sc.warehouse_figures(reference_db) == sc.expected_figures()


def test_hundred_point_mark_uses_the_five_point_value_and_entry_time(tmp_path, context, load):
    files = mesh_payload()
    mark = files["marks.json"][0]["payload"][0]  # Андреев, «5» on 08.09, entered 08.09 14:01
    mark.update(value="93", values=[{"grade": {"five": 5.0, "hundred": 93, "origin": "93"}}])
    bundle = write_json(tmp_path / "mesh", files)
    MeshImporter().convert(bundle, tmp_path / "out", context)
    _result, db = load(tmp_path / "out")
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select mark_value, entered_at, entry_delay_days from fct_mark where mark_id = 'm-9001'"
        ).fetchone()
    assert row[0] == "5" and str(row[1]) == "2025-09-08 14:01:00" and row[2] == 0


HOSTILE = {
    "mark without weight": (
        "marks.json",
        lambda f: f[0]["payload"][0].pop("weight"),
        "weight",
        "нет обязательного поля",
    ),
    "grade five as text": (
        "marks.json",
        lambda f: f[1]["payload"][0]["values"][0]["grade"].update(five="пять"),
        "five",
        "ожидается число",
    ),
    "homework list as object": (
        "lessons.json",
        lambda f: f[0]["payload"][0].update(lesson_homeworks={"homework": "§1"}),
        "lesson_homeworks",
        "ожидается список",
    ),
    "child without class": (
        "profile.json",
        lambda f: f["children"][2].pop("class_name"),
        "class_name",
        "нет обязательного поля",
    ),
    "unknown pupil": ("marks.json", lambda f: f[0].update(student_id=1), "student_id", "нет в profile.json"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_payloads_are_refused_with_their_place(tmp_path, context, case):
    name, change, field, problem = HOSTILE[case]
    files = copy.deepcopy(mesh_payload())
    change(files[name])
    bundle = write_json(tmp_path / "mesh", files)
    with pytest.raises(ExportRefused) as refused:
        MeshImporter().convert(bundle, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.field) == (name, field)
    assert problem in refused.value.problem
    assert refused.value.location
    assert not (tmp_path / "out").exists()


def test_broken_json_is_refused(tmp_path, context):
    bundle = write_json(tmp_path / "mesh", mesh_payload())
    (bundle / "lessons.json").write_text('[{"student_id": 1001, "payload": [}]', encoding="utf-8")
    with pytest.raises(ExportRefused, match=r"lessons\.json, строка 1, позиция \d+: повреждённый JSON"):
        MeshImporter().convert(bundle, tmp_path / "out", context)
