"""`forget` attacked as the campaign of issue #20 did: the CLI is killed (SIGKILL) right after
each step of the operation, then the job is finished by re-running `forget` or by the next ingest;
the old export is loaded again and an old backup kept outside the app's folders is restored.
The pupil must then be nowhere: warehouse tables, the raw bytes of the database file and of the
published snapshot, documents in both document folders (PDFs read with pdftotext, XLSX with
openpyxl), backups, the access store's bytes; the record (keyed hash) and the audit must exist.
A mistyped id is refused and changes nothing."""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.audit import read_events
from tests.pipelines.test_ingest_acceptance import snapshot
from warehouse.privacy import STEPS
from warehouse.snapshot import current_snapshot, published_dir

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data_samples" / "small"
SCHOOL = "sch-0001"


def _pupil() -> dict[str, str]:
    with (SAMPLE / "pupils.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))[3]


PUPIL = _pupil()
NEEDLES = [PUPIL["pupil_id"], f"{PUPIL['last_name']} {PUPIL['first_name']}"]


def _site_env(home: Path) -> dict[str, str]:
    return {
        "EJOURNAL_HOME": str(home),
        "EJOURNAL_ACCESS_DB": str(home / "access.sqlite"),
        "EJOURNAL_DB": str(home / "w.duckdb"),
    }


def _use_site_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EJOURNAL_LAKE", raising=False)


@pytest.fixture(scope="module")
def site_template(tmp_path_factory) -> dict:
    """The site, built once per module at the path every case uses; a pristine copy is kept beside
    it. The access store and the document index hold absolute paths, so a case gets the copy back
    at the very same path rather than somewhere else."""
    root = tmp_path_factory.mktemp("forget")
    with pytest.MonkeyPatch.context() as monkeypatch:
        site = _build_site(root / "site", monkeypatch)
    shutil.copytree(site["tmp"], root / "template", symlinks=True)
    return {**site, "template": root / "template"}


@pytest.fixture
def site(site_template, monkeypatch) -> dict:
    """A fresh copy of the site for one case (files, modes and times as built)."""
    place = site_template["tmp"]
    shutil.rmtree(place)
    shutil.copytree(site_template["template"], place, symlinks=True)
    _use_site_env(site_template["env"], monkeypatch)
    return site_template


def _build_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """An installation with the pupil everywhere the app keeps data: warehouse (with a quarantined
    row), snapshot, an error report and documents in the home folder and in a folder given by
    --out, backups in the default folder and in one given by --out, and an off-site copy."""
    home = tmp_path / "home"
    env = _site_env(home)
    _use_site_env(env, monkeypatch)
    bad = tmp_path / "export"
    tmp_path.mkdir()
    shutil.copytree(SAMPLE, bad, ignore=shutil.ignore_patterns("_truth"))
    marks = (bad / "marks.csv").read_text(encoding="utf-8-sig").splitlines()
    fields = next(line for line in marks if f";{PUPIL['pupil_id']};" in line).split(";")
    fields[0], fields[3] = "M-extra", "9"  # an invalid mark: a quarantined row and an error report
    (bad / "marks.csv").write_text("\n".join([*marks, ";".join(fields)]) + "\n", encoding="utf-8")
    _cli("ingest", str(bad), codes=(1,))
    class_name = _class_of_pupil(home / "w.duckdb")
    for out in (home / "reports" / "documents", tmp_path / "elsewhere" / "docs"):
        _cli("report", "ledger", "--class", class_name, "--out", str(out))
    pdf = next((home / "reports" / "documents").glob("*.pdf"))
    assert not any(n.encode() in pdf.read_bytes() for n in NEEDLES), "a PDF's text is not in its raw bytes"
    (home / "reports" / "архив").mkdir()
    shutil.copy(pdf, home / "reports" / "архив" / "копия.pdf")  # not in the index: found by its text
    _cli("backup")
    _cli("backup", "--out", str(tmp_path / "elsewhere" / "backups"))
    assert _backup_mentions(home / "backups") != [], "the backup holds the pupil before any forget"
    offsite = tmp_path / "offsite"
    shutil.copytree(next((home / "backups").iterdir()), offsite)
    documents = [*(home / "reports").rglob("*.*"), *(tmp_path / "elsewhere" / "docs").rglob("*.*")]
    assert {p.suffix for p in documents} >= {".pdf", ".xlsx"}
    assert all(_document_names_pupil(p) for p in documents if p.suffix == ".pdf"), "the test needs named PDFs"
    return {"home": home, "db": home / "w.duckdb", "export": bad, "offsite": offsite, "tmp": tmp_path, "env": env}


def _cli(*args: str, codes: tuple[int, ...] = (0,)) -> str:
    outcome = CliRunner().invoke(app, list(args))
    assert outcome.exit_code in codes, outcome.output
    return outcome.output


def _class_of_pupil(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select c.class_name from dim_pupil as p join dim_class as c "
            "on c.school_id = p.school_id and c.class_id = p.current_class_id where p.pupil_id = ?",
            [PUPIL["pupil_id"]],
        ).fetchone()[0]


def _forget_in_subprocess(site: dict, pupil_id: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **site["env"], "PYTHONPATH": str(ROOT)}
    env.pop("EJOURNAL_TEST_KILL_AT", None)
    if kill_at:
        env["EJOURNAL_TEST_KILL_AT"] = kill_at
    command = [sys.executable, "-c", "from cli.main import app; app()", "forget", pupil_id, "--school", SCHOOL, "--yes"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


# --- where the pupil must not be ------------------------------------------------------------------


def _rows_naming_pupil(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str, list[str]]]) -> list[tuple]:
    """(label, row text) of every row of the ``relations`` (label, relation, its column names)
    that names the pupil, each row as its values' text joined by spaces in column order (a NULL
    reads «None»), so a name split over adjacent columns is found too. One query for all the
    relations, the search inside DuckDB: no row is fetched unless it names the pupil."""
    if not relations:
        return []
    found = " or ".join(f"contains(row_text, $needle{i})" for i in range(len(NEEDLES)))
    parts = []
    for label, relation, columns in relations:
        texts = ", ".join(f"coalesce(cast(t.\"{c}\" as varchar), 'None')" for c in columns)
        literal = label.replace("'", "''")
        parts.append(f"select '{literal}' as label, concat_ws(' ', {texts}) as row_text from {relation} as t")
    query = f"select label, row_text from ({' union all '.join(parts)}) where {found}"
    return con.execute(query, {f"needle{i}": n for i, n in enumerate(NEEDLES)}).fetchall()


