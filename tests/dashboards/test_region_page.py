"""«Муниципалитет / регион» under AppTest, reading the marts of a lake of eight hand-made schools
in two regions (tests/warehouse/region_sample.py): the authority sees its region's schools by
name, a director only the own school beside the region's distribution; the XLSX holds what the
page shows; other roles are refused, and the authority is refused every other page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.navigation import PAGES, page_files_for
from ejournal.access.accounts import AccountStore, Role
from ejournal.access.audit import read_events
from ejournal.access.viewer import Viewer
from ejournal.settings import load_norms
from tests.dashboards.conftest import PASSWORD, offered_download
from tests.dashboards.test_app_pages import direct, page_text
from tests.warehouse.region_expect import close, figures, quartiles, schools_of
from tests.warehouse.region_sample import PUPIL_SURNAME, ROWS, SCHOOLS, load_region
from warehouse import db, lake

PAGE = "app_pages/region.py"
REGION_50 = Viewer("region", Role.REGION, region_id="50")
KHIMKI = Viewer("region", Role.REGION, region_id="50", municipality="г. Химки")
DIRECTOR = Viewer("director", Role.DIRECTOR, "s50-2")
XLSX = "сравнение-школ.xlsx"


@pytest.fixture(scope="module")
def region_lake(tmp_path_factory):
    con = duckdb.connect()
    db.migrate(con)
    load_region(con)
    db.build_models(con)
    path = tmp_path_factory.mktemp("region") / "lake"
    lake.export_warehouse(con, path, ("src_", "mart_"))
    con.close()
    return path


@pytest.fixture
def on_lake(dashboard_env, region_lake, monkeypatch):
    monkeypatch.setenv("EJOURNAL_LAKE", str(region_lake))
    return dashboard_env


def holding_account(viewer: Viewer, folder: Path, monkeypatch) -> None:
    """An access store that holds the viewer's account (a click's download re-reads it)."""
    path = folder / "access.sqlite"
    AccountStore(path).add(
        viewer.login,
        viewer.login,
        viewer.role,
        PASSWORD,
        school_id=viewer.school_id,
        region_id=viewer.region_id,
        municipality=viewer.municipality,
        must_change_password=False,
    )
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(path))


@pytest.fixture
def offered(downloads):
    """A file the page offers for download, by name, as a click delivers it."""
    return lambda name: offered_download(downloads, file_name=name).deliver()


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


def _sheets(data: bytes) -> dict[str, pl.DataFrame]:
    return pl.read_excel(io.BytesIO(data), sheet_id=0, infer_schema_length=0)


def _cells(frame) -> list[list[str]]:
    """Header and rows as texts (empty for a missing value), for a sheet or a page's table."""
    if isinstance(frame, pl.DataFrame):
        frame = frame.to_pandas()
    values = frame.astype(object).where(frame.notna(), "").astype(str).values.tolist()
    return [list(map(str, frame.columns)), *values]


def _others(shown: set[str]) -> list[str]:
    return [s.name for s in SCHOOLS if s.school_id not in shown]


def test_the_authority_sees_its_schools_and_municipalities(on_lake, offered):
    at = direct(PAGE, "region", REGION_50)
    assert not at.exception, at.exception
    text = page_text(at)
    region_50 = schools_of("50")
    assert "регион 50, школ: 7" in text
    assert all(s.name in text for s in region_50)
    assert not any(name in text for name in _others({s.school_id for s in region_50}))
    assert "г. Москва" not in text and PUPIL_SURNAME not in text
    schools, summary = at.dataframe[0].value, at.dataframe[1].value
    assert sorted(schools["Школа"]) == sorted(s.name for s in region_50)
    assert list(summary["Муниципалитет"]) == ["г. Сергиев Посад", "г. Химки", "Всего"]
    days = load_norms().timeliness.lesson_entry_days
    total = summary[summary["Муниципалитет"] == "Всего"].iloc[0]
    expected = figures(ROWS, {s.school_id for s in region_50}, days)
    for title in ("Учеников", "Пропущено уроков, %", "Уроков записано в срок, %"):
        assert close(total[title], expected[title], 0 if title == "Учеников" else 1), title
    small = schools[schools["Школа"] == "СОШ Малая"].iloc[0]
    assert small["Учеников"] == "< 5" and small["Пропущено уроков, %"] == "< 5"
    # the download holds exactly the two tables, and no school of region 77
    data = offered(XLSX)
    assert not any(name in _xlsx_text(data) for name in _others({s.school_id for s in region_50}))
    sheets = _sheets(data)
    assert list(sheets) == ["Школы", "Муниципалитеты"]
    assert _cells(sheets["Школы"]) == _cells(schools)
    assert _cells(sheets["Муниципалитеты"]) == _cells(summary)
    viewed = [e for e in read_events(on_lake[1]) if e.actor_login == "region" and e.event_code == "page_viewed"]
    assert viewed and viewed[-1].object_text == "region"


