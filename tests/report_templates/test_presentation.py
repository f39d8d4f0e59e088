"""The parent-council deck: every figure against a count made here from the raw sample CSV (standard
library only), no pupil or teacher name in its text, a small class suppressed, slides inside the
page and charts as vector graphics."""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from ejournal.settings import load_norms
from pipelines.ingest import ingest_path
from report_templates.presentation import context, render
from tests.factories import raw, sample_export, write_export
from tests.report_templates.pdf_checks import (
    assert_pages_inside_margins,
    assert_pdf_a,
    load_sample,
    pdf_lines,
    pdf_text,
    printed_cell,
)
from tests.report_templates.raw_expect import comma
from warehouse.db import connect

DIRECTOR = Viewer("director", Role.DIRECTOR, "sch-0001")
COUNCIL = Viewer("sovet", Role.PARENT_COUNCIL, "sch-0001")
PERIOD, PREVIOUS = "2 четверть", "1 четверть"
NUMERIC = {"1", "2", "3", "4", "5"}
MISSED = {"н", "у", "б"}


def day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text[:10], "%d.%m.%Y").date() if text else None


def fmt(value: float | None, digits: int = 1) -> str:
    """Rounded half up on the exact value, as shared/DOMAIN.md asks (55,25 → 55,3)."""
    return comma(value, digits)


def half_up(value: float, digits: int) -> Decimal:
    """The figure as printed, as a number (for the changes between printed figures)."""
    return Decimal(comma(value, digits).replace(",", "."))


def period_row(name: str) -> dict:
    return next(p for p in raw("periods") if p["period_name"] == name)


def on_roll(pupil_id: str, when: dt.date) -> bool:
    return any(
        e["pupil_id"] == pupil_id and day(e["start_date"]) <= when and (not e["end_date"] or day(e["end_date"]) >= when)
        for e in raw("enrolments")
    )


def expected_results(name: str, key=None) -> dict:
    """Standard period summary over pupil-subject period marks of pupils on roll at the period end."""
    p = period_row(name)
    end = day(p["end_date"])
    subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    groups = defaultdict(list)
    for m in raw("period_marks"):
        if m["mark_kind_code"] != "period" or m["period_id"] != p["period_id"] or not on_roll(m["pupil_id"], end):
            continue
        if m["mark_value"] in NUMERIC or m["mark_value"] == "н/а":
            groups[subjects[m["subject_id"]] if key == "subject" else None].append(m)
    out = {}
    for group, marks in groups.items():
        n = len(marks)
        c = {v: sum(m["mark_value"] == v for m in marks) for v in ("5", "4", "3")}
        n2 = sum(m["mark_value"] in ("1", "2") for m in marks)
        nna = sum(m["mark_value"] == "н/а" for m in marks)
        numeric = [int(m["mark_value"]) for m in marks if m["mark_value"] in NUMERIC]
        out[group] = {
            "n": len({m["pupil_id"] for m in marks}),
            "progress": 100 * (c["5"] + c["4"] + c["3"]) / n,
            "quality": 100 * (c["5"] + c["4"]) / n,
            "sou": (100 * c["5"] + 64 * c["4"] + 36 * c["3"] + 16 * n2 + 7 * nna) / n,
            "mean": sum(numeric) / len(numeric),
        }
    return out


def expected_attendance(name: str) -> dict:
    p = period_row(name)
    start, end = day(p["start_date"]), day(p["end_date"])
    lessons = {row["lesson_id"]: day(row["lesson_date"]) for row in raw("lessons")}
    per_pupil, per_day = defaultdict(lambda: [0, 0]), defaultdict(list)
    codes = defaultdict(int)
    for a in raw("attendance"):
        when = lessons[a["lesson_id"]]
        if not start <= when <= end:
            continue
        code = a["absence_code"]
        per_pupil[a["pupil_id"]][0] += 1
        per_pupil[a["pupil_id"]][1] += code in MISSED
        per_day[(a["pupil_id"], when)].append(code)
        codes[code] += 1
    days = [c for c in per_day.values() if all(x in MISSED for x in c)]
    pupils = len(per_pupil)
    missed = codes["н"] + codes["у"] + codes["б"]
    chronic = sum(m >= 0.1 * n for n, m in per_pupil.values())
    return {
        "Учеников": str(pupils),
        "Пропущено уроков всего": str(missed),
        "без уважительной причины": str(codes["н"]),
        "по уважительной причине": str(codes["у"] + codes["б"]),
        "из них по болезни": str(codes["б"]),
        "Пропущено дней всего": str(len(days)),
        "из них без уважительной причины": str(sum("н" in c for c in days)),
        "Пропущено уроков на ученика": fmt(missed / pupils),
        "Пропустили 10 % уроков и больше, % учеников": fmt(100 * chronic / pupils),
    }


