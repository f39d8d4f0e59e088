"""«Сетевой город» responses recorded from a real server (fixtures/real, see fixtures/README.md):
every lesson, mark and absence the raw files hold is loaded — counted here from the files by
simple code of its own and compared with the warehouse — and a few values are checked by hand.
Real diaries carry ``weight: 0`` (not given) and no assignment types; new servers weigh 10/20/40;
the mobile API sends top-level arrays that do not name the pupil. Shapes the importer does not
understand are refused naming the file, the JSON path, what was expected and what was found."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.importers.figures import load_source, table_counts

REAL = Path(__file__).parent / "fixtures" / "real"
WEB_2021 = REAL / "web_2021_10b"  # three weeks of January 2022, class 10Б
WEB_2022 = REAL / "web_2022_11b"  # the week of 10 April 2023, class 11Б
WEB_2019 = REAL / "web_2019_5g"  # a week of October 2019 from an older server (no relay, existsTestPlan)
MOBILE_2022 = REAL / "mobile_2022_11b"  # the mobile API for Monday 10 April 2023 (built from client models)
TOTALS_2022 = REAL / "mobile_totals_2022_11b"  # the mobile API's totals and subjects (built from client models)
PUPIL = "Соколов Артём"
ATTENDANCE_CODES = {"Н", "НП", "УП", "Б", "ОП"}


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def raw_web(folder: Path) -> dict[str, set]:
    """Lessons, marks and absences of the diary weeks, read straight from the files."""
    lessons, marks, absences = set(), set(), set()
    for path in folder.glob("diary_*.json"):
        for day in _json(path)["weekDays"]:
            for lesson in day["lessons"]:
                lessons.add(lesson["classmeetingId"])
                for assignment in lesson.get("assignments") or []:
                    mark = assignment.get("mark") or {}
                    if mark.get("mark") is None:
                        continue
                    code = str(mark["mark"]).upper()
                    target = absences if code in ATTENDANCE_CODES else marks
                    target.add((assignment["id"], mark["studentId"]))
    return {"lessons": lessons, "marks": marks, "absences": absences}


def raw_mobile(folder: Path) -> dict[str, set]:
    """The same from the mobile API's arrays."""
    meetings = _json(folder / "classmeetings.json")
    assignments = _json(folder / "assignments.json")
    return {
        "lessons": {m["classmeetingId"] for m in meetings},
        "marks": {a["assignmentId"] for a in assignments if a["result"] is not None},
        "absences": {m["classmeetingId"] for m in meetings if m["attendance"]},
    }


def loaded(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "lessons": con.execute("select count(*) from fct_lesson").fetchone()[0],
            "marks": con.execute("select count(*) from fct_mark").fetchone()[0],
            "absences": con.execute("select count(*) from fct_attendance where absence_code is not null").fetchone()[0],
        }


