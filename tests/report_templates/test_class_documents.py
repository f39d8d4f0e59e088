"""The class documents of issue 9 (summary sheet of marks, attendance report and summary sheet,
the class teacher's preliminary and period reports), made by `ejournal report all` on the
committed sample: every figure in each PDF (pdftotext) and XLSX against a computation from the raw
CSV made in tests/report_templates/raw_expect.py; PDF/A metadata; pages inside the margins; a
class of 40 pupils and 20 subjects; role rules."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from report_templates.catalogue import CATALOGUE as KINDS
from report_templates.catalogue import SCHOOL_SET
from report_templates.document_norms import DocumentNorms
from report_templates.output import build_context, render_document
from report_templates.school_set import Failure, render_many
from tests.factories import copy_warehouse, raw, small_sample_warehouse, write_export
from tests.report_templates.big_class import N_PUPILS, big_class_export
from tests.report_templates.page_checks import assert_pages_inside_margins, assert_pdf_a, pdf_lines, pdf_text
from tests.report_templates.pdf_checks import printed_cell
from tests.report_templates.raw_expect import RawClass, comma, rounded

PERIOD = "4 четверть"
MINE = ["ledger", "attendance", "attendance-ledger", "preliminary", "class-teacher"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample's warehouse and the whole school's set for PERIOD made by the CLI (2 workers)."""
    home = tmp_path_factory.mktemp("documents")
    db = copy_warehouse(small_sample_warehouse(tmp_path_factory), home / "w.duckdb")  # the sample, ingested once
    out = home / "out"
    outcome = CliRunner().invoke(app, ["report", "all", "--period", PERIOD, "--out", str(out), "--db", str(db)])
    assert outcome.exit_code == 0, outcome.output
    return db, out


@pytest.fixture(scope="module")
def cls():
    return RawClass(raw)


def document(out: Path, kind: str, suffix: str, period: str = PERIOD) -> Path:
    return out / f"{KINDS[kind].file_stem}-7А-{period.replace(' ', '-')}.{suffix}"


def sheet_rows(path: Path) -> list[list[object]]:
    """The rows of the sheet, figures as printed (number cells in their decimals format)."""
    book = openpyxl.load_workbook(path, read_only=True)
    return [[printed_cell(cell) for cell in row] for row in book.active.iter_rows()]


def test_report_all_makes_every_document_of_the_set(sample):
    _, out = sample
    made = sorted(p.name for p in out.iterdir())
    expected = sorted(
        f"{KINDS[k].file_stem}-7А-{PERIOD.replace(' ', '-')}.{suffix}" for k in SCHOOL_SET for suffix in ("pdf", "xlsx")
    )
    assert made == expected
    assert set(MINE) <= set(SCHOOL_SET)


def test_ledger_prints_every_period_and_year_mark_of_every_pupil(sample, cls):
    _, out = sample
    period = cls.period(PERIOD)
    marks = cls.period_marks()
    subjects = cls.subject_order()
    kinds = [("period", p.period_id, f"{p.number} четв.") for p in cls.periods if p.number <= period.number]
    kinds.append(("year", "", "Год"))
    expected = []
    for pupil in cls.pupils(cls.year_start, period.end):
        for kind, period_id, label in kinds:
            values = [marks.get((pupil, s, kind, period_id), "—") for s in subjects]
            expected.append(f"{label} {' '.join(values)}")
    pattern = re.compile(r"(\d четв\.|Год|Экз\.|Итог\.)((?: (?:[1-5]|н/а|зач|осв|—))+)$")
    got = [m.group(1) + m.group(2) for line in pdf_lines(document(out, "ledger", "pdf")) if (m := pattern.search(line))]
    assert got == expected
    text = pdf_text(document(out, "ledger", "pdf"))
    assert "выбыл(а) 19.11.2025" in text and "прибыл(а) 10.12.2025" in text
    assert "Решение" in text and "педагогического" in text
    # the XLSX: the same marks, numbers as numbers
    rows = sheet_rows(document(out, "ledger", "xlsx"))
    assert rows[0][3:-1] == [cls.subjects[s] for s in subjects]
    cells = [f"{r[2]} {' '.join('—' if v is None else str(v) for v in r[3:-1])}" for r in rows[1:]]
    assert cells == expected
    assert any(isinstance(v, int) for r in rows[1:] for v in r[3:-1])


