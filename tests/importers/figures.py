"""What the importer tests compare: warehouse figures read plainly from the facts, and the same
figures computed in Python from the fixture rows (the independent side of each test).

Figures are keyed by names (pupil's full name, subject name, period number), never by ids, so a
journal system's load and the canonical load of the same data can be compared directly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import duckdb

from ejournal.settings import Norms
from pipelines.importers.contract import ImportContext
from pipelines.ingest import ingest_path, ingest_source


def load_source(path: Path, db: Path, *, source: str | None = None, class_name: str | None = None, norms=None):
    """Ingest a journal system's data; returns the SourceIngest."""
    norms = norms or Norms()
    context = ImportContext(norms=norms, class_name=class_name, school_id="sch-imp")
    return ingest_source(path, db, source=source, context=context, norms=norms, run_by="test")


def load_canonical(folder: Path, db: Path):
    (result,) = ingest_path(folder, db, norms=Norms(), run_by="test")
    return result


def warehouse_figures(db: Path) -> dict[str, dict]:
    with duckdb.connect(str(db), read_only=True) as con:

        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        marks = rows(
            """select p.full_name, count(*) from fct_mark m
               join dim_pupil p on p.school_id = m.school_id and p.pupil_id = m.pupil_id group by all"""
        )
        averages = rows(
            """select p.full_name, s.subject_name, d.period_number,
                      round(sum(m.sum_numeric * m.weight) / sum(m.n_numeric * m.weight), 4)
               from fct_mark m
               join dim_pupil p on p.school_id = m.school_id and p.pupil_id = m.pupil_id
               join dim_subject s on s.school_id = m.school_id and s.subject_id = m.subject_id
               join dim_period d on d.school_id = m.school_id and d.period_id = m.period_id
               where m.n_numeric > 0 group by all"""
        )
        absences = rows(
            """select p.full_name, a.absence_code, count(*) from fct_attendance a
               join dim_pupil p on p.school_id = a.school_id and p.pupil_id = a.pupil_id
               where a.absence_code is not null group by all"""
        )
        period_marks = rows(
            """select p.full_name, s.subject_name, coalesce(d.period_number, 0), f.mark_kind_code, f.mark_value
               from fct_period_mark f
               join dim_pupil p on p.school_id = f.school_id and p.pupil_id = f.pupil_id
               join dim_subject s on s.school_id = f.school_id and s.subject_id = f.subject_id
               left join dim_period d on d.school_id = f.school_id and d.period_id = f.period_id"""
        )
    return {
        "marks_per_pupil": {r[0]: r[1] for r in marks},
        "weighted_average": {(r[0], r[1], r[2]): r[3] for r in averages},
        "absences": {(r[0], r[1]): r[2] for r in absences},
        "period_marks": {(r[0], r[1], r[2], r[3]): r[4] for r in period_marks},
    }


def expected_figures(marks, absences=(), period_marks=()) -> dict[str, dict]:
    """The same figures from plain tuples.

    marks: (pupil, subject, period_number, value «5» or «4/5», weight);
    absences: (pupil, code); period_marks: (pupil, subject, period_number, kind, value).
    """
    per_pupil: Counter = Counter()
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pupil, subject, period, value, weight in marks:
        per_pupil[pupil] += 1
        parts = [int(v) for v in value.split("/") if v.isdigit()]
        if parts:
            sums[(pupil, subject, period)][0] += sum(parts) * weight
            sums[(pupil, subject, period)][1] += len(parts) * weight
    return {
        "marks_per_pupil": dict(per_pupil),
        "weighted_average": {k: round(a / b, 4) for k, (a, b) in sums.items()},
        "absences": dict(Counter(absences)),
        "period_marks": {(p, s, n, k): v for p, s, n, k, v in period_marks},
    }


def table_counts(db: Path) -> dict[str, int]:
    """Row counts of every src_ and fct_ table (what a refused import must leave unchanged)."""
    if not db.exists():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_name like 'src_%' or table_name like 'fct_%'"
            ).fetchall()
        ]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