def test_a_municipal_account_sees_its_municipality_only(on_lake, offered, tmp_path, monkeypatch):
    holding_account(KHIMKI, tmp_path, monkeypatch)
    at = direct(PAGE, "region", KHIMKI)
    text = page_text(at)
    assert "г. Химки, школ: 2" in text
    assert "Лицей Химкинский" in text and "СОШ Речная" in text
    shown = {"s50-5", "s50-6"}
    assert not any(name in text for name in _others(shown))
    assert not any(name in _xlsx_text(offered(XLSX)) for name in _others(shown))


def test_the_director_sees_the_own_school_beside_the_regions_distribution(on_lake, offered, tmp_path, monkeypatch):
    holding_account(DIRECTOR, tmp_path, monkeypatch)
    at = direct(PAGE, "director", DIRECTOR)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Ваша школа: СОШ Лесная" in text and "регион 50, школ: 7" in text
    assert not any(name in text for name in _others({"s50-2"}))
    (table,) = [frame.value for frame in at.dataframe]
    row = table[table["Показатель"] == "Пропущено уроков, %"].iloc[0]
    days = load_norms().timeliness.lesson_entry_days
    # schools of fewer than 5 pupils are in no quartile or place
    values = [figures(ROWS, {s.school_id}, days)["Пропущено уроков, %"] for s in schools_of("50") if s.n_pupils >= 5]
    p25, median, p75 = quartiles(values)
    own = figures(ROWS, {"s50-2"}, days)["Пропущено уроков, %"]
    assert close(row["Медиана"], median) and close(row["25-й процентиль"], p25) and close(row["75-й процентиль"], p75)
    assert close(row["Ваша школа"], own)
    assert row["Место (1 — лучшее)"] == f"{sum(v < own for v in values) + 1} из {len(values)}"
    data = offered(XLSX)
    assert not any(name in _xlsx_text(data) for name in _others({"s50-2"}))
    assert _cells(_sheets(data)["Школа и регион"]) == _cells(table)


def test_a_school_missing_from_the_lake_is_said_so(on_lake):
    at = direct(PAGE, "zavuch")  # the committed sample's school sch-0001 is not in the lake
    assert not at.exception, at.exception
    assert "нет в данных" in page_text(at)
    assert not any(s.name in page_text(at) for s in SCHOOLS)


def test_the_single_school_of_the_warehouse_is_the_deputys(dashboard_env):
    at = direct(PAGE, "zavuch")  # no lake: the committed sample's one school
    text = page_text(at)
    assert "Ваша школа: СОШ № 1" in text and "школ: 1" in text and "меньше 5" in text


@pytest.mark.parametrize("login", ["uchitel", "klruk", "sovet", "admin"])
def test_roles_without_the_page_are_refused(on_lake, login):
    at = direct(PAGE, login)
    text = page_text(at)
    assert "недоступна для вашей роли" in text
    assert not any(s.name in text for s in SCHOOLS) and not at.dataframe


def test_the_authority_is_refused_every_other_page(on_lake):
    assert page_files_for(Role.REGION) == [PAGE, "app_pages/account.py"]
    for page in PAGES:
        if page in (PAGE, "app_pages/account.py"):
            continue
        at = direct(page, "region", REGION_50)
        assert "недоступна для вашей роли" in page_text(at), page
        assert not at.dataframe, page


def test_a_broken_lake_gets_a_message(dashboard_env, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("EJOURNAL_LAKE", str(tmp_path / "empty"))
    at = direct(PAGE, "zavuch")
    assert "не читается" in page_text(at)


def test_the_cached_view_follows_a_new_export_into_the_lake(dashboard_env, tmp_path, monkeypatch):
    # the view is cached per state of the lake: a school's export must show on the next visit
    path = tmp_path / "lake"
    con = duckdb.connect()
    db.migrate(con)
    load_region(con)
    db.build_models(con)
    schools = [
        s for (s,) in con.execute("select school_id from src_school where region_id = '50' order by 1").fetchall()
    ]
    lake.export_warehouse(con, path, ("src_", "mart_"), schools=schools[:-1])
    monkeypatch.setenv("EJOURNAL_LAKE", str(path))
    (last,) = con.execute("select short_name from src_school where school_id = ?", [schools[-1]]).fetchone()
    first = direct(PAGE, "region", REGION_50)
    assert last not in page_text(first)
    lake.export_warehouse(con, path, ("src_", "mart_"), schools=schools[-1:])
    second = direct(PAGE, "region", REGION_50)
    assert f"школ: {len(schools)}" in page_text(second) and last in page_text(second)
    con.close()
