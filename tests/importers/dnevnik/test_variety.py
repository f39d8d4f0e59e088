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