def expected_journal(name: str) -> dict:
    p = period_row(name)
    start, end = day(p["start_date"]), day(p["end_date"])
    rows = [r for r in raw("lessons") if start <= day(r["lesson_date"]) <= end]
    n = len(rows)
    on_time = sum(
        bool(r["lesson_entered_at"]) and (day(r["lesson_entered_at"]) - day(r["lesson_date"])).days <= 2 for r in rows
    )
    return {
        "Уроков проведено": str(n),
        "Записана тема урока, %": fmt(100 * sum(bool(r["topic"].strip()) for r in rows) / n),
        "Урок записан не позднее 2 дн., %": fmt(100 * on_time / n),
        "Записано домашнее задание, %": fmt(100 * sum(bool(r["homework"].strip()) for r in rows) / n),
    }


def expected_objectivity(name: str, external: list[dict[str, str]] | None = None) -> dict:
    """Period marks against the 0.65 rounding rule of the weighted current marks; ВПР of the year
    (of the sample's external_results.csv, or of the rows given)."""
    p = period_row(name)
    start, end = day(p["start_date"]), day(p["end_date"])
    lessons = {r["lesson_id"]: r for r in raw("lessons")}
    weights = {w["work_type_id"]: float(w["weight"].replace(",", ".")) for w in raw("work_types")}
    sums = defaultdict(lambda: [0.0, 0.0])
    for m in raw("marks"):
        lesson = lessons[m["lesson_id"]]
        if not start <= day(lesson["lesson_date"]) <= end:
            continue
        parts = m["mark_value"].split("/")
        if not all(x in NUMERIC for x in parts):
            continue
        w = float(m["weight"].replace(",", ".")) if m["weight"] else weights[m["work_type_id"]]
        for x in parts:
            sums[(m["pupil_id"], lesson["subject_id"])][0] += int(x) * w
            sums[(m["pupil_id"], lesson["subject_id"])][1] += w
    match = raised = lowered = 0
    for m in raw("period_marks"):
        key = (m["pupil_id"], m["subject_id"])
        if m["period_id"] != p["period_id"] or m["mark_value"] not in NUMERIC or key not in sums:
            continue
        if not on_roll(m["pupil_id"], end):
            continue
        avg = sums[key][0] / sums[key][1]
        rule = 5 if avg >= 4.65 - 1e-9 else 4 if avg >= 3.65 - 1e-9 else 3 if avg >= 2.65 - 1e-9 else 2
        mark = int(m["mark_value"])
        match, raised, lowered = match + (mark == rule), raised + (mark > rule), lowered + (mark < rule)
    n = match + raised + lowered
    starts = {q["period_id"]: day(q["start_date"]) for q in raw("periods")}
    journal = defaultdict(list)
    for m in raw("period_marks"):
        if m["mark_kind_code"] == "period":
            journal[(m["pupil_id"], m["subject_id"])].append(m)
    kinds = []
    for r in raw("external_results") if external is None else external:
        when = day(r["assessment_date"])
        before = [m for m in journal[(r["pupil_id"], r["subject_id"])] if starts[m["period_id"]] <= when]
        if r["assessment_code"] != "ВПР" or not before:
            continue
        mark = max(before, key=lambda m: starts[m["period_id"]])["mark_value"]
        if mark in NUMERIC and r["mark_value"] in NUMERIC:
            gap = int(r["mark_value"]) - int(mark)
            kinds.append("down" if gap < 0 else "same" if gap == 0 else "up")
    v = len(kinds)
    return {
        "Отметок за период сверено с текущими": str(n),
        "совпадают с правилом округления, %": fmt(100 * match / n),
        "выше средневзвешенного, %": fmt(100 * raised / n),
        "ниже средневзвешенного, %": fmt(100 * lowered / n),
        "ВПР 2025/2026: участников": str(v),
        "понизили отметку журнала, %": fmt(100 * kinds.count("down") / v),
        "подтвердили, %": fmt(100 * kinds.count("same") / v),
        "повысили, %": fmt(100 * kinds.count("up") / v),
    }


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return load_sample(tmp_path_factory)


