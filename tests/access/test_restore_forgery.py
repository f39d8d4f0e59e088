"""Forged backups: restore executes nothing from a backup and reads only listed, verified data files.

Every forgery is built at run time from a genuine backup, its manifest recomputed the way an
attacker with write access to the backup folder would. Each is either refused in Russian (exit 2)
or harmless; no file appears outside, no local file's content reaches the warehouse, and the
warehouse's table hashes are the same before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.factories import copy_warehouse, small_sample_warehouse
from warehouse.backup import backup
from warehouse.db import content_hash

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "small"
SECRET = "SECRET-7f3a9c-never-in-the-warehouse"


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> tuple[Path, Path]:
    """A loaded warehouse and a genuine backup of it (built once; each test copies them)."""
    root = tmp_path_factory.mktemp("genuine")
    db = copy_warehouse(small_sample_warehouse(tmp_path_factory), root / "w.duckdb")  # the sample, ingested once
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select status_code from meta_batch").fetchall() == [("loaded",)]
    return db, backup(db, root / "backups").folder


@pytest.fixture
def setup(genuine, tmp_path, monkeypatch):
    db_source, folder_source = genuine
    home = tmp_path / "home"
    home.mkdir()
    db = home / "w.duckdb"
    db.write_bytes(db_source.read_bytes())
    folder = tmp_path / "backup"
    folder.mkdir()
    for file in folder_source.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    monkeypatch.setenv("EJOURNAL_HOME", str(home))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))
    monkeypatch.setenv("EJOURNAL_DB", str(db))
    monkeypatch.chdir(outside)  # a relative COPY … TO would land here
    return db, folder, outside, secret


def table_hashes(db: Path) -> dict[str, str]:
    """Content hash of every table of the warehouse, meta tables included."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [n for (n,) in con.execute("select table_name from information_schema.tables").fetchall()]
        return {name: content_hash(con, f'"{name}"') for name in names}


