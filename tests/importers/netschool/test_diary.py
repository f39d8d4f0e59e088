"""«Сетевой город»: a class-quarter written as saved WebAPI, mobile API and report responses gives
the same warehouse figures as the same data in the canonical format; assignment type ids are
only looked up, never assumed; damaged responses are refused and load nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.importers.canonical_side import ClassQuarter, write_canonical_side
from tests.importers.figures import expected_figures, load_canonical, load_source, table_counts, warehouse_figures

FIXTURES = Path(__file__).parent / "fixtures"
PUPILS = {101: "Андреев Антон", 102: "Борисова Вера"}
TYPES = {"Ответ на уроке": 31, "Контрольная работа": 7, "Домашнее задание": 3, "Самостоятельная работа": 12}
# classmeetingId → (subject, date ISO, lesson number, topic)
LESSONS = {
    5001: ("Математика", "2025-09-08", 1, "Натуральные числа"),
    5002: ("Математика", "2025-09-15", 2, "Сложение"),
    5003: ("Русский язык", "2025-09-09", 3, "Звуки и буквы"),
    5004: ("Математика", "2025-10-20", 1, "Контрольная работа № 1 «Числа»"),
}
# (assignmentId, studentId, classmeetingId, type name, weight, mark, resultDate or None)
MARKS = [
    (9001, 101, 5001, "Ответ на уроке", 1, 5, "2025-09-08T14:10:00"),
    (9001, 102, 5001, "Ответ на уроке", 1, 4, "2025-09-09T10:00:00"),
    (9002, 101, 5002, "Ответ на уроке", 1, 3, "2025-09-15T15:00:00"),
    (9003, 101, 5003, "Ответ на уроке", 1, 2, "2025-09-10T08:00:00"),
    (9003, 102, 5003, "Ответ на уроке", 1, 5, None),
    (9005, 102, 5003, "Самостоятельная работа", 1.5, 3, "2025-09-11T12:00:00"),
    (9004, 101, 5004, "Контрольная работа", 2, 4, "2025-10-24T18:00:00"),
    (9004, 102, 5004, "Контрольная работа", 2, 2, "2025-10-25T09:00:00"),
]
ABSENCES = [(102, 5002, "Б"), (101, 5003, "ОП"), (102, 5004, "Н")]
ATTENDANCE_CODE = {"Б": "б", "ОП": "оп", "Н": "н", "УП": "у"}
FINALS = {101: {"Математика": "4", "Русский язык": "3"}, 102: {"Математика": "н/а", "Русский язык": "5"}}


def _diary_week(student: int, types: dict[str, int]) -> dict:
    days: dict[str, list] = {}
    for meeting, (subject, date, number, _) in sorted(LESSONS.items(), key=lambda kv: kv[1][1]):
        assignments = [
            {
                "id": a,
                "typeId": types[t],
                "assignmentName": f"Задание {a}",
                "dueDate": f"{date}T00:00:00",
                "classMeetingId": meeting,
                "mark": {"assignmentId": a, "studentId": s, "mark": v, "dutyMark": False},
            }
            for a, s, m, t, _, v, _ in MARKS
            if m == meeting and s == student
        ]
        assignments.append(
            {"id": 8000 + meeting, "typeId": types["Домашнее задание"], "assignmentName": "§1", "mark": None}
        )
        days.setdefault(date, []).append(
            {
                "classmeetingId": meeting,
                "day": f"{date}T00:00:00",
                "number": number,
                "subjectName": subject,
                "startTime": "08:30",
                "endTime": "09:15",
                "assignments": assignments,
            }
        )
    return {
        "weekStart": "2025-09-01T00:00:00",
        "weekEnd": "2025-10-26T00:00:00",
        "weekDays": [{"date": f"{d}T00:00:00", "lessons": ls} for d, ls in days.items()],
        "termName": "1 четверть",
        "className": "5А",
    }


def _report(student: int) -> str:
    """The report as the «Сетевой город» prints it: months merged over their days."""
    days = sorted({d for _, d, _, _ in LESSONS.values()})
    by_month: dict[str, list[str]] = {}
    for d in days:
        by_month.setdefault({"09": "Сентябрь", "10": "Октябрь"}[d[5:7]], []).append(d)
    head1 = '<th rowspan="2">Предмет</th>' + "".join(f'<th colspan="{len(ds)}">{m}</th>' for m, ds in by_month.items())
    head1 += '<th rowspan="2">Средн.</th><th rowspan="2">Итог</th>'
    head2 = "".join(f"<th>{int(d[8:])}</th>" for ds in by_month.values() for d in ds)
    rows = []
    for subject in ("Математика", "Русский язык"):
        cells = []
        for d in days:
            meeting = next((m for m, (s, dd, _, _) in LESSONS.items() if s == subject and dd == d), None)
            marks = [str(v) for _, s, m, _, _, v, _ in MARKS if s == student and m == meeting]
            codes = [c for s, m, c in ABSENCES if s == student and m == meeting]
            cells.append(f"<td>{' '.join(marks + codes)}</td>")
        rows.append(f"<tr><td>{subject}</td>{''.join(cells)}<td>4,00</td><td>{FINALS[student][subject]}</td></tr>")
    # A layout quirk of the real report: the grid's header cells span both header rows.
    grid = f"<table><tr>{head1}</tr><tr>{head2}</tr>{''.join(rows)}</table>"
    return (
        "<html><body><h2>Отчёт об успеваемости и посещаемости ученика</h2>"
        f"<p>Ученик: {PUPILS[student]}</p><p>Класс: 5А</p>"
        "<p>Период: 1 четверть, 01.09.2025 – 26.10.2025</p>" + grid + "</body></html>"
    )


def write_netschool(folder: Path, *, types: dict[str, int] = TYPES, reports: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)

    def dump(name: str, doc) -> None:
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")

    shutil.copy(FIXTURES / "netschool_context.json", folder / "context.json")  # with // comments
    dump("years.json", json.loads((FIXTURES / "netschool_years.json").read_text(encoding="utf-8")))
    dump("types.json", [{"id": i, "name": n, "abbr": n[0], "order": k} for k, (n, i) in enumerate(types.items())])
    dump("init.json", {"students": [{"studentId": s, "nickName": n, "className": "5А"} for s, n in PUPILS.items()]})
    for student in PUPILS:
        dump(f"diary-{student}.json", _diary_week(student, types))
    dump(
        "details.json",
        [
            {
                "id": a,
                "assignmentName": f"Задание {a}",
                "weight": w,
                "date": f"{LESSONS[m][1]}T00:00:00",
                "teacher": {"id": 77, "name": "Смирнова Ольга Петровна"},
            }
            for a, _, m, _, w, _, _ in MARKS
        ],
    )
    dump(
        "mobile.json",
        {
            "assignments": [
                {
                    "assignmentId": a,
                    "studentId": s,
                    "classMeetingId": m,
                    "subjectName": LESSONS[m][0],
                    "assignmentTypeName": t,
                    "weight": w,
                    "result": str(v),
                    "resultDate": r,
                    "assignmentDate": f"{LESSONS[m][1]}T00:00:00",
                    "dueDate": f"{LESSONS[m][1]}T00:00:00",
                }
                for a, s, m, t, w, v, r in MARKS
                if r is not None
            ],
            "lessons": [
                {
                    "classMeetingId": m,
                    "studentId": s,
                    "day": f"{LESSONS[m][1]}T00:00:00",
                    "number": LESSONS[m][2],
                    "subjectName": LESSONS[m][0],
                    "lessonTheme": LESSONS[m][3],
                    "attendance": next((c for s2, m2, c in ABSENCES if (s2, m2) == (s, m)), None),
                }
                for s in PUPILS
                for m in LESSONS
            ],
        },
    )
    if reports:
        for student in PUPILS:
            (folder / f"report-{student}.html").write_text(_report(student), encoding="utf-8")
    return folder


def _ru(date: str) -> str:
    return f"{date[8:10]}.{date[5:7]}.{date[:4]}"


def canonical_twin() -> ClassQuarter:
    cq = ClassQuarter("5А", list(PUPILS.values()), ["Математика", "Русский язык"])
    cq.lessons = [(s, _ru(d), n) for s, d, n, _ in LESSONS.values()]
    cq.marks = [
        (
            PUPILS[s],
            LESSONS[m][0],
            _ru(LESSONS[m][1]),
            str(v),
            t,
            float(w),
            _ru(r[:10]) + " " + r[11:16] if r else _ru(LESSONS[m][1]) + " 00:00",
        )
        for _, s, m, t, w, v, r in MARKS
    ]
    cq.absences = [(PUPILS[s], LESSONS[m][0], _ru(LESSONS[m][1]), ATTENDANCE_CODE[c]) for s, m, c in ABSENCES]
    cq.period_marks = [(PUPILS[s], subj, "q1", v) for s, marks in FINALS.items() for subj, v in marks.items()]
    return cq


def expected() -> dict:
    return expected_figures(
        [(PUPILS[s], LESSONS[m][0], 1, str(v), float(w)) for _, s, m, _, w, v, _ in MARKS],
        [(PUPILS[s], ATTENDANCE_CODE[c]) for s, _, c in ABSENCES],
        [(PUPILS[s], subj, 1, "period", v) for s, marks in FINALS.items() for subj, v in marks.items()],
    )


def test_class_quarter_gives_the_same_figures_as_the_canonical_export(tmp_path):
    found = load_source(write_netschool(tmp_path / "sgo"), tmp_path / "n.duckdb")
    (result,) = found.results
    assert (found.source, result.status) == ("netschool", "loaded"), result.issues
    load_canonical(write_canonical_side(canonical_twin(), tmp_path / "canonical"), tmp_path / "c.duckdb")
    from_netschool = warehouse_figures(tmp_path / "n.duckdb")
    from_canonical = warehouse_figures(tmp_path / "c.duckdb")
    assert from_netschool == from_canonical == expected()
    # Stated by hand: Андреев, maths Q1 = (5·1 + 3·1 + 4·2) / 4 = 4.0; Борисова's absences б and н.
    assert from_netschool["weighted_average"][("Андреев Антон", "Математика", 1)] == 4.0
    assert from_netschool["absences"] == {
        ("Борисова Вера", "б"): 1,
        ("Андреев Антон", "оп"): 1,
        ("Борисова Вера", "н"): 1,
    }
    with duckdb.connect(str(tmp_path / "n.duckdb"), read_only=True) as con:
        entered = con.execute(
            "select strftime(entered_at, '%d.%m.%Y %H:%M') from fct_mark where mark_value = '4' and is_control"
        ).fetchall()
        topics = con.execute("select topic, homework from fct_lesson order by lesson_date").fetchall()
    assert entered == [("24.10.2025 18:00",)]  # resultDate of the mobile API, not the lesson date
    assert topics[0] == ("Натуральные числа", "§1")
    messages = " | ".join(w.message for w in result.warnings)
    assert "у 1 отметок нет момента выставления" in messages


def test_type_ids_are_looked_up_not_assumed(tmp_path):
    """Another server numbers the same assignment types differently: the figures do not change."""
    other = {"Ответ на уроке": 2, "Контрольная работа": 31, "Домашнее задание": 7, "Самостоятельная работа": 5}
    found = load_source(write_netschool(tmp_path / "sgo", types=other), tmp_path / "n.duckdb")
    assert found.results[0].status == "loaded"
    assert warehouse_figures(tmp_path / "n.duckdb") == expected()


def test_report_alone_gives_marks_absences_and_period_marks(tmp_path):
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.html").write_text(_report(101), encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "r.duckdb").results
    assert result.status == "loaded", result.issues
    figures = warehouse_figures(tmp_path / "r.duckdb")
    # Without the API the report's marks all weigh the school's default weight 1.
    mine = [(PUPILS[101], LESSONS[m][0], 1, str(v), 1.0) for _, s, m, _, _, v, _ in MARKS if s == 101]
    assert figures == expected_figures(
        mine,
        [(PUPILS[101], "оп")],
        [(PUPILS[101], subj, 1, "period", v) for subj, v in FINALS[101].items()],
    )


def test_reference_context_and_years_are_read(tmp_path):
    """The anonymised responses in shared/reference_formats/netschool_sgo (comments included)."""
    folder = write_netschool(tmp_path / "sgo", reports=False)
    (result,) = load_source(folder, tmp_path / "n.duckdb").results
    assert result.status == "loaded"
    with duckdb.connect(str(tmp_path / "n.duckdb"), read_only=True) as con:
        school = con.execute("select school_id, school_name from dim_school").fetchone()
    assert school == ("sch-imp", "Хогвартс")
    assert _unknown_field_warnings(result) == {}  # every field of the real responses is known
    assert any("нет учебных периодов" in w.message for w in result.warnings)


def _damage(folder: Path, how: str) -> str:
    diary = folder / "diary-101.json"
    doc = json.loads(diary.read_text(encoding="utf-8"))
    lesson = doc["weekDays"][0]["lessons"][0]
    if how == "broken_json":
        diary.write_text(diary.read_text(encoding="utf-8")[:-40], encoding="utf-8")
        return "повреждённый JSON"
    if how == "empty":
        diary.write_text("", encoding="utf-8")
        return "файл пуст"
    if how == "missing_field":
        del lesson["subjectName"]
        words = "weekDays[0].lessons[0], поле «subjectName»: обязательное поле отсутствует"
    elif how == "wrong_type":
        lesson["number"] = "первый"
        words = "поле «number»: ожидается целое число, а не текст"
    elif how == "unknown_type_id":
        lesson["assignments"][0]["typeId"] = 999
        words = "вида задания 999 нет в grade/assignment/types"
    elif how == "bad_date":
        doc["weekDays"][0]["date"] = "2025-13-45"
        words = "не дата"
    else:
        raise AssertionError(how)
    diary.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return words


@pytest.mark.parametrize("how", ["broken_json", "empty", "missing_field", "wrong_type", "unknown_type_id", "bad_date"])
def test_damaged_response_is_refused_and_loads_nothing(tmp_path, preloaded, how):
    db = preloaded("netschool", lambda path: load_source(write_netschool(tmp_path / "good"), path))
    before = table_counts(db)
    assert before["fct_mark"] == len(MARKS)
    bad = write_netschool(tmp_path / "bad")
    words = _damage(bad, how)
    (result,) = load_source(bad, db, source="netschool").results
    assert result.status == "refused"
    assert result.issues[0].file_name == "diary-101.json"
    full = f"{result.issues[0].message}"
    assert words in full, full
    assert table_counts(db) == before


def test_damaged_report_is_refused(tmp_path):
    folder = write_netschool(tmp_path / "sgo")
    page = folder / "report-101.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Период: 1 четверть,", "Период:"), encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "w.duckdb").results
    assert result.status == "refused"
    assert result.issues[0].file_name == "report-101.html"
    assert "не указан период" in result.issues[0].message
    assert not (tmp_path / "w.duckdb").exists()


UNKNOWN = "неизвестное поле"


def _unknown_field_warnings(result) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for w in result.warnings:
        if UNKNOWN in w.message:
            found.setdefault((w.file_name, w.column_name), []).append(w.message)
    return found


def test_fields_the_api_is_known_to_send_give_no_warning(tmp_path):
    """laAssigns, room and relay are real diary fields the warehouse does not need: no warning."""
    folder = write_netschool(tmp_path / "sgo")
    for path in folder.glob("diary-*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["laAssigns"] = [{"x": 1}]
        for day in doc["weekDays"]:
            for lesson in day["lessons"]:
                lesson["room"] = "к. 12"
                lesson["relay"] = 1
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "n.duckdb").results
    assert result.status == "loaded"
    assert warehouse_figures(tmp_path / "n.duckdb") == expected()
    assert _unknown_field_warnings(result) == {}
    assert not [w for w in result.warnings if "не распознан" in w.message]  # the reports' columns are known


def _add_field(doc, path: str, name: str, first: dict, file_name: str) -> None:
    """Put field ``name`` into every object at ``path`` («weekDays[].lessons[]»); remember where
    it went first, as the JSON path the warning must name."""
    nodes = [("", doc)]
    for step in path.split(".") if path else []:
        key, is_list = step.removesuffix("[]"), step.endswith("[]")
        deeper = []
        for where, node in nodes:
            value = node if key == "" else node.get(key)
            here = where if key == "" else (f"{where}.{key}" if where else key)
            if is_list:
                deeper += [(f"{here}[{i}]", v) for i, v in enumerate(value or []) if isinstance(v, dict)]
            elif isinstance(value, dict):
                deeper.append((here, value))
        nodes = deeper
    for where, node in nodes:
        node[name] = "?"
        first.setdefault((file_name, name), where or "корень файла")


def test_unknown_fields_are_reported_once_per_file_and_field_and_the_figures_do_not_change(tmp_path):
    folder = write_netschool(tmp_path / "sgo")
    added = {  # file → [(path of the objects, new field)]
        "diary-101.json": [("", "extraFlag"), ("weekDays[].lessons[]", "colour"),
                           ("weekDays[].lessons[].assignments[].mark", "markColour")],
        "diary-102.json": [("weekDays[].lessons[]", "colour")],
        "types.json": [("[]", "tag")],
        "init.json": [("students[]", "grade")],
        "details.json": [("[]", "weightFactor"), ("[].teacher", "email")],
        "mobile.json": [("lessons[]", "teacherRoom"), ("assignments[]", "note")],
        "years.json": [("[].globalYear", "orgUnit")],
    }  # fmt: skip
    first: dict[tuple[str, str], str] = {}
    for file_name, fields in added.items():
        doc = json.loads((folder / file_name).read_text(encoding="utf-8"))
        for path, name in fields:
            _add_field(doc, path, name, first, file_name)
        (folder / file_name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "n.duckdb").results
    assert result.status == "loaded", result.issues
    assert warehouse_figures(tmp_path / "n.duckdb") == expected()
    found = _unknown_field_warnings(result)
    assert set(found) == set(first)  # a warning for each file and field, naming both
    for key, messages in found.items():
        assert len(messages) == 1, (key, messages)  # once, though «colour» is in every lesson
        assert messages[0].startswith(f"{first[key]}: {UNKNOWN}"), (key, messages[0])
    assert first[("diary-101.json", "markColour")] == "weekDays[0].lessons[0].assignments[0].mark"


def test_unrecognised_report_column_is_reported_and_the_figures_do_not_change(tmp_path):
    folder = tmp_path / "report"
    folder.mkdir()
    page = _report(101).replace(
        '<th rowspan="2">Средн.</th>', '<th rowspan="2">Пропуски</th><th rowspan="2">Средн.</th>'
    )
    page = page.replace("<td>4,00</td>", "<td>2</td><td>4,00</td>")
    (folder / "report.html").write_text(page, encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "r.duckdb").results
    assert result.status == "loaded", result.issues
    column = 1 + len({d for _, d, _, _ in LESSONS.values()}) + 1  # «Предмет», the days, then the new one
    notes = [w for w in result.warnings if "не распознан" in w.message]
    assert [(w.file_name, w.column_name) for w in notes] == [("report.html", "Пропуски")]
    assert notes[0].message.startswith(f"заголовок таблицы, столбец {column}: столбец не распознан")
    mine = [(PUPILS[101], LESSONS[m][0], 1, str(v), 1.0) for _, s, m, _, _, v, _ in MARKS if s == 101]
    assert warehouse_figures(tmp_path / "r.duckdb") == expected_figures(
        mine,
        [(PUPILS[101], "оп")],
        [(PUPILS[101], subj, 1, "period", v) for subj, v in FINALS[101].items()],
    )


def test_mobile_api_alone_gives_marks_with_entry_times_and_attendance(tmp_path):
    folder = write_netschool(tmp_path / "sgo", reports=False)
    for name in ("diary-101.json", "diary-102.json", "details.json", "types.json"):
        (folder / name).unlink()
    (result,) = load_source(folder, tmp_path / "m.duckdb").results
    assert result.status == "loaded", result.issues
    figures = warehouse_figures(tmp_path / "m.duckdb")
    with_time = sorted(
        (f"{r[8:10]}.{r[5:7]}.{r[:4]} {r[11:16]}", str(v), float(w)) for _, _, _, _, w, v, r in MARKS if r
    )
    assert figures["marks_per_pupil"] == {"Андреев Антон": 4, "Борисова Вера": 3}  # Борисова's 9003 has no result
    assert figures["absences"] == expected()["absences"]
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        stored = con.execute(
            "select strftime(entered_at, '%d.%m.%Y %H:%M'), mark_value, weight from fct_mark order by 1"
        ).fetchall()
    assert sorted(stored) == with_time
