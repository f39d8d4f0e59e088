"""Writing the canonical export the way Russian school systems do.

UTF-8 with BOM, `;` as delimiter, a header of the English column names, quotes only where
needed; dates dd.mm.yyyy, timestamps dd.mm.yyyy HH:MM, booleans да/нет, empty string for
null, numbers with a dot and no trailing «.0».
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipelines.canonical.schemas import FILES, columns_of

BOM = b"\xef\xbb\xbf"


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Date:
        return col.dt.strftime("%d.%m.%Y")
    if isinstance(dtype, pl.Datetime):
        return col.dt.strftime("%d.%m.%Y %H:%M")
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("да")).when(~col).then(pl.lit("нет"))
    if dtype.is_float():
        return pl.when(col == col.floor()).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
    return col.cast(pl.String)


def canonical_frames(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Exactly the columns of each file's model, in its order and with its types."""
    result = {}
    for spec in FILES:
        frame = frames[spec.name]
        columns = columns_of(spec.model)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{spec.name}: no columns {missing}")
        result[spec.name] = frame.select([pl.col(name).cast(col.dtype.type) for name, col in columns.items()])
    return result


def format_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text."""
    return frame.select([_as_text(name, dtype).alias(name) for name, dtype in frame.schema.items()])


def write_csv_file(frame: pl.DataFrame, path: Path) -> None:
    """Write text columns as `;`-separated UTF-8 with BOM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.write_csv(separator=";", null_value="", quote_style="necessary", line_terminator="\n")
    path.write_bytes(BOM + text.encode("utf-8"))


def write_export(frames: dict[str, pl.DataFrame], out_dir: Path) -> dict[str, int]:
    """Write every file of FILES from canonical frames; returns rows per file."""
    counts: dict[str, int] = {}
    for spec in FILES:
        write_csv_file(format_frame(frames[spec.name]), out_dir / f"{spec.name}.csv")
        counts[spec.name] = frames[spec.name].height
    return counts


def write_truth(truth: pl.DataFrame, summary: dict, out_dir: Path) -> None:
    """_truth/planted.csv and _truth/summary.json."""
    write_csv_file(format_frame(truth), out_dir / "_truth" / "planted.csv")
    text = json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    (out_dir / "_truth" / "summary.json").write_text(text, encoding="utf-8")