def _attendance_figures(f: dict) -> list[str]:
    pct = comma(100 * f["missed"] / f["lessons"]) if f["lessons"] else "—"
    return [
        str(v)
        for v in (
            f["missed"],
            f["excused"],
            f["illness"],
            f["missed"] - f["excused"],
            f["late"],
            f["days"],
            f["days_excused"],
            f["lessons"],
        )
    ] + [pct]


def test_attendance_report_by_month_and_for_the_period(sample, cls):
    _, out = sample
    period = cls.period(PERIOD)
    figures = cls.attendance(period.start, period.end)
    months = [(2026, 4), (2026, 5)]  # April and May: the months of 06.04–26.05.2026
    assert (period.start.month, period.end.month) == (4, 5)
    lines = pdf_lines(document(out, "attendance", "pdf"))
    rows = sheet_rows(document(out, "attendance", "xlsx"))
    pupils = cls.pupils(period.start, period.end)
    assert len(rows) == 1 + len(pupils) + 1
    for number, pupil in enumerate(pupils, start=1):
        f = figures[pupil]
        values = [str(f[("month", y, m)]) for y, m in months] + _attendance_figures(f)
        tail = " ".join(values)
        assert any(line.startswith(f"{number} ") and line.endswith(tail) for line in lines), (pupil, tail)
        assert [str(v) for v in rows[number][2:]] == values
    total: dict = {}
    for pupil in pupils:
        for key, value in figures[pupil].items():
            total[key] = total.get(key, 0) + value
    total_values = [str(total.get(("month", y, m), 0)) for y, m in months] + _attendance_figures(total)
    assert f"Итого по классу {' '.join(total_values)}" in lines
    assert [str(v) for v in rows[-1][2:]] == total_values
    chronic = [p for p in pupils if figures[p]["lessons"] and figures[p]["missed"] / figures[p]["lessons"] >= 0.1]
    text = " ".join(lines)
    assert f"Пропустили 10 % уроков и более: {len(chronic)}" in text
    assert all(cls.names[p] in text for p in chronic)


def test_attendance_summary_sheet_for_the_period_and_the_year(sample, cls):
    _, out = sample
    period = cls.period(PERIOD)
    in_period = cls.attendance(period.start, period.end)
    in_year = cls.attendance(cls.year_start, period.end)
    lines = pdf_lines(document(out, "attendance-ledger", "pdf"))
    rows = sheet_rows(document(out, "attendance-ledger", "xlsx"))
    keys = ("days", "days_excused", "days_illness", "missed", "excused", "illness", "late")
    for number, pupil in enumerate(cls.pupils(period.start, period.end), start=1):
        values = [str(in_period[pupil][k]) for k in keys] + [str(in_year[pupil][k]) for k in keys]
        tail = " ".join(values)
        assert any(line.startswith(f"{number} ") and line.endswith(tail) for line in lines), (pupil, tail)
        assert [str(v) for v in rows[number][2:]] == values


def test_preliminary_report_weighted_averages_forecasts_and_risks(sample, cls):
    _, out = sample
    period = cls.period(PERIOD)
    current = cls.weighted(period.start, period.end)
    subjects = cls.subject_order()
    lines = pdf_lines(document(out, "preliminary", "pdf"))
    averages = [line.split("ср. взв.")[1].split() for line in lines if "ср. взв." in line]
    forecasts = [line.split("прогноз ")[1].split() for line in lines if re.search(r"прогноз( [2-5—])+$", line)]
    counts = [line.split("отметок ")[1].split() for line in lines if re.search(r"отметок( \d+)+$", line)]
    pupils = cls.pupils(period.end, period.end)
    assert len(averages) == len(forecasts) == len(counts) == len(pupils)
    at_risk = {}
    figures = cls.attendance(period.start, period.end)
    for i, pupil in enumerate(pupils):
        numbers = averages[i][: len(subjects)]
        reasons = []
        for j, subject in enumerate(subjects):
            n, average = current[(pupil, subject)]
            assert abs(float(numbers[j].replace(",", ".")) - average) <= 0.005 + 1e-9, (pupil, subject)
            assert forecasts[i][j] == str(rounded(average)), (pupil, subject, average)
            assert counts[i][j] == str(n)
            if rounded(average) <= 2:
                reasons.append(f"{cls.subjects[subject]}: прогноз «2»")
            if n < 3:
                reasons.append(f"{cls.subjects[subject]}: мало отметок ({n} из 3)")
        f = figures[pupil]
        if f["lessons"] and f["missed"] / f["lessons"] >= 0.1:
            reasons.append(f"пропущено {comma(100 * f['missed'] / f['lessons'])} % уроков")
        if reasons:
            at_risk[cls.names[pupil]] = reasons
    text = " ".join(lines)
    assert f"Ученики в зоне риска: {len(at_risk)}" in text
    risk_section = text.split("Ученики в зоне риска")[1]
    for name, reasons in at_risk.items():
        assert name in risk_section
        assert all(reason in risk_section for reason in reasons), (name, reasons)
    rows = sheet_rows(document(out, "preliminary", "xlsx"))
    assert len(rows) == 1 + len(pupils) * len(subjects)
    for row in rows[1:]:
        pupil = next(p for p in pupils if cls.names[p] == row[1])
        subject = next(s for s in subjects if cls.subjects[s] == row[2])
        n, average = current[(pupil, subject)]
        assert row[3] == n and row[5] == rounded(average)
        assert abs(float(row[4].replace(",", ".")) - average) <= 0.005 + 1e-9


