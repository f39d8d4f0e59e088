"""Hostile files, attacked the way issue #20 attacked them: built at run time, fed to
`ejournal ingest` over a warehouse holding the committed sample, and each must end in a Russian
refusal naming the file (exit 2, no traceback, every table hash unchanged) — or, for implausible
dates, in a row rejected under a rule of its own (exit 1)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.factories import SAMPLE, tiny_export, write_export
from tests.pipelines.test_ingest_acceptance import snapshot

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    """A warehouse holding the committed sample (data_samples/small), loaded once."""
    db = tmp_path_factory.mktemp("sample") / "w.duckdb"
    outcome = CliRunner().invoke(app, ["ingest", str(SAMPLE), "--db", str(db)])
    assert outcome.exit_code == 0, outcome.output
    return db


@pytest.fixture
def warehouse(sample_db, tmp_path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(sample_db, db)
    return db, snapshot(db)


def ingest(target: Path, db: Path, *extra: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(app, ["ingest", str(target), "--db", str(db), *extra])
    return outcome.exit_code, outcome.output


def assert_refused(target: Path, warehouse, file_name: str, *words: str, extra: tuple[str, ...] = ()) -> str:
    db, before = warehouse
    code, output = ingest(target, db, *extra)
    flat = " ".join(output.replace("│", " ").split()).lower()
    assert code == 2, output
    assert "Traceback" not in output and "Error" not in output
    assert file_name.lower() in flat and "отклонена целиком" in flat
    for word in words:
        assert word.lower() in flat, output
    assert snapshot(db) == before
    return flat


def export_folder(tmp_path: Path, name: str = "e") -> Path:
    data = tiny_export()
    data["export"][0]["school_id"] = "sch-0001"
    data["school"][0]["school_id"] = "sch-0001"
    return write_export(data, tmp_path / name)


# --- CSV -------------------------------------------------------------------------------------


def test_a_csv_line_of_megabytes_is_refused_naming_the_line(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    path = folder / "marks.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "M9;p1;L1;5;answer;;" + "x" * (3 * MB) + ";t1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_refused(folder, warehouse, "marks.csv", "строка 3", "длиннее 1 МБ")


def test_a_quoted_record_of_megabytes_in_short_lines_is_refused_not_dropped(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    path = folder / "lessons.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(";")
    cells[9] = '"' + ("домашнее задание\n" * 150_000) + '"'  # 3.8 MB, no line over the limit
    lines.insert(2, ";".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_refused(folder, warehouse, "lessons.csv", "запись длиннее допустимого")


def test_a_header_line_of_megabytes_is_refused_at_once(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    path = folder / "pupils.csv"
    body = path.read_text(encoding="utf-8").split("\n", 1)[1]
    path.write_text(";".join(f"c{i}" for i in range(700_000)) + "\n" + body, encoding="utf-8")
    assert_refused(folder, warehouse, "pupils.csv", "строка 1", "заголовок длиннее")


def test_a_header_of_too_many_short_columns_is_refused(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    path = folder / "pupils.csv"
    body = path.read_text(encoding="utf-8").split("\n", 1)[1]
    path.write_text(";".join(f"c{i}" for i in range(5_000)) + "\n" + body, encoding="utf-8")
    assert_refused(folder, warehouse, "pupils.csv", "5000 столбцов")


# --- zip -------------------------------------------------------------------------------------


def _bomb(path: Path, members: int, megabytes_each: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for n in range(members):
            with archive.open(f"export/marks{n}.csv", "w") as sink:
                for _ in range(megabytes_each):
                    sink.write(b"0" * MB)
    return path


def _ingest_with_file_size_limit(target: Path, db: Path, home: Path, limit: int) -> subprocess.CompletedProcess:
    """`ejournal ingest` in a process that is killed (SIGXFSZ) if it writes any file over ``limit``."""

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "EJOURNAL_HOME": str(home), "TMPDIR": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "cli", "ingest", str(target), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit_files,
        cwd=ROOT,
        check=False,
    )


def test_a_zip_bomb_stops_at_its_bound_while_streaming(tmp_path, warehouse):
    db, before = warehouse
    bomb = _bomb(tmp_path / "bomb.zip", 1, 100)  # ~100 KB → 100 MB
    assert bomb.stat().st_size < 2 * MB
    home = tmp_path / "home"
    home.mkdir()
    done = _ingest_with_file_size_limit(bomb, db, home, 80 * MB)  # the bound is 64 MB for this archive
    assert done.returncode == 2, done.stdout + done.stderr
    assert "bomb.zip" in done.stdout and "zip-бомбу" in done.stdout and "64 МБ" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert snapshot(db) == before
    assert [p for p in home.iterdir() if p.name.startswith("ejournal-")] == []


def test_a_bomb_of_many_entries_is_bounded_in_total_and_leaves_nothing(tmp_path):
    from pipelines.canonical.reader import unpack
    from pipelines.issues import ExportRefused

    bomb = _bomb(tmp_path / "many.zip", 12, 10)  # each entry small enough, 120 MB together
    work = tmp_path / "work"
    with pytest.raises(ExportRefused) as refused:
        unpack(bomb, work)
    assert refused.value.rule == "zip_too_large"
    assert sum(f.stat().st_size for f in work.rglob("*") if f.is_file()) == 0


def _patch_headers(data: bytes, *, flag: int | None = None, method: int | None = None) -> bytes:
    """Set the flag bits or the compression method in every local and central header of a zip."""
    out = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = out.find(signature)
        while at >= 0:
            if flag is not None:
                out[at + flag_at : at + flag_at + 2] = flag.to_bytes(2, "little")
            if method is not None:
                out[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            at = out.find(signature, at + 4)
    return bytes(out)


def _zipped_export(tmp_path: Path) -> bytes:
    folder = export_folder(tmp_path, "zipped")
    archive = shutil.make_archive(str(tmp_path / "plain"), "zip", folder)
    return Path(archive).read_bytes()


@pytest.mark.parametrize(
    ("patch", "words"),
    [({"flag": 0x1}, "зашифрован"), ({"method": 9}, "неподдерживаемым способом (код 9)")],
    ids=["encrypted", "deflate64"],
)
def test_encrypted_or_deflate64_entries_are_refused(tmp_path, warehouse, patch, words):
    target = tmp_path / "export.zip"
    target.write_bytes(_patch_headers(_zipped_export(tmp_path), **patch))
    assert_refused(target, warehouse, "export.zip", words)


def test_a_link_inside_a_zip_is_refused(tmp_path, warehouse):
    target = tmp_path / "linked.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(export_folder(tmp_path).iterdir()):
            if path.name != "teachers.csv":
                archive.write(path, path.name)
        link = zipfile.ZipInfo("teachers.csv")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    assert_refused(target, warehouse, "linked.zip", "символическая ссылка")


# --- folders ---------------------------------------------------------------------------------


def test_a_linked_file_in_a_folder_is_refused_without_reading_it(tmp_path, warehouse):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("СЕКРЕТНАЯ-СТРОКА;пароль\n", encoding="utf-8")
    folder = export_folder(tmp_path)
    (folder / "teachers.csv").unlink()
    (folder / "teachers.csv").symlink_to(secret)
    flat = assert_refused(folder, warehouse, "teachers.csv", "символическая ссылка")
    assert "секретная" not in flat


def test_a_linked_folder_in_a_folder_of_exports_is_refused(tmp_path, warehouse):
    outside = export_folder(tmp_path, "outside")
    parent = tmp_path / "exports"
    parent.mkdir()
    shutil.copytree(export_folder(tmp_path, "real"), parent / "a")
    (parent / "b").symlink_to(outside, target_is_directory=True)
    assert_refused(parent, warehouse, "b", "символическая ссылка")


# --- XLSX ------------------------------------------------------------------------------------


def _workbook_with_merge(path: Path, rows: list[list[str]], merged: str) -> Path:
    """A workbook written by openpyxl, its one small merged range then widened in the sheet XML."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A30:B31")
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'ref="A30:B31"', f'ref="{merged}"'.encode())
            target.writestr(item, data)
    plain.unlink()
    assert path.stat().st_size < 10_000
    return path


