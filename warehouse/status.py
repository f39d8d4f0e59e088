"""What the warehouse holds: periods, row counts and recent batches (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import connect, table_names

STATUS_TEXT = {
    "loaded": "загружена",
    "loaded_with_rejections": "загружена, часть строк отклонена",
    "unchanged": "без изменений (уже загружена)",
    "refused": "отклонена целиком, хранилище не изменено",
}
# The statuses after which the warehouse holds the export's school
STORED_STATUSES = ("loaded", "loaded_with_rejections", "unchanged")

# The columns of a batch row, in order, of `ejournal status` / «Что загружено» and of «Загрузка данных»
STATUS_BATCH = ("batch_id", "school_id", "exported_at", "outcome", "n_rows_in", "n_rows_accepted")
STATUS_BATCH += ("n_rows_rejected", "run_by", "finished_at")
HISTORY_BATCH = ("batch_id", "school_id", "finished_at", "run_by", "files", "n_rows_in", "n_rows_accepted")
HISTORY_BATCH += ("n_rows_rejected", "outcome")


@dataclass(frozen=True)
class WarehouseStatus:
    periods: list[tuple]
    row_counts: list[tuple[str, int]]
    batches: list[tuple]


def recent_batches(con: duckdb.DuckDBPyConnection, school_id: str | None, limit: int) -> list[dict]:
    """The latest batches, newest first (of ``school_id`` only when given): ids, dates as
    dd.mm.yyyy HH:MM, who ran them, their files, row counts and the outcome in words."""
    cursor = con.execute(
        "select b.batch_id, b.school_id, strftime(b.exported_at, '%d.%m.%Y %H:%M') as exported_at, "
        "strftime(b.finished_at, '%d.%m.%Y %H:%M') as finished_at, b.run_by, "
        "coalesce((select string_agg(f.file_name, ', ' order by f.file_name) from meta_batch_file as f "
        "where f.batch_id = b.batch_id), '') as files, b.n_rows_in, b.n_rows_accepted, b.n_rows_rejected, "
        "b.status_code from meta_batch as b where ? is null or b.school_id = ? order by b.batch_id desc limit ?",
        [school_id, school_id, limit],
    )
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [{**row, "outcome": STATUS_TEXT.get(row["status_code"], row["status_code"])} for row in rows]


def warehouse_status(path: Path, *, n_batches: int = 10) -> WarehouseStatus:
    """Read the warehouse's state through a read-only connection."""
    with connect(path, read_only=True) as con:
        names = table_names(con, ("dim_", "fct_", "src_", "meta_"))
        periods = con.execute(
            "select p.school_id, p.academic_year_id, p.period_name, "
            "strftime(p.start_date, '%d.%m.%Y'), strftime(p.end_date, '%d.%m.%Y') "
            "from src_periods as p order by p.school_id, p.start_date, p.period_name"
        ).fetchall()
        counts = [(name, con.execute(f"select count(*) from {name}").fetchone()[0]) for name in names]
        batches = [tuple(b[name] for name in STATUS_BATCH) for b in recent_batches(con, None, n_batches)]
    return WarehouseStatus(periods, counts, batches)


@dataclass(frozen=True)
class LoadHistory:
    """Past loads of a school (or of every school) with their files, and the quarantined rows."""

    batches: list[tuple]  # (№, school, when, who, files, rows in, accepted, rejected, outcome)
    quarantine: list[tuple]  # (№, file, row, column, value, rule, message)


def load_history(
    path: Path, *, school_id: str | None = None, n_batches: int = 20, n_quarantine: int = 500
) -> LoadHistory:
    """The latest batches (newest first) and quarantined rows, of ``school_id`` only when given."""
    with connect(path, read_only=True) as con:
        batches = [tuple(b[name] for name in HISTORY_BATCH) for b in recent_batches(con, school_id, n_batches)]
        quarantine = con.execute(
            "select batch_id, file_name, row_number, column_name, cell_value, rule_code, message "
            "from meta_quarantine where ? is null or school_id = ? "
            "order by batch_id desc, file_name, row_number limit ?",
            [school_id, school_id, n_quarantine],
        ).fetchall()
    return LoadHistory(batches, quarantine)
