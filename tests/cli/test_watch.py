"""`ejournal watch --once` over a real inbox folder: a file dropped in is loaded exactly once (also
under another name), a refused file is set aside with its error report and the warehouse is
unchanged, a file still being copied is not taken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from cli.console import EXIT_FAILED, EXIT_OK
from cli.main import app
from cli.watch import _poll
from ejournal.inbox import LoadedRecord, RetryPacing, SettleWatch
from tests.factories import tiny_export, write_export
from warehouse.db import content_hash, table_names


def snapshot(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: content_hash(con, t) for t in table_names(con, ("src_", "dim_", "fct_", "int_", "meta_"))}


def zipped(data: dict, folder: Path, name: str, *, empty: str | None = None) -> Path:
    """The export as a .zip, as a school's journal hands it out (``empty``: a file left empty)."""
    source = write_export(data, folder / f"{name}-files")
    if empty:
        (source / empty).write_bytes(b"")
    target = folder / f"{name}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(source.iterdir()):
            archive.write(path, path.name)
    shutil.rmtree(source)
    return target


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    home = tmp_path / "var"
    monkeypatch.setenv("EJOURNAL_HOME", str(home))
    monkeypatch.setenv("EJOURNAL_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("EJOURNAL_DB", str(home / "ejournal.duckdb"))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


def watch_once(settle: int = 0):
    """One pass over the inbox; ``settle``: seconds an item must have been left alone."""
    outcome = CliRunner().invoke(app, ["watch", "--once", "--settle", str(settle)])
    assert "Traceback" not in outcome.output
    return outcome


def batches(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from meta_batch").fetchone()[0]


def test_a_dropped_file_is_loaded_exactly_once(inbox, tmp_path):
    db = tmp_path / "var" / "ejournal.duckdb"
    export = zipped(tiny_export(), tmp_path, "выгрузка")
    shutil.copy(export, inbox / "журнал.zip")

    first = watch_once()
    assert first.exit_code == 0, first.output
    assert "Формат:" in first.output  # the very output of `ejournal ingest`
    assert not (inbox / "журнал.zip").exists()
    (moved,) = (inbox / "loaded").iterdir()
    assert moved.name.endswith("-журнал.zip") and moved.read_bytes() == export.read_bytes()
    before = snapshot(db)
    assert batches(db) == 1

    second = watch_once()
    assert second.exit_code == 0, second.output
    assert batches(db) == 1

    shutil.copy(export, inbox / "тот-же-журнал-ещё-раз.zip")
    third = watch_once()
    assert third.exit_code == 0, third.output
    assert "уже загружено" in third.output
    assert batches(db) == 1  # not even an «unchanged» batch: the content was recognised by its hash
    assert snapshot(db) == before
    assert sorted(p.name for p in inbox.iterdir()) == ["loaded"]


def test_a_refused_file_is_set_aside_with_its_report_and_nothing_changes(inbox, tmp_path):
    db = tmp_path / "var" / "ejournal.duckdb"
    shutil.copy(zipped(tiny_export(), tmp_path, "хорошая"), inbox / "хорошая.zip")
    assert watch_once().exit_code == 0
    before = snapshot(db)

    data = tiny_export()
    data["export"][0]["exported_at"] = "10.06.2026 10:00"  # newer: it would supersede if loaded
    data["marks"][0]["mark_value"] = "2"
    bad = zipped(data, tmp_path, "плохая", empty="lessons.csv")  # an empty file: refused whole
    shutil.copy(bad, inbox / "плохая.zip")

    outcome = watch_once()
    assert outcome.exit_code == 2, outcome.output
    assert "отклонена целиком" in outcome.output
    assert snapshot(db) == before
    refused = sorted((inbox / "refused").iterdir())
    assert [p.suffix for p in refused] == [".zip", ".xlsx"]
    assert refused[0].read_bytes() == bad.read_bytes()
    assert refused[1].name.startswith(refused[0].name)  # the report sits beside the file it is about
    assert "empty_file" in set(pl.read_excel(refused[1]).get_column("Правило"))
    assert not (inbox / "плохая.zip").exists()
    # nothing was recorded as loaded: the school may fix the file and drop it in again
    assert watch_once().exit_code == 0 and snapshot(db) == before


def test_a_file_still_being_copied_is_not_taken(inbox, tmp_path):
    export = zipped(tiny_export(), tmp_path, "выгрузка")
    shutil.copy(export, inbox / "журнал.zip.part")
    shutil.copy2(export, inbox / "только-что.zip")  # written just now, with the original's old mtime
    past = time.time() - 3600
    os.utime(inbox / "только-что.zip", (past, past))  # as a copy over a Windows share leaves it

    outcome = watch_once(settle=600)
    assert outcome.exit_code == 0, outcome.output
    assert not (tmp_path / "var" / "ejournal.duckdb").exists()
    assert sorted(p.name for p in inbox.iterdir()) == ["журнал.zip.part", "только-что.zip"]
    assert watch_once(settle=0).exit_code == 0 and (inbox / "журнал.zip.part").exists()  # never a .part

    os.replace(inbox / "журнал.zip.part", inbox / "журнал.zip")  # the copy finished
    outcome = watch_once()
    assert outcome.exit_code == 0, outcome.output
    assert batches(tmp_path / "var" / "ejournal.duckdb") == 1  # same content twice: one load
    assert len(list((inbox / "loaded").iterdir())) == 2


def test_a_dropped_folder_is_loaded_once_it_has_stopped_changing(inbox, tmp_path):
    write_export(tiny_export(), inbox / "выгрузка-папкой")
    outcome = watch_once(settle=600)  # its files were written just now
    assert outcome.exit_code == 0 and not (tmp_path / "var" / "ejournal.duckdb").exists()
    outcome = watch_once()
    assert outcome.exit_code == 0, outcome.output
    assert batches(tmp_path / "var" / "ejournal.duckdb") == 1
    assert [p.name.endswith("-выгрузка-папкой") for p in (inbox / "loaded").iterdir()] == [True]


def test_the_watching_loop_takes_an_item_unchanged_since_the_previous_poll(tmp_path):
    item = tmp_path / "журнал.zip"
    item.write_bytes(b"PK" + b"0" * 100)
    changed = SettleWatch(settle=3600)  # a clock-free check: nothing is old enough by time alone
    assert changed.ready([item]) == []  # first sight: may still be growing
    with item.open("ab") as stream:
        stream.write(b"more")
    assert changed.ready([item]) == []  # it grew between the polls
    assert changed.ready([item]) == [item]  # the same size and time as at the previous poll


def test_a_load_that_keeps_failing_is_tried_less_and_less_often(inbox, tmp_path):
    """The warehouse is held by another process (a long load, a copy being made): the file stays in
    the inbox and is tried at polls 1, 2, 4, 8 and 16, not at every poll; once the warehouse is free
    it is loaded at its next try."""
    db = tmp_path / "var" / "ejournal.duckdb"
    db.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WAREHOUSE, str(db)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        zipped(tiny_export(), inbox, "журнал")
        record, settled, pacing = LoadedRecord(tmp_path / "loaded.json"), SettleWatch(0), RetryPacing()
        tried = [n for n in range(1, 16) if _poll(inbox, db, record, settled, pacing, 30) == EXIT_FAILED]
    finally:
        holder.kill()
        holder.wait()
    assert tried == [1, 2, 4, 8]
    assert [p.name for p in inbox.iterdir()] == ["журнал.zip"]
    assert _poll(inbox, db, record, settled, pacing, 30) == EXIT_OK  # poll 16: due, and the warehouse is free
    assert batches(db) == 1 and [p.name.endswith("-журнал.zip") for p in (inbox / "loaded").iterdir()] == [True]


HOLD_WAREHOUSE = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table held (x integer)")
print("held", flush=True)
time.sleep(600)
"""
