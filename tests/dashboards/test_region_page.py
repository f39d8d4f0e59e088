"""«Муниципалитет / регион» under AppTest, reading marts from a lake of two schools."""

from __future__ import annotations

import duckdb

from tests.dashboards.test_app_pages import direct, page_text
from tests.warehouse.conftest import load_sample
from warehouse import db, lake

PAGE = "app_pages/region.py"


def _lake(tmp_path):
    con = duckdb.connect()
    db.migrate(con)
    load_sample(con)  # sch-1 (region 50) with four pupils and sch-2 (region 77) with one
    db.build_models(con)
    lake.export_warehouse(con, tmp_path / "lake", ("src_", "mart_"))
    return tmp_path / "lake"


def test_director_compares_schools_from_the_lake(dashboard_env, tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_LAKE", str(_lake(tmp_path)))
    at = direct(PAGE, "director")
    assert not at.exception
    text = page_text(at)
    assert "школ: 2" in text and "СОШ № 1" in text and "СОШ № 2" in text
    frame = at.dataframe[0].value
    small = frame[frame["Школа"] == "СОШ № 2"].iloc[0]
    assert small["Учеников"] == "< 5" and small["Пропущено уроков, %"] == "< 5"


def test_teacher_is_refused(dashboard_env, tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_LAKE", str(_lake(tmp_path)))
    at = direct(PAGE, "uchitel")
    assert "недоступна" in page_text(at)


def test_a_broken_lake_gets_a_message(dashboard_env, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("EJOURNAL_LAKE", str(tmp_path / "empty"))
    at = direct(PAGE, "zavuch")
    assert "не читается" in page_text(at)
