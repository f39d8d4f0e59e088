"""A worker hands a checked file's rows to the loading process in Arrow files: one written from a
DuckDB table (batch by batch), others from polars frames (the rows polars checked). The loading
process reads them all as one table expression, each value and type as written."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pyarrow.ipc as ipc

from pipelines import prepare


def test_the_rows_of_a_table_and_of_frames_come_back_as_written(tmp_path):
    n = prepare.ARROW_BATCH_ROWS + 1_000  # more than one record batch
    writer = duckdb.connect()
    writer.execute(
        f"""create temp table checked as select
            'L-' || i as lesson_id,
            date '2025-09-01' + cast(i % 200 as integer) as lesson_date,
            timestamp '2025-09-01 08:30:00' + to_minutes(i) as entered_at,
            case when i % 7 = 0 then null else (i % 5) / 2 end as weight,
            i + 2 as _row
        from range({n}) as t(i)"""
    )
    table_part = tmp_path / "00-marks.arrow"
    prepare.write_table_rows(writer, "checked", table_part)
    with ipc.open_file(str(table_part)) as opened:
        assert opened.num_record_batches == 2
    # a frame of the same columns in another order, as polars checks them
    frame = pl.DataFrame(
        {
            "_row": [n + 2, n + 3],
            "entered_at": [dt.datetime(2026, 5, 1, 9, 0), None],
            "weight": [2.5, None],
            "lesson_id": ["L-п", "L-ё"],
            "lesson_date": [dt.date(2026, 5, 1), dt.date(2026, 5, 2)],
        }
    )
    frame_part = tmp_path / "00-marks-1.arrow"
    frame.write_ipc(frame_part, compression="uncompressed")

    reader = duckdb.connect()
    source = prepare.prepared_rows(reader, "marks", [table_part, frame_part])
    rows = reader.sql(f"select lesson_id, lesson_date, entered_at, weight, _row from {source} order by _row")
    assert dict(zip(rows.columns, map(str, rows.types), strict=True)) == {
        "lesson_id": "VARCHAR",
        "lesson_date": "DATE",
        "entered_at": "TIMESTAMP",
        "weight": "DOUBLE",
        "_row": "BIGINT",
    }
    got = rows.fetchall()
    assert len(got) == n + 2
    for i in (0, 7, 122_879, 122_880, n - 1):
        assert got[i] == (
            f"L-{i}",
            dt.date(2025, 9, 1) + dt.timedelta(days=i % 200),
            dt.datetime(2025, 9, 1, 8, 30) + dt.timedelta(minutes=i),
            None if i % 7 == 0 else (i % 5) / 2,
            i + 2,
        )
    assert got[-2:] == [
        ("L-п", dt.date(2026, 5, 1), dt.datetime(2026, 5, 1, 9, 0), 2.5, n + 2),
        ("L-ё", dt.date(2026, 5, 2), None, None, n + 3),
    ]
    # one part alone is the registered table itself
    assert prepare.prepared_rows(reader, "lessons", [frame_part]) == "prepared_lessons_0"
    assert reader.execute("select count(*) from prepared_lessons_0").fetchone() == (2,)


def test_a_file_with_no_valid_row_comes_back_empty_with_its_columns(tmp_path):
    writer = duckdb.connect()
    writer.execute("create temp table checked (lesson_id varchar, lesson_date date, _row bigint)")
    part = tmp_path / "00-lessons.arrow"
    prepare.write_table_rows(writer, "checked", part)
    reader = duckdb.connect()
    source = prepare.prepared_rows(reader, "lessons", [part])
    rows = reader.sql(f"select * from {source}")
    assert rows.columns == ["lesson_id", "lesson_date", "_row"]
    assert [str(t) for t in rows.types] == ["VARCHAR", "DATE", "BIGINT"]
    assert rows.fetchall() == []