@pytest.fixture(scope="module")
def deck(sample_db):
    with connect(sample_db, read_only=True) as con:
        return context.build(con, COUNCIL, PERIOD, load_norms())


@pytest.fixture(scope="module")
def deck_pdf(deck, tmp_path_factory) -> Path:
    return render.pdf(deck, tmp_path_factory.mktemp("deck") / "deck.pdf")


def slide(deck, title: str):
    return next(s for s in deck.slides if s.title == title)


def test_key_figures_and_conclusions_equal_raw_counts(deck):
    now, before = expected_results(PERIOD)[None], expected_results(PREVIOUS)[None]
    key_slide = slide(deck, "Главные цифры")
    rows = {r[0]: r for r in key_slide.rows}
    for label, key, digits in (
        ("Успеваемость, %", "progress", 1),
        ("Качество знаний, %", "quality", 1),
        ("СОУ, %", "sou", 1),
        ("Средний балл", "mean", 2),
    ):
        delta = half_up(now[key], digits) - half_up(before[key], digits)
        # an arrow only for a change as printed that is not zero; «без изменений» has no arrow nor colour
        change = ("↑ " if delta > 0 else "↓ ") + fmt(abs(delta), digits) if delta else "без изменений"
        assert rows[label][1:4] == [fmt(now[key], digits), fmt(before[key], digits), change]
        tone = key_slide.tones.get((key_slide.rows.index(rows[label]), 3))
        assert tone == ("good" if delta > 0 else "bad" if delta < 0 else None), label
    missed = [
        Decimal(expected_attendance(p)["Пропущено уроков на ученика"].replace(",", ".")) for p in (PERIOD, PREVIOUS)
    ]
    missed_row = rows["Пропущено уроков на ученика"]
    tone = key_slide.tones.get((key_slide.rows.index(missed_row), 3))
    assert tone == ("bad" if missed[0] > missed[1] else "good" if missed[0] < missed[1] else None)  # fewer is good
    quality = half_up(now["quality"], 1) - half_up(before["quality"], 1)
    verb = "выросло" if quality > 0 else "снизилось"
    expected = f"Качество знаний {verb} на {fmt(abs(quality))} п.п. по сравнению с 1 четвертью."
    assert expected in slide(deck, "Главные цифры").conclusions or quality == 0
    attendance = expected_attendance(PERIOD)
    assert rows["Пропущено уроков на ученика"][1] == attendance["Пропущено уроков на ученика"]
    assert rows["Уроки с записанной темой, %"][1] == expected_journal(PERIOD)["Записана тема урока, %"]


def test_results_by_subject_and_parallel_equal_raw_counts(deck):
    by_subject, before = expected_results(PERIOD, "subject"), expected_results(PREVIOUS, "subject")
    rows = slide(deck, "Итоги по предметам").rows
    assert [r[0] for r in rows] == sorted(by_subject)
    for row in rows:
        e = by_subject[row[0]]
        assert row[1:] == [
            str(e["n"]),
            fmt(e["progress"]),
            fmt(e["quality"]),
            fmt(e["sou"]),
            fmt(e["mean"], 2),
            fmt(before[row[0]]["quality"]),
        ]
    school = expected_results(PERIOD)[None]
    (grade,) = slide(deck, "Итоги по параллелям").rows
    assert grade[:6] == [
        "7 классы",
        str(school["n"]),
        fmt(school["progress"]),
        fmt(school["quality"]),
        fmt(school["sou"]),
        fmt(school["mean"], 2),
    ]


def test_attendance_journal_and_objectivity_equal_raw_counts(deck):
    for title, expected in (
        ("Посещаемость", expected_attendance(PERIOD)),
        ("Ведение электронного журнала", expected_journal(PERIOD)),
        ("Объективность отметок", expected_objectivity(PERIOD)),
    ):
        got = {r[0]: r[1] for r in slide(deck, title).rows}
        assert got == expected, title
    previous = {r[0]: r[2] for r in slide(deck, "Посещаемость").rows}
    assert previous == expected_attendance(PREVIOUS)


