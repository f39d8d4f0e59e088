"""The period figures of shared/DOMAIN.md in «Итоги успеваемости класса» and «Отчет классного
руководителя» on a small school built here: 16 pupils on the roll and a pupil who left the day
before the quarter ended (with period marks), so that the shares are .5 ties (13 of 16 = 81,25 %,
средний балл 58 / 16 = 3,625); a pupil with one «4»; a subject of the plan without period marks;
a subject taught without marks; a first-grade class. Every expectation is computed here from the
raw rows of the export with this file's own code (the leaver left out, ties rounded half up)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from report_templates.output import render_document
from tests.factories import SCHOOL, YEAR, tiny_export, write_export
from tests.report_templates.page_checks import pdf_lines
from tests.report_templates.raw_expect import comma, day

Q1, Q2 = "1 четверть", "2 четверть"
N_ON_ROLL = 16
DEPUTY = Viewer("z", Role.DEPUTY, SCHOOL)


def _pupil(n: int) -> dict[str, str]:
    return {
        "pupil_id": f"p{n:02d}",
        "last_name": f"Ученик{n:02d}",
        "first_name": "Тест",
        "middle_name": "",
        "birth_date": "01.02.2014",
        "gender_code": "",
        "has_consent": "да",
    }


def _enrolment(pupil_id: str, class_id: str, end: str = "") -> dict[str, str]:
    reason = "выбыл" if end else ""
    return {
        "pupil_id": pupil_id,
        "class_id": class_id,
        "start_date": "01.09.2025",
        "end_date": end,
        "arrival_reason": "начало года",
        "departure_reason": reason,
    }


def _period_mark(pupil_id: str, subject_id: str, period_id: str, value: str) -> dict[str, str]:
    return {
        "pupil_id": pupil_id,
        "subject_id": subject_id,
        "academic_year_id": YEAR,
        "mark_kind_code": "period",
        "period_id": period_id,
        "mark_value": value,
        "na_reason_code": "",
        "entered_at": "24.10.2025 16:00" if period_id == "q1" else "26.12.2025 16:00",
        "entered_by": "t1",
    }


def figures_export() -> dict[str, list[dict[str, str]]]:
    """Class 5А: p01–p16 on the roll all year; p17 left on 23.10.2025, the day before the end of
    the 1st quarter (24.10.2025), with «5» in both subjects. Maths: p01–p13 «4», p14–p16 «2» in
    both quarters; history: p01 and p14–p16 «5», p02–p13 «4» in the 1st quarter, nothing in the
    2nd; music taught without marks. Class 1А (grade 1): two pupils, no marks."""
    data = tiny_export()
    pupils = [_pupil(n) for n in range(1, 20)]
    data["pupils"] = pupils
    data["enrolments"] = [_enrolment(f"p{n:02d}", "5A") for n in range(1, 17)]
    data["enrolments"] += [_enrolment("p17", "5A", end="23.10.2025")]
    data["enrolments"] += [_enrolment(f"p{n:02d}", "1A") for n in (18, 19)]
    data["classes"].append(
        {"class_id": "1A", "academic_year_id": YEAR, "class_name": "1А", "grade": "1", "class_teacher_id": "t2"}
    )
    data["subjects"] += [
        {"subject_id": "hist", "subject_name": "История", "short_name": "Ист.", "fipi_code": ""},
        {"subject_id": "music", "subject_name": "Музыка", "short_name": "Муз.", "fipi_code": ""},
    ]
    data["curriculum"] = [
        {"class_id": "5A", "subject_id": s, "weekly_hours": "2", "is_attested": a, "teacher_id": "t1"}
        for s, a in (("math", "да"), ("hist", "да"), ("music", "нет"))
    ] + [{"class_id": "1A", "subject_id": "math", "weekly_hours": "4", "is_attested": "нет", "teacher_id": "t2"}]
    data["groups"], data["group_members"] = [], []
    data["lessons"] = [row for row in data["lessons"] if not row["group_id"]]
    kept = {row["lesson_id"] for row in data["lessons"]}
    on_roll = {f"p{n:02d}" for n in range(1, 4)}  # the tiny export's marks stay with p01–p03
    for name in ("marks", "attendance", "mark_changes"):
        data[name] = [row for row in data[name] if row["lesson_id"] in kept]
        for row in data[name]:
            row["pupil_id"] = {"p1": "p01", "p2": "p02", "p3": "p03"}[row["pupil_id"]]
    assert {row["pupil_id"] for row in data["marks"]} <= on_roll
    data["external_results"] = []
    marks = []
    for n in range(1, 17):
        pupil = f"p{n:02d}"
        maths = "4" if n <= 13 else "2"
        marks += [_period_mark(pupil, "math", q, maths) for q in ("q1", "q2")]
        marks.append(_period_mark(pupil, "hist", "q1", "5" if n == 1 or n >= 14 else "4"))
    marks += [_period_mark("p17", s, "q1", "5") for s in ("math", "hist")]
    data["period_marks"] = marks
    return data


@pytest.fixture(scope="module")
def school(tmp_path_factory):
    """The export, its warehouse, and «Итоги» and the class teacher's report of 5А (both quarters)
    and 1А (1st quarter), and the summary sheet of 1А, as PDF and XLSX."""
    home = tmp_path_factory.mktemp("figures")
    data = figures_export()
    db = home / "w.duckdb"
    (outcome,) = ingest_path(write_export(data, home / "export"), db)
    assert outcome.status == "loaded" and not outcome.issues, [i for i in outcome.issues]
    made: dict[tuple[str, str, str], tuple[Path, Path]] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        wanted = [
            (kind, c, p) for kind in ("results", "class-teacher") for c, p in (("5А", Q1), ("5А", Q2), ("1А", Q1))
        ]
        for kind, class_name, period in [*wanted, ("ledger", "1А", Q1)]:
            out = home / f"{kind}-{class_name}-{period[0]}"
            pdf, xlsx = render_document(con, DEPUTY, kind, class_name, period, out, ["pdf", "xlsx"]).paths
            made[(kind, class_name, period)] = (pdf, xlsx)
    return data, made


# --- the expectations, from the raw rows -------------------------------------------------------


def on_roll_at_end(data: dict, class_id: str, period_id: str) -> set[str]:
    end = day(next(p["end_date"] for p in data["periods"] if p["period_id"] == period_id))
    return {
        e["pupil_id"]
        for e in data["enrolments"]
        if e["class_id"] == class_id
        and day(e["start_date"]) <= end
        and (not e["end_date"] or day(e["end_date"]) >= end)
    }


def period_marks(data: dict, period_id: str) -> dict[tuple[str, str], str]:
    """(pupil, subject) → period mark of the pupils of 5А on the roll at the period's end."""
    roll = on_roll_at_end(data, "5A", period_id)
    return {
        (m["pupil_id"], m["subject_id"]): m["mark_value"]
        for m in data["period_marks"]
        if m["period_id"] == period_id and m["pupil_id"] in roll and m["mark_kind_code"] == "period"
    }


