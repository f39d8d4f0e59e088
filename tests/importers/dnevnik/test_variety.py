"""Дневник.ру v2 marks whose ``value`` and ``textValue`` come as JSON numbers (clients that model
them as numbers write them so): every mark and period mark is still loaded with the same values."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from ejournal.settings import Norms
from pipelines.importers.contract import ImportContext
from pipelines.importers.dnevnik.api import DnevnikImporter

BUNDLE = Path(__file__).resolve().parent / "fixtures" / "v2-kundelik-11h"


def numeric(mark: dict) -> None:
    for name in ("value", "textValue"):
        if isinstance(mark.get(name), str) and mark[name].isdigit():
            mark[name] = int(mark[name])


def convert(bundle: Path, out: Path) -> dict[str, list[dict[str, str]]]:
    DnevnikImporter().convert(bundle, out, ImportContext(norms=Norms()))
    tables = {}
    for name in ("marks", "period_marks"):
        with (out / f"{name}.csv").open(encoding="utf-8") as handle:
            tables[name] = list(csv.DictReader(handle, delimiter=";"))
    return tables


def test_mark_values_as_numbers(tmp_path):
    base = convert(BUNDLE, tmp_path / "base")
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    marks = json.loads((bundle / "marks.json").read_text("utf-8"))
    finals = json.loads((bundle / "final-marks.json").read_text("utf-8"))
    for mark in marks:
        numeric(mark)
    set_finals = [s["final-mark"] for person in finals for s in person["per-subject-final-marks"] if s["final-mark"]]
    for mark in set_finals:
        numeric(mark)
    (bundle / "marks.json").write_text(json.dumps(marks), "utf-8")
    (bundle / "final-marks.json").write_text(json.dumps(finals), "utf-8")
    assert sum(isinstance(m["textValue"], int) for m in marks + set_finals) == 22
    tables = convert(bundle, tmp_path / "out")
    assert len(tables["marks"]) == sum(m["value"] in {1, 2, 3, 4, 5} for m in marks) == 16
    assert len(tables["period_marks"]) == len(set_finals) == 6
    for name in ("marks", "period_marks"):
        assert sorted(tuple(r.values()) for r in tables[name]) == sorted(tuple(r.values()) for r in base[name])


def test_a_year_period_and_a_period_type_named_only_by_its_name(tmp_path):
    """reporting-periods with the whole year (``type`` «Year») and a term whose ``type`` the importer
    does not know («Module») but whose name says «четверть»; the final marks given for the year
    period are year marks."""
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE, bundle)
    periods = json.loads((bundle / "reporting-periods.json").read_text("utf-8"))
    periods[1]["type"] = "Module"  # «2 четверть»
    year = dict(periods[0], id=2260325488500000009, id_str="2260325488500000009", type="Year", name="Год")
    year |= {"start": periods[0]["start"], "finish": periods[-1]["finish"], "number": 1}
    periods.append(year)
    (bundle / "reporting-periods.json").write_text(json.dumps(periods, ensure_ascii=False), "utf-8")
    finals = json.loads((bundle / "final-marks.json").read_text("utf-8"))
    finals[-1] |= {"reportingPeriod": year["id"], "reportingPeriod_str": year["id_str"]}  # pupil …004's year mark
    (bundle / "final-marks.json").write_text(json.dumps(finals, ensure_ascii=False), "utf-8")
    set_finals = [s for p in finals for s in p["per-subject-final-marks"] if s["final-mark"]]
    notes = DnevnikImporter().convert(bundle, tmp_path / "out", ImportContext(norms=Norms()))
    with (tmp_path / "out" / "periods.csv").open(encoding="utf-8") as handle:
        loaded_periods = list(csv.DictReader(handle, delimiter=";"))
    with (tmp_path / "out" / "period_marks.csv").open(encoding="utf-8") as handle:
        period_marks = list(csv.DictReader(handle, delimiter=";"))
    assert len(loaded_periods) == len(periods) - 1  # the year is not a term
    second = [p for p in loaded_periods if p["period_name"] == "2 четверть"]
    assert [(p["period_kind_code"], p["period_number"]) for p in second] == [("quarter", "2")]
    assert len(period_marks) == len(set_finals) == 6
    year_marks = [
        (m["pupil_id"], m["mark_kind_code"], m["mark_value"]) for m in period_marks if m["mark_kind_code"] == "year"
    ]
    assert year_marks == [("p-1000010310004", "year", "4")]
    assert any(n.field == "type" and "весь год" in n.message for n in notes)
