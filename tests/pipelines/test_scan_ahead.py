"""The byte scans of an export's files (encoding, sha256, line lengths) run in a thread ahead of
the reads: each file is scanned once, its lineage is the same, a file the scan refuses refuses
the export as before, and no scan outlives the ingest. The small files' checks run ahead too, in a
thread of their own, and give what checking them in turn gives."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from pathlib import Path

import duckdb

from ejournal.settings import Norms, ValidationNorms
from pipelines import ingest, prepare
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


def _check_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("ejournal-check")]


def _with_mistakes() -> dict:
    """The tiny export with a bad cell in three of its small files (each checked ahead)."""
    data = tiny_export()
    data["marks"][0]["entered_at"] = "31.09.2025 10:00"
    data["lessons"][1]["teacher_id"] = ""
    data["pupils"][0]["birth_date"] = "31.02.2014"
    return data


def test_small_files_are_checked_ahead_with_a_reader_of_their_own_and_give_what_checks_in_turn_give(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(reader, "PLAIN_SPLIT_MAX_BYTES", 0)  # every file through DuckDB's reader
    readers: list[tuple[str, int]] = []
    checked: list[tuple[str, str]] = []
    make_reader, check_batch = reader._reader_connection, prepare.check_batch

    def recorded_reader():
        con = make_reader()
        readers.append((threading.current_thread().name, id(con)))
        return con

    def recorded_check(spec, raw):
        checked.append((spec.name, threading.current_thread().name))
        return check_batch(spec, raw)

    monkeypatch.setattr(reader, "_reader_connection", recorded_reader)
    monkeypatch.setattr(prepare, "check_batch", recorded_check)
    ahead = ingest_export(_with_mistakes(), tmp_path / "ahead", tmp_path / "ahead.duckdb")
    threads = dict(checked)
    assert threads.pop("export") == threading.current_thread().name  # read at once, before the others
    assert len(threads) > 10 and set(threads.values()) == {"ejournal-check_0"}
    own = {con for thread, con in readers if thread.startswith("ejournal-check")}
    process = {con for thread, con in readers if not thread.startswith("ejournal-check")}
    assert own and not own & process  # the thread never read through the process's reader
    assert _check_threads() == []

    checked.clear()
    monkeypatch.setattr(ingest, "check_ahead", lambda *args: contextlib.nullcontext())
    in_turn = ingest_export(_with_mistakes(), tmp_path / "in-turn", tmp_path / "in-turn.duckdb")
    assert {thread for _, thread in checked} == {threading.current_thread().name}
    assert ahead.status == in_turn.status == "loaded_with_rejections"
    assert ahead.issues == in_turn.issues  # the same issues, in the same order, word for word
    assert {i.file_name for i in ahead.issues} >= {"marks.csv", "lessons.csv", "pupils.csv"}
    assert _stored(tmp_path / "ahead.duckdb") == _stored(tmp_path / "in-turn.duckdb")


def test_a_file_refused_ahead_refuses_the_export_there_and_no_check_is_left_running(tmp_path: Path):
    folder, db = tmp_path / "export", tmp_path / "w.duckdb"
    write_export(tiny_export(), folder)
    lessons = folder / "lessons.csv"
    lessons.write_bytes(lessons.read_bytes() + b'l9;"unclosed\n')
    (result,) = ingest.ingest_path(folder, db, norms=Norms(validation=ValidationNorms()), run_by="test")
    assert result.status == "refused"
    (issue,) = [i for i in result.issues if i.is_file_level]
    assert issue.file_name == "lessons.csv"
    assert _check_threads() == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from meta_batch").fetchone() == (0,)


def _stored(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where table_name like 'src_%'"
            ).fetchall()
        ]
        return {
            name: sorted(con.execute(f"select * exclude (batch_id) from {name}").fetchall(), key=repr)
            for name in tables
        }