def subject_line(data: dict, subject_id: str, period_id: str) -> str:
    """«N n5 n4 n3 n2 н/а успеваемость качество СОУ средний» as printed, «—» for shares of N = 0."""
    values = [v for (_, s), v in period_marks(data, period_id).items() if s == subject_id]
    n = len(values)
    c = {k: values.count(k) for k in ("5", "4", "3", "2", "н/а")}
    numeric = [int(v) for v in values if v != "н/а"]
    shares = [
        Fraction(100 * (c["5"] + c["4"] + c["3"]), n) if n else None,
        Fraction(100 * (c["5"] + c["4"]), n) if n else None,
        Fraction(100 * c["5"] + 64 * c["4"] + 36 * c["3"] + 16 * c["2"] + 7 * c["н/а"], n) if n else None,
    ]
    mean = Fraction(sum(numeric), len(numeric)) if numeric else None
    return " ".join([str(n), *(str(c[k]) for k in c), *(comma(s) for s in shares), comma(mean, 2)])


def class_categories(data: dict, period_id: str) -> dict[str, set[str]]:
    """The categories of shared/DOMAIN.md over the pupils of N, written out independently."""
    by_pupil: dict[str, list[str]] = {}
    for (pupil, _), value in period_marks(data, period_id).items():
        by_pupil.setdefault(pupil, []).append(value)
    result: dict[str, set[str]] = {"N": set(by_pupil), "excellent": set(), "good": set(), "one_4": set()}
    result["failing"] = {p for p, v in by_pupil.items() if {"1", "2", "н/а"} & set(v)}
    for pupil, values in by_pupil.items():
        if set(values) == {"5"}:
            result["excellent"].add(pupil)
        if set(values) <= {"4", "5"} and "4" in values:
            result["good"].add(pupil)
        if set(values) <= {"4", "5"} and values.count("4") == 1:
            result["one_4"].add(pupil)
    return result


def printed_rows(pdf: Path) -> dict[str, tuple[str, str]]:
    """Subject → (its line for the period, the line of the previous period): pdftotext puts the
    subject's name, centred on its two rows, between them."""
    lines = pdf_lines(pdf)
    return {line: (lines[i - 1], lines[i + 1]) for i, line in enumerate(lines) if line in ("Математика", "История")}


def name(pupil_id: str) -> str:
    return f"Ученик{pupil_id[1:]} Тест"


