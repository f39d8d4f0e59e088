"""What an importer adds to a load: the time to convert a journal system's data into the canonical
export, against the time the ordinary ingest then takes for the same data (measured in the same
run, so the ratio is what to read; absolute seconds depend on the machine).

    .venv/bin/python -m bench.importers [--pupils 25] [--subjects 8] [--lessons 100]

A class-year of synthetic data: «Сетевой город» (weekly web-diary files per pupil, assignment
types and details, the mobile API) and an Excel workbook (a journal sheet per subject).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

import xlsxwriter

from ejournal.settings import ImporterNorms, Norms
from pipelines.importers.contract import ImportContext
from pipelines.importers.registry import get_importer
from pipelines.ingest import ingest_export

SUBJECTS = ["Математика", "Русский язык", "Литература", "История", "Физика", "Биология", "География", "Химия"]
LAST = ["Иванов", "Петров", "Сидоров", "Орлов", "Волков", "Зайцев", "Соколов", "Лебедев", "Козлов", "Новиков"]
TYPES = {"Ответ на уроке": (31, 1), "Контрольная работа": (7, 2), "Самостоятельная работа": (12, 1.5)}


def _name(p: int) -> str:
    """A unique made-up «Фамилия Имя» (names carry no digits)."""
    return f"{LAST[p % 10]}{'ин' * (p // 10)} Ученик"


def _days(n: int) -> list[dt.date]:
    day, out = dt.date(2025, 9, 1), []
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def write_netschool(folder: Path, pupils: int, subjects: int, lessons: int, rng: random.Random) -> int:
    folder.mkdir(parents=True)
    days = _days(lessons)
    (folder / "types.json").write_text(
        json.dumps([{"id": i, "name": n, "abbr": n[0]} for n, (i, _) in TYPES.items()], ensure_ascii=False)
    )
    students = [{"studentId": 1000 + p, "nickName": _name(p), "className": "7А"} for p in range(pupils)]
    (folder / "init.json").write_text(json.dumps({"students": students}, ensure_ascii=False))
    mobile, n_marks = [], 0
    for student in students:
        weeks: dict[int, dict[str, list]] = {}
        for s, subject in enumerate(SUBJECTS[:subjects]):
            for k, day in enumerate(days):
                meeting = 10_000 * (s + 1) + k
                assignments = []
                if rng.random() < 0.3:
                    name = rng.choice(list(TYPES))
                    aid = meeting * 10
                    value = rng.choice([2, 3, 4, 4, 5, 5])
                    assignments.append(
                        {
                            "id": aid,
                            "typeId": TYPES[name][0],
                            "weight": TYPES[name][1],
                            "mark": {"mark": value, "studentId": student["studentId"], "dutyMark": False},
                        }
                    )
                    mobile.append(
                        {
                            "assignmentId": aid,
                            "studentId": student["studentId"],
                            "classMeetingId": meeting,
                            "subjectName": subject,
                            "assignmentTypeName": name,
                            "weight": TYPES[name][1],
                            "result": str(value),
                            "resultDate": f"{day + dt.timedelta(days=rng.randint(0, 5))}T15:00:00",
                            "assignmentDate": f"{day}T00:00:00",
                        }
                    )
                    n_marks += 1
                lesson = {
                    "classmeetingId": meeting,
                    "number": s % 6 + 1,
                    "subjectName": subject,
                    "assignments": assignments,
                }
                weeks.setdefault(day.isocalendar()[1], {}).setdefault(str(day), []).append(lesson)
        for week, by_day in weeks.items():
            doc = {"weekDays": [{"date": f"{d}T00:00:00", "lessons": ls} for d, ls in by_day.items()]}
            (folder / f"diary-{student['studentId']}-{week}.json").write_text(json.dumps(doc, ensure_ascii=False))
    (folder / "mobile.json").write_text(json.dumps({"assignments": mobile}, ensure_ascii=False))
    return n_marks


def write_workbook(path: Path, pupils: int, subjects: int, lessons: int, rng: random.Random) -> int:
    book = xlsxwriter.Workbook(str(path))
    days, n_marks = _days(lessons), 0
    for subject in SUBJECTS[:subjects]:
        sheet = book.add_worksheet(subject)
        sheet.merge_range(0, 0, 0, 5, f"Класс: 7А, Предмет: {subject}, Учебный год: 2025/2026")
        sheet.write_row(1, 0, ["ФИО", *[d.strftime("%d.%m.%Y") for d in days]])
        for p in range(pupils):
            sheet.write(2 + p, 0, _name(p))
            for c in range(len(days)):
                if rng.random() < 0.3:
                    sheet.write(2 + p, 1 + c, rng.choice(["5", "4", "3", "5 кр", "4/5", "2"]))
                    n_marks += 1
                elif rng.random() < 0.03:
                    sheet.write(2 + p, 1 + c, rng.choice(["н", "б", "у"]))
    book.close()
    return n_marks


def measure(name: str, source: Path, work: Path, norms: Norms) -> dict:
    out = work / f"{name}-canonical"
    out.mkdir()
    clock = time.perf_counter()
    notes = get_importer(name).convert(source, out, ImportContext(norms=norms, school_id="bench"))
    converted = time.perf_counter() - clock
    clock = time.perf_counter()
    result = ingest_export(out, work / f"{name}.duckdb", norms=norms, run_by="bench")
    ingested = time.perf_counter() - clock
    return {
        "convert": converted,
        "ingest": ingested,
        "status": result.status,
        "rows": result.n_rows_in,
        "notes": len(notes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=25)
    parser.add_argument("--subjects", type=int, default=8)
    parser.add_argument("--lessons", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(42)
    norms = Norms(importers=ImporterNorms(1.0, {n: w for n, (_, w) in TYPES.items()}))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sizes = {
            "netschool": write_netschool(work / "sgo", args.pupils, args.subjects, args.lessons, rng),
            "spreadsheet": write_workbook(work / "journal.xlsx", args.pupils, args.subjects, args.lessons, rng),
        }
        sources = {"netschool": work / "sgo", "spreadsheet": work / "journal.xlsx"}
        print(
            f"{'импорт':<12} {'отметок':>8} {'строк':>8} {'перевод, с':>11} {'загрузка, с':>12} {'доля перевода':>14}"
        )
        for name, source in sources.items():
            m = measure(name, source, work, norms)
            share = m["convert"] / (m["convert"] + m["ingest"])
            print(
                f"{name:<12} {sizes[name]:>8} {m['rows']:>8} {m['convert']:>11.2f} {m['ingest']:>12.2f} "
                f"{share:>13.0%}  ({m['status']}, предупреждений {m['notes']})"
            )


if __name__ == "__main__":
    main()
