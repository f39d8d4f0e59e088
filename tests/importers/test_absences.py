"""Absence codes (pipelines/importers/absences.py)."""

from __future__ import annotations

from pipelines.importers.absences import map_absence_code
from pipelines.importers.notes import Notes


def test_absence_codes_known_and_unknown():
    notes = Notes()
    got = [map_absence_code(c, notes, "f", "x", "a") for c in ("Н", "УП", "Ill", "ОП.", "", None, "Attend", "Ж")]
    assert got == ["н", "у", "б", "оп", None, None, None, "н"]
    assert len(notes) == 1 and "«Ж»" in notes[0].message
