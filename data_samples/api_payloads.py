"""A canonical export written as the JSON answers of Дневник.ру, ЭлЖур and МЭШ.

The files follow docs/importers.md field by field, so that the importers in
pipelines/importers/ can be run on a whole class-year (tests/importers/test_api_sample_roundtrip.py)
and timed (bench/api_importers.py). What a system cannot express is written the nearest way the
system has: subgroup lessons appear only in their members' diaries, a replaced lesson names the
teacher who taught it, the log of mark changes is not written.

    .venv/bin/python -m data_samples.api_payloads data_samples/small var/payloads
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
import sys
from pathlib import Path

Export = dict[str, list[dict[str, str]]]
STATUS = {"н": "Absent", "б": "Ill", "оп": "Late", "у": "Pass"}
REASON = {"н": "неуважительная", "у": "уважительная", "б": "болезнь", "оп": "опоздание"}
DNEVNIK_PERIOD = {"quarter": "Quarter", "trimester": "Trimester", "half_year": "HalfYear", "semester": "Semester"}
FINAL_NAME = {"year": "Год", "exam": "Экзамен", "final": "Итоговая"}


def read_export(folder: Path) -> Export:
    """Every canonical CSV of a folder (UTF-8, «;»), as rows of text."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            out[path.stem] = list(csv.DictReader(handle, delimiter=";"))
    return out


def write_bundle(files: dict[str, object], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (folder / name).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return folder


def _date(text: str) -> dt.date:
    text = text.strip()
    return dt.date.fromisoformat(text) if "-" in text[:5] else dt.datetime.strptime(text, "%d.%m.%Y").date()


def _moment(text: str) -> str:
    """ISO date-time of a canonical date-time («01.09.2025 09:10» or ISO)."""
    text = text.strip()
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).isoformat()
        except ValueError:
            continue
    return dt.datetime.fromisoformat(text).isoformat()


class _Facts:
    """Lookups over a canonical export shared by the three writers."""

    def __init__(self, export: Export):
        self.export = export
        self.subject = {r["subject_id"]: r["subject_name"] for r in export["subjects"]}
        self.teacher = {r["teacher_id"]: r for r in export["teachers"]}
        self.pupil = {r["pupil_id"]: r for r in export["pupils"]}
        self.klass = {r["class_id"]: r for r in export["classes"]}
        self.work_type = {r["work_type_id"]: r for r in export["work_types"]}
        self.lesson = {r["lesson_id"]: r for r in export["lessons"]}
        self.period = {r["period_id"]: r for r in export["periods"]}
        self.class_of = {r["pupil_id"]: r["class_id"] for r in export["enrolments"]}
        members = collections.defaultdict(set)
        for row in export.get("group_members", []):
            members[row["group_id"]].add(row["pupil_id"])
        self.members = members

    def taught_by(self, lesson: dict) -> str:
        return lesson["replacing_teacher_id"] or lesson["teacher_id"]

    def lessons_of(self, pupil_id: str) -> list[dict]:
        """The pupil's lessons: the class's whole-class lessons and those of the pupil's subgroups."""
        class_id = self.class_of[pupil_id]
        return [
            lesson
            for lesson in self.export["lessons"]
            if lesson["class_id"] == class_id
            and (not lesson["group_id"] or pupil_id in self.members[lesson["group_id"]])
        ]

    def weight(self, mark: dict) -> float:
        return float((mark["weight"] or self.work_type[mark["work_type_id"]]["weight"]).replace(",", "."))

    def full_name(self, person: dict) -> str:
        return " ".join(p for p in (person["last_name"], person["first_name"], person.get("middle_name", "")) if p)

    def absences(self) -> list[dict]:
        return [r for r in self.export.get("attendance", []) if r["absence_code"]]