# --- the tests ---------------------------------------------------------------------------------


def test_the_case_holds_a_leaver_and_half_ties():
    data = figures_export()
    assert "p17" not in on_roll_at_end(data, "5A", "q1")
    assert day("23.10.2025") == day("24.10.2025") - dt.timedelta(days=1)
    assert subject_line(data, "math", "q1").split()[6:] == ["81,3", "81,3", "55,0", "3,63"]  # 81,25 and 3,625


def test_results_leave_out_the_leaver_and_round_half_up(school):
    data, made = school
    rows = printed_rows(made[("results", "5А", Q1)][0])
    for subject, subject_id in (("Математика", "math"), ("История", "hist")):
        assert rows[subject] == (f"{Q1} {subject_line(data, subject_id, 'q1')}", "— нет данных")


def test_a_subject_without_period_marks_keeps_its_row_beside_its_previous_period(school):
    data, made = school
    pdf = made[("results", "5А", Q2)][0]
    rows = printed_rows(pdf)
    assert rows["История"] == (f"{Q2} 0 0 0 0 0 0 — — — —", f"{Q1} {subject_line(data, 'hist', 'q1')}")
    assert rows["Математика"][0] == f"{Q2} {subject_line(data, 'math', 'q2')}"
    assert "Без отметок (зачёт, освоил): Музыка." in pdf_lines(pdf)


def test_xlsx_cells_are_numbers_equal_to_the_pdf(school):
    _, made = school
    pdf, xlsx = made[("results", "5А", Q1)]
    sheet = openpyxl.load_workbook(xlsx).active
    header = [cell.value for cell in sheet[1]]
    printed = {subject: current.split()[2:] for subject, (current, _) in printed_rows(pdf).items()}
    rows = [row for row in sheet.iter_rows(min_row=2) if row[1].value == Q1]
    assert {row[0].value for row in rows} == {"Математика", "История"}
    for row in rows:
        figures = printed[row[0].value]
        for column, cell in enumerate(row[2:], start=2):
            assert cell.data_type == "n", (row[0].value, header[column])
            text = figures[column - 2]
            assert cell.value == (int(text) if "," not in text else float(text.replace(",", "."))), header[column]
            if "," in text:
                assert cell.number_format == ("0.00" if header[column] == "Средний балл" else "0.0")


def test_both_documents_count_the_same_n_and_categories(school):
    data, made = school
    expected = class_categories(data, "q1")
    assert "p17" not in expected["N"] and expected["one_4"] and expected["one_4"] <= expected["good"]
    n = len(expected["N"])
    quality = Fraction(100 * len(expected["excellent"] | expected["good"]), n)
    progress = Fraction(100 * (n - len(expected["failing"])), n)
    results = " ".join(pdf_lines(made[("results", "5А", Q1)][0]))
    report = " ".join(pdf_lines(made[("class-teacher", "5А", Q1)][0]))
    assert f"(N): {n}; успеваемость {comma(progress)} %, качество знаний {comma(quality)} %" in results
    assert f"Обучающихся с отметками за период (N) {n}" in report
    assert f"Успеваемость класса, % {comma(progress)}" in report
    assert f"Качество знаний класса, % {comma(quality)}" in report
    for key, title in (
        ("excellent", "Отличники"),
        ("good", "Хорошисты (только «4» и «5», с одной «4» тоже)"),
        ("one_4", "С одной «4» (они же среди хорошистов)"),
        ("failing", "Неуспевающие (есть «2» или н/а)"),
    ):
        assert f"{title}: {len(expected[key])}" in results, key
        assert f"{title} {len(expected[key])}" in report, key
    assert all(name(p) in results for p in expected["good"])
    assert name("p17") not in results
    rows = {row[1]: row for row in openpyxl.load_workbook(made[("class-teacher", "5А", Q1)][1]).active.values}
    assert rows["Обучающихся с отметками за период (N)"][2] == n
    assert rows["Качество знаний класса, %"][2] == float(comma(quality).replace(",", "."))
    assert rows["Успеваемость класса, %"][2] == float(comma(progress).replace(",", "."))


def test_a_first_grade_class_says_it_is_taught_without_marks(school):
    _, made = school
    for kind in ("results", "class-teacher", "ledger"):
        pdf, xlsx = made[(kind, "1А", Q1)]
        text = " ".join(pdf_lines(pdf))
        assert "Класс обучается без отметок: итоги успеваемости за период не подводятся." in text, kind
        assert "Качество" not in text and "Отличники" not in text, kind
        cells = [cell for row in openpyxl.load_workbook(xlsx).active.values for cell in row if cell]
        assert "Класс обучается без отметок: итоги успеваемости за период не подводятся" in cells, kind