def test_rounding_rule_follows_the_school_threshold():
    norms = DocumentNorms()
    for average, mark in ((4.65, 5), (4.64, 4), (3.65, 4), (3.6499, 3), (2.65, 3), (2.64, 2), (5.0, 5), (1.2, 2)):
        assert norms.rounded_mark(average) == mark, average
    assert DocumentNorms(rounding_threshold=0.5).rounded_mark(3.5) == 4
    assert DocumentNorms(rounding_threshold=0.5).rounded_mark(3.49) == 3


def test_class_teacher_report_movement_results_and_attendance(sample, cls, tmp_path):
    db, _ = sample
    period = cls.period("2 четверть")
    with duckdb.connect(str(db), read_only=True) as con:
        made = render_document(
            con, Viewer("z", Role.DEPUTY, "sch-0001"), "class-teacher", "7А", period.name, tmp_path, ["pdf", "xlsx"]
        )
    pdf, xlsx = made.paths
    text = " ".join(pdf_lines(pdf))
    at_start = cls.pupils(period.start, period.start)
    during = cls.pupils(period.start, period.end)
    at_end = cls.pupils(period.end, period.end)
    arrived = [p for p in during if p not in at_start]
    left = [p for p in during if p not in at_end]
    assert arrived and left  # the sample has one of each in this quarter
    marks: dict[str, list[int | None]] = {}
    for m in raw("period_marks"):
        if (
            m["period_id"] == period.period_id
            and m["pupil_id"] in at_end
            and m["mark_value"] in ("2", "3", "4", "5", "н/а")
        ):
            marks.setdefault(m["pupil_id"], []).append(None if m["mark_value"] == "н/а" else int(m["mark_value"]))
    n = len(marks)
    failing = [p for p, v in marks.items() if any(x is None or x <= 2 for x in v)]
    top = [p for p, v in marks.items() if all(x in (4, 5) for x in v if x is not None) and None not in v]
    excellent = [p for p, v in marks.items() if all(x == 5 for x in v)]
    figures = cls.attendance(period.start, period.end)
    missed = sum(figures[p]["missed"] for p in during)
    lessons = sum(figures[p]["lessons"] for p in during)
    expected = {
        f"Обучающихся на начало периода ({period.start:%d.%m.%Y})": len(at_start),
        "Прибыло за период": len(arrived),
        "Выбыло за период": len(left),
        f"Обучающихся на конец периода ({period.end:%d.%m.%Y})": len(at_end),
        "Обучающихся с отметками за период (N)": n,
        "Отличники": len(excellent),
        "Неуспевающие (есть «2» или н/а)": len(failing),
        "Успеваемость класса, %": comma(100 * (n - len(failing)) / n),
        "Качество знаний класса, %": comma(100 * len(top) / n),
        "Пропущено уроков": missed,
        "из них по болезни": sum(figures[p]["illness"] for p in during),
        "Пропущено дней": sum(figures[p]["days"] for p in during),
        "Опозданий": sum(figures[p]["late"] for p in during),
        "Доля пропущенных уроков, %": comma(100 * missed / lessons),
    }
    for label, value in expected.items():
        assert f"{label} {value}" in text, label
    assert all(cls.names[p] in text for p in arrived + left + failing)
    rows = {(r[1]): r[2] for r in sheet_rows(xlsx)[1:]}
    for label, value in expected.items():
        assert str(rows[label]) == str(value), label


