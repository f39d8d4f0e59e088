"""Reading the generator's CSV files back into typed frames, independently of the generator."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from pipelines.canonical.schemas import columns_of

BOM = b"\xef\xbb\xbf"


def read_text_csv(path: Path) -> pl.DataFrame:
    """All columns as strings; empty fields are null. The file must start with a UTF-8 BOM."""
    data = path.read_bytes()
    assert data.startswith(BOM), f"{path.name}: no UTF-8 BOM"
    return pl.read_csv(io.BytesIO(data[len(BOM) :]), separator=";", infer_schema=False)


def _typed(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Date:
        return col.str.strptime(pl.Date, "%d.%m.%Y", strict=True)
    if isinstance(dtype, pl.Datetime):
        return col.str.strptime(pl.Datetime("us"), "%d.%m.%Y %H:%M", strict=True)
    if dtype == pl.Boolean:
        return pl.when(col == "да").then(True).when(col == "нет").then(False)
    if dtype.is_float():
        return col.cast(pl.Float64, strict=True)
    if dtype.is_integer():
        return col.cast(pl.Int64, strict=True)
    return col


def read_typed(path: Path, model: type) -> pl.DataFrame:
    """The file parsed into the model's column types (dates dd.mm.yyyy, booleans да/нет)."""
    frame = read_text_csv(path)
    columns = columns_of(model)
    assert frame.columns == list(columns), f"{path.name}: columns {frame.columns} != {list(columns)}"
    return frame.select([_typed(name, col.dtype.type).alias(name) for name, col in columns.items()])