def test_class_sizes_equal_raw_enrolments_and_small_counts_are_hidden(deck):
    p = period_row(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    stays = [(day(e["start_date"]), day(e["end_date"])) for e in raw("enrolments")]
    n_start = sum(s <= start and (e is None or e >= start) for s, e in stays)
    n_end = sum(s <= end and (e is None or e >= end) for s, e in stays)
    arrived = sum(start < s <= end for s, _ in stays)
    left = sum(e is not None and start <= e < end for _, e in stays)
    shown = [str(x) if x == 0 or x >= 5 else "< 5" for x in (n_start, arrived, left, n_end)]
    rows = slide(deck, "Наполняемость классов и движение учащихся").rows
    assert rows[0] == ["7А", *shown]
    assert rows[-1] == ["Всего", *shown]


def printed(cells: list[str], lines: list[str]) -> bool:
    """A line of the PDF text holds the cells in order (a chart beside the table may add its labels between)."""
    for line in lines:
        rest = line.replace(" ", "")  # pdftotext may drop the narrow space of «< 5»
        for cell in (c.replace(" ", "").replace("\u00a0", "") for c in cells):
            at = rest.find(cell)
            if at < 0:
                break
            rest = rest[at + len(cell) :]
        else:
            return True
    return False


def test_pdf_prints_the_same_figures_without_names(deck, deck_pdf):
    lines = pdf_lines(deck_pdf)
    text = " ".join(lines)
    for s in deck.slides:
        assert " ".join(s.headline.split()) in text
        if s.chart is None:  # a table slide prints its table
            for row in s.rows:
                assert printed(row[1:], lines), (s.title, row)
        else:  # a chart slide shows the chart alone (its table is in the XLSX): every bar's value
            for trace in s.chart.data:
                values = [t for t in trace.text if t]
                assert values and all(value.replace("\u00a0", " ") in text for value in values), (s.title, values)
        if s.title.startswith("Итоги по"):  # the bars are the table's «Качество, %», raw-checked above
            assert list(s.chart.data[0].text) == [row[3] if row[3] != "< 5" else "" for row in s.rows]
        for line in s.conclusions:
            assert line in text
    assert "Данные электронного журнала на 01.06.2026" in text
    assert "2 четверть 2025/2026 учебного года" in text
    for person in [*raw("pupils"), *raw("teachers")]:
        assert person["last_name"] not in text
        assert f"{person['first_name']} {person['middle_name']}".strip() not in text


def test_pdf_is_16_9_pdf_a_with_vector_charts_inside_the_page(deck, deck_pdf, tmp_path):
    assert_pdf_a(deck_pdf, "Итоги учебного периода")
    info = subprocess.run(["pdfinfo", str(deck_pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert abs(width / height - 16 / 9) < 0.01
    pages = 1 + len(deck.slides) + sum(bool(s.conclusions) for s in deck.slides) + bool(deck.missing)
    assert f"Pages:           {pages}" in info  # title, a page a slide, its conclusions, the closing note
    images = subprocess.run(["pdfimages", "-list", str(deck_pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) == 2, "a chart was embedded as a raster image"
    charts = [s for s in deck.slides if s.chart is not None]
    assert len(charts) >= 4
    text = pdf_text(deck_pdf)
    for chart in charts:
        assert chart.chart.layout.title.text in text  # the chart's own text is in the PDF: drawn as vectors
    assert assert_pages_inside_margins(deck_pdf, tmp_path) == pages


def test_small_class_is_suppressed_for_the_council_and_shown_to_the_deputy(tmp_path):
    data = sample_export()
    base = raw("classes")[0]
    data["classes"].append({**base, "class_id": "2025-7Б", "class_name": "7Б"})
    q2 = period_row(PERIOD)
    for i in range(3):
        pupil = f"p-small-{i}"
        data["pupils"].append({**raw("pupils")[0], "pupil_id": pupil, "last_name": f"Малышев{i}"})
        data["enrolments"].append(
            {"pupil_id": pupil, "class_id": "2025-7Б", "start_date": "01.09.2025", "end_date": "",
             "arrival_reason": "начало года", "departure_reason": ""}
        )  # fmt: skip
        data["period_marks"].append(
            {**raw("period_marks")[0], "pupil_id": pupil, "period_id": q2["period_id"], "mark_value": "5"}
        )
    cu = raw("curriculum")[0]
    data["curriculum"].append({**cu, "class_id": "2025-7Б"})
    folder = write_export(data, tmp_path / "export")
    (result,) = ingest_path(folder, tmp_path / "w.duckdb")
    assert result.status == "loaded", [i.message for i in result.issues][:5]
    with connect(tmp_path / "w.duckdb", read_only=True) as con:
        council = context.build(con, COUNCIL, PERIOD, load_norms())
        deputy = context.build(con, Viewer("zavuch", Role.DEPUTY, "sch-0001"), PERIOD, load_norms())
    rows = {r[0]: r for r in slide(council, "Наполняемость классов и движение учащихся").rows}
    assert rows["7Б"][1:] == ["< 5"] * 4
    deputy_rows = {r[0]: r for r in slide(deputy, "Наполняемость классов и движение учащихся").rows}
    assert deputy_rows["7Б"][1:] == ["3", "0", "0", "3"]
    # «Всего» minus 7А would give 7Б away: 7А is hidden with it, and «Всего» is still the true total
    assert rows["7А"][1:] == ["< 5"] * 4
    whole = [int(a) + int(b) for a, b in zip(deputy_rows["7А"][1:], deputy_rows["7Б"][1:], strict=True)]
    assert rows["Всего"][1:] == [str(n) if n == 0 or n >= 5 else "< 5" for n in whole]
    pdf = render.pdf(council, tmp_path / "deck.pdf")
    text = pdf_text(pdf)
    assert "7Б" in text and "< 5" in text and "Малышев" not in text


def test_teacher_is_refused(sample_db):
    with connect(sample_db, read_only=True) as con, pytest.raises(AccessError):
        context.build(con, Viewer("uchitel", Role.TEACHER, "sch-0001", "t-0001-001"), PERIOD, load_norms())


def thin(text: str) -> str:
    """A count as the slide prints it: thousands split by a no-break space («1 234»)."""
    return f"{int(text):,}".replace(",", "\u00a0") if text.isdigit() else text


def test_xlsx_repeats_every_slide_table(deck, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(render.xlsx(deck, tmp_path / "deck.xlsx"), read_only=True)
    assert len(book.worksheets) == len(deck.slides)
    numbers = 0
    for sheet, s in zip(book.worksheets, deck.slides, strict=True):
        rows = [[printed_cell(c) for c in row if c.value is not None] for row in sheet.iter_rows()]
        # the slides' counts are number cells too: as printed, whole numbers without decimals
        rows = [[str(v) if isinstance(v, int | float) else v for v in row] for row in rows]
        assert rows[1] == [s.title] and rows[3] == s.header
        assert [[thin(v) for v in row] for row in rows[4 : 4 + len(s.rows)]] == s.rows
        numbers += sum(c.data_type == "n" for row in sheet.iter_rows(min_row=5) for c in row)
    assert numbers  # the figures are numbers, not texts


def test_cli_writes_the_deck_and_names_a_missing_period(sample_db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    done = runner.invoke(app, ["presentation", "--period", PERIOD, "--out", str(tmp_path), "--db", str(sample_db)])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "презентация-2-четверть-2025-2026.pdf",
        "презентация-2-четверть-2025-2026.xlsx",
    ]
    assert "«< 5»" in pdf_text(tmp_path / "презентация-2-четверть-2025-2026.pdf")  # built as the director sees it
    missing = runner.invoke(
        app, ["presentation", "--period", "5 четверть", "--out", str(tmp_path), "--db", str(sample_db)]
    )
    assert missing.exit_code == 2
    assert "Нет периода «5 четверть»" in missing.output and "1 четверть" in missing.output


# ---------------------------------------------------------------- the deck on a projector (#17)

GENERATED = {"seed": 5, "n_pupils": 60, "grades": [5, 10], "subject_ids": ["rus", "alg", "math", "eng"]}
ZERO_CHANGE = re.compile(r"[↑↓+\u2212-]\s*0(?:,0+)?(?![,\d])")
FOOTER = re.compile(r"слайд \d+ из \d+ · данные на \d\d\.\d\d\.\d{4}")
# digits of a page that are not figures: footer, periods, years, dates, grades, classes, «< 5», norms in labels
NOT_FIGURES = re.compile(
    r"\d+ (?:четверт|полугоди)\w*|\d{4}/\d{4}|\d\d\.\d\d\.\d{4}|\d+[–-]?\d* класс\w*|\d+[А-ЯЁ]\b|<\s?5"
    r"|10 % уроков|\d+ дн\.|x,\d+"
)
A_FIGURE = re.compile(r"(?<![\d,])(?:[1-9][\d\u00a0]*(?:,\d+)?|0,\d*[1-9]\d*)")


def read_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> tuple[Path, Path]:
    """A generated school of grades 5 (quarters) and 10 (halves): its export folder and warehouse."""
    from data_samples.generator import generate_school

    folder = tmp_path_factory.mktemp("deck-school") / "export"
    generate_school(folder, **GENERATED)
    (result,) = ingest_path(folder, folder.parent / "w.duckdb")
    assert result.status == "loaded"
    return folder, folder.parent / "w.duckdb"


@pytest.fixture(scope="module")
def school_deck(school, tmp_path_factory):
    with connect(school[1], read_only=True) as con:
        built = context.build(con, COUNCIL, PERIOD, load_norms())
    return built, render.pdf(built, tmp_path_factory.mktemp("school-deck") / "deck.pdf")


def pages_text(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages by a form feed)."""
    return [" ".join(page.split()) for page in pdf_text(pdf).split("\f") if page.strip()]


def quality_of(folder: Path, pairs: list[tuple[str, str]]) -> float:
    """Качество знаний (not rounded) over (grade, period name) pairs, from the raw CSV: «4» and «5» among
    the period marks and «н/а» of pupils on roll in a class of the grade on the period's last day."""
    classes = {c["class_id"]: c["grade"] for c in read_rows(folder, "classes")}
    enrolments, all_marks = read_rows(folder, "enrolments"), read_rows(folder, "period_marks")
    marks = []
    for grade, period_name in pairs:
        period = next(
            p
            for p in read_rows(folder, "periods")
            if p["period_name"] == period_name and grade in p["grades"].split(",")
        )
        end = day(period["end_date"])
        on_roll = {
            e["pupil_id"]
            for e in enrolments
            if classes[e["class_id"]] == grade
            and day(e["start_date"]) <= end
            and (not e["end_date"] or day(e["end_date"]) >= end)
        }
        marks += [
            m["mark_value"]
            for m in all_marks
            if m["period_id"] == period["period_id"] and m["mark_kind_code"] == "period" and m["pupil_id"] in on_roll
            if m["mark_value"] in NUMERIC or m["mark_value"] == "н/а"
        ]
    return 100 * sum(m in ("4", "5") for m in marks) / len(marks)


def quality_of_grade(folder: Path, grade: str, period_name: str) -> str:
    return fmt(quality_of(folder, [(grade, period_name)]))


def test_a_quarter_deck_shows_every_grade_in_its_own_latest_period(school, school_deck):
    folder, _ = school
    deck, pdf = school_deck
    pages = pages_text(pdf)
    grades = sorted({c["grade"] for c in read_rows(folder, "classes")}, key=int)
    assert grades == ["5", "10"]
    results = next(p for p in pages if p.startswith("Итоги по параллелям"))
    # grade 5 in «2 четверть», grade 10 (halves only) in «1 полугодие», the half that ended with it
    for grade, period_name in (("5", "2 четверть"), ("10", "1 полугодие")):
        assert f"{grade} классы ({period_name})" in results
        row = next(r for r in slide(deck, "Итоги по параллелям").rows if r[0] == f"{grade} классы ({period_name})")
        assert row[3] == quality_of_grade(folder, grade, period_name)
        assert row[3] in results
    classes = next(p for p in pages if p.startswith("Наполняемость классов"))
    assert all(c["class_name"] in classes for c in read_rows(folder, "classes"))
    assert "10 классы — 1 полугодие" in pages[0]
    # 10 has no previous half in the year: the school's figures are not compared with «1 четверть»
    key_page = next(p for p in pages if p.startswith("Главные цифры"))
    assert "1 четверть" not in key_page and "Сравнение по школе не проводится" in key_page


def test_a_first_quarter_deck_names_the_grade_whose_half_has_not_ended(school):
    with connect(school[1], read_only=True) as con:
        first = context.build(con, COUNCIL, PREVIOUS, load_norms())
    assert "10 классы (нет закончившегося периода)" in first.missing
    assert not any("10 классы" in row[0] for s in first.slides for row in s.rows)


@pytest.mark.parametrize("which", ["sample", "school"])
def test_no_slide_is_all_zeros_and_no_arrow_shows_no_change(which, deck, deck_pdf, school_deck):
    built, pdf = (deck, deck_pdf) if which == "sample" else school_deck
    pages = pages_text(pdf)
    laid_out = render.pages(built)
    assert len(pages) == len(laid_out) + 1  # the title page, then one page each
    for page, layout in zip(pages[1:], laid_out, strict=True):
        assert not ZERO_CHANGE.search(page), page
        if layout["kind"] == "slide" and layout["slide"].chart is not None:
            # a chart's axis has ticks whatever its bars: its bars' printed values, one not zero
            values = [t for trace in layout["slide"].chart.data for t in trace.text if t]
            assert all(v.replace("\u00a0", " ") in page for v in values), page
            assert any(A_FIGURE.fullmatch(v.replace("\u00a0", "")) for v in values), page
        elif layout["kind"] != "missing":
            body = NOT_FIGURES.sub("", FOOTER.sub("", page))
            assert A_FIGURE.search(body), page  # a table (or conclusions) with a figure that is not zero
    cells = [cell for s in built.slides for row in s.rows for cell in row[1:]]
    assert not any(ZERO_CHANGE.fullmatch(cell) for cell in cells)


def font_box_height(size_pt: float) -> float:
    """The height pdftotext gives a word at this size: the font's ascent + descent (hhea), for the
    deck's regular and bold DejaVu Sans, whichever is smaller."""
    from fontTools.ttLib import TTFont

    fonts = Path(render.__file__).resolve().parents[1] / "fonts"
    boxes = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = TTFont(fonts / name)
        boxes.append((font["hhea"].ascent - font["hhea"].descent) / font["head"].unitsPerEm)
    return size_pt * min(boxes)


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@pytest.mark.parametrize("which", ["sample", "school"])
def test_every_word_of_every_slide_is_at_least_the_stated_size(which, deck_pdf, school_deck, tmp_path):
    pdf = deck_pdf if which == "sample" else school_deck[1]
    boxes = tmp_path / "words.html"
    subprocess.run(["pdftotext", "-bbox-layout", str(pdf), str(boxes)], check=True)
    words = [(float(y1) - float(y0), text) for _, y0, _, y1, text in WORD.findall(boxes.read_text("utf-8"))]
    assert len(words) > 200
    small = [(round(height, 2), text) for height, text in words if height < font_box_height(render.MIN_FONT_PT) - 0.01]
    assert small == [], small  # every word at least MIN_FONT_PT (14 pt on the 720 × 405 pt page)
    assert render.MIN_FONT_PT >= 14  # 24 px at 1280 × 720 is 13,5 pt: readable from the back of a hall


def test_a_third_quarter_deck_compares_the_school_with_the_second_quarter_deck(school):
    """10 keeps «1 полугодие» in both decks, so the school's figure compares the same grades."""
    folder, db = school
    with connect(db, read_only=True) as con:
        third = context.build(con, COUNCIL, "3 четверть", load_norms())
    now = quality_of(folder, [("5", "3 четверть"), ("10", "1 полугодие")])
    before = quality_of(folder, [("5", "2 четверть"), ("10", "1 полугодие")])
    key = slide(third, "Главные цифры")
    assert key.header[1:4] == ["3 четверть, 1 полугодие", "2 четверть, 1 полугодие", "изменение"]
    row = next(r for r in key.rows if r[0] == "Качество знаний, %")
    delta = half_up(now, 1) - half_up(before, 1)
    change = ("↑ " if delta > 0 else "↓ ") + fmt(abs(delta)) if delta else "без изменений"
    assert row[1:4] == [fmt(now), fmt(before), change]
    verb = "выросло" if delta > 0 else "снизилось"
    expected = f"Качество знаний {verb} на {fmt(abs(delta))} п.п. по сравнению с 2 четвертью."
    assert expected in key.conclusions or delta == 0