def test_every_document_is_pdf_a_and_inside_its_margins(sample, tmp_path):
    _, out = sample
    for kind in MINE:
        pdf = document(out, kind, "pdf")
        assert_pdf_a(pdf, KINDS[kind].title)
        assert_pages_inside_margins(pdf, tmp_path)
        text = pdf_text(pdf)
        assert "МБОУ «СОШ № 1»" in text and "стр. 1 из" in text and "М. П." in text
        assert "Классный руководитель" in text and "Директор" in text


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    home = tmp_path_factory.mktemp("big")
    db = home / "w.duckdb"
    ingest_path(write_export(big_class_export(), home / "export"), db)
    return db, home


@pytest.mark.parametrize("kind", ["ledger", "preliminary", "attendance", "attendance-ledger"])
def test_forty_pupils_and_twenty_subjects_fit_the_pages(big, kind, tmp_path):
    db, _ = big
    with duckdb.connect(str(db), read_only=True) as con:
        made = render_document(con, Viewer("z", Role.DEPUTY, "sch-test"), kind, "5А", "2 четверть", tmp_path, ["pdf"])
    pdf = made.paths[0]
    pages = assert_pages_inside_margins(pdf, tmp_path)
    lines = pdf_lines(pdf)
    if kind == "ledger":
        assert (
            sum(1 for line in lines if re.search(r"(1 четв\.|2 четв\.|Год)( (?:[1-5]|н/а)){20}$", line)) == 3 * N_PUPILS
        )
        assert "ОБЗР-20 — Основы безопасности и защиты Родины, модуль 20" in " ".join(lines)
    if kind == "preliminary":
        assert sum(1 for line in lines if re.search(r"прогноз( [2-5]){20}$", line)) == N_PUPILS
    assert pages >= 2
    assert f"стр. {pages} из {pages}" in " ".join(lines)


def test_roles(sample, cls):
    db, _ = sample
    class_teacher = cls.klass["class_teacher_id"]
    other = next(t["teacher_id"] for t in raw("teachers") if t["teacher_id"] != class_teacher)
    with duckdb.connect(str(db), read_only=True) as con:
        for kind in MINE:
            for viewer in (
                Viewer("d", Role.DIRECTOR, "sch-0001"),
                Viewer("s", Role.PARENT_COUNCIL, "sch-0001"),
                Viewer("a", Role.ADMIN, "sch-0001"),
                Viewer("t", Role.TEACHER, "sch-0001", other),
            ):
                with pytest.raises(AccessError, match="недоступен для вашей роли"):
                    build_context(con, viewer, kind, "7А", PERIOD)
            with pytest.raises(AccessError, match="недоступен для вашей учётной записи"):
                build_context(con, Viewer("k2", Role.CLASS_TEACHER, "sch-0001", other), kind, "7А", PERIOD)
            assert build_context(con, Viewer("k", Role.CLASS_TEACHER, "sch-0001", class_teacher), kind, "7А", PERIOD)
            assert build_context(con, Viewer("z", Role.DEPUTY, "sch-0001"), kind, "7А", PERIOD)
        with pytest.raises(AccessError, match="Нет класса «9Я»"):
            build_context(con, Viewer("z", Role.DEPUTY, "sch-0001"), "ledger", "9Я", PERIOD)


def test_cli_refuses_unknown_kind_class_and_period(sample, tmp_path):
    db, _ = sample
    runner = CliRunner()
    for args, message in (
        (["report", "nothing"], "неизвестный документ «nothing»"),
        (["report", "ledger", "--class", "9Я", "--period", PERIOD], "нет класса «9Я»"),
        (["report", "all", "--period", "5 четверть"], "нет периода «5 четверть»"),
    ):
        outcome = runner.invoke(app, [*args, "--out", str(tmp_path), "--db", str(db)])
        assert outcome.exit_code == 2, outcome.output
        assert message in outcome.output
    assert not list(tmp_path.iterdir())


def test_ledger_shows_half_year_marks_after_the_quarters(tmp_path, tiny):
    tiny["periods"].append(
        {
            "period_id": "h1",
            "academic_year_id": "2025/2026",
            "period_kind_code": "half_year",
            "period_number": "1",
            "period_name": "1 полугодие",
            "start_date": "01.09.2025",
            "end_date": "26.12.2025",
            "grades": "",
        }
    )
    base = dict(tiny["period_marks"][0], entered_at="26.12.2025 16:00")
    tiny["period_marks"] += [
        dict(base, period_id="q2", mark_value="4"),
        dict(base, period_id="h1", mark_value="5"),
    ]
    db = tmp_path / "w.duckdb"
    ingest_path(write_export(tiny, tmp_path / "e"), db)
    with duckdb.connect(str(db), read_only=True) as con:
        ctx = build_context(con, Viewer("z", Role.DEPUTY, "sch-test"), "ledger", "5А", "2 четверть")
    assert ctx.row_labels == ["1 четв.", "2 четв.", "1 полуг."]
    andreev = next(b for b in ctx.pupils if b.pupil.full_name == "Андреев Антон")
    maths = [s.subject_id for s in ctx.subjects].index("math")
    assert [row.marks[maths] for row in andreev.rows] == ["5", "4", "5"]


