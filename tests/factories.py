"""A tiny, hand-written, valid canonical export that tests copy and then break on purpose.

Every value here is chosen by hand so that tests can state their expectations independently of
the project's code: 3 pupils in class 5А, 2 subjects (maths for the whole class, English in a
subgroup), 4 lessons, 5 marks.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "data_samples" / "small"
SCHOOL = "sch-test"
YEAR = "2025/2026"

TINY: dict[str, list[dict[str, str]]] = {
    "export": [
        {
            "school_id": SCHOOL,
            "source_system": "тест",
            "export_kind_code": "full",
            "exported_at": "01.06.2026 20:00",
            "covers_from_date": "01.09.2025",
            "covers_to_date": "31.05.2026",
        }
    ],
    "school": [
        {
            "school_id": SCHOOL,
            "school_name": "МБОУ «Тестовая школа»",
            "short_name": "Тестовая",
            "region_id": "50",
            "municipality": "г. Тест",
            "director_name": "Директорова Д. Д.",
        }
    ],
    "academic_years": [{"academic_year_id": YEAR, "start_date": "01.09.2025", "end_date": "31.05.2026"}],
    "periods": [
        {
            "period_id": "q1",
            "academic_year_id": YEAR,
            "period_kind_code": "quarter",
            "period_number": "1",
            "period_name": "1 четверть",
            "start_date": "01.09.2025",
            "end_date": "24.10.2025",
            "grades": "",
        },
        {
            "period_id": "q2",
            "academic_year_id": YEAR,
            "period_kind_code": "quarter",
            "period_number": "2",
            "period_name": "2 четверть",
            "start_date": "05.11.2025",
            "end_date": "26.12.2025",
            "grades": "",
        },
    ],
    "holidays": [
        {
            "academic_year_id": YEAR,
            "holiday_name": "Осенние каникулы",
            "start_date": "25.10.2025",
            "end_date": "04.11.2025",
            "grades": "",
        },
    ],
    "teachers": [
        {
            "teacher_id": "t1",
            "last_name": "Смирнова",
            "first_name": "Ольга",
            "middle_name": "Петровна",
            "position": "учитель",
        },
        {"teacher_id": "t2", "last_name": "Иванов", "first_name": "Пётр", "middle_name": "", "position": "учитель"},
    ],
    "subjects": [
        {"subject_id": "math", "subject_name": "Математика", "short_name": "Матем.", "fipi_code": ""},
        {"subject_id": "eng", "subject_name": "Английский язык", "short_name": "Англ.", "fipi_code": "2"},
    ],
    "classes": [
        {"class_id": "5A", "academic_year_id": YEAR, "class_name": "5А", "grade": "5", "class_teacher_id": "t1"}
    ],
    "groups": [
        {"group_id": "5A-eng-1", "class_id": "5A", "subject_id": "eng", "group_name": "1 подгруппа", "teacher_id": "t2"}
    ],
    "pupils": [
        {
            "pupil_id": "p1",
            "last_name": "Андреев",
            "first_name": "Антон",
            "middle_name": "",
            "birth_date": "01.02.2014",
            "gender_code": "м",
            "has_consent": "да",
        },
        {
            "pupil_id": "p2",
            "last_name": "Борисова",
            "first_name": "Вера",
            "middle_name": "",
            "birth_date": "2014-05-06",
            "gender_code": "ж",
            "has_consent": "да",
        },
        {
            "pupil_id": "p3",
            "last_name": "Васильев",
            "first_name": "Глеб",
            "middle_name": "",
            "birth_date": "",
            "gender_code": "",
            "has_consent": "нет",
        },
    ],
    "enrolments": [
        {
            "pupil_id": "p1",
            "class_id": "5A",
            "start_date": "01.09.2025",
            "end_date": "",
            "arrival_reason": "начало года",
            "departure_reason": "",
        },
        {
            "pupil_id": "p2",
            "class_id": "5A",
            "start_date": "01.09.2025",
            "end_date": "",
            "arrival_reason": "начало года",
            "departure_reason": "",
        },
        {
            "pupil_id": "p3",
            "class_id": "5A",
            "start_date": "15.09.2025",
            "end_date": "",
            "arrival_reason": "прибыл",
            "departure_reason": "",
        },
    ],
    "group_members": [
        {"pupil_id": "p1", "group_id": "5A-eng-1", "start_date": "01.09.2025", "end_date": ""},
        {"pupil_id": "p2", "group_id": "5A-eng-1", "start_date": "01.09.2025", "end_date": ""},
    ],
    "curriculum": [
        {"class_id": "5A", "subject_id": "math", "weekly_hours": "5", "is_attested": "да", "teacher_id": "t1"},
        {"class_id": "5A", "subject_id": "eng", "weekly_hours": "3", "is_attested": "да", "teacher_id": "t2"},
    ],
    "work_types": [
        {"work_type_id": "answer", "work_type_name": "Ответ на уроке", "weight": "1", "is_control": "нет"},
        {"work_type_id": "control", "work_type_name": "Контрольная работа", "weight": "2", "is_control": "да"},
    ],
    "planned_topics": [
        {
            "class_id": "5A",
            "group_id": "",
            "subject_id": "math",
            "topic_number": "1",
            "topic": "Натуральные числа",
            "planned_date": "08.09.2025",
            "hours": "1",
        },
    ],
    "lessons": [
        {
            "lesson_id": "L1",
            "lesson_date": "08.09.2025",
            "lesson_number": "1",
            "class_id": "5A",
            "group_id": "",
            "subject_id": "math",
            "teacher_id": "t1",
            "replacing_teacher_id": "",
            "topic": "Натуральные числа",
            "homework": "§1",
            "lesson_entered_at": "08.09.2025 14:00",
            "homework_entered_at": "08.09.2025 14:05",
        },
        {
            "lesson_id": "L2",
            "lesson_date": "16.09.2025",
            "lesson_number": "2",
            "class_id": "5A",
            "group_id": "",
            "subject_id": "math",
            "teacher_id": "t1",
            "replacing_teacher_id": "t2",
            "topic": "Сложение",
            "homework": "",
            "lesson_entered_at": "16.09.2025 15:00",
            "homework_entered_at": "",
        },
        {
            "lesson_id": "L3",
            "lesson_date": "17.09.2025",
            "lesson_number": "3",
            "class_id": "5A",
            "group_id": "5A-eng-1",
            "subject_id": "eng",
            "teacher_id": "t2",
            "replacing_teacher_id": "",
            "topic": "Alphabet",
            "homework": "Ex. 1",
            "lesson_entered_at": "2025-09-17 12:00",
            "homework_entered_at": "2025-09-17T12:10",
        },
        {
            "lesson_id": "L4",
            "lesson_date": "10.11.2025",
            "lesson_number": "1",
            "class_id": "5A",
            "group_id": "",
            "subject_id": "math",
            "teacher_id": "t1",
            "replacing_teacher_id": "",
            "topic": "Контрольная работа № 1 «Числа»",
            "homework": "",
            "lesson_entered_at": "10.11.2025 13:00",
            "homework_entered_at": "",
        },
    ],
    "marks": [
        {
            "mark_id": "M1",
            "pupil_id": "p1",
            "lesson_id": "L1",
            "mark_value": "5",
            "work_type_id": "answer",
            "weight": "",
            "entered_at": "08.09.2025 14:01",
            "entered_by": "t1",
        },
        {
            "mark_id": "M2",
            "pupil_id": "p2",
            "lesson_id": "L1",
            "mark_value": "4/5",
            "work_type_id": "answer",
            "weight": "",
            "entered_at": "09.09.2025 10:00",
            "entered_by": "t1",
        },
        {
            "mark_id": "M3",
            "pupil_id": "p3",
            "lesson_id": "L2",
            "mark_value": "3",
            "work_type_id": "answer",
            "weight": "1,5",
            "entered_at": "16.09.2025 15:01",
            "entered_by": "t2",
        },
        {
            "mark_id": "M4",
            "pupil_id": "p1",
            "lesson_id": "L3",
            "mark_value": "4",
            "work_type_id": "answer",
            "weight": "",
            "entered_at": "17.09.2025 12:01",
            "entered_by": "t2",
        },
        {
            "mark_id": "M5",
            "pupil_id": "p2",
            "lesson_id": "L4",
            "mark_value": "2",
            "work_type_id": "control",
            "weight": "",
            "entered_at": "20.11.2025 18:00",
            "entered_by": "t1",
        },
    ],
    "attendance": [
        {"pupil_id": "p2", "lesson_id": "L3", "absence_code": "б", "entered_at": "17.09.2025 09:00"},
        {"pupil_id": "p1", "lesson_id": "L4", "absence_code": "н", "entered_at": "10.11.2025 09:00"},
        {"pupil_id": "p3", "lesson_id": "L4", "absence_code": "оп", "entered_at": "10.11.2025 09:00"},
    ],
    "period_marks": [
        {
            "pupil_id": "p1",
            "subject_id": "math",
            "academic_year_id": YEAR,
            "mark_kind_code": "period",
            "period_id": "q1",
            "mark_value": "5",
            "na_reason_code": "",
            "entered_at": "24.10.2025 16:00",
            "entered_by": "t1",
        },
        {
            "pupil_id": "p3",
            "subject_id": "math",
            "academic_year_id": YEAR,
            "mark_kind_code": "period",
            "period_id": "q1",
            "mark_value": "н/а",
            "na_reason_code": "б",
            "entered_at": "24.10.2025 16:00",
            "entered_by": "t1",
        },
    ],
    "mark_changes": [
        {
            "change_id": "C1",
            "mark_id": "M2",
            "pupil_id": "p2",
            "lesson_id": "L1",
            "old_value": "4",
            "new_value": "4/5",
            "changed_at": "09.09.2025 10:00",
            "changed_by": "t1",
        },
    ],
    "external_results": [
        {
            "pupil_id": "p1",
            "subject_id": "math",
            "assessment_code": "ВПР",
            "assessment_date": "15.04.2026",
            "grade": "5",
            "primary_score": "14",
            "max_score": "20",
            "mark_value": "4",
        },
    ],
}


def tiny_export() -> dict[str, list[dict[str, str]]]:
    """A fresh deep copy of the tiny export, safe to mutate."""
    return copy.deepcopy(TINY)


def table_of(name: str, rows: list[dict[str, str]]) -> list[list[str]]:
    """A file's header (the first row's keys, or the model's columns) and its rows' cells."""
    from pipelines.canonical.schemas import FILES_BY_NAME, columns_of

    header = list(rows[0]) if rows else list(columns_of(FILES_BY_NAME[name].model))
    return [header, *([row.get(key, "") for key in header] for row in rows)]


def csv_bytes(
    name: str,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\n",
    quote_all: bool = False,
) -> bytes:
    """One file of the export as CSV: a cell holding the delimiter, a quote or a line break is
    quoted, and with ``quote_all`` every cell, the header's too."""

    def cell(value: str) -> str:
        if quote_all or delimiter in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    text = line_end.join(delimiter.join(cell(v) for v in line) for line in table_of(name, rows)) + line_end
    payload = text.encode(encoding)
    return b"\xef\xbb\xbf" + payload if bom else payload