def marks_of(db: Path) -> list[tuple]:
    """(pupil, date, subject, mark, weight, entered) of every loaded mark."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """select p.full_name, strftime(m.lesson_date, '%d.%m.%Y'), s.subject_name, m.mark_value, m.weight,
                      strftime(m.entered_at, '%d.%m.%Y %H:%M')
               from fct_mark m
               join dim_pupil p on p.school_id = m.school_id and p.pupil_id = m.pupil_id
               join dim_subject s on s.school_id = m.school_id and s.subject_id = m.subject_id
               order by 2, 3, 4"""
        ).fetchall()


def _load(folder: Path, db: Path):
    (result,) = load_source(folder, db).results
    assert result.status == "loaded", [i.message for i in result.issues]
    return result


def _copy(tmp_path: Path, *folders: Path, name: str = "sgo") -> Path:
    target = tmp_path / name
    target.mkdir()
    for folder in folders:
        for path in folder.iterdir():
            shutil.copy(path, target / path.name)
    return target


def _counts(raw: dict[str, set]) -> dict[str, int]:
    return {kind: len(items) for kind, items in raw.items()}


# --- every lesson, mark and absence of the recorded files ------------------------------------


@pytest.mark.parametrize("folder", [WEB_2021, WEB_2022], ids=["2021-2022", "2022-2023"])
def test_recorded_diary_weeks_load_every_lesson_and_mark(tmp_path, folder):
    raw = raw_web(folder)
    assert raw["marks"], "the recorded weeks hold marks"
    result = _load(folder, tmp_path / "w.duckdb")
    assert loaded(tmp_path / "w.duckdb") == _counts(raw)
    # Without grade/assignment/types the types keep their ids, and the weights (0 on the server) the norms'.
    messages = " | ".join(w.message for w in result.warnings)
    assert "нет ответа grade/assignment/types" in messages
    assert {w for *_, w, _ in marks_of(tmp_path / "w.duckdb")} == {1.0}


def test_hand_read_marks_of_the_2023_week(tmp_path):
    _load(WEB_2022, tmp_path / "w.duckdb")
    marks = marks_of(tmp_path / "w.duckdb")
    # Read off diary_2023-04-10.json: weekDays[0].lessons[5] (Родной язык, typeId 18, mark 4) and
    # weekDays[4].lessons[5] (Обществознание базовый, typeId 20, mark 3).
    assert (PUPIL, "10.04.2023", "Родной язык (русский)", "4", 1.0, "10.04.2023 00:00") in marks
    assert (PUPIL, "14.04.2023", "Обществознание базовый", "3", 1.0, "14.04.2023 00:00") in marks
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        classes = con.execute("select class_name, academic_year_id from dim_class").fetchall()
        thursday = con.execute(
            "select lesson_number, count(*) from fct_lesson where lesson_date = '2023-04-13' group by 1 order by 1"
        ).fetchall()
    assert classes == [("11Б", "2022/2023")]  # the class the diary week names
    assert (3, 2) in thursday  # two lessons numbered 3 that Thursday (Информатика, Физическая культура)


def test_hand_read_marks_of_january_2022(tmp_path):
    _load(WEB_2021, tmp_path / "w.duckdb")
    marks = marks_of(tmp_path / "w.duckdb")
    # diary_2022-01-10.json: Физика профиль 5 (typeId 10) and Литература 4 (typeId 68) on 13 January.
    assert (PUPIL, "13.01.2022", "Физика профиль", "5", 1.0, "13.01.2022 00:00") in marks
    assert (PUPIL, "13.01.2022", "Литература", "4", 1.0, "13.01.2022 00:00") in marks


def test_mobile_api_arrays_load_every_lesson_mark_and_absence(tmp_path):
    raw = raw_mobile(MOBILE_2022)
    result = _load(MOBILE_2022, tmp_path / "m.duckdb")
    assert loaded(tmp_path / "m.duckdb") == _counts(raw) == {"lessons": 8, "marks": 4, "absences": 2}
    marks = marks_of(tmp_path / "m.duckdb")
    # assignments.json: Родной язык 4 weighs 20 on the server's scale → 2; entered 10.04.2023 15:16.
    assert (PUPIL, "10.04.2023", "Родной язык (русский)", "4", 2.0, "10.04.2023 15:16") in marks
    assert {w for *_, w, _ in marks} == {1.0, 2.0}
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        absences = con.execute(
            "select s.subject_name, a.absence_code from fct_attendance a join dim_subject s using (school_id, subject_id)"
            " where absence_code is not null order by 1"
        ).fetchall()
        physics = con.execute(
            "select l.lesson_number, t.full_name from fct_lesson l join dim_teacher t using (school_id, teacher_id)"
            " join dim_subject s using (school_id, subject_id) where s.subject_name = 'Физика профиль' order by 1"
        ).fetchall()
        place = con.execute("select s.school_name, c.class_name from dim_school s, dim_class c").fetchall()
    assert absences == [("Индивидуальный проект", "б"), ("Физика профиль", "оп")]
    assert physics == [
        (3, "Лебедев Игорь Николаевич"),
        (4, "Лебедев Игорь Николаевич"),
        (5, "Лебедев Игорь Николаевич"),
    ]
    assert place == [("МБОУ «Школа № 1»", "11Б")]  # from the education response
    assert "шкале сервера" in " | ".join(w.message for w in result.warnings)


def test_web_diary_and_mobile_api_together_do_not_double_marks(tmp_path):
    """The mobile API adds the entry time and the weight to the web diary's marks (its weights are 0)."""
    folder = _copy(tmp_path, WEB_2022, MOBILE_2022)
    _load(folder, tmp_path / "w.duckdb")
    web, mobile = raw_web(WEB_2022), raw_mobile(MOBILE_2022)
    assert loaded(tmp_path / "w.duckdb") == {
        "lessons": len(web["lessons"] | mobile["lessons"]),
        "marks": len({a for a, _ in web["marks"]} | mobile["marks"]),
        "absences": len(mobile["absences"]),
    }
    marks = marks_of(tmp_path / "w.duckdb")
    assert (PUPIL, "10.04.2023", "Родной язык (русский)", "4", 2.0, "10.04.2023 15:16") in marks
    assert (PUPIL, "14.04.2023", "Обществознание базовый", "3", 1.0, "14.04.2023 00:00") in marks