def _table_mentions(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        listed = con.execute(
            "select t.table_name, list(c.column_name order by c.ordinal_position) "
            "from information_schema.tables as t join information_schema.columns as c "
            "on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema and c.table_name = t.table_name "
            "group by t.table_name"
        ).fetchall()
        rows = _rows_naming_pupil(con, [(table, f'"{table}"', columns) for table, columns in listed])
    return [f"{table}: {n}" for table, text in rows for n in NEEDLES if n in text]


def _backup_mentions(root: Path) -> list[str]:
    files = sorted(root.rglob("*.parquet"))
    relations = [
        (str(f.relative_to(root)), "read_parquet('{}')".format(str(f).replace("'", "''")), pq.read_schema(f).names)
        for f in files
    ]
    with duckdb.connect() as con:
        return sorted({label for label, _ in _rows_naming_pupil(con, relations)})


def _document_names_pupil(path: Path) -> bool:
    if path.suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    elif path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        text = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    else:
        text = path.read_bytes().decode("utf-8", "ignore")
    text = " ".join(text.split())
    return any(n in text for n in NEEDLES)


def _assert_nowhere(site: dict) -> None:
    db, home = site["db"], site["home"]
    assert _table_mentions(db) == []
    published = list(published_dir(db).iterdir())
    assert [p for p in published if p.name != "CURRENT"] == [current_snapshot(db)]
    assert _table_mentions(current_snapshot(db)) == []
    for path in [db, current_snapshot(db)]:
        raw = path.read_bytes()
        assert not any(n.encode() in raw for n in NEEDLES), f"deleted data survives in the bytes of {path.name}"
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(f"{db.name}.")] == [], "no leftover copy"
    documents = [p for p in [*home.rglob("*"), *(site["tmp"] / "elsewhere").rglob("*")] if p.is_file()]
    assert [p.name for p in documents if p.suffix in (".pdf", ".xlsx") and _document_names_pupil(p)] == []
    for root in (home / "backups", site["tmp"] / "elsewhere" / "backups"):
        assert _backup_mentions(root) == []
        assert any(root.glob("backup-*")), "a backup that lost the pupil is replaced by a fresh one"
    for store_file in home.glob("access.sqlite*"):
        assert PUPIL["pupil_id"].encode() not in store_file.read_bytes(), f"{store_file.name} keeps the id"


