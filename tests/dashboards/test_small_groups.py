"""Small groups (#20, item 5), attacked as the campaign did: schools built at run time from the
committed sample — a school of 4 pupils (its one class of 4 has more than a thousand marks and
ВПР results), a school of 25 whose ВПР only 4 pupils wrote (about a dozen results: figures that
counted results showed them) and the same with 5 writers.

No figure of a group of fewer than 5 distinct pupils reaches the director, the parent council or
the education authority: «Директор» (AppTest), «ВПР и журнал» at every level, «Сводка по школе»,
the deck (its context and the PDF's text) and «Муниципалитет / регион»; the group of 5 shows the
figures computed here from the raw rows. Reading changes nothing: the warehouse's table hashes are
the same before and after."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.settings import load_norms
from pipelines.ingest import ingest_path
from report_templates.presentation import context, render
from tests.dashboards.conftest import REGION_ID, SCHOOL_ID
from tests.dashboards.test_app_pages import direct
from tests.dashboards.upload_files import table_hashes
from tests.factories import SAMPLE, raw, write_export
from tests.report_templates.page_checks import pdf_text
from tests.report_templates.test_presentation import PERIOD, expected_objectivity
from warehouse.db import connect
from warehouse.objectivity_norms import ObjectivityNorms
from warehouse.region import region_view
from warehouse.suppression import SUPPRESSED
from warehouse.vpr import comparison, vpr_rows

DIRECTOR = Viewer("director", Role.DIRECTOR, SCHOOL_ID)
COUNCIL = Viewer("sovet", Role.PARENT_COUNCIL, SCHOOL_ID)
AUTHORITY = Viewer("region", Role.REGION, region_id=REGION_ID)
NOT_A_FIGURE = {SUPPRESSED, "—", ""}
LABELS = {"Класс", "Предмет", "Период", "Школа", "Параллель"}  # names beside the figures, not figures
DECIMAL = re.compile(r"\d,\d")  # every share and mean is printed with a decimal comma


def _writers() -> list[str]:
    """Pupils with ВПР results, on roll the whole year, in the order of the sample."""
    stayers = {e["pupil_id"] for e in raw("enrolments") if not e["end_date"]}
    return list(dict.fromkeys(r["pupil_id"] for r in raw("external_results") if r["pupil_id"] in stayers))


FOUR, FIVE = set(_writers()[:4]), set(_writers()[:5])
EVERYONE = {p["pupil_id"] for p in raw("pupils")}


SMALL_SUBJECT = "alg"  # its ВПР written by 4 pupils, the other subjects' by about 24


def shrunk(pupils: set[str], writers: set[str], only_one_subject: bool = False) -> dict[str, list[dict[str, str]]]:
    """The sample keeping only `pupils` in every file, and only `writers` among the ВПР results (of
    SMALL_SUBJECT only when `only_one_subject`)."""
    data = {path.stem: raw(path.stem) for path in sorted(SAMPLE.glob("*.csv"))}
    for name, rows in data.items():
        if name == "external_results":
            data[name] = [
                r for r in rows if r["pupil_id"] in writers or (only_one_subject and r["subject_id"] != SMALL_SUBJECT)
            ]
        elif rows and "pupil_id" in rows[0]:
            data[name] = [r for r in rows if r["pupil_id"] in pupils]
    return data


SCHOOLS = {
    "school_of_4": (FOUR, FOUR, False),
    "vpr_of_4": (EVERYONE, FOUR, False),
    "vpr_of_5": (EVERYONE, FIVE, False),
    "subject_of_4": (EVERYONE, FOUR, True),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("small-groups")
    databases = {}
    for key, (pupils, writers, only_one_subject) in SCHOOLS.items():
        folder = write_export(shrunk(pupils, writers, only_one_subject), root / key)
        (result,) = ingest_path(folder, root / f"{key}.duckdb")
        assert result.status == "loaded", [i.message for i in result.issues][:5]
        databases[key] = root / f"{key}.duckdb"
    return databases


def figure_cells(deck: context.Deck) -> list[tuple[str, str, str]]:
    """(slide, row label, cell) for every figure of every slide (the first column is a label)."""
    return [(s.title, row[0], cell) for s in deck.slides for row in s.rows for cell in row[1:]]


def deck_of(db: Path, viewer: Viewer) -> context.Deck:
    with connect(db, read_only=True) as con:
        return context.build(con, viewer, PERIOD, load_norms())


# ---------------------------------------------------------------- the school of 4


def test_the_attack_data_is_what_the_attack_needs(built):
    with connect(built["school_of_4"], read_only=True) as con:
        pupils, marks = con.execute("select count(distinct pupil_id), count(*) from fct_mark").fetchone()
        results = con.execute("select count(*) from mart_vpr_result where comparison_code is not null").fetchone()[0]
    assert pupils == 4 and marks > 1000 and results >= 5  # a figure counting marks or results would be shown


@pytest.mark.parametrize("viewer", [DIRECTOR, COUNCIL], ids=["director", "council"])
def test_no_figure_of_the_school_of_4_is_in_the_deck_or_its_pdf(built, viewer, tmp_path):
    db = built["school_of_4"]
    before = table_hashes(db)
    deck = deck_of(db, viewer)
    leaked = [cell for cell in figure_cells(deck) if cell[2] not in NOT_A_FIGURE]
    assert leaked == []
    assert all(s.conclusions == [] for s in deck.slides)  # «Качество знаний выросло на …» would be a figure too
    # every slide would be «< 5» only: none is shown, the closing note names the topics instead
    assert deck.slides == [] and "итоги по предметам" in deck.missing and "посещаемость" in deck.missing
    for slide in deck.slides:
        if slide.chart is not None:
            assert all(y is None for trace in slide.chart.data for y in trace.y), slide.title
    text = pdf_text(render.pdf(deck, tmp_path / "deck.pdf"))
    assert SUPPRESSED.replace(" ", "") in text.replace(" ", "")
    assert not DECIMAL.search(text), DECIMAL.findall(text)
    assert table_hashes(db) == before


def test_the_deputy_still_sees_the_school_of_4(built):
    """The rule hides from the roles it names only: the deputy sees the pupils anyway."""
    deck = deck_of(built["school_of_4"], Viewer("zavuch", Role.DEPUTY, SCHOOL_ID))
    objectivity = {r[0]: r[1] for r in next(s for s in deck.slides if s.title == "Объективность отметок").rows}
    assert objectivity["ВПР 2025/2026: участников"] not in NOT_A_FIGURE


@pytest.mark.parametrize("login", ["director", "sovet"])
@pytest.mark.parametrize(
    "page", ["app_pages/director.py", "app_pages/vpr.py", "app_pages/school_summary.py", "app_pages/forecast.py"]
)
def test_no_figure_of_the_school_of_4_is_on_a_page(built, access_db, monkeypatch, login, page):
    db = built["school_of_4"]
    monkeypatch.setenv("EJOURNAL_DB", str(db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    monkeypatch.delenv("EJOURNAL_LAKE", raising=False)
    before = table_hashes(db)
    at = direct(page, login)
    assert not at.exception, at.exception
    views = [at]
    if page == "app_pages/vpr.py":
        for level in ("grade", "class"):
            at.radio(key="vpr_level").set_value(level).run()
            views.append(at)
            assert not at.exception, at.exception
    if page == "app_pages/forecast.py":
        at.toggle(key="forecast_backtest").set_value(True).run()  # accuracy over 4 pupils' marks
        assert not at.exception, at.exception
        assert any(SUPPRESSED in str(i.value) for i in at.info)
    for view in views:
        for metric in view.metric:
            assert metric.value in NOT_A_FIGURE, metric.label
        for frame in view.dataframe:
            table = frame.value
            for column in [c for c in table.columns[1:] if c not in LABELS]:
                assert set(map(str, table[column])) <= NOT_A_FIGURE, (page, column, list(table[column]))
        words = (*view.title, *view.subheader, *view.markdown, *view.caption, *view.info, *view.warning)
        text = " ".join(str(e.value) for e in words)
        assert not DECIMAL.search(text), (page, DECIMAL.findall(text))
    assert table_hashes(db) == before


def test_the_authority_sees_no_figure_of_the_school_of_4(built):
    with connect(built["school_of_4"], read_only=True) as con:
        view = region_view(con, AUTHORITY, lesson_entry_days=2, vpr_min_participants=1)
    for table in (view.schools, view.municipalities):
        for row in table.iter_rows(named=True):
            figures = {k: v for k, v in row.items() if k not in ("Школа", "Муниципалитет", "Школ")}
            assert set(figures.values()) == {SUPPRESSED}, row


# ---------------------------------------------------------------- ВПР of 4 writers in a school of 25


def test_vpr_of_4_writers_is_hidden_though_they_wrote_many_results(built):
    db = built["vpr_of_4"]
    before = table_hashes(db)
    with connect(db, read_only=True) as con:
        results = con.execute("select count(*) from mart_vpr_result where comparison_code is not null").fetchone()[0]
        authority = region_view(con, AUTHORITY, lesson_entry_days=2, vpr_min_participants=1)
    assert results >= 5
    for viewer in (DIRECTOR, COUNCIL):
        rows = {
            r[0]: r[1] for r in next(s for s in deck_of(db, viewer).slides if s.title == "Объективность отметок").rows
        }
        expected = expected_objectivity(PERIOD, [r for r in raw("external_results") if r["pupil_id"] in FOUR])
        for label, value in expected.items():
            if label.startswith("ВПР") or label in ("понизили отметку журнала, %", "подтвердили, %", "повысили, %"):
                assert rows[label] == SUPPRESSED, label
            else:  # the period marks of 25 pupils are still shown, equal to the raw count
                assert rows[label] == value, label
    school = authority.schools.row(0, named=True)
    assert school["Учеников"] == "25"
    vpr_columns = [k for k in school if k.startswith("ВПР") or k == "Участников ВПР"]
    assert vpr_columns and all(school[k] == SUPPRESSED for k in vpr_columns)
    assert table_hashes(db) == before


def test_vpr_of_5_writers_is_shown_and_equals_the_raw_rows(built):
    db = built["vpr_of_5"]
    rows = {r[0]: r[1] for r in next(s for s in deck_of(db, COUNCIL).slides if s.title == "Объективность отметок").rows}
    expected = expected_objectivity(PERIOD, [r for r in raw("external_results") if r["pupil_id"] in FIVE])
    assert rows == expected
    assert SUPPRESSED not in rows.values()


# ---------------------------------------------------------------- one subject of 4 writers beside a shown total


def test_a_subject_of_4_writers_is_not_the_total_minus_the_subjects_shown(built):
    """The deck shows the school's ВПР participants; the page shows them per subject, parallel and
    class. The small subject drags the smallest other subject with it, at every level below too."""
    db = built["subject_of_4"]
    with connect(db, read_only=True) as con:
        rows = vpr_rows(con, COUNCIL)
    norms = ObjectivityNorms.of(load_norms())
    objectivity = next(s for s in deck_of(db, COUNCIL).slides if s.title == "Объективность отметок")
    total = int(dict((r[0], r[1]) for r in objectivity.rows)["ВПР 2025/2026: участников"])
    small_results = sum(
        1 for r in raw("external_results") if r["subject_id"] == SMALL_SUBJECT and r["pupil_id"] in FOUR
    )
    names = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    for level in ("school", "grade", "class"):
        table = comparison(rows, COUNCIL, norms, level)
        hidden_subjects = set(table.filter(pl.col("Участников") == SUPPRESSED)["Предмет"])
        assert names[SMALL_SUBJECT] in hidden_subjects and len(hidden_subjects) >= 2, level
        shown = sum(int(n) for n in table["Участников"] if n != SUPPRESSED)
        assert total - shown != small_results and total - shown >= 5, level
    # the subjects shown are right: equal to the raw count of their results
    school = comparison(rows, COUNCIL, norms, "school")
    for row in school.filter(pl.col("Участников") != SUPPRESSED).iter_rows(named=True):
        subject = next(k for k, v in names.items() if v == row["Предмет"])
        of_subject = [r for r in raw("external_results") if r["subject_id"] == subject]
        assert row["Участников"] == expected_objectivity(PERIOD, of_subject)["ВПР 2025/2026: участников"], row


# ---------------------------------------------------------------- a parallel of 3 beside the school's total


def test_a_small_parallel_drags_the_other_with_it(tmp_path):
    """A class 8А of 3 pupils with period marks: «Итоги по параллелям» beside the school's total on
    «Главные цифры» would give grade 8 away as the total minus grade 7, so both are hidden."""
    data = {path.stem: raw(path.stem) for path in sorted(SAMPLE.glob("*.csv"))}
    data["classes"].append({**raw("classes")[0], "class_id": "2025-8А", "class_name": "8А", "grade": "8"})
    data["curriculum"].append({**raw("curriculum")[0], "class_id": "2025-8А"})
    data["periods"] = [{**p, "grades": "7,8"} for p in data["periods"]]  # the periods apply to grade 8 too
    q2 = next(p for p in raw("periods") if p["period_name"] == PERIOD)
    for i in range(3):
        pupil = f"p-eight-{i}"
        data["pupils"].append({**raw("pupils")[0], "pupil_id": pupil, "last_name": f"Восьмой{i}"})
        data["enrolments"].append(
            {"pupil_id": pupil, "class_id": "2025-8А", "start_date": "01.09.2025", "end_date": "",
             "arrival_reason": "начало года", "departure_reason": ""}
        )  # fmt: skip
        data["period_marks"].append(
            {**raw("period_marks")[0], "pupil_id": pupil, "period_id": q2["period_id"], "mark_value": "5"}
        )
    (result,) = ingest_path(write_export(data, tmp_path / "export"), tmp_path / "w.duckdb")
    assert result.status == "loaded", [i.message for i in result.issues][:5]
    deck = deck_of(tmp_path / "w.duckdb", COUNCIL)
    key = {r[0]: r[1] for r in deck.slides[0].rows}
    assert key["Качество знаний, %"] not in NOT_A_FIGURE  # the school's total is shown
    grades = {r[0]: r for r in next(s for s in deck.slides if s.title == "Итоги по параллелям").rows}
    assert set(grades) == {"7 классы", "8 классы"}
    for row in grades.values():
        assert set(row[1:6]) == {SUPPRESSED}, row