def test_attendance_code_in_the_place_of_a_mark_is_an_absence(tmp_path):
    """Servers put «Н», «УП», «Б», «ОП» into ``mark.mark`` (netschoolpy reads them so): an absence, not a mark."""
    folder = _copy(tmp_path, WEB_2022)
    path = folder / "diary_2023-04-10.json"
    doc = _json(path)
    doc["weekDays"][0]["lessons"][2]["assignments"][0]["mark"]["mark"] = "Н"  # Физика профиль, 10.04.2023
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _load(folder, tmp_path / "w.duckdb")
    raw = raw_web(folder)
    assert len(raw["absences"]) == 1
    assert loaded(tmp_path / "w.duckdb") == _counts(raw)


def test_older_server_week_of_2019_loads_its_lesson_and_pupil(tmp_path):
    """An older server's week: no ``relay``/``isEaLesson``, ``mark: null`` first in the assignment,
    ``existsTestPlan``, ``pastMandatory``; its init names the class as null and the week as «5г»."""
    raw = raw_web(WEB_2019)
    result = _load(WEB_2019, tmp_path / "w.duckdb")
    assert loaded(tmp_path / "w.duckdb") == _counts(raw) == {"lessons": 1, "marks": 0, "absences": 0}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        lesson = con.execute(
            "select strftime(l.lesson_date, '%d.%m.%Y'), l.lesson_number, s.subject_name, c.class_name, c.grade"
            " from fct_lesson l join dim_subject s using (school_id, subject_id)"
            " join dim_class c using (school_id, class_id)"
        ).fetchall()
        pupils = con.execute("select full_name from dim_pupil").fetchall()
    # diary_2019-10-21.json: weekDays[0].lessons[0] — Математика, 2nd lesson, 25.10.2019, class «5г».
    assert lesson == [("25.10.2019", 2, "Математика", "5Г", 5)]
    assert pupils == [("Орлова Вера",)]
    assert [w.message for w in result.warnings if "неизвестное поле" in w.message] == []


def test_one_class_written_in_several_ways_is_one_class(tmp_path):
    """«5г» in the week, «5 Г» in the pupil's init: the same class, not «несколько классов»."""
    folder = _copy(tmp_path, WEB_2019)
    init = _json(folder / "init.json")
    init["students"][0]["className"] = "5 Г"
    (folder / "init.json").write_text(json.dumps(init, ensure_ascii=False), encoding="utf-8")
    _load(folder, tmp_path / "w.duckdb")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select class_name from dim_class").fetchall() == [("5Г",)]