def eljur_bundle(export: Export) -> dict[str, object]:
    """getrules, getperiods, getdiary, getmarks and getfinalassessments (apiv3 answers) and school.json."""
    facts = _Facts(export)
    school = export["school"][0]

    def envelope(result: dict) -> dict:
        return {"response": {"state": 200, "error": None, "result": result}}

    periods = [
        {
            "name": p["period_name"],
            "start": _date(p["start_date"]).strftime("%Y%m%d"),
            "end": _date(p["end_date"]).strftime("%Y%m%d"),
        }
        for p in export["periods"]
    ]
    students = {p: {"name": p, "title": facts.full_name(row)} for p, row in facts.pupil.items()}
    relations = {
        p: {"rel": "child", **s, "class": facts.klass[facts.class_of[p]]["class_name"]} for p, s in students.items()
    }
    group_name = {r["group_id"]: r["group_name"] for r in export.get("groups", [])}
    diary, marks, finals = {}, {}, {}
    for pupil_id, student in students.items():
        days: dict[str, dict] = {}
        for lesson in facts.lessons_of(pupil_id):
            key = _date(lesson["lesson_date"]).strftime("%Y%m%d")
            items = days.setdefault(key, {"name": key, "items": {}})["items"]
            number = lesson["lesson_number"]
            items[number if number not in items else f"{number}.{len(items)}"] = {
                "name": facts.subject[lesson["subject_id"]],
                "num": number,
                "lesson_id": lesson["subject_id"],
                "teacher": facts.full_name(facts.teacher[facts.taught_by(lesson)]),
                "topic": lesson["topic"],
                "homework": {"1": {"id": 1, "value": lesson["homework"], "individual": False}}
                if lesson["homework"]
                else [],
                **({"grp": group_name[lesson["group_id"]]} if lesson["group_id"] else {}),
            }
        diary[pupil_id] = {**student, "days": days}
        marks[pupil_id] = {**student, "lessons": collections.defaultdict(list)}
        finals[pupil_id] = {**student, "items": collections.defaultdict(list)}
    for mark in export["marks"]:
        lesson = facts.lesson[mark["lesson_id"]]
        work_type = facts.work_type[mark["work_type_id"]]
        marks[mark["pupil_id"]]["lessons"][facts.subject[lesson["subject_id"]]].append(
            {
                "value": mark["mark_value"],
                "weight": facts.weight(mark),
                "date": _date(lesson["lesson_date"]).isoformat(),
                "lesson_id": lesson["subject_id"],
                "nm": lesson["lesson_number"],
                "mtype": {"short": work_type["work_type_id"], "type": work_type["work_type_name"]},
            }
        )
    for row in facts.absences():
        lesson = facts.lesson[row["lesson_id"]]
        marks[row["pupil_id"]]["lessons"][facts.subject[lesson["subject_id"]]].append(
            {
                "value": row["absence_code"],
                "date": _date(lesson["lesson_date"]).isoformat(),
                "lesson_id": lesson["subject_id"],
                "nm": lesson["lesson_number"],
            }
        )
    for row in export.get("period_marks", []):
        period = (
            facts.period[row["period_id"]]["period_name"] if row["period_id"] else FINAL_NAME[row["mark_kind_code"]]
        )
        value = row["mark_value"] + (f"({row['na_reason_code']})" if row["na_reason_code"] else "")
        finals[row["pupil_id"]]["items"][facts.subject[row["subject_id"]]].append({"value": value, "period": period})
    for student in marks.values():
        student["lessons"] = [{"name": n, "marks": m} for n, m in student["lessons"].items()]
    for student in finals.values():
        student["items"] = [{"name": n, "assessments": a} for n, a in student["items"].items()]
    return {
        "school.json": {
            "id": school["school_id"],
            "name": school["school_name"],
            "short_name": school["short_name"],
            "region": school["region_id"],
        },
        "getrules.json": envelope({"roles": ["parent"], "relations": {"students": relations}}),
        "getperiods.json": envelope(
            {"students": [{"name": p, "title": s["title"], "periods": periods} for p, s in students.items()]}
        ),
        "getdiary.json": envelope({"students": diary}),
        "getmarks.json": envelope({"students": marks}),
        "getfinalassessments.json": envelope({"students": finals}),
    }