def test_a_failing_document_is_reported_and_the_others_are_made(sample, tmp_path):
    db, _ = sample
    targets = [("ledger", "9Я", PERIOD), ("attendance", "7А", PERIOD)]
    results = list(render_many(db, Viewer("z", Role.DEPUTY, "sch-0001"), targets, tmp_path, ["xlsx"], workers=1))
    failed = [r for r in results if isinstance(r, Failure)]
    made = [r for r in results if not isinstance(r, Failure)]
    assert [(f.kind, f.class_name) for f in failed] == [("ledger", "9Я")]
    assert "Нет класса «9Я»" in failed[0].message
    assert [r.kind for r in made] == ["attendance"] and made[0].paths[0].exists()


def test_cli_asks_which_school_when_the_warehouse_holds_several(tmp_path, tiny, small_sample_db):
    db = copy_warehouse(small_sample_db, tmp_path / "w.duckdb")  # the sample, ingested once
    ingest_path(write_export(tiny, tmp_path / "e"), db)
    runner = CliRunner()
    outcome = runner.invoke(app, ["report", "attendance", "--out", str(tmp_path / "o"), "--db", str(db)])
    assert outcome.exit_code == 2 and "несколько школ" in outcome.output and "sch-test" in outcome.output
    args = ["report", "attendance", "--school", "sch-test", "--period", "1 четверть", "--format", "xlsx"]
    outcome = runner.invoke(app, [*args, "--out", str(tmp_path / "o"), "--db", str(db)])
    assert outcome.exit_code == 0, outcome.output
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["посещаемость-5А-1-четверть.xlsx"]


def test_workers_that_die_leave_a_message_for_every_document(tmp_path):
    targets = [("ledger", "7А", PERIOD), ("attendance", "7А", PERIOD), ("results", "7А", PERIOD)]
    results = list(
        render_many(tmp_path / "missing.duckdb", Viewer("z", Role.DEPUTY, "sch-0001"), targets, tmp_path, ["pdf"])
    )
    assert len(results) == 3 and all(isinstance(r, Failure) for r in results)
    assert sorted(r.kind for r in results) == ["attendance", "ledger", "results"]
    assert all("аварийно" in r.message or "не осталось процессов" in r.message for r in results)


def test_preliminary_report_lists_the_models_risks_in_pdf_and_xlsx(sample, cls):
    """The forecast model's «в зоне риска» list (warehouse/forecast, tested in tests/objectivity)
    is printed as the model gives it, and the XLSX carries the same probabilities."""
    import duckdb

    from ejournal.access.accounts import Role
    from ejournal.access.viewer import Viewer
    from ejournal.settings import Norms
    from warehouse.forecast.predict import class_risks
    from warehouse.objectivity_norms import ObjectivityNorms

    db, out = sample
    period = cls.period(PERIOD)
    with duckdb.connect(str(db), read_only=True) as con:
        class_id, as_of = con.execute(
            "select c.class_id, least(p.end_date, (select max(lesson_date) from fct_lesson)) from dim_class as c, "
            "dim_period as p where c.class_name = '7А' and p.period_name = ?",
            [PERIOD],
        ).fetchone()
        risks = class_risks(con, Viewer("t", Role.DEPUTY, "sch-0001"), class_id, as_of, ObjectivityNorms.of(Norms()))
    assert as_of <= period.end
    text = " ".join(pdf_lines(document(out, "preliminary", "pdf")))
    section = text.split("Прогноз модели")[1]
    assert f"не меньше 30 %: {len(risks)}" in section
    names = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    rows = sheet_rows(document(out, "preliminary", "xlsx"))
    by_cell = {(row[1], row[2]): row[7] for row in rows[1:]}
    for (pupil, subject), (mark, probability) in risks.items():
        percent = comma(probability * 100, 0)
        assert f"{cls.names[pupil]} {names[subject]} {mark} {percent}" in section
        assert by_cell[(cls.names[pupil], names[subject])] == percent
    assert sum(1 for value in by_cell.values() if value) == len(risks)