def reseal(folder: Path, *, listed: list[str] | None = None, tables: dict[str, int] | None = None) -> None:
    """Recompute the manifest as an attacker would: sizes and hashes of ``listed`` (default: all files)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = listed if listed is not None else sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")
    manifest["files"] = {
        name: {
            "sha256": hashlib.sha256((folder / name).read_bytes()).hexdigest(),
            "bytes": (folder / name).stat().st_size,
        }
        for name in names
    }
    if tables is not None:
        manifest["tables"] = tables
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def hostile_sql(outside: Path, secret: Path) -> str:
    return "\n".join(
        [
            f"copy (select 'pwned') to '{outside / 'pwned.csv'}';",
            "copy (select 'pwned') to 'relative.csv';",
            f"create table src_stolen as select * from read_text('{secret}');",
            f"attach '{outside / 'evil.duckdb'}' as evil;",
            "create table evil.t as select 1;",
        ]
    )


def restore(folder: Path):
    return CliRunner().invoke(app, ["restore", str(folder), "--yes"])


def assert_no_trace(db: Path, outside: Path, before: dict[str, str]) -> None:
    assert list(outside.iterdir()) == [], "restore wrote files outside the warehouse"
    assert table_hashes(db) == before
    assert SECRET.encode() not in db.read_bytes()


def assert_refused(outcome) -> None:
    assert outcome.exit_code == 2, outcome.output
    assert "Текущее хранилище не изменено" in outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("listed", [True, False], ids=["schema-resealed", "schema-left-out"])
def test_hostile_schema_sql_is_never_executed(setup, listed):
    db, folder, outside, secret = setup
    before = table_hashes(db)
    for script in ("schema.sql", "load.sql"):
        (folder / script).write_text(hostile_sql(outside, secret), encoding="utf-8")
    data_files = sorted(p.name for p in folder.glob("*.parquet"))
    reseal(folder, listed=None if listed else data_files)
    outcome = restore(folder)
    assert outcome.exit_code == 0, outcome.output  # the data is genuine: restored, the scripts ignored
    assert_no_trace(db, outside, before)


def test_extra_unlisted_files_are_not_read(setup):
    db, folder, outside, secret = setup
    before = table_hashes(db)
    pq.write_table(pa.table({"content": [SECRET]}), folder / "src_stolen.parquet")
    (folder / "schema.sql").write_text(hostile_sql(outside, secret), encoding="utf-8")
    outcome = restore(folder)  # the manifest is the genuine one: the extra files are simply not listed
    assert outcome.exit_code == 0, outcome.output
    assert_no_trace(db, outside, before)


def _manifest_tables(folder: Path) -> dict[str, int]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tables"]


def test_a_table_outside_the_apps_schema_is_refused(setup):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    pq.write_table(pa.table({"content": [SECRET]}), folder / "src_stolen.parquet")
    reseal(folder, tables={**_manifest_tables(folder), "src_stolen": 1})
    outcome = restore(folder)
    assert_refused(outcome)
    assert "src_stolen" in outcome.output
    assert_no_trace(db, outside, before)


def test_a_table_with_foreign_columns_is_refused(setup):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    pq.write_table(pa.table({"school_id": ["x"], "content": [SECRET]}), folder / "src_school.parquet")
    reseal(folder, tables={**_manifest_tables(folder), "src_school": 1})
    outcome = restore(folder)
    assert_refused(outcome)
    assert "src_school" in outcome.output and "content" in outcome.output
    assert_no_trace(db, outside, before)


@pytest.mark.parametrize(
    "table", ["../outside/src_school", "/etc/passwd", "src_school.parquet/..", "SRC_SCHOOL", "src school"]
)
def test_a_table_name_that_is_a_path_is_refused(setup, table):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    (outside / "x.parquet").write_bytes((folder / "src_school.parquet").read_bytes())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"][table] = 1
    manifest["files"][f"{table}.parquet"] = {"sha256": "0" * 64, "bytes": 1}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    outcome = restore(folder)
    assert_refused(outcome)
    (outside / "x.parquet").unlink()
    assert_no_trace(db, outside, before)


def test_a_symlinked_data_file_is_refused(setup, tmp_path):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    elsewhere = tmp_path / "elsewhere.parquet"
    pq.write_table(pa.table({"content": [SECRET]}), elsewhere)
    (folder / "src_school.parquet").unlink()
    (folder / "src_school.parquet").symlink_to(elsewhere)
    reseal(folder)  # the attacker's manifest matches the link's target
    outcome = restore(folder)
    assert_refused(outcome)
    assert "символическая ссылка" in outcome.output
    assert_no_trace(db, outside, before)


def test_a_symlinked_manifest_is_refused(setup, tmp_path):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    real = tmp_path / "manifest-elsewhere.json"
    real.write_bytes((folder / "manifest.json").read_bytes())
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").symlink_to(real)
    assert_refused(restore(folder))
    assert_no_trace(db, outside, before)


def test_a_fifo_in_place_of_a_data_file_is_refused_without_hanging(setup):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    (folder / "src_school.parquet").unlink()
    os.mkfifo(folder / "src_school.parquet")
    outcome = restore(folder)
    assert_refused(outcome)
    assert_no_trace(db, outside, before)


def test_a_recomputed_hash_over_garbage_is_refused(setup):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    (folder / "src_marks.parquet").write_bytes(b"PAR1" + os.urandom(4096))
    reseal(folder)
    outcome = restore(folder)
    assert_refused(outcome)
    assert "src_marks.parquet" in outcome.output
    assert_no_trace(db, outside, before)


@pytest.mark.parametrize(
    "manifest",
    ["[" * 100_000, '{"files": [], "tables": {}}', '{"files": {}, "tables": {"src_school": true}}', "x" * 5_000_000],
    ids=["deep", "files-not-a-dict", "count-not-a-number", "huge"],
)
def test_a_malformed_manifest_is_refused(setup, manifest):
    db, folder, outside, _ = setup
    before = table_hashes(db)
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    assert_refused(restore(folder))
    assert_no_trace(db, outside, before)


def test_an_older_export_database_backup_still_restores_without_running_its_script(setup, tmp_path):
    """Backups written by EXPORT DATABASE (schema.sql + load.sql listed) restore from their data alone."""
    db, _, outside, secret = setup
    before = table_hashes(db)
    old = tmp_path / "old-style"
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [  # the tables EXPORT DATABASE writes data for (a view has none)
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
        con.execute(f"export database '{old}' (format parquet)")
    (old / "schema.sql").write_text(
        (old / "schema.sql").read_text(encoding="utf-8") + hostile_sql(outside, secret), encoding="utf-8"
    )
    (old / "manifest.json").write_text(json.dumps({"tables": counts, "files": {}}), encoding="utf-8")
    reseal(old)
    outcome = restore(old)
    assert outcome.exit_code == 0, outcome.output
    assert_no_trace(db, outside, before)
