"""Running a read query for a page, a document or a figure: the one helper that turns SQL with
named parameters into a polars frame."""

from __future__ import annotations

import duckdb
import polars as pl


def frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None, *, whole_decimals_as_int: bool = False
) -> pl.DataFrame:
    """The result of `sql` with `params` as polars. A cursor of its own, so that a caller's
    unfinished result on the connection is no obstacle. With `whole_decimals_as_int`, columns of
    whole-number decimals (DuckDB's SUM of integers) become Int64."""
    with con.cursor() as cursor:
        result = cursor.sql(sql, params=params or {}).pl()
    if not whole_decimals_as_int:
        return result
    whole = [n for n, t in result.schema.items() if isinstance(t, pl.Decimal) and t.scale == 0]
    return result.with_columns(pl.col(whole).cast(pl.Int64)) if whole else result