def _assert_recorded(site: dict, state: str) -> None:
    access = site["home"] / "access.sqlite"
    key = (site["home"] / "access.sqlite.forget-key").read_bytes()
    expected = hmac.new(key, f"{SCHOOL}\x1f{PUPIL['pupil_id']}".encode(), hashlib.sha256).hexdigest()
    with sqlite3.connect(access) as con:
        rows = con.execute("select pupil_hash, state, hash_kind from forgotten_pupil").fetchall()
    assert rows == [(expected, state, "hmac-sha256")]
    plain = hashlib.sha256(f"{SCHOOL}\x1f{PUPIL['pupil_id']}".encode()).hexdigest()
    assert expected != plain
    codes = [e.event_code for e in read_events(access, limit=1000)]
    assert "pupil_forget_started" in codes
    assert ("pupil_forgotten" in codes) == (state == "done")
    events = " ".join(str(e) for e in read_events(access, limit=1000))
    assert not any(n in events for n in [*NEEDLES, PUPIL["last_name"]])


# --- the attacks ----------------------------------------------------------------------------------


# each step once; the job is finished alternately by re-running `forget` and by the next ingest
CRASHES = [(step, ("forget", "ingest")[i % 2]) for i, step in enumerate(STEPS)]


@pytest.mark.parametrize(("step", "finisher"), CRASHES)
def test_a_forget_killed_at_any_step_is_finished_and_leaves_nothing(site, step, finisher):
    killed = _forget_in_subprocess(site, PUPIL["pupil_id"], kill_at=step)
    assert killed.returncode == -9, killed.stderr
    _assert_recorded(site, "done" if step == "done" else "pending")
    if finisher == "forget":
        again = _forget_in_subprocess(site, PUPIL["pupil_id"])
        assert again.returncode == 0, again.stderr
        assert "Traceback" not in again.stderr
    # the old export again: a pending forget is finished first, and the pupil is not loaded
    output = _cli("ingest", str(site["export"]), codes=(0, 1))
    assert "152-ФЗ" in output
    _assert_recorded(site, "done")
    _assert_nowhere(site)
    # an old backup kept where the app cannot purge it: restore forgets the pupil again
    output = _cli("restore", str(site["offsite"]), "--yes")
    _assert_nowhere(site)
    assert "152-ФЗ" in output


def test_a_mistyped_id_is_refused_and_changes_nothing(site):
    db = site["db"]
    before = snapshot(db), current_snapshot(db), sorted(p.name for p in site["home"].rglob("*"))
    events_before = len(read_events(site["home"] / "access.sqlite", limit=1000))
    outcome = _forget_in_subprocess(site, PUPIL["pupil_id"] + "7")
    assert outcome.returncode == 2, outcome.stderr
    assert "нет в школе" in outcome.stderr and "ничего не удалено" in outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert (snapshot(db), current_snapshot(db), sorted(p.name for p in site["home"].rglob("*"))) == before
    assert len(read_events(site["home"] / "access.sqlite", limit=1000)) == events_before
    assert _table_mentions(db) != []


def test_the_key_is_private_and_the_hash_depends_on_it(site):
    assert _forget_in_subprocess(site, PUPIL["pupil_id"]).returncode == 0
    key_file = site["home"] / "access.sqlite.forget-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    _assert_recorded(site, "done")
    with sqlite3.connect(site["home"] / "access.sqlite") as con:
        (stored,) = con.execute("select pupil_hash from forgotten_pupil").fetchone()
    guesses = {
        hashlib.sha256(f"{SCHOOL}\x1f{PUPIL['pupil_id']}".encode()).hexdigest(),
        hashlib.sha256(PUPIL["pupil_id"].encode()).hexdigest(),
        hmac.new(b"\0" * 32, f"{SCHOOL}\x1f{PUPIL['pupil_id']}".encode(), hashlib.sha256).hexdigest(),
    }
    assert stored not in guesses


def test_a_forget_of_an_earlier_version_still_keeps_the_pupil_out(site):
    """A register row of an earlier version (unkeyed sha256, done) is honoured by ingest."""
    access = site["home"] / "access.sqlite"
    CliRunner().invoke(app, ["audit", "--limit", "1"])  # the store gets the current columns
    legacy = hashlib.sha256(f"{SCHOOL}\x1f{PUPIL['pupil_id']}".encode()).hexdigest()
    with sqlite3.connect(access) as con:
        con.execute(
            "insert into forgotten_pupil (school_id, pupil_hash, forgotten_at) values (?, ?, '2025-01-01')",
            [SCHOOL, legacy],
        )
    assert _forget_in_subprocess(site, PUPIL["pupil_id"]).returncode == 0
    output = _cli("ingest", str(site["export"]), codes=(0, 1))
    assert "152-ФЗ" in output
    assert _table_mentions(site["db"]) == []