def _twin(value: str, name: str = "id") -> dict[str, str]:
    """A v2 id: the API gives each as a number and as its text twin (``id_str``); ids here are text."""
    return {name: value, f"{name}_str": value}


def dnevnik_bundle(export: Export) -> dict[str, object]:
    """The v2 answers in the shapes of the clients' models (tests/importers/dnevnik/fixtures/README.md):
    a Work per mark, carried by its lesson; a work type per (work type, weight) since v2 weighs
    types only; final marks per pupil and subject with their PeriodMark works in works.json."""
    facts = _Facts(export)
    school = export["school"][0]

    def person(row: dict, id_column: str) -> dict:
        out = {
            **_twin(row[id_column]),
            "lastName": row["last_name"],
            "firstName": row["first_name"],
            "middleName": row["middle_name"] or None,
        }
        if row.get("gender_code"):
            out["sex"] = {"м": "Male", "ж": "Female"}[row["gender_code"]]
        if row.get("birth_date"):
            out["birthday"] = _date(row["birth_date"]).isoformat() + "T00:00:00"
        return out

    def teacher(row: dict) -> dict:
        """schools/{id}/teachers names its fields in PascalCase."""
        return {
            "Id": row["teacher_id"],
            "IdStr": row["teacher_id"],
            "FirstName": row["first_name"],
            "LastName": row["last_name"],
            "MiddleName": row["middle_name"] or None,
        }

    work_types: dict[tuple[str, float], dict] = {}
    works_of, marks = collections.defaultdict(list), []
    for mark in export["marks"]:
        key = (mark["work_type_id"], facts.weight(mark))
        type_id = mark["work_type_id"] if key[1] == float(facts.work_type[key[0]]["weight"]) else f"{key[0]}-{key[1]:g}"
        work_types.setdefault(
            key, {"id": type_id, "title": facts.work_type[key[0]]["work_type_name"], "weight": key[1]}
        )
        lesson = facts.lesson[mark["lesson_id"]]
        work_id = f"W{mark['mark_id']}"
        works_of[mark["lesson_id"]].append(
            {
                **_twin(work_id),
                "type": "DefaultNewLessonWork",
                "workType": type_id,
                "markType": "Mark5",
                **_twin(mark["lesson_id"], "lesson"),
                "targetDate": _date(lesson["lesson_date"]).isoformat() + "T00:00:00",
                "createdBy": mark["entered_by"],
            }
        )
        marks.append(
            {
                **_twin(mark["mark_id"]),
                "type": "Mark5",
                "value": mark["mark_value"],
                "textValue": mark["mark_value"],
                **_twin(mark["pupil_id"], "person"),
                **_twin(work_id, "work"),
                **_twin(mark["lesson_id"], "lesson"),
                "date": _moment(mark["entered_at"]),
                "workType": type_id,
            }
        )
    final_works, final_marks = [], {}
    for i, row in enumerate(export.get("period_marks", [])):
        work_id = f"F{i}"
        period = facts.period.get(row["period_id"])
        final_works.append(
            {
                **_twin(work_id),
                "type": "PeriodMark",
                "workType": "final",
                "subjectId": row["subject_id"],
                "periodType": DNEVNIK_PERIOD[period["period_kind_code"]]
                if period
                else row["mark_kind_code"].capitalize(),
                "periodNumber": int(period["period_number"]) if period else 0,
                "createdBy": row["entered_by"],
            }
        )
        text = row["mark_value"] + (f"({row['na_reason_code']})" if row["na_reason_code"] else "")
        block = final_marks.setdefault(
            (row["pupil_id"], row["period_id"]),
            {
                **_twin(row["pupil_id"], "person"),
                **_twin(facts.class_of[row["pupil_id"]], "group"),
                **_twin(row["period_id"] or None, "reportingPeriod"),
                "per-subject-final-marks": [],
            },
        )
        final = {
            **_twin(f"FM{i}"),
            "value": text,
            "textValue": text,
            **_twin(row["pupil_id"], "person"),
            **_twin(work_id, "work"),
            "date": _moment(row["entered_at"]),
        }
        block["per-subject-final-marks"].append({**_twin(row["subject_id"], "subject"), "final-mark": final})
    lessons = [
        {
            **_twin(lesson["lesson_id"]),
            "title": lesson["topic"] or None,
            "date": _date(lesson["lesson_date"]).isoformat() + "T00:00:00",
            "number": int(lesson["lesson_number"]),
            "subject": {**_twin(lesson["subject_id"]), "name": facts.subject[lesson["subject_id"]]},
            "group": lesson["group_id"] or lesson["class_id"],
            "works": works_of[lesson["lesson_id"]],
            "teachers": [facts.taught_by(lesson)],
        }
        for lesson in export["lessons"]
    ]
    groups = {
        c["class_id"]: {**_twin(c["class_id"]), "type": "Group", "name": c["class_name"], "parallel": int(c["grade"])}
        for c in export["classes"]
    }
    groups |= {
        g["group_id"]: {
            **_twin(g["group_id"]),
            "parentIds": [g["class_id"]],
            "parentIds_str": [g["class_id"]],
            "type": "Subgroup",
            "name": g["group_name"],
        }
        for g in export.get("groups", [])
    }
    students = collections.defaultdict(list)
    for pupil_id, class_id in facts.class_of.items():
        students[class_id].append(person(facts.pupil[pupil_id], "pupil_id"))
    for group_id, members in facts.members.items():
        students[group_id] += [person(facts.pupil[p], "pupil_id") for p in sorted(members)]
    return {
        "school.json": {
            **_twin(school["school_id"]),
            "name": school["short_name"],
            "fullName": school["school_name"],
            "regionId": school["region_id"],
        },
        "edu-groups.json": list(groups.values()),
        "students.json": [
            {"group": groups[g], "students": [{"person": p, "membershipstatus": "Active"} for p in persons]}
            for g, persons in students.items()
        ],
        "teachers.json": [teacher(t) for t in export["teachers"]],
        "work-types.json": list(work_types.values()),
        "reporting-periods.json": [
            {
                **_twin(p["period_id"]),
                "start": _date(p["start_date"]).isoformat() + "T00:00:00",
                "finish": _date(p["end_date"]).isoformat() + "T00:00:00",
                "number": int(p["period_number"]),
                "type": DNEVNIK_PERIOD[p["period_kind_code"]],
                "name": p["period_name"],
            }
            for p in export["periods"]
        ],
        "lessons.json": lessons,
        "works.json": final_works,
        "marks.json": marks,
        "lesson-log-entries.json": [
            {
                **_twin(r["pupil_id"], "person"),
                **_twin(r["lesson_id"], "lesson"),
                "status": STATUS[r["absence_code"]],
                "createdDate": _moment(r["entered_at"]) if r["entered_at"] else None,
            }
            for r in facts.absences()
        ],
        "final-marks.json": list(final_marks.values()),
    }


