"""Published snapshots: readers never wait for a writer and never see half a batch."""

from __future__ import annotations

import errno
import os
import shutil

import duckdb
import pytest

from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, copy_warehouse
from warehouse.db import connect
from warehouse.snapshot import copy_file, current_snapshot, publish, published_dir


def test_ingest_publishes_and_replaces_the_snapshot(tmp_path):
    db = tmp_path / "w.duckdb"
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "loaded"
    first = current_snapshot(db)
    assert first is not None and first.exists()
    with duckdb.connect(str(first), read_only=True) as con:
        assert con.execute("select count(*) from fct_mark").fetchone()[0] > 0
    second = publish(db)
    assert second != first and current_snapshot(db) == second
    # older copies are deleted (deletion means deletion: no stale copy keeps forgotten pupils)
    assert sorted(p.name for p in published_dir(db).iterdir()) == sorted(["CURRENT", second.name])


def test_a_reader_of_the_snapshot_is_not_blocked_by_a_writer(tmp_path, small_sample_db):
    db = copy_warehouse(small_sample_db, tmp_path / "w.duckdb")  # the sample as ingested and published
    snapshot = current_snapshot(db)
    with connect(db) as writer:
        writer.execute("begin transaction")
        writer.execute("delete from src_marks")
        # the writer holds the warehouse; the snapshot opens and shows the committed state
        with duckdb.connect(str(snapshot), read_only=True) as reader:
            assert reader.execute("select count(*) from src_marks").fetchone()[0] > 0
        writer.execute("rollback")


def test_publish_is_skipped_while_another_process_writes(tmp_path):
    import subprocess
    import sys
    import textwrap

    db = tmp_path / "w.duckdb"
    shutil.copytree(SAMPLE, tmp_path / "export")
    ingest_path(tmp_path / "export", db)
    before = current_snapshot(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r})
            print("held", flush=True)
            sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert publish(db) is None
        assert current_snapshot(db) == before
    finally:
        holder.communicate("done\n", timeout=30)


@pytest.mark.parametrize("kernel", ["copies", "stops_short", "refuses", "lacks_it"])
def test_a_published_copy_is_the_file_byte_for_byte(tmp_path, monkeypatch, kernel):
    """The kernel's copy, or the ordinary one where it copies part and stops, refuses, or the
    system has no such call."""
    source = tmp_path / "w.duckdb"
    source.write_bytes(os.urandom(5 * 1024 * 1024 + 123))
    calls = []
    real = os.copy_file_range

    def partial(src, dst, count, *args):
        calls.append(count)
        if kernel == "refuses" or len(calls) > 1:
            if kernel == "refuses":
                raise OSError(errno.EXDEV, "cross-device")
            return 0
        return real(src, dst, min(count, 1024 * 1024))  # a first megabyte, then nothing

    if kernel == "lacks_it":
        monkeypatch.delattr(os, "copy_file_range")
    elif kernel != "copies":
        monkeypatch.setattr(os, "copy_file_range", partial)
    target = tmp_path / "copy.duckdb"
    target.write_bytes(b"stale bytes of an earlier copy" * 1000)
    copy_file(source, target)
    assert target.read_bytes() == source.read_bytes()
    if kernel in ("stops_short", "refuses"):
        assert calls
