"""The two validation paths agree: every file of every bad export is checked by the polars path
(``read_batches`` + ``check_batch``) and inside DuckDB (``validate_sql.check_in_duckdb``), and
both must report the same issues (file, row, column, value, rule, message, raw row) and accept
the same typed rows, row by row.

The bad exports are those of test_validation_rules.py, and the spellings where the two parsers
could drift apart: odd but readable dates and numbers (which DuckDB hands back to polars),
Unicode spaces, signs, impossible days and hours, duplicates inside one batch and across two.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import prepare
from pipelines.canonical import validate, validate_sql
from pipelines.canonical.reader import ROW_COLUMN, FileFacts, locate_files, read_batches
from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.canonical.validate import _kind, check_batch
from pipelines.canonical.validate_sql import check_in_duckdb, compiled, drop
from pipelines.ingest import ingest_path
from tests.factories import tiny_export, write_export
from tests.pipelines.test_validation_rules import CASES, appender, both, setter

NBSP, THIN = "\u00a0", "\u2009"

SPELLINGS = [
    ("date one digit", setter("pupils", 0, birth_date="1.2.2014"), "polars"),
    ("date with midnight", setter("pupils", 0, birth_date="01.02.2014 00:00"), "duckdb"),
    ("date with Excel's midnight", setter("pupils", 0, birth_date="01.02.2014 0:00"), "duckdb"),
    ("iso date with midnight", setter("lessons", 0, lesson_date="2025-09-01 00:00:00"), "duckdb"),
    ("date with a time of day", setter("lessons", 0, lesson_date="01.09.2025 8:30"), "duckdb"),
    ("absence code in capitals", setter("attendance", 0, absence_code="ОП"), "duckdb"),
    ("gender in capitals", setter("pupils", 0, gender_code="Ж"), "duckdb"),
    ("assessment in small letters", setter("external_results", 0, assessment_code="впр"), "duckdb"),
    ("unknown code in capitals", setter("attendance", 0, absence_code="Х"), "duckdb"),
    ("date impossible", setter("pupils", 0, birth_date="30.02.2014"), "duckdb"),
    ("date words", setter("pupils", 0, birth_date="первое мая"), "duckdb"),
    ("iso date", setter("pupils", 1, birth_date="2014-03-05"), "duckdb"),
    ("moment iso T", setter("marks", 0, entered_at="2025-09-08T10:15"), "duckdb"),
    ("moment seconds", setter("marks", 0, entered_at="08.09.2025 10:15:30"), "duckdb"),
    ("moment date only", setter("marks", 0, entered_at="08.09.2025"), "duckdb"),
    ("moment hour 25", setter("marks", 0, entered_at="08.09.2025 25:00"), "duckdb"),
    ("moment fraction", setter("marks", 0, entered_at="2025-09-08 10:15:30.5"), "polars"),
    ("int sign", setter("classes", 0, grade="+5"), "duckdb"),
    ("int float", setter("classes", 0, grade="5.0"), "duckdb"),
    ("int huge", setter("classes", 0, grade="99999999999999999999999"), "duckdb"),
    ("float exponent", setter("curriculum", 0, weekly_hours="4e0"), "polars"),
    ("float comma", setter("curriculum", 0, weekly_hours="4,5"), "duckdb"),
    ("float two commas", setter("curriculum", 0, weekly_hours="4,5,1"), "duckdb"),
    ("float out of range", setter("work_types", 0, weight="0"), "duckdb"),
    ("bool upper", setter("pupils", 0, has_consent="ДА"), "duckdb"),
    ("bool unknown", setter("pupils", 0, has_consent="наверное"), "duckdb"),
    ("nbsp around id", setter("marks", 0, pupil_id=f"{NBSP}p1{THIN}"), "duckdb"),
    ("thin space after id", setter("marks", 1, pupil_id=f"p1{THIN}"), "duckdb"),
    ("tab before id", setter("marks", 2, lesson_id="\tL1"), "duckdb"),
    ("ideographic space after a date", setter("lessons", 1, lesson_date="01.09.2025\u3000"), "duckdb"),
    ("space only", setter("lessons", 0, teacher_id=f" {NBSP} "), "duckdb"),
    ("id pattern", setter("marks", 0, pupil_id="p 1"), "duckdb"),
    ("year digits", setter("periods", 0, academic_year_id="2025/26"), "duckdb"),
    ("unique twice", appender("marks", 0), "duckdb"),
    ("key twice", appender("attendance", 0, absence_code="у"), "duckdb"),
    ("row rule", setter("enrolments", 0, end_date="01.01.2020"), "duckdb"),
    (
        "row rule and type",
        both(setter("periods", 0, end_date="01.01.2020"), setter("periods", 1, end_date="x")),
        "duckdb",
    ),
    # a row whose odd spelling polars reads is checked with the other rows: here its key repeats
    # in a plainly spelled row, which the SQL alone would have let through (found by a
    # differential fuzz of the two paths)
    (
        "odd date in a repeated row refused by a row rule",
        both(appender("periods", 0), setter("periods", 0, end_date="2000-1-1")),
        "polars",
    ),
    (
        "exponent out of range in a repeated row",
        both(appender("planned_topics", 0), setter("planned_topics", 0, hours="1e3")),
        "polars",
    ),
    ("float nan", setter("planned_topics", 0, hours="nan"), "duckdb"),
    ("float infinity", setter("work_types", 0, weight="-inf"), "duckdb"),
    (
        "odd but unreadable date in a repeated row",
        both(appender("periods", 0), setter("periods", 0, end_date="2000-1-1x")),
        "duckdb",
    ),
]


def _issue_rows(issues) -> list[tuple]:
    return sorted(
        (
            i.file_name,
            i.row_number or 0,
            i.column_name or "",
            str(i.cell_value),
            i.rule_code,
            i.message,
            i.raw_row or "",
        )
        for i in issues
    )


def _by_polars(file, workdir: Path, batch_rows: int) -> tuple[list[tuple], pl.DataFrame]:
    issues, frames = [], []
    for raw in read_batches(file, workdir, FileFacts(), batch_rows):
        valid, found = check_batch(file.spec, raw)
        issues += found
        frames.append(valid)
    return _issue_rows(issues), pl.concat(frames) if frames else pl.DataFrame()


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


def _by_duckdb(con, file, workdir: Path, batch_rows: int) -> tuple[list[tuple], pl.DataFrame] | None:
    checked = check_in_duckdb(con, file, workdir, FileFacts(), batch_rows)
    if checked is None:
        return None
    accepted = pl.from_arrow(con.sql(f"select * from {checked.accepted}").to_arrow_table())
    drop(con, file.spec.name)
    # DuckDB flags exactly the rows polars refuses: none that polars then passes (it would still
    # be loaded right, but the SQL would be doing less than its share)
    assert not checked.extra, file.spec.name
    return _issue_rows(checked.issues), accepted


def _same_rows(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.height == b.height
    if a.height:
        columns = [c for c in a.columns if c != ROW_COLUMN]
        a = a.select(ROW_COLUMN, *columns).sort(ROW_COLUMN)
        b = b.select(ROW_COLUMN, *columns).cast(dict(a.schema)).sort(ROW_COLUMN)
        assert a.rows() == b.rows()


def _compare(con, folder: Path, workdir: Path, only: set[str] | None = None, batch_rows: int = 1_000_000) -> dict:
    """Check every file (or those named in ``only``) both ways; returns which path DuckDB's check
    ended on, per file."""
    files, _ = locate_files(folder)
    ended = {}
    for file in files:
        if not compiled(file) or (only is not None and file.spec.name not in only):
            continue
        expected_issues, expected_rows = _by_polars(file, workdir, batch_rows)
        found = _by_duckdb(con, file, workdir, batch_rows)
        ended[file.spec.name] = "polars" if found is None else "duckdb"
        if found is None:
            continue
        issues, rows = found
        assert issues == expected_issues, file.spec.name
        _same_rows(expected_rows, rows)
    return ended


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_bad_exports_of_every_rule_get_the_same_issues(con, tmp_path, case):
    """The files a bad mutation changed (the others are the clean export's, checked below)."""
    _rule, _file, _column, bad, _good = case
    data = tiny_export()
    bad(data)
    ended = _compare(con, write_export(data, tmp_path / "export"), tmp_path, _changed(data))
    assert set(ended.values()) <= {"duckdb"}


def _changed(data) -> set[str]:
    clean = tiny_export()
    return {name for name, rows in data.items() if rows != clean.get(name)}


@pytest.mark.parametrize(("what", "mutation", "path"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_spellings_where_the_parsers_could_differ(con, tmp_path, what, mutation, path):
    data = tiny_export()
    mutation(data)
    changed = _changed(data)
    ended = _compare(con, write_export(data, tmp_path / "export"), tmp_path, changed)
    assert {ended[name] for name in changed} == {path}, what


def _readable_odd_spellings(kind: str, value: str) -> list[str]:
    """Spellings of ``value`` that polars reads and the SQL leaves to it (see SPELLINGS)."""
    if not value:
        return []
    if kind == "date":
        day, month, year = value.split(".")
        return [f"{int(day)}.{int(month)}.{year}", f"+{year}-{month}-{day}"]
    if kind == "datetime":
        day, month, rest = value.split(".", 2)
        year, _, moment = rest.partition(" ")
        return [f"{year}-{month}-{day} {moment}:00.5"]
    if kind == "float":
        return [f"{value}e0"]
    return []


def _odd_row_cases() -> list[tuple[str, str, str, str | None]]:
    """(file, column, spelling, required column emptied in the same row or None): the first row of
    each file with a unique key, one of its typed cells spelled oddly but readably, the row then
    repeated as it was."""
    cases = []
    for name, rows in tiny_export().items():
        model = FILES_BY_NAME[name].model
        columns = columns_of(model)
        keys = set(model.to_schema().unique or ()) | {c for c, column in columns.items() if column.unique}
        if name == "export" or not rows or not keys:
            continue
        required = [
            c for c, column in columns.items() if not column.nullable and c not in keys and _kind(column.dtype) == "str"
        ]
        for column, spec in columns.items():
            plain = rows[0][column]
            for spelling in set(_readable_odd_spellings(_kind(spec.dtype), plain)) - {plain}:
                cases += [(name, column, spelling, None), (name, column, spelling, required[0] if required else None)]
    return sorted(set(cases), key=repr)


@pytest.mark.parametrize(("name", "column", "spelling", "emptied"), _odd_row_cases(), ids=repr)
def test_an_oddly_spelled_row_meets_its_repeat_either_way(con, tmp_path, name, column, spelling, emptied):
    """The row's key repeats in the row after it, spelled plainly: polars refuses both, whether or
    not a rule of the odd row's own refuses it too; the file goes the polars way as a whole."""
    data = tiny_export()
    data[name].append(dict(data[name][0]))
    data[name][0][column] = spelling
    if emptied:
        data[name][0][emptied] = ""
    ended = _compare(con, write_export(data, tmp_path / "export"), tmp_path, {name})
    assert ended == {name: "polars"}


def test_duplicates_inside_a_batch_and_across_two(con, tmp_path):
    """With batches of two rows, a repeat in the same batch is the file's own rule and a repeat
    in the next batch is left to the cross-file check: both paths cut batches the same way."""
    data = tiny_export()
    marks = data["marks"]
    marks.insert(1, dict(marks[0]))  # rows 2 and 3: the same batch
    marks.append(dict(marks[2]))  # the last row repeats row 4, in another batch
    folder = write_export(data, tmp_path / "export")
    ended = _compare(con, folder, tmp_path, {"marks"}, batch_rows=2)
    assert ended["marks"] == "duckdb"
    (marks_file,) = [f for f in locate_files(folder)[0] if f.spec.name == "marks"]
    issues, _ = _by_polars(marks_file, tmp_path, 2)
    assert {(row, rule) for _, row, _, _, rule, _, _ in issues} == {(2, "duplicate"), (3, "duplicate")}


def test_a_clean_export_passes_both_ways_with_every_row(con, tmp_path):
    folder = write_export(tiny_export(), tmp_path / "export")
    ended = _compare(con, folder, tmp_path)
    assert ended and set(ended.values()) == {"duckdb"}


def test_row_numbers_hold_in_a_file_read_in_parallel(con, tmp_path):
    """A file big enough for DuckDB to read on several threads: the bad rows keep their numbers."""
    data = tiny_export()
    template = data["attendance"][0]
    data["attendance"] = [{**template, "pupil_id": f"p{n}", "absence_code": "н"} for n in range(300_000)]
    for n in (17, 150_001, 299_998):
        data["attendance"][n]["absence_code"] = "x"
    folder = write_export(data, tmp_path / "export")
    ended = _compare(con, folder, tmp_path, {"attendance"}, batch_rows=100_000)
    assert ended == {"attendance": "duckdb"}
    (file,) = [f for f in locate_files(folder)[0] if f.spec.name == "attendance"]
    issues, _ = _by_duckdb(con, file, tmp_path, 100_000)
    assert [row for _, row, *_ in issues] == [19, 150_003, 300_000]


def _warehouse_rows(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as wh:
        tables = [
            t for (t,) in wh.execute("select table_name from duckdb_tables() where table_name like 'src_%'").fetchall()
        ]
        rows = {t: sorted(wh.execute(f"select * exclude (batch_id) from {t}").fetchall(), key=repr) for t in tables}
        rows["quarantine"] = sorted(
            wh.execute(
                "select file_name, row_number, column_name, rule_code, message, raw_row from meta_quarantine"
            ).fetchall(),
            key=repr,
        )
    return rows


def test_an_ingest_stores_the_same_either_way(tmp_path, monkeypatch):
    """The whole ingest of a bad export, every file through DuckDB against every file through
    polars: the same src_ rows and the same quarantine."""
    data = tiny_export()
    for _rule, _file, _column, bad, _good in CASES[:12]:
        bad(data)
    folder = write_export(data, tmp_path / "export")
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 0)
    checked_in_duckdb = []

    def counted(*args, **kwargs):
        checked = check_in_duckdb(*args, **kwargs)
        checked_in_duckdb.append(checked is not None)
        return checked

    monkeypatch.setattr(prepare, "check_in_duckdb", counted)
    (through_duckdb,) = ingest_path(folder, tmp_path / "duckdb.duckdb")
    assert len(checked_in_duckdb) == len(data) - 1 and all(checked_in_duckdb)
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 1 << 62)
    (through_polars,) = ingest_path(folder, tmp_path / "polars.duckdb")
    assert through_duckdb.status == through_polars.status == "loaded_with_rejections"
    assert _warehouse_rows(tmp_path / "duckdb.duckdb") == _warehouse_rows(tmp_path / "polars.duckdb")
    assert len(through_duckdb.issues) == len(through_polars.issues) >= 12


@pytest.mark.parametrize("min_bytes", [0, 1 << 62], ids=["duckdb", "polars"])
def test_dates_with_a_midnight_time_store_as_the_dates(tmp_path, monkeypatch, min_bytes):
    """Every date of the export written as a database or Excel writes a date-only value, «2025-09-01
    00:00:00» or «01.09.2025 0:00»: the same rows stored as from the plain dates (every lesson
    was refused as «не удалось прочитать», and with it its marks and absences)."""
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", min_bytes)
    plain = tiny_export()
    timed = tiny_export()
    n = 0
    for name, rows in timed.items():
        dates = [c for c, spec in columns_of(FILES_BY_NAME[name].model).items() if str(spec.dtype) == "Date"]
        for row in rows:
            for column in dates:
                if row[column]:
                    day = _day_of(row[column])
                    row[column] = f"{day:%Y-%m-%d} 00:00:00" if n % 2 else f"{day:%d.%m.%Y} 0:00"
                    n += 1
    assert n > 20
    assert _stored_alike(tmp_path, plain, timed)["src_lessons"]


def _stored_alike(tmp_path: Path, plain: dict, other: dict) -> dict[str, list[tuple]]:
    """Both exports load, and the warehouse of ``other`` holds the rows of ``plain``'s (returned)."""
    (want,) = ingest_path(write_export(plain, tmp_path / "plain"), tmp_path / "plain.duckdb")
    (got,) = ingest_path(write_export(other, tmp_path / "other"), tmp_path / "other.duckdb")
    assert (want.status, got.status) == ("loaded", "loaded"), got.issues[:3]
    rows = _warehouse_rows(tmp_path / "other.duckdb")
    assert rows == _warehouse_rows(tmp_path / "plain.duckdb")
    return rows


def _day_of(text: str):
    import datetime as dt

    return dt.datetime.strptime(text, "%d.%m.%Y" if "." in text else "%Y-%m-%d").date()


@pytest.mark.parametrize("min_bytes", [0, 1 << 62], ids=["duckdb", "polars"])
def test_codes_in_another_case_store_as_the_codes(tmp_path, monkeypatch, min_bytes):
    """Every code of a list written in the other case, as hand-typed files have them («Н», «ОП»,
    «Ж», «Н/А», «QUARTER», «впр»): the same rows stored as from the codes as listed (each was
    refused as not in the list)."""
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", min_bytes)
    plain = tiny_export()
    other = tiny_export()
    n = 0
    for name, rows in other.items():
        for column, case in validate.code_cases(FILES_BY_NAME[name].model).items():
            for row in rows:
                turned = row[column].upper() if case == "lower" else row[column].lower()
                if turned != row[column]:
                    row[column] = turned
                    n += 1
    assert n > 10
    assert _stored_alike(tmp_path, plain, other)["src_attendance"]