def mesh_bundle(export: Export) -> dict[str, object]:
    """Family-API answers per pupil; exam and final marks have no place there and are not written."""
    facts = _Facts(export)
    school = export["school"][0]
    absences = {(r["pupil_id"], r["lesson_id"]): r["absence_code"] for r in facts.absences()}
    lessons, marks, subject_marks = {}, collections.defaultdict(list), {}
    for pupil_id in facts.pupil:
        items = []
        for lesson in facts.lessons_of(pupil_id):
            teacher = facts.teacher[facts.taught_by(lesson)]
            item = {
                "id": lesson["lesson_id"],
                "date": _date(lesson["lesson_date"]).isoformat(),
                "lesson_number": int(lesson["lesson_number"]),
                "subject_name": facts.subject[lesson["subject_id"]],
                "teacher": {k: teacher[k] for k in ("last_name", "first_name", "middle_name")}
                | {"id": teacher["teacher_id"]},
                "lesson_topic": lesson["topic"] or None,
                "lesson_homeworks": [
                    {"homework": lesson["homework"], "homework_created_at": _moment(lesson["homework_entered_at"])}
                ]
                if lesson["homework"] and lesson["homework_entered_at"]
                else [],
            }
            code = absences.get((pupil_id, lesson["lesson_id"]))
            if code:
                item.update(is_missed_lesson=code != "оп", absence_reason=REASON[code])
            items.append(item)
        lessons[pupil_id] = items
        subject_marks[pupil_id] = {}
    for mark in export["marks"]:
        lesson = facts.lesson[mark["lesson_id"]]
        work_type = facts.work_type[mark["work_type_id"]]
        parts = mark["mark_value"].split("/") if mark["mark_value"][0].isdigit() else []
        marks[mark["pupil_id"]].append(
            {
                "id": mark["mark_id"],
                "value": mark["mark_value"],
                "values": [{"grade": {"five": float(p)}} for p in parts],
                "weight": facts.weight(mark),
                "control_form_name": work_type["work_type_name"],
                "date": _date(lesson["lesson_date"]).isoformat(),
                "created_at": _moment(mark["entered_at"]),
                "is_exam": work_type["is_control"] == "да",
                "schedule_lesson_id": mark["lesson_id"],
            }
        )
    for row in export.get("period_marks", []):
        entry = subject_marks[row["pupil_id"]].setdefault(
            row["subject_id"], {"subject_name": facts.subject[row["subject_id"]], "periods": []}
        )
        value = row["mark_value"] + (f"({row['na_reason_code']})" if row["na_reason_code"] else "")
        if row["mark_kind_code"] == "year":
            entry["year_mark"] = value
        elif row["mark_kind_code"] == "period":
            period = facts.period[row["period_id"]]
            entry["periods"].append(
                {
                    "title": period["period_name"],
                    "start": _date(period["start_date"]).isoformat(),
                    "end": _date(period["end_date"]).isoformat(),
                    "fixed_value": value,
                }
            )
    school_row = {"id": school["school_id"], "name": school["school_name"], "short_name": school["short_name"]}
    children = []
    for pupil_id, row in facts.pupil.items():
        child = {
            "id": pupil_id,
            "last_name": row["last_name"],
            "first_name": row["first_name"],
            "middle_name": row["middle_name"] or None,
            "class_name": facts.klass[facts.class_of[pupil_id]]["class_name"],
            "school": school_row,
        }
        if row.get("birth_date"):
            child["birth_date"] = _date(row["birth_date"]).isoformat()
        children.append(child)
    return {
        "profile.json": {"children": children},
        "periods.json": {
            "payload": [
                {
                    "title": p["period_name"],
                    "start": _date(p["start_date"]).isoformat(),
                    "end": _date(p["end_date"]).isoformat(),
                }
                for p in export["periods"]
            ]
        },
        "lessons.json": [{"student_id": p, "payload": items} for p, items in lessons.items()],
        "marks.json": [{"student_id": p, "payload": items} for p, items in marks.items()],
        "subject_marks.json": [{"student_id": p, "payload": list(s.values())} for p, s in subject_marks.items()],
    }


BUNDLES = {"dnevnik": dnevnik_bundle, "eljur": eljur_bundle, "mesh": mesh_bundle}


def main(argv: list[str]) -> None:
    source, target = Path(argv[0]), Path(argv[1])
    export = read_export(source)
    for name, build in BUNDLES.items():
        write_bundle(build(export), target / name)
        print(f"{target / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
