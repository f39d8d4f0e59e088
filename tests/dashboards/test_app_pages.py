"""Every page runs under AppTest and shows what the warehouse holds (figures read back with SQL
written here, not through the dashboard's data layer)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py"


def test_loaded_page_lists_tables_and_batches(sample_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(sample_db))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Что загружено в хранилище"
    with duckdb.connect(str(sample_db), read_only=True) as con:
        n_marks = con.execute("select count(*) from fct_mark").fetchone()[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Отметок"].replace("\u00a0", "").replace(" ", "") == str(n_marks)
    tables = at.dataframe[1].value
    assert "fct_attendance" in list(tables["Таблица"])
    batches = at.dataframe[2].value
    assert list(batches["Итог"]) == ["загружена"]


def test_missing_warehouse_shows_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    assert "ещё не создано" in at.warning[0].value
