"""The command line as a user meets it: demo, region folders, a busy warehouse, bad settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from data_samples.generator import generate_region

ROOT = Path(__file__).resolve().parents[2]


def test_demo_without_server_generates_loads_and_reports(tmp_path):
    db = tmp_path / "demo.duckdb"
    outcome = CliRunner().invoke(
        app, ["demo", "--db", str(db), "--out", str(tmp_path / "export"), "--pupils", "60", "--no-serve"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "загружена" in outcome.output
    with duckdb.connect(str(db), read_only=True) as con:
        pupils = con.execute("select count(*) from dim_pupil").fetchone()[0]
        marks = con.execute("select count(*) from fct_mark").fetchone()[0]
        years = con.execute("select academic_year_id from dim_academic_year order by 1").fetchall()
    folders = sorted((tmp_path / "export").iterdir())  # the demo has three academic years, one export each
    assert [f.name for f in folders] == ["2023-2024", "2024-2025", "2025-2026"]
    assert [y for (y,) in years] == ["2023/2024", "2024/2025", "2025/2026"]
    pupil_rows = [_data_lines(f / "pupils.csv") for f in folders]
    raw_marks = sum(len(_data_lines(f / "marks.csv")) for f in folders)
    assert len(pupil_rows[-1]) == 60
    assert pupils == len({line.split(";")[0] for rows in pupil_rows for line in rows})
    assert marks == raw_marks


def _data_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()[1:]


def test_region_folder_loads_one_batch_per_school(tmp_path):
    generate_region(tmp_path / "region", n_schools=2, pupils_per_school=30, seed=3)
    db = tmp_path / "region.duckdb"
    outcome = CliRunner().invoke(app, ["ingest", str(tmp_path / "region"), "--db", str(db)])
    assert outcome.exit_code == 0, outcome.output
    with duckdb.connect(str(db), read_only=True) as con:
        schools = con.execute("select school_id, count(*) from fct_mark group by 1 order by 1").fetchall()
        batches = con.execute("select school_id, status_code from meta_batch order by batch_id").fetchall()
    assert [s for s, _ in schools] == ["sch-0001", "sch-0002"]
    assert batches == [("sch-0001", "loaded"), ("sch-0002", "loaded")]
    for school, n in schools:
        raw = sum(1 for _ in (tmp_path / "region" / school / "marks.csv").open(encoding="utf-8-sig")) - 1
        assert n == raw


def test_busy_warehouse_is_a_clear_message(tmp_path):
    from tests.factories import held_by_another_process, tiny_export, write_export

    db = tmp_path / "busy.duckdb"
    duckdb.connect(str(db)).close()
    with held_by_another_process(db):
        folder = write_export(tiny_export(), tmp_path / "export")
        outcome = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert outcome.exit_code == 3
    assert "занято другим процессом" in " ".join(outcome.output.split())
    assert "Traceback" not in outcome.output


def test_bad_norms_file_is_a_message(tmp_path, monkeypatch):
    norms = tmp_path / "norms.toml"
    norms.write_text("[validation]\nallow_lessons_on_holiday = true\n", encoding="utf-8")
    monkeypatch.setenv("EJOURNAL_NORMS", str(norms))
    outcome = CliRunner().invoke(app, ["ingest", str(tmp_path), "--db", str(tmp_path / "x.duckdb")])
    assert outcome.exit_code == 3
    assert "allow_lessons_on_holiday" in outcome.output


def test_not_an_export_is_refused_with_exit_2(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    outcome = CliRunner().invoke(app, ["ingest", str(tmp_path), "--db", str(tmp_path / "x.duckdb")])
    assert outcome.exit_code == 2
    assert "export.csv" in outcome.output
    assert not (tmp_path / "x.duckdb").exists()


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "ejournal"
    assert script.exists(), "run `make setup` (pip install -e .)"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0
    assert "ingest" in done.stdout and "status" in done.stdout


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory) -> Path:
    from tests.factories import copy_warehouse, small_sample_warehouse

    db = tmp_path_factory.mktemp("cli-docs") / "w.duckdb"
    copy_warehouse(small_sample_warehouse(tmp_path_factory), db)  # the sample, ingested once
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select status_code from meta_batch").fetchall() == [("loaded",)]
    return db


def _pupil(index: int = 0) -> dict[str, str]:
    from tests.factories import raw

    return raw("pupils")[index]


@pytest.mark.parametrize(
    ("args", "title", "files"),
    [
        (["journal-printout", "--class", "7А", "--period", "2 четверть", "--subject", "Алгебра"], "журнал", 2),
        (["parent-statement", "--pupil", "{pupil}", "--from", "01.09.2025", "--to", "30.09.2025"], "Выписка", 2),
        (["occupancy", "--period", "2 четверть"], "Наполняемость классов", 2),
        (["movement-dynamics", "--period", "2 четверть"], "Динамика движения", 2),
        (["journal-analysis", "--week", "15.10.2025", "--format", "pdf"], "Анализ ведения журнала", 1),
    ],
)
def test_report_documents_beyond_one_class_and_period(sample_warehouse, tmp_path, args, title, files):
    pupil = _pupil()
    args = [a.replace("{pupil}", pupil["pupil_id"]) for a in args]
    out = tmp_path / "out"
    outcome = CliRunner().invoke(app, ["report", *args, "--out", str(out), "--db", str(sample_warehouse)])
    assert outcome.exit_code == 0, outcome.output
    made = sorted(out.iterdir())
    assert len(made) == files
    pdf = next(p for p in made if p.suffix == ".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert title.lower() in " ".join(text.split()).lower()
    if args[0] == "parent-statement":
        assert pupil["last_name"] in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["journal-printout", "--class", "9Я", "--period", "2 четверть"], "Нет класса «9Я»"),
        (["parent-statement", "--pupil", "p-x", "--from", "31.09.2025", "--to", "01.10.2025"], "ожидается дата"),
        (["parent-statement"], "нужен --pupil"),
        (["journal-analysis", "--week", "вчера"], "ожидается дата"),
    ],
)
def test_report_refuses_bad_choices_in_russian(sample_warehouse, tmp_path, args, message):
    outcome = CliRunner().invoke(app, ["report", *args, "--out", str(tmp_path), "--db", str(sample_warehouse)])
    assert outcome.exit_code == 2, outcome.output
    assert message in " ".join(outcome.output.split())


def _first_week_warehouse(folder: Path, *, lessons_until: str | None) -> Path:
    """The sample as a school sends it early in the year, before any period mark: lessons (with
    their marks and absences) up to ``lessons_until`` only (None: no lessons at all)."""
    import datetime as dt

    from pipelines.ingest import ingest_path
    from tests.factories import sample_export, write_export

    data = sample_export()
    last = dt.datetime.strptime(lessons_until, "%d.%m.%Y").date() if lessons_until else None
    data["lessons"] = [
        row for row in data["lessons"] if last and dt.datetime.strptime(row["lesson_date"], "%d.%m.%Y").date() <= last
    ]
    kept = {row["lesson_id"] for row in data["lessons"]}
    data["marks"] = [row for row in data["marks"] if row["lesson_id"] in kept]
    marks = {row["mark_id"] for row in data["marks"]}
    data["attendance"] = [row for row in data["attendance"] if row["lesson_id"] in kept]
    data["mark_changes"] = [row for row in data["mark_changes"] if row["mark_id"] in marks]
    data["period_marks"] = []
    (result,) = ingest_path(write_export(data, folder / "export"), folder / "w.duckdb", run_by="test")
    assert result.status == "loaded", result.issues[:3]
    return folder / "w.duckdb"


def test_report_before_any_period_mark_takes_the_period_of_the_last_lesson(tmp_path):
    """A school in its first weeks has no period marks yet: `report all` used to make nothing and
    say nothing, and `--class 7А` said there is no class 7А."""
    import datetime as dt

    from tests.factories import raw

    db = _first_week_warehouse(tmp_path, lessons_until="05.09.2025")
    day = dt.date(2025, 9, 5)
    current = next(
        p["period_name"]
        for p in raw("periods")
        if dt.datetime.strptime(p["start_date"], "%d.%m.%Y").date()
        <= day
        <= dt.datetime.strptime(p["end_date"], "%d.%m.%Y").date()
    )
    (class_name,) = {c["class_name"] for c in raw("classes")}
    out = tmp_path / "out"
    outcome = CliRunner().invoke(app, ["report", "all", "--out", str(out), "--db", str(db), "--format", "xlsx"])
    assert outcome.exit_code == 0, outcome.output
    text = " ".join(outcome.output.split())
    assert f"{class_name}, {current}," in text
    assert len(list(out.rglob("*.xlsx"))) == 6  # the school set: six documents of the class
    one = CliRunner().invoke(app, ["report", "attendance", "--class", class_name, "--out", str(out), "--db", str(db)])
    assert one.exit_code == 0, one.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["journal-analysis"], "journal-analysis: в хранилище нет ни одного урока школы — анализировать нечего"),
        (["journal-printout", "--class", "7А"], "journal-printout: нет данных для документа («7А»"),
    ],
    ids=["journal-analysis", "journal-printout"],
)
def test_documents_of_a_school_without_lessons_are_refused_in_words(tmp_path, args, message):
    db = _first_week_warehouse(tmp_path, lessons_until=None)
    outcome = CliRunner().invoke(app, ["report", *args, "--out", str(tmp_path / "out"), "--db", str(db)])
    assert outcome.exit_code == 2, outcome.output
    assert message in " ".join(outcome.output.split())