def test_a_huge_merged_range_in_a_canonical_xlsx_is_refused(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    rows = [line.split(";") for line in (folder / "marks.csv").read_text(encoding="utf-8").splitlines()]
    (folder / "marks.csv").unlink()
    _workbook_with_merge(folder / "marks.xlsx", rows, "A2:XFD1048576")
    assert_refused(folder, warehouse, "marks.xlsx", "объединённые ячейки")


def test_a_huge_merged_range_in_a_journal_workbook_is_refused(tmp_path, warehouse):
    book = _workbook_with_merge(tmp_path / "журнал.xlsx", [["ФИО", "01.09"], ["Андреев Антон", "5"]], "A1:XFD1048576")
    assert_refused(book, warehouse, "журнал.xlsx", "объединённые ячейки")


# --- JSON of a journal system ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "вложены глубже 200"),
        ('{"weekDays": [{"date": "2025-09-08", "n": ' + "7" * 5000 + "}]}", "число из 5000 знаков"),
    ],
    ids=["nested-100k", "number-5000-digits"],
)
def test_hostile_json_is_refused_in_russian(tmp_path, warehouse, text, words):
    folder = tmp_path / "diary"
    folder.mkdir()
    (folder / "diary.json").write_text(text, encoding="utf-8")
    assert_refused(folder, warehouse, "diary.json", words, extra=("--source", "netschool"))


