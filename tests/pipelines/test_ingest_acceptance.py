"""Acceptance of the foundation: idempotent loads, supersession, corrupted exports refused with
the warehouse untouched, input formats, and the CLI's exit codes and error report."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.factories import copy_warehouse, ingest_export, tiny_export, write_export
from warehouse.db import build_models, content_hash, load_models, table_names
from warehouse.status import warehouse_status


def snapshot(db: Path) -> dict[str, str]:
    """Per-table content hashes of every data table (src_, dim_, fct_, int_)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: content_hash(con, t) for t in table_names(con, ("src_", "dim_", "fct_", "int_", "meta_quarantine"))}


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory) -> Path:
    """The tiny export loaded once per module (under an empty home of its own), as ``ingest_tiny``
    loads it: each case gets a copy (a file copy takes milliseconds, an ingest a second or more)."""
    folder = tmp_path_factory.mktemp("loaded")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("EJOURNAL_HOME", str(folder / "home"))
        monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(folder / "home" / "access.sqlite"))
        result = ingest_export(tiny_export(), folder / "export", folder / "loaded.duckdb")
    assert result.status == "loaded"
    return folder / "loaded.duckdb"


@pytest.fixture
def loaded(tmp_path, loaded_once):
    """A warehouse with the tiny export loaded, and its snapshot."""
    db = copy_warehouse(loaded_once, tmp_path / "loaded.duckdb")
    return db, snapshot(db)


@pytest.fixture(scope="module")
def tiny_snapshot(loaded_once) -> dict[str, str]:
    """The snapshot of the tiny export loaded by ``ingest_tiny``, what every variant must give."""
    return snapshot(loaded_once)


def test_same_export_twice_changes_nothing(loaded, ingest_tiny, tiny):
    db, before = loaded
    again = ingest_tiny(tiny, db=db)
    assert again.status == "unchanged"
    assert again.counts.total("inserted") == again.counts.total("updated") == 0
    assert snapshot(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select status_code from meta_batch order by batch_id").fetchall() == [
            ("loaded",),
            ("unchanged",),
        ]


def test_every_table_is_filled_by_the_tiny_export(loaded):
    _, before = loaded
    empty = [t for t, h in before.items() if h.startswith("0:") and t != "meta_quarantine"]
    assert empty == []


