"""Names that carry HTML, spreadsheet formulas or SQL quotes stay plain text everywhere."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import polars as pl
from streamlit.testing.v1 import AppTest

from ejournal.access.accounts import AccountStore, Role
from ejournal.access.viewer import Viewer
from ejournal.xlsx import frame_to_xlsx
from pipelines.ingest import ingest_path
from tests.factories import tiny_export, write_export
from warehouse.queries import class_progress

HOSTILE = {
    "p1": ("<script>alert(1)</script>", '=HYPERLINK("http://x")'),
    "p2": ("О'Брайен", "+cmd|' /C calc'!A0"),
    "p3": ("Робертс'); drop table src_pupils;--", "@SUM(A1)"),
}
APP = Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py"


def _hostile_warehouse(tmp_path: Path) -> Path:
    data = tiny_export()
    for row in data["pupils"]:
        row["last_name"], row["first_name"] = HOSTILE[row["pupil_id"]]
    db = tmp_path / "hostile.duckdb"
    (result,) = ingest_path(write_export(data, tmp_path / "export"), db)
    assert result.status == "loaded", result.issues
    return db


def test_hostile_names_load_and_query_as_text(tmp_path):
    db = _hostile_warehouse(tmp_path)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from src_pupils").fetchone()[0] == 3
        table = class_progress(con, Viewer("z", Role.DEPUTY, "sch-test"), "5A", "math")
    expected = {f"{last} {first}" for last, first in HOSTILE.values()}
    assert set(table["Ученик"]) == expected


def test_xlsx_keeps_formulas_as_text(tmp_path):
    frame = pl.DataFrame({"Ученик": [f"{first} {last}" for last, first in HOSTILE.values()] + ["=1+1"]})
    data = frame_to_xlsx(frame)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    assert "&apos;=1+1" in strings or "'=1+1" in strings
    back = pl.read_excel(io.BytesIO(data))
    assert all(not v.startswith(("=", "+", "@")) for v in back["Ученик"])


def test_hostile_names_render_as_plain_text_in_the_page(tmp_path, monkeypatch):
    db = _hostile_warehouse(tmp_path)
    access = tmp_path / "access.sqlite"
    AccountStore(access).add(
        "zavuch", "З", Role.DEPUTY, "тестовый-пароль-1", school_id="sch-test", must_change_password=False
    )
    monkeypatch.setenv("EJOURNAL_DB", str(db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input(key="auth_login").input("zavuch")
    at.text_input(key="auth_password").input("тестовый-пароль-1")
    at.button[0].click().run()
    at.switch_page("app_pages/class_progress.py").run()
    assert not at.exception
    names = set(at.dataframe[0].value["Ученик"])
    assert '<script>alert(1)</script> =HYPERLINK("http://x")' in names
    assert not any("<script>" in m.value for m in at.markdown)  # never rendered as markup