def test_two_classes_are_refused_naming_both(tmp_path):
    folder = _copy(tmp_path, WEB_2019)
    init = _json(folder / "init.json")
    init["students"][0]["className"] = "6А"
    (folder / "init.json").write_text(json.dumps(init, ensure_ascii=False), encoding="utf-8")
    issue = _refused(folder, tmp_path / "w.duckdb")
    assert issue.column_name == "className"
    assert issue.message.endswith("в данных несколько классов (5Г, 6А): задайте класс, например --class 5Г")


def test_attendance_code_as_a_mobile_result_is_an_absence(tmp_path):
    """The mobile API's ``result`` is typed «string | number» by its clients: «Н» there is an absence,
    read as the web diary's «Н» in the place of a mark is."""
    folder = _copy(tmp_path, MOBILE_2022)
    doc = _json(folder / "assignments.json")
    present = {m["classmeetingId"] for m in _json(folder / "classmeetings.json") if not m["attendance"]}
    target = next(a for a in doc if a["result"] is not None and a["classmeetingId"] in present)
    target["result"] = "Н"
    (folder / "assignments.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _load(folder, tmp_path / "m.duckdb")
    raw = raw_mobile(MOBILE_2022)
    assert loaded(tmp_path / "m.duckdb") == {
        "lessons": len(raw["lessons"]),
        "marks": len(raw["marks"]) - 1,
        "absences": len(raw["absences"]) + 1,
    }


def raw_period_marks(folder: Path) -> list[tuple]:
    """(subjectId, term name or «year», mark) of every period mark of totals.json, read from the file."""
    found = []
    for subject in _json(folder / "totals.json"):
        for term in subject.get("termTotals") or []:
            if term["mark"] is not None:
                found.append((subject["subjectId"], term["term"]["name"], term["mark"]))
        for year in subject.get("yearTotals") or []:
            if year["mark"] is not None:
                found.append((subject["subjectId"], "year", year["mark"]))
    return found


def test_mobile_totals_load_every_period_mark_with_its_term(tmp_path):
    folder = _copy(tmp_path, MOBILE_2022, TOTALS_2022)
    result = _load(folder, tmp_path / "m.duckdb")
    raw = raw_period_marks(TOTALS_2022)
    assert len(raw) == 10
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        loaded_marks = con.execute(
            "select s.subject_name, d.period_name, strftime(d.start_date, '%d.%m.%Y'), strftime(d.end_date, '%d.%m.%Y'),"
            " f.mark_kind_code, f.mark_value from fct_period_mark f"
            " join dim_subject s using (school_id, subject_id) join dim_period d using (school_id, period_id)"
        ).fetchall()
        pupils = con.execute(
            "select distinct p.full_name from fct_period_mark f join dim_pupil p using (school_id, pupil_id)"
        ).fetchall()
    assert len(loaded_marks) == len(raw)
    # totals.json [1] (subjectId 101, Литература): «1 триместр» 01.09.2022–30.11.2022, mark "4".
    assert ("Литература", "1 триместр", "01.09.2022", "30.11.2022", "period", "4") in loaded_marks
    assert ("Индивидуальный проект", "2 триместр", "01.12.2022", "28.02.2023", "period", "зач") in loaded_marks
    assert pupils == [(PUPIL,)]
    assert loaded(tmp_path / "m.duckdb") == _counts(raw_mobile(MOBILE_2022))  # lessons and marks as before
    assert [w.message for w in result.warnings if "неизвестное поле" in w.message] == []


def test_year_mark_of_the_totals_goes_to_the_year(tmp_path):
    folder = _copy(tmp_path, MOBILE_2022, TOTALS_2022)
    doc = _json(folder / "totals.json")
    doc[2]["yearTotals"][0]["mark"] = 4  # Физика профиль; a number, as the clients' «string | number» allows
    (folder / "totals.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _load(folder, tmp_path / "m.duckdb")
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        years = con.execute(
            "select s.subject_name, f.mark_value from fct_period_mark f join dim_subject s using (school_id, subject_id)"
            " where f.mark_kind_code = 'year'"
        ).fetchall()
        count = con.execute("select count(*) from fct_period_mark").fetchone()[0]
    assert years == [("Физика профиль", "4")]
    assert count == len(raw_period_marks(folder))


def test_a_term_not_named_as_a_study_period_is_noted_and_the_rest_loads(tmp_path):
    folder = _copy(tmp_path, MOBILE_2022, TOTALS_2022)
    doc = _json(folder / "totals.json")
    doc[1]["termTotals"][0]["term"]["name"] = "Осенний модуль"  # Литература, the mark "4" of term 1
    (folder / "totals.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = _load(folder, tmp_path / "m.duckdb")
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        count = con.execute("select count(*) from fct_period_mark").fetchone()[0]
    assert count == len(raw_period_marks(folder)) - 1
    assert any("«Осенний модуль» — не учебный период" in w.message for w in result.warnings)


def test_totals_without_the_subjects_response_are_refused_naming_it(tmp_path):
    folder = _copy(tmp_path, MOBILE_2022, TOTALS_2022)
    (folder / "subjects.json").unlink()
    issue = _refused(folder, tmp_path / "m.duckdb")
    assert (issue.file_name, issue.column_name) == ("totals.json", "subjectId")
    assert issue.message.startswith("[0], поле «subjectId»: предмет 100 не назван: ожидается ответ subjects")
    assert not (tmp_path / "m.duckdb").exists()


def test_marks_without_student_id_belong_to_the_one_pupil_of_the_request(tmp_path):
    """Clients type ``mark.studentId`` as optional (aionetschool's ``Mark``): a week is asked for one
    pupil, so a mark that does not name its pupil is that pupil's when init names exactly one."""
    folder = _copy(tmp_path, WEB_2022)
    path = folder / "diary_2023-04-10.json"
    doc = _json(path)
    for day in doc["weekDays"]:
        for lesson in day["lessons"]:
            for assignment in lesson.get("assignments") or []:
                (assignment.get("mark") or {}).pop("studentId", None)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _load(folder, tmp_path / "w.duckdb")
    assert loaded(tmp_path / "w.duckdb") == _counts(raw_web(WEB_2022))
    assert {m[0] for m in marks_of(tmp_path / "w.duckdb")} == {PUPIL}
    init = _json(folder / "init.json")
    init["students"].append({"studentId": 1000009, "nickName": "Соколова Вера"})
    (folder / "init.json").write_text(json.dumps(init, ensure_ascii=False), encoding="utf-8")
    issue = _refused(folder, tmp_path / "x.duckdb")
    assert issue.column_name == "studentId"
    assert "отметка недели дневника не называет ученика" in issue.message and "найдено 2" in issue.message


# --- weights: 0 is «not given»; details, then the school's norms ------------------------------


def _types(folder: Path, names: dict[int, str]) -> None:
    """grade/assignment/types in the form of the documented response (not recorded with these weeks)."""
    doc = [{"id": i, "name": n, "abbr": n[:2], "order": k} for k, (i, n) in enumerate(names.items())]
    (folder / "types.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


TYPES_2023 = {
    3: "Домашнее задание",
    4: "Контрольная работа",
    10: "Ответ на уроке",
    14: "Самостоятельная работа",
    18: "Практическая работа",
    20: "Тест",
}


def test_weight_zero_takes_the_schools_norm_for_the_work_type(tmp_path):
    folder = _copy(tmp_path, WEB_2022)
    _types(folder, TYPES_2023)
    _load(folder, tmp_path / "w.duckdb")
    marks = marks_of(tmp_path / "w.duckdb")
    # weekDays[1].lessons[0].assignments[1]: typeId 4, weight 0 → «Контрольная работа», 2 by the norms.
    assert (PUPIL, "11.04.2023", "Математика профиль", "4", 2.0, "11.04.2023 00:00") in marks
    assert (PUPIL, "11.04.2023", "Математика профиль", "5", 1.5, "11.04.2023 00:00") in marks  # Самостоятельная
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        homework = con.execute("select homework from fct_lesson where lesson_date = '2023-04-11' order by 1").fetchall()
    assert ("задание из файла",) in homework  # typeId 3 is homework once its name is known


def test_assignment_details_give_weight_and_teachers_list(tmp_path):
    """Details (``student/diary/assigns/{id}``) with ``teachers: [...]`` as aionetschool's model reads them."""
    folder = _copy(tmp_path, WEB_2022)
    detail = {
        "id": 272747351,
        "assignmentName": "Лексические, морфологические, синтаксические особенности художественного стиля.",
        "activityName": None,
        "problemName": None,
        "subjectGroup": {"id": 77, "name": "Родной язык 11Б"},
        "teachers": [{"id": 502, "name": "Морозова Ирина Олеговна"}],
        "productId": None,
        "isDeleted": False,
        "weight": 20,
        "date": "2023-04-10T00:00:00",
        "description": "",
        "attachments": [],
    }
    (folder / "details.json").write_text(json.dumps(detail, ensure_ascii=False), encoding="utf-8")
    result = _load(folder, tmp_path / "w.duckdb")
    marks = marks_of(tmp_path / "w.duckdb")
    assert (PUPIL, "10.04.2023", "Родной язык (русский)", "4", 2.0, "10.04.2023 00:00") in marks  # 20 → 2
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        teachers = con.execute(
            "select t.full_name from fct_mark m join dim_teacher t using (school_id, teacher_id) where m.weight = 2"
        ).fetchall()
    assert teachers == [("Морозова Ирина Олеговна",)]
    assert not [w for w in result.warnings if "неизвестное поле" in w.message and w.file_name == "details.json"]


def test_pupil_of_a_pupils_own_account_context(tmp_path):
    """The mobile API does not name the pupil: a pupil's own context (roles Student) does."""
    folder = _copy(tmp_path, MOBILE_2022)
    (folder / "students.json").unlink()
    own = {"userId": 1000001, "roles": ["Student"], "productName": "Сетевой Город. Образование"}
    own["user"] = {"id": 1000001, "name": PUPIL}
    (folder / "context.json").write_text(json.dumps(own, ensure_ascii=False), encoding="utf-8")
    _load(folder, tmp_path / "m.duckdb")
    assert loaded(tmp_path / "m.duckdb") == _counts(raw_mobile(MOBILE_2022))
    assert {m[0] for m in marks_of(tmp_path / "m.duckdb")} == {PUPIL}


# --- shapes the importer does not understand: refused, naming file, path, expected and found -----


def _refused(folder: Path, db: Path):
    (result,) = load_source(folder, db, source="netschool").results
    assert result.status == "refused"
    return result.issues[0]


def test_mobile_assignments_without_a_named_pupil_are_refused(tmp_path, preloaded):
    db = preloaded("netschool-real", lambda path: _load(MOBILE_2022, path))
    before = table_counts(db)
    folder = _copy(tmp_path, MOBILE_2022)
    (folder / "students.json").unlink()
    (folder / "classmeetings.json").unlink()
    issue = _refused(folder, db)
    first_mark = next(i for i, a in enumerate(_json(folder / "assignments.json")) if a["result"] is not None)
    assert (issue.file_name, issue.column_name) == ("assignments.json", "studentId")
    assert issue.message.startswith(f"[{first_mark}], поле «studentId»: ")
    assert "ожидается ровно один ученик" in issue.message and "найдено ни одного" in issue.message
    assert table_counts(db) == before


def test_web_week_without_a_response_naming_its_pupil_is_refused(tmp_path, preloaded):
    db = preloaded("netschool-real", lambda path: _load(MOBILE_2022, path))
    before = table_counts(db)
    folder = _copy(tmp_path, WEB_2022)
    (folder / "init.json").unlink()
    issue = _refused(folder, db)
    assert issue.file_name == "diary_2023-04-10.json"
    assert issue.message.startswith("weekDays[0].lessons[2].assignments[0], поле «studentId»: ")
    assert "ученик 1000001 не назван: ожидается в student/diary/init" in issue.message
    assert table_counts(db) == before


def test_a_file_of_an_unknown_shape_is_named_not_hidden_behind_no_data(tmp_path, preloaded):
    db = preloaded("netschool-real", lambda path: _load(MOBILE_2022, path))
    before = table_counts(db)
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "lessons.json").write_text(json.dumps([{"lessonTheme": "Тема", "classmeeting": 5}]), encoding="utf-8")
    issue = _refused(folder, db)
    assert issue.file_name == "lessons.json"
    assert issue.message.startswith("корень файла: ")
    assert "ожидается неделя дневника (weekDays)" in issue.message
    assert "а найден список из 1 элементов, первый — объект с полями lessonTheme, classmeeting" in issue.message
    assert "нет ни уроков, ни отметок" not in issue.message
    assert table_counts(db) == before


def test_mobile_assignment_without_its_lesson_id_is_refused(tmp_path):
    folder = _copy(tmp_path, MOBILE_2022)
    doc = _json(folder / "assignments.json")
    marked = next(i for i, a in enumerate(doc) if a["result"] is not None)
    del doc[marked]["classmeetingId"]
    (folder / "assignments.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    issue = _refused(folder, tmp_path / "w.duckdb")
    assert (issue.file_name, issue.column_name) == ("assignments.json", "classmeetingId")
    assert issue.message.startswith(
        f"[{marked}], поле «classmeetingId»: нет номера урока: ожидается поле classmeetingId"
    )
    assert not (tmp_path / "w.duckdb").exists()


def test_real_fields_give_no_unknown_field_warning(tmp_path):
    folder = _copy(tmp_path, WEB_2022, MOBILE_2022)
    result = _load(folder, tmp_path / "w.duckdb")
    assert [w.message for w in result.warnings if "неизвестное поле" in w.message] == []


@pytest.mark.parametrize(
    ("field", "problem"), [("classmeetingId", "нет номера урока"), ("day", "обязательное поле отсутствует")]
)
def test_one_mobile_lesson_without_a_field_is_refused_at_its_place_not_skipped_with_its_file(tmp_path, field, problem):
    """The array is still the lessons' (its other elements say so); skipping it made lessons of the
    marks alone, which the checks then refused as repeats and missing lessons."""
    folder = _copy(tmp_path, MOBILE_2022)
    doc = _json(folder / "classmeetings.json")
    del doc[3][field]
    (folder / "classmeetings.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    issue = _refused(folder, tmp_path / "w.duckdb")
    assert (issue.file_name, issue.column_name) == ("classmeetings.json", field)
    assert issue.message.startswith(f"[3], поле «{field}»: {problem}")
    assert not (tmp_path / "w.duckdb").exists()


def test_an_array_half_of_whose_elements_are_lessons_is_not_taken_for_lessons(tmp_path):
    from pipelines.importers.netschool.mobile import mobile_kind

    lesson = {"classmeetingId": 1, "day": "2023-04-10T00:00:00"}
    assert mobile_kind([lesson, lesson, {"day": "2023-04-10T00:00:00"}]) == "lessons"
    assert mobile_kind([lesson, {"day": "2023-04-10T00:00:00"}]) is None
    assert mobile_kind([{"day": "2023-04-10T00:00:00"}]) is None