def test_newer_export_supersedes_and_older_one_does_not(loaded, ingest_tiny, tiny):
    db, _ = loaded
    newer = tiny_export()
    newer["export"][0]["exported_at"] = "05.06.2026 10:00"
    newer["marks"][0]["mark_value"] = "3"  # M1 corrected
    del newer["marks"][1]  # M2 deleted from lesson L1
    result = ingest_tiny(newer, db=db)
    assert (result.status, result.counts.updated["marks"], result.counts.removed["marks"]) == ("loaded", 1, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select mark_value from src_marks where mark_id = 'M1'").fetchone() == ("3",)
        assert con.execute("select count(*) from src_marks where mark_id = 'M2'").fetchone() == (0,)
        assert con.execute("select count(*) from fct_mark where mark_id = 'M2'").fetchone() == (0,)
        actions = con.execute("select table_name, nk, action_code from meta_supersession order by 1, 2").fetchall()
    assert actions == [("src_marks", "M1", "updated"), ("src_marks", "M2", "removed")]
    state = snapshot(db)
    older = tiny_export()
    older["export"][0]["exported_at"] = "01.06.2026 21:00"
    older["marks"][0]["mark_value"] = "4"
    stale = ingest_tiny(older, db=db)
    assert stale.counts.total("kept_newer") >= 1
    assert snapshot(db) == state


def test_a_newer_export_rebuilds_only_the_models_whose_inputs_changed(loaded, ingest_tiny, tmp_path):
    db, _ = loaded
    school = tiny_export()["school"][0]["school_id"]
    marker = "school_name = 'не перестроена'"
    with duckdb.connect(str(db)) as con:  # marker rows of the school, gone only if the model is rebuilt
        con.execute("insert into dim_school (school_id, school_name) values (?, 'не перестроена')", [school])
        con.execute("insert into mart_teacher_day (school_id) values (?)", [school])
    newer = tiny_export()
    newer["export"][0]["exported_at"] = "05.06.2026 10:00"
    newer["marks"][0]["mark_value"] = "3"  # only marks change
    result = ingest_tiny(newer, db=db)
    assert (result.status, result.counts.changed_tables()) == ("loaded", {"src_marks"})
    with duckdb.connect(str(db)) as con:
        assert con.execute(f"select count(*) from dim_school where {marker}").fetchone() == (1,)  # reads no marks
        assert con.execute("select count(*) from mart_teacher_day where teacher_id is null").fetchone() == (0,)
        assert con.execute("select mark_value from fct_mark where mark_id = 'M1'").fetchone() == ("3",)
        con.execute(f"delete from dim_school where {marker}")
        kept = {m.name: content_hash(con, m.name) for m in load_models()}
    whole = tmp_path / "whole.duckdb"
    shutil.copyfile(db, whole)
    with duckdb.connect(str(whole)) as con:
        build_models(con)  # every model from scratch over the same src_ rows
        assert {m.name: content_hash(con, m.name) for m in load_models()} == kept


def test_incremental_week_adds_lessons_and_keeps_the_rest(loaded, ingest_tiny):
    db, _ = loaded
    week = tiny_export()
    week["export"][0].update(
        export_kind_code="incremental",
        exported_at="20.11.2025 20:00",
        covers_from_date="17.11.2025",
        covers_to_date="21.11.2025",
    )
    week["lessons"] = [
        {**week["lessons"][3], "lesson_id": "L5", "lesson_date": "17.11.2025", "lesson_entered_at": "17.11.2025 13:00"}
    ]
    week["marks"] = [
        {**week["marks"][4], "mark_id": "M6", "lesson_id": "L5", "entered_at": "17.11.2025 13:00", "mark_value": "5"}
    ]
    week["attendance"], week["mark_changes"], week["period_marks"] = [], [], []
    result = ingest_tiny(week, db=db)
    assert result.issues == [] and result.status == "loaded"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from fct_lesson").fetchone() == (5,)
        assert con.execute("select count(*) from fct_mark").fetchone() == (6,)


def _break_encoding_utf16(folder: Path) -> None:
    path = folder / "marks.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def _break_encoding_koi8(folder: Path) -> None:
    path = folder / "pupils.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes((text + "\n".join([text.splitlines()[1]] * 30)).encode("koi8-r"))


def _truncate(folder: Path) -> None:
    path = folder / "marks.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])


def _empty(folder: Path) -> None:
    (folder / "lessons.csv").write_bytes(b"")


def _unknown_pupil(folder: Path) -> None:
    path = folder / "marks.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(";p1;L1;", ";p999;L1;"), encoding="utf-8")


def _impossible_date(folder: Path) -> None:
    path = folder / "lessons.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("16.09.2025;", "31.02.2026;", 1), encoding="utf-8")


def _duplicate_rows(folder: Path) -> None:
    path = folder / "attendance.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")


CORRUPTIONS = {
    "utf16": (_break_encoding_utf16, "encoding", []),
    "koi8": (_break_encoding_koi8, "encoding", []),
    "truncated": (_truncate, "csv_ragged", []),
    "empty_file": (_empty, "empty_file", []),
    "unknown_pupil": (_unknown_pupil, "reference", ["--strict"]),
    "impossible_date": (_impossible_date, "type", ["--strict"]),
    "duplicated_rows": (_duplicate_rows, "duplicate", ["--strict"]),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupted_export_is_refused_and_the_warehouse_is_untouched(loaded, tmp_path, case):
    db, before = loaded
    corrupt, rule, flags = CORRUPTIONS[case]
    data = tiny_export()
    data["export"][0]["exported_at"] = "10.06.2026 10:00"  # newer, so it would supersede if loaded
    data["marks"][0]["mark_value"] = "2"
    folder = write_export(data, tmp_path / f"bad-{case}")
    corrupt(folder)
    report = tmp_path / f"report-{case}.xlsx"
    outcome = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db), "--report", str(report), *flags])
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    assert "отклонена целиком" in outcome.output
    rows = pl.read_excel(report)
    assert list(rows.columns) == ["Файл", "Строка", "Столбец", "Значение", "Правило", "Что не так"]
    assert rule in set(rows.get_column("Правило"))
    assert snapshot(db) == before


def test_default_mode_loads_valid_rows_and_quarantines_the_rest(loaded, tmp_path):
    db, _ = loaded
    data = tiny_export()
    data["export"][0]["exported_at"] = "10.06.2026 10:00"
    data["marks"][0]["pupil_id"] = "p999"
    data["marks"][4]["mark_value"] = "3"
    folder = write_export(data, tmp_path / "partly-bad")
    outcome = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db), "--report", str(tmp_path / "r.csv")])
    assert outcome.exit_code == 1, outcome.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select mark_value from src_marks where mark_id = 'M5'").fetchone() == ("3",)
        assert con.execute("select mark_value, pupil_id from src_marks where mark_id = 'M1'").fetchone() == ("5", "p1")
        quarantined = con.execute(
            "select file_name, row_number, rule_code from meta_quarantine order by 1, 2"
        ).fetchall()
    assert ("marks.csv", 2, "reference") in quarantined
    assert all(q[0] != "marks.csv" or q[1] in (2, 3) for q in quarantined)