def test_a_deeply_nested_page_is_refused_quickly(tmp_path, warehouse):
    page = tmp_path / "page.html"
    page.write_text("<html><body>" + "<div><span>" * 100_000 + "</body></html>", encoding="utf-8")
    assert page.stat().st_size > MB
    assert_refused(page, warehouse, "page.html", "вложены глубже 200", extra=("--source", "elschool"))


# --- implausible dates: a rule of their own, the row rejected ------------------------------------


IMPLAUSIBLE = [
    ("marks", 0, "entered_at", "01.01.2100 10:00", "date_after_export"),
    ("marks", 1, "entered_at", "05.06.2026 10:00", "date_after_export"),  # export.csv: 01.06.2026 20:00
    ("marks", 2, "entered_at", "01.01.1999 10:00", "date_implausible"),
    ("lessons", 3, "lesson_date", "10.11.2031", "date_implausible"),
    ("pupils", 0, "birth_date", "01.02.2100", "birth_date_implausible"),
    ("pupils", 1, "birth_date", "01.01.0001", "birth_date_implausible"),
    ("pupils", 2, "birth_date", "01.02.2023", "birth_date_implausible"),  # two years old
]
KEYS = {"marks": "mark_id", "lessons": "lesson_id", "pupils": "pupil_id"}


def test_implausible_dates_are_rejected_with_their_rule(tmp_path):
    data = tiny_export()
    for file, row, column, value, _ in IMPLAUSIBLE:
        data[file][row][column] = value
    db = tmp_path / "w.duckdb"
    code, output = ingest(write_export(data, tmp_path / "e"), db)
    assert code == 1, output
    assert "Traceback" not in output and "date_after_export" in output
    with duckdb.connect(str(db), read_only=True) as con:
        rejected = con.execute(
            "select file_name, row_number, column_name, rule_code from meta_quarantine "
            "where rule_code in ('date_after_export', 'date_implausible', 'birth_date_implausible')"
        ).fetchall()
        assert sorted(rejected) == sorted(
            (f"{f}.csv", row + 2, column, rule) for f, row, column, _, rule in IMPLAUSIBLE
        )
        for file, row, *_ in IMPLAUSIBLE:
            key = data[file][row][KEYS[file]]
            assert con.execute(f"select count(*) from src_{file} where {KEYS[file]} = ?", [key]).fetchone() == (0,)


def test_an_export_dated_in_the_future_is_refused(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    text = (folder / "export.csv").read_text(encoding="utf-8").replace("01.06.2026 20:00", "01.06.2100 20:00")
    (folder / "export.csv").write_text(text, encoding="utf-8")
    assert_refused(folder, warehouse, "export", "момент выгрузки в будущем")


def test_the_plausible_dates_of_the_sample_pass(sample_db):
    with duckdb.connect(str(sample_db), read_only=True) as con:
        rules = con.execute(
            "select count(*) from meta_quarantine where rule_code in "
            "('date_after_export', 'date_implausible', 'birth_date_implausible')"
        ).fetchone()
    assert rules == (0,)


def test_json_reader_reports_the_number_place(tmp_path):
    from pipelines.importers.reading import read_json_file
    from pipelines.issues import ExportRefused

    path = tmp_path / "a.json"
    path.write_text('{\n  "a": [1,\n    ' + "1" * 50 + "]}", encoding="utf-8")
    with pytest.raises(ExportRefused) as refused:
        read_json_file(path)
    assert refused.value.location == "строка 3, позиция 5"
    path.write_text(json.dumps({"a": [1.5, -2, "7" * 50]}), encoding="utf-8")
    assert read_json_file(path) == {"a": [1.5, -2, "7" * 50]}


def test_a_parquet_file_unpacking_like_a_bomb_is_refused(tmp_path, warehouse):
    folder = export_folder(tmp_path)
    (folder / "marks.csv").unlink()
    columns = ["mark_id", "pupil_id", "lesson_id", "mark_value", "work_type_id", "weight", "entered_at", "entered_by"]
    select = ", ".join(f"repeat('x', 1000) as {c}" for c in columns)  # 80 MB as text, kilobytes on disk
    target = folder / "marks.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select {select} from range(10000)) to '{target}' (format parquet)")
    assert target.stat().st_size < MB
    assert_refused(folder, warehouse, "marks.parquet", "zip-бомбу")
