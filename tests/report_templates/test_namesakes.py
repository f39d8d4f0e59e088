"""Namesakes in one class (surname, first name and patronymic alike) are told apart on paper: by
their birth date, or by their id when the birth date is the same too. Without it a summary sheet
has two rows nobody can tell apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from report_templates.output import render_document
from tests.factories import SAMPLE, raw, write_export


def test_namesakes_in_a_class_are_told_apart_by_birth_date_or_id(tmp_path: Path) -> None:
    in_7a = {e["pupil_id"] for e in raw("enrolments") if e["class_id"] == "2025-7А"}
    pupils = [p for p in raw("pupils") if p["pupil_id"] in in_7a]
    first = pupils[0]
    second = next(p for p in pupils if p["birth_date"] != first["birth_date"])
    third = next(p for p in pupils if p not in (first, second))
    name = {k: first[k] for k in ("last_name", "first_name", "middle_name")}
    for twin in (second, third):
        twin.update(name)
    third["birth_date"] = first["birth_date"]  # same name, same birth date: only the id tells them apart
    changed = {p["pupil_id"]: p for p in (second, third)}
    export = tmp_path / "export"
    shutil.copytree(SAMPLE, export, ignore=shutil.ignore_patterns("_truth"))
    write_export({"pupils": [changed.get(p["pupil_id"], p) for p in raw("pupils")]}, export)
    db = tmp_path / "w.duckdb"
    (result,) = ingest_path(export, db, run_by="test")
    assert result.status in ("loaded", "loaded_with_rejections"), result.issues[:3]
    with duckdb.connect(str(db), read_only=True) as con:
        made = render_document(
            con, Viewer("z", Role.DEPUTY, "sch-0001"), "ledger", "7А", "4 четверть", tmp_path, ["xlsx"]
        )
    (sheet,) = made.paths
    cells = {
        str(c) for row in openpyxl.load_workbook(sheet, read_only=True).active.iter_rows(values_only=True) for c in row
    }
    full = f"{name['last_name']} {name['first_name']} {name['middle_name']}"
    assert f"{full}, {second['birth_date']} г. р." in cells
    assert {f"{full} (ид {first['pupil_id']})", f"{full} (ид {third['pupil_id']})"} <= cells
    assert full not in cells  # no row bears the bare name
