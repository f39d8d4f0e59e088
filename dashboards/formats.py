"""Russian formats on a page whatever the browser's language: tables (`table`) with the decimal
comma, dates as 31.12.2025 and «—» for a missing value, charts (`chart`) with the decimal comma and
dates as 31.12.2025 (plotly.js knows only English month names).

The decimal comma of a table comes from Streamlit's ``format="localized"``, which follows the page's
language: `page_locale.RussianPage` makes it Russian for every browser."""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl
import streamlit as st

MISSING = "—"
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:mm"
CHART_DATE_FORMAT = "%d.%m.%Y"
# plotly's separators: the decimal sign, then the thousands sign (a no-break space)
CHART_SEPARATORS = ",\u00a0"


def number_text(value: float) -> str:
    """A norm or ratio as written, with the decimal comma: 1.5 → «1,5», 0.05 → «0,05», 3.0 → «3»."""
    return f"{value:g}".replace(".", ",")


def column_formats(frame: pl.DataFrame) -> dict[str, object]:
    """Russian formats of a frame's fractional, date and date-time columns, by column name."""
    formats: dict[str, object] = {}
    for name, dtype in frame.schema.items():
        if dtype.is_float() or isinstance(dtype, pl.Decimal):
            formats[name] = st.column_config.NumberColumn(format="localized")
        elif dtype == pl.Date:
            formats[name] = st.column_config.DateColumn(format=DATE_FORMAT)
        elif isinstance(dtype, pl.Datetime):
            formats[name] = st.column_config.DatetimeColumn(format=DATETIME_FORMAT)
    return formats


# A table shows up to this many rows at once (Streamlit's own default is about ten): a class, a
# teacher's subjects or a page of remarks fit without scrolling inside the box
SHOWN_ROWS = 20
ROW_PX = 35  # Streamlit's row height, the header row included


def table_height(n_rows: int) -> int | str:
    """Every row when there are at most `SHOWN_ROWS`, otherwise a box of `SHOWN_ROWS` rows."""
    return "content" if n_rows <= SHOWN_ROWS else (SHOWN_ROWS + 1) * ROW_PX + 3


def data_table(
    frame: pl.DataFrame,
    *,
    first: tuple[str, ...] = (),
    column_config: dict | None = None,
    empty: str = "Данных для этой таблицы нет.",
    **kwargs,
) -> None:
    """``st.dataframe`` of the frame in Russian formats (`column_formats`), «—» for a missing value,
    without the index, the columns ``first`` (what a row is read for) on the left, up to
    `SHOWN_ROWS` rows at once; ``column_config`` and other arguments as for ``st.dataframe`` win.
    A frame of no columns (what the queries give for no rows at all) is the sentence ``empty``."""
    if not frame.width:
        st.info(empty)
        return
    if first:
        kwargs.setdefault("column_order", [*first, *(c for c in frame.columns if c not in first)])
    kwargs.setdefault("height", table_height(frame.height))
    st.dataframe(
        frame,
        hide_index=True,
        placeholder=MISSING,
        column_config={**column_formats(frame), **(column_config or {})},
        **kwargs,
    )


def _holds_dates(values) -> bool:
    if values is None or len(values) == 0:
        return False
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return True
    return any(isinstance(value, dt.date | np.datetime64) for value in values[:1])


def russian_chart(figure: go.Figure) -> go.Figure:
    """The figure with the decimal comma and its date axes as 31.12.2025 (ticks and hover)."""
    figure.update_layout(separators=CHART_SEPARATORS)
    for trace in figure.data:
        for axis in ("x", "y"):
            if _holds_dates(getattr(trace, axis, None)):
                name = getattr(trace, f"{axis}axis", None) or axis
                key = name.replace("x", "xaxis").replace("y", "yaxis")
                figure.update_layout({key: {"tickformat": CHART_DATE_FORMAT, "hoverformat": CHART_DATE_FORMAT}})
    return figure