def write_export(
    data: dict[str, list[dict[str, str]]],
    folder: Path,
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    """Write the export as CSV files (header from the first row's keys, or the model's columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        (folder / f"{name}.csv").write_bytes(csv_bytes(name, rows, delimiter=delimiter, encoding=encoding, bom=bom))
    return folder


def raw(name: str) -> list[dict[str, str]]:
    """Rows of a file of the committed sample, read with the standard library only (no project code)."""
    with (SAMPLE / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def sample_export() -> dict[str, list[dict[str, str]]]:
    """Every file of the committed sample (file → rows, empty cells as ""), read with the standard
    library only: a fresh copy, safe to change and write again (:func:`write_export`)."""
    return {path.stem: raw(path.stem) for path in sorted(SAMPLE.glob("*.csv"))}


# Texts an attacker puts into an export so that a page, the console or a spreadsheet runs them:
# markdown links and images, HTML, rich markup, a terminal escape sequence and formulas.
MARKUP = (
    "[ссылка](http://evil.example/x) ![картинка](http://evil.example/i.png) <img src=x onerror=alert(1)> "
    '<a href="http://evil.example/a">ссылка</a> **жирно** [bold red]красный[/] \x1b[31mANSI\x1b[0m'
)
HOSTILE_NAMES = {
    "school_name": '=HYPERLINK("http://evil.example","школа") ' + MARKUP,
    "class_name": "+cmd|' /C calc'!A0 " + MARKUP,
    "subject_name": "@SUM(A1:A9) " + MARKUP,
    "teacher_last_name": "-2+3+cmd|' /C calc'!A0 " + MARKUP,
    "topic": "=1+1 " + MARKUP,
    "period_name": "\t=2+2 " + MARKUP,
}


def hostile_export() -> dict[str, list[dict[str, str]]]:
    """The tiny export with every name a page, document or console shows made hostile: the school
    (full and short name, municipality), the class, the subjects, the teachers, the topics and the periods (see HOSTILE_NAMES)."""
    data = tiny_export()
    for column in ("school_name", "short_name", "municipality"):
        data["school"][0][column] = HOSTILE_NAMES["school_name"]
    for row in data["classes"]:
        row["class_name"] = HOSTILE_NAMES["class_name"]
    for row in data["subjects"]:
        row["subject_name"] = f"{HOSTILE_NAMES['subject_name']} {row['subject_id']}"
    for row in data["teachers"]:
        row["last_name"] = f"{HOSTILE_NAMES['teacher_last_name']} {row['teacher_id']}"
    for name in ("lessons", "planned_topics"):
        for row in data[name]:
            row["topic"] = HOSTILE_NAMES["topic"]
    for row in data["periods"]:
        row["period_name"] = f"{HOSTILE_NAMES['period_name']} {row['period_id']}"
    return data


def copy_warehouse(template: Path, db: Path) -> Path:
    """Copy a warehouse file and its published snapshot to ``db``: what ingesting the same export
    at ``db`` gives (a file copy takes milliseconds, an ingest a second or more)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, db)
    published = template.parent / f"{template.stem}.published"
    if published.is_dir():
        shutil.copytree(published, db.parent / f"{db.stem}.published")
    return db


