"""`forget` leaves no trace of the pupil anywhere; backup → wipe → restore is exact; a damaged
backup is refused and the current warehouse is untouched."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.audit import read_events
from tests.factories import copy_warehouse
from tests.pipelines.test_ingest_acceptance import snapshot
from warehouse.backup import BackupError, backup, restore
from warehouse.db import NEW_FILE_BLOCK_SIZE
from warehouse.snapshot import current_snapshot, published_dir

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "small"


@pytest.fixture
def env(tmp_path, monkeypatch, small_sample_db):
    monkeypatch.setenv("EJOURNAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(tmp_path / "home" / "access.sqlite"))
    db = tmp_path / "home" / "w.duckdb"
    monkeypatch.setenv("EJOURNAL_DB", str(db))
    copy_warehouse(small_sample_db, db)  # the sample as ingested (tests/conftest.py)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select status_code from meta_batch").fetchall() == [("loaded",)]
    return tmp_path / "home", db


def _pupil() -> dict[str, str]:
    with (SAMPLE / "pupils.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))[3]


def _mentions(db: Path, needles: list[str]) -> list[str]:
    """Every (table.column) whose text contains a needle: all tables, all columns cast to text."""
    found = []
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()]
        for table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_name = ?", [table]
                ).fetchall()
            ]
            for column in columns:
                for needle in needles:
                    n = con.execute(
                        f'select count(*) from "{table}" where contains(cast("{column}" as varchar), ?)', [needle]
                    ).fetchone()[0]
                    if n:
                        found.append(f"{table}.{column}")
    return found


def _block_size(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select block_size from pragma_database_size()").fetchone()[0]


def test_forget_removes_the_pupil_everywhere(env, tmp_path):
    home, db = env
    pupil = _pupil()
    needles = [pupil["pupil_id"], f"{pupil['last_name']} {pupil['first_name']}"]
    # a quarantined row and an error report that mention the pupil
    bad = tmp_path / "bad"
    shutil.copytree(SAMPLE, bad, ignore=shutil.ignore_patterns("_truth"))
    marks = (bad / "marks.csv").read_text(encoding="utf-8-sig").splitlines()
    fields = next(line for line in marks if f";{pupil['pupil_id']};" in line).split(";")
    fields[0], fields[3] = "M-extra", "9"  # mark_id, mark_value: an invalid mark goes to quarantine
    (bad / "marks.csv").write_text("\n".join([*marks, ";".join(fields)]) + "\n", encoding="utf-8")
    outcome = CliRunner().invoke(app, ["ingest", str(bad)])
    assert outcome.exit_code in (0, 1), outcome.output
    assert "meta_quarantine.raw_row" in _mentions(db, needles), "the test needs a quarantined row of the pupil"
    outcome = CliRunner().invoke(app, ["forget", pupil["pupil_id"], "--school", "sch-0001", "--yes"])
    assert outcome.exit_code == 0, outcome.output
    assert _mentions(db, needles) == []
    # the dashboard's published snapshot is replaced, and no older copy is left behind
    published = list(published_dir(db).glob("*.duckdb"))
    assert published == [current_snapshot(db)]
    assert _mentions(published[0], needles) == []
    for path in [db, *published]:
        raw_bytes = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in raw_bytes, f"deleted data must not survive in {path.name}"
    reports = list((home / "reports").rglob("*")) if (home / "reports").exists() else []
    assert not any(pupil["pupil_id"].encode() in p.read_bytes() for p in reports if p.is_file())
    events = read_events(home / "access.sqlite")
    deletion = next(e for e in events if e.event_code == "pupil_forgotten")
    assert pupil["pupil_id"] not in str(deletion) and pupil["last_name"] not in str(deletion)
    assert deletion.details["rows"] > 0
    assert _block_size(db) == NEW_FILE_BLOCK_SIZE  # the rewritten file keeps a new file's blocks
    # an old export cannot bring the pupil back
    again = CliRunner().invoke(app, ["ingest", str(SAMPLE)])
    assert again.exit_code == 0, again.output
    assert "152-ФЗ" in again.output
    assert _mentions(db, needles) == []


def test_backup_wipe_restore_gives_identical_content(env, tmp_path):
    home, db = env
    before = snapshot(db)
    outcome = CliRunner().invoke(app, ["backup", "--out", str(tmp_path / "backups")])
    assert outcome.exit_code == 0, outcome.output
    (folder,) = (tmp_path / "backups").iterdir()
    db.unlink()
    outcome = CliRunner().invoke(app, ["restore", str(folder), "--yes"])
    assert outcome.exit_code == 0, outcome.output
    assert snapshot(db) == before
    assert _block_size(db) == NEW_FILE_BLOCK_SIZE
    codes = {e.event_code for e in read_events(home / "access.sqlite")}
    assert {"backup", "restore"} <= codes


@pytest.mark.parametrize("damage", ["flip_byte", "missing_file", "no_manifest", "truncate"])
def test_damaged_backup_is_refused_and_the_warehouse_untouched(env, tmp_path, damage):
    _, db = env
    info = backup(db, tmp_path / "backups")
    before = snapshot(db)
    target = info.folder / "src_marks.parquet"
    if damage == "flip_byte":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "missing_file":
        target.unlink()
    elif damage == "no_manifest":
        (info.folder / "manifest.json").unlink()
    else:
        target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(BackupError):
        restore(info.folder, db)
    assert snapshot(db) == before
    outcome = CliRunner().invoke(app, ["restore", str(info.folder), "--yes", "--db", str(db)])
    assert outcome.exit_code == 2
    assert "не изменено" in outcome.output


def test_backup_while_the_dashboard_reads(env, tmp_path):
    _, db = env
    with duckdb.connect(str(db), read_only=True) as reader:
        info = backup(db, tmp_path / "backups")
        assert reader.execute("select count(*) from fct_mark").fetchone()[0] > 0
    assert (info.folder / "manifest.json").exists()


def test_retention_keeps_the_newest(env, tmp_path):
    import datetime as dt

    _, db = env
    for day in range(1, 5):
        backup(db, tmp_path / "b", keep=2, now=dt.datetime(2026, 1, day, 3, 0))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["backup-20260103-030000", "backup-20260104-030000"]


def test_a_backup_of_an_older_version_storing_view_models_as_tables_restores(env, tmp_path):
    """Before int_lesson and mart_lesson_entry became views, a backup held them as tables: their
    files are derived rows, which the restore passes over and rebuilds like every model."""
    import hashlib
    import json

    _, db = env
    before = snapshot(db)
    folder = backup(db, tmp_path / "backups").folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(db), read_only=True) as con:
        for view in ("int_lesson", "mart_lesson_entry"):
            target = folder / f"{view}.parquet"
            con.execute(f"copy (select * from {view}) to '{target}' (format parquet)")
            data = target.read_bytes()
            manifest["files"][target.name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            manifest["tables"][view] = con.execute(f"select count(*) from {view}").fetchone()[0]
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    db.unlink()
    restore(folder, db)
    assert snapshot(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())
    assert (kinds["int_lesson"], kinds["mart_lesson_entry"]) == ("VIEW", "VIEW")
