"""The byte scans of an export's files (encoding, sha256, line lengths) run in a thread ahead of
the reads: each file is scanned once, its lineage is the same, a file the scan refuses refuses
the export as before, and no scan outlives the ingest."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import duckdb

from ejournal.settings import Norms, ValidationNorms
from pipelines import ingest
from pipelines.canonical import reader
from tests.factories import ingest_export, tiny_export, write_export


def _scan_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("ejournal-scan")]


def test_each_file_is_scanned_once_ahead_and_its_lineage_is_the_file_s_hash(tmp_path: Path, monkeypatch):
    scanned: list[tuple[str, str]] = []
    scan = reader._scan_bytes

    def recorded(path: Path) -> tuple[str, str]:
        scanned.append((path.name, threading.current_thread().name))
        return scan(path)

    monkeypatch.setattr(reader, "_scan_bytes", recorded)
    folder, db = tmp_path / "export", tmp_path / "w.duckdb"
    result = ingest_export(tiny_export(), folder, db)
    assert result.status == "loaded", result.issues

    files = sorted(p.name for p in folder.glob("*.csv"))
    assert sorted(name for name, _ in scanned) == files  # every file once
    threads = dict(scanned)
    assert threads.pop("export.csv") == threading.current_thread().name  # read at once, before the others
    assert all(name.startswith("ejournal-scan") for name in threads.values()), threads
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute("select file_name, sha256 from meta_batch_file").fetchall())
    expected = {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files if name != "export.csv"
    }
    assert {name: stored[name] for name in expected} == expected
    assert _scan_threads() == []


def test_a_file_its_scan_refuses_refuses_the_export_and_no_scan_is_left_running(tmp_path: Path):
    folder, db = tmp_path / "export", tmp_path / "w.duckdb"
    write_export(tiny_export(), folder)
    groups = folder / "groups.csv"
    groups.write_bytes(groups.read_bytes() + b"g9;\x00\x00;x\n")  # a NUL byte: binary or UTF-16
    (result,) = ingest.ingest_path(folder, db, norms=Norms(validation=ValidationNorms()), run_by="test")
    assert result.status == "refused"
    (issue,) = result.issues
    assert (issue.file_name, issue.rule_code) == ("groups.csv", "encoding")
    assert "двоичный или в кодировке UTF-16" in issue.message
    assert _scan_threads() == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from meta_batch").fetchone() == (0,)
        assert con.execute("select count(*) from src_school").fetchone() == (0,)