def unapply_column_drop(
    db: Path, version: int, column: str, sql_type: str, value: Callable[[str], str]
) -> dict[str, int]:
    """Turn a warehouse back into its shape before migration ``version`` dropped ``column`` from
    every src_ table: the column added again and filled with ``value(file)`` (SQL), the migration
    unrecorded. Returns the rows of each src_ table."""
    from pipelines.load import TABLE_FILES

    with duckdb.connect(str(db)) as con:
        for name in TABLE_FILES:
            con.execute(f"alter table src_{name} add column {column} {sql_type}")
            con.execute(f"update src_{name} set {column} = {value(name)}")
        con.execute("delete from meta_schema_version where version = ?", [version])
        return {name: con.execute(f"select count(*) from src_{name}").fetchone()[0] for name in TABLE_FILES}


def ingest_export(
    data: dict[str, list[dict[str, str]]],
    folder: Path,
    db: Path,
    *,
    strict: bool = False,
    allow_holidays: bool = False,
    batch_rows: int = 1_000_000,
    **write,
):
    """Write an export dict into ``folder`` and ingest it into ``db``; the ``IngestResult``."""
    from ejournal.settings import Norms, ValidationNorms
    from pipelines.ingest import ingest_path

    write_export(data, folder, **write)
    norms = Norms(validation=ValidationNorms(allow_lessons_on_holidays=allow_holidays, batch_rows=batch_rows))
    (result,) = ingest_path(folder, db, strict=strict, norms=norms, run_by="test")
    return result


