"""Files the app creates are 0600 and its folders 0700 (0640/0750 with EJOURNAL_FILE_MODE=group),
and scratch folders and partial backups left by a crashed run are swept at the next start.

The commands run as the real entry point in a subprocess, with the test's own umask wide open, so
only what the app itself does can make the modes private.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ejournal.files import SCRATCH_PREFIX

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data_samples" / "small"
EXPECTED = {"private": (0o600, 0o700), "group": (0o640, 0o750)}


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o000),  # the least careful parent possible
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def environment(tmp_path: Path, file_mode: str | None) -> dict[str, str]:
    home = tmp_path / "var"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EJOURNAL_HOME": str(home),
        "EJOURNAL_DB": str(home / "ejournal.duckdb"),
        "EJOURNAL_ACCESS_DB": str(home / "access.sqlite"),
        "TMPDIR": str(tmp_path / "tmp"),
    }
    env.pop("EJOURNAL_FILE_MODE", None)
    if file_mode:
        env["EJOURNAL_FILE_MODE"] = file_mode
    (tmp_path / "tmp").mkdir()
    return env


def modes_under(folder: Path) -> dict[str, int]:
    """Permission bits of every file and folder under ``folder`` (the folder itself included)."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.parametrize("file_mode", [None, "group"], ids=["default-private", "group"])
def test_every_file_the_app_creates_is_private(tmp_path, file_mode):
    env = environment(tmp_path, file_mode)
    run(["users", "add", "admin1", "--role", "admin"], env, tmp_path)
    run(["ingest", str(SAMPLE)], env, tmp_path)
    run(["backup"], env, tmp_path)
    run(["report", "occupancy", "--period", "2 четверть"], env, tmp_path)
    run(["audit"], env, tmp_path)
    home = tmp_path / "var"
    modes = modes_under(home)
    names = set(modes)
    # the test must see every kind of file the issue names
    assert {"ejournal.duckdb", "access.sqlite", "backups", "reports/documents"} <= names, sorted(names)
    assert any(n.startswith("ejournal.published/") for n in names)
    assert any(n.endswith(".parquet") for n in names) and any(n.endswith(".pdf") for n in names)
    file_bits, folder_bits = EXPECTED[file_mode or "private"]
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (folder_bits if (home / name).is_dir() else file_bits)
    }
    assert wrong == {}
    assert_side_files_follow(home / "access.sqlite", file_bits)


def assert_side_files_follow(store: Path, file_bits: int) -> None:
    """SQLite's -wal and -shm (present only while a connection is open) take the store's mode."""
    previous = os.umask(0o000)
    try:
        with contextlib.closing(sqlite3.connect(store)) as con:
            con.execute("pragma journal_mode = wal")
            con.execute("create table if not exists probe (x)")
            con.execute("insert into probe values (1)")
            con.commit()
            sides = [store.with_name(store.name + suffix) for suffix in ("-wal", "-shm")]
            assert {side.name: oct(stat.S_IMODE(side.stat().st_mode)) for side in sides} == {
                side.name: oct(file_bits) for side in sides
            }
    finally:
        os.umask(previous)


def test_a_world_readable_store_from_an_older_version_is_tightened(tmp_path):
    env = environment(tmp_path, None)
    run(["users", "add", "admin1", "--role", "admin"], env, tmp_path)
    home = tmp_path / "var"
    for path in [home, home / "access.sqlite"]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    run(["users", "list"], env, tmp_path)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "access.sqlite").stat().st_mode) == 0o600


def test_an_unknown_file_mode_is_refused(tmp_path):
    env = environment(tmp_path, "world")
    done = subprocess.run(
        [sys.executable, "-m", "cli", "status"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 3
    assert "EJOURNAL_FILE_MODE" in done.stderr and "Traceback" not in done.stderr


def _crashed_leftover(path: Path, *, minutes_old: int) -> Path:
    path.mkdir(parents=True)
    (path / "pupils.csv").write_text("ученик", encoding="utf-8")
    then = time.time() - minutes_old * 60
    os.utime(path, (then, then))
    return path


def test_leftovers_of_a_crashed_run_are_swept_at_the_next_start(tmp_path):
    env = environment(tmp_path, None)
    scratch = Path(env["TMPDIR"])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    # what kill -9 leaves: an extracted export and a half-written backup, both of a dead process
    extracted = _crashed_leftover(scratch / f"{SCRATCH_PREFIX}ingest-p{dead_pid}-abc", minutes_old=120)
    partial = _crashed_leftover(tmp_path / "var" / "backups" / f".partial-20260101-030000-p{dead_pid}", minutes_old=120)
    # what must stay: a live process's scratch, a fresh one, and anything not ours
    live = _crashed_leftover(scratch / f"{SCRATCH_PREFIX}ingest-p{os.getpid()}-def", minutes_old=120)
    fresh = _crashed_leftover(scratch / f"{SCRATCH_PREFIX}doc-p{dead_pid}-ghi", minutes_old=1)
    foreign = _crashed_leftover(scratch / "someone-else", minutes_old=120)
    run(["users", "list"], env, tmp_path)
    assert not extracted.exists() and not partial.exists()
    assert live.exists() and fresh.exists() and foreign.exists()


def test_scratch_folders_are_gone_after_an_ingest_and_a_backup(tmp_path):
    env = environment(tmp_path, None)
    zipped = tmp_path / "export.zip"
    subprocess.run(["zip", "-qr", str(zipped), "."], cwd=SAMPLE, check=True)
    run(["ingest", str(zipped)], env, tmp_path)
    run(["backup"], env, tmp_path)
    assert list(Path(env["TMPDIR"]).iterdir()) == []
    assert [p.name for p in (tmp_path / "var" / "backups").iterdir() if p.name.startswith(".")] == []
    assert tempfile.gettempdir() != env["TMPDIR"]  # the test process's own temp folder is untouched