def test_a_bad_row_has_the_same_number_in_every_format(tmp_path):
    """The same bad export saved as CSV, XLSX and Parquet: the same issues at the same rows and the
    same stored rows (the header is row 1 in each; a Parquet file's rows were numbered from 1, one
    less than the same table as CSV, until a differential search of the formats found it)."""
    from tests.pipelines.test_formats_agree import _issues_and_rows
    from tests.pipelines.test_validation_rules import CASES

    data = tiny_export()
    for _rule, _file, _column, bad, _good in CASES[:16]:
        bad(data)
    csv_folder = write_export(data, tmp_path / "csv")
    expected = _issues_and_rows(csv_folder, tmp_path / "csv.duckdb")
    issues = expected[1]
    assert len({row for _, row, *_ in issues}) > 3 and all(row >= 2 for _, row, *_ in issues)
    for variant in ("xlsx", "parquet"):
        folder = tmp_path / variant
        folder.mkdir()
        for path in csv_folder.glob("*.csv"):
            frame = pl.read_csv(path, separator=";", infer_schema=False)
            if variant == "xlsx":
                frame.write_excel(folder / f"{path.stem}.xlsx")
            else:
                frame.write_parquet(folder / f"{path.stem}.parquet")
        assert _issues_and_rows(folder, tmp_path / f"{variant}.duckdb") == expected, variant


@pytest.mark.parametrize("variant", ["cp1251_comma", "utf8_bom", "xlsx", "parquet", "zip"])
def test_input_variants_load_the_same_content(tmp_path, tiny_snapshot, variant):
    expected = tiny_snapshot
    folder = tmp_path / variant
    if variant == "cp1251_comma":
        write_export(tiny_export(), folder, delimiter=",", encoding="cp1251")
    elif variant == "utf8_bom":
        write_export(tiny_export(), folder, bom=True)
    else:
        csv_folder = write_export(tiny_export(), tmp_path / "csv")
        folder.mkdir()
        for path in csv_folder.glob("*.csv"):
            frame = pl.read_csv(path, separator=";", infer_schema=False)
            if variant == "xlsx":
                frame.write_excel(folder / f"{path.stem}.xlsx")
            elif variant == "parquet":
                frame.write_parquet(folder / f"{path.stem}.parquet")
        if variant == "zip":
            shutil.make_archive(str(tmp_path / "export"), "zip", csv_folder)
            folder = tmp_path / "export.zip"
    db = tmp_path / "variant.duckdb"
    outcome = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert outcome.exit_code == 0, outcome.output
    got = snapshot(db)
    assert {t: h for t, h in got.items() if t != "src_school"} == {
        t: h for t, h in expected.items() if t != "src_school"
    }


def test_russian_headers_are_accepted(tmp_path, ingest_tiny, tiny):
    from pipelines.canonical.schemas import FILES_BY_NAME, columns_of

    data = tiny_export()
    cols = columns_of(FILES_BY_NAME["marks"].model)
    data["marks"] = [{cols[k].metadata["ru"]: v for k, v in row.items()} for row in data["marks"]]
    result = ingest_tiny(data)
    assert result.issues == [] and result.status == "loaded"


def test_status_lists_every_table(loaded, tiny):
    db, _ = loaded
    outcome = CliRunner().invoke(app, ["status", "--db", str(db)])
    assert outcome.exit_code == 0, outcome.output
    for table in ("fct_mark", "fct_attendance", "dim_pupil", "meta_batch"):
        assert table in outcome.output
    assert "1 четверть" in outcome.output
    assert "Пустые таблицы" not in outcome.output  # meta_ tables may be empty and are not listed
    (batch,) = warehouse_status(db).batches  # the rows of «Последние загрузки», as printed
    n_rows = sum(len(rows) for name, rows in tiny.items() if name != "export")  # export.csv: the manifest
    assert batch[3:7] == ("загружена", n_rows, n_rows, 0)
    assert "загружена" in outcome.output


def test_missing_warehouse_is_a_message_not_a_traceback(tmp_path):
    outcome = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "none.duckdb")])
    assert outcome.exit_code == 3
    assert "ещё не создано" in outcome.output