_SAMPLE_WAREHOUSES: dict[Path, Path] = {}


def small_sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed small export (``SAMPLE``) ingested once per test process into a warehouse of
    its own, with its published snapshot; tests copy it with :func:`copy_warehouse` and never
    change it. Ingested under an empty home: no test's settings or register of forgotten pupils."""
    base = tmp_path_factory.getbasetemp()
    if base not in _SAMPLE_WAREHOUSES:
        from pipelines.ingest import ingest_path

        folder = tmp_path_factory.mktemp("small_sample")
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setenv("EJOURNAL_HOME", str(folder / "home"))
            monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(folder / "home" / "access.sqlite"))
            (result,) = ingest_path(SAMPLE, folder / "small.duckdb")
        assert result.status == "loaded", result.issues[:3]
        _SAMPLE_WAREHOUSES[base] = folder / "small.duckdb"
    return _SAMPLE_WAREHOUSES[base]


@contextlib.contextmanager
def held_by_another_process(db: Path) -> Iterator[None]:
    """Another process has the DuckDB file ``db`` open for writing while the block runs."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        yield
    finally:
        holder.kill()
        holder.wait()


def stop_server(process: subprocess.Popen, seconds: float = 60) -> None:
    """Stop a server started by a test as systemd stops the service (SIGTERM) and wait for it to
    exit, reading what it still prints: a pipe nobody reads fills up, and a server stopped in the
    middle of a write to it never exits. One still running after ``seconds`` is killed and the
    test fails with the end of its output."""
    process.terminate()
    try:
        process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        printed = "".join(
            text if isinstance(text, str) else text.decode(errors="replace") for text in (out, err) if text
        )
        pytest.fail(f"the server did not stop within {seconds:g} s of SIGTERM; it printed: …{printed[-3000:]}")
