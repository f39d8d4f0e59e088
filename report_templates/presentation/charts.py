"""Charts of the director's view: pure functions returning plotly figures (the dashboard shows them
with st.plotly_chart) and `to_svg`, which draws the same figure objects as vector SVG for the deck.

Why our own SVG: kaleido 1.5.0 is on the registry and does render offline with Debian's chromium
(BROWSER_PATH=/usr/bin/chromium), but it starts a browser for every export (6.6 s for one chart
on this machine) and adds four packages; the deck's charts are grouped bars, which `to_svg`
draws from the figure's own traces (x, y, text, name, pattern, colour) and layout (title, axis
range and title) in a few milliseconds. Greyscale print: each series has its own grey and hatch
pattern and every bar carries its value as text.
"""

from __future__ import annotations

from html import escape

import pandas  # noqa: F401  (see below)
import plotly.graph_objects as go

from ejournal.formatting import decimal, thousands

# plotly looks pandas up in sys.modules when it checks a value; in the dashboard another thread may be
# importing pandas at that moment (a half-initialised module, "no attribute 'Series'"). Importing it
# here waits for that import to finish.

# (fill grey, plotly pattern shape) per series: distinct in greyscale, not by colour alone.
SERIES_STYLE = (("#404040", ""), ("#a0a0a0", "/"), ("#e0e0e0", "x"), ("#707070", "."))
FONT = "Doc Sans, DejaVu Sans, sans-serif"


def _value_text(value: float) -> str:
    """A bar's value as printed: a count whole («18»), a share or mean with one decimal, half up («62,5»)."""
    return thousands(value) if isinstance(value, int) else decimal(value, 1)


def grouped_bars(
    title: str,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    y_title: str = "%",
    y_max: float | None = 100.0,
) -> go.Figure:
    """Vertical grouped bars: one trace per series (e.g. current and previous period)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series):
        grey, shape = SERIES_STYLE[i % len(SERIES_STYLE)]
        fig.add_trace(
            go.Bar(
                name=name,
                x=categories,
                y=values,
                text=["" if v is None else _value_text(v) for v in values],
                textposition="outside",
                marker={"color": grey, "line": {"color": "#000000", "width": 0.8}, "pattern": {"shape": shape}},
            )
        )
    fig.update_layout(
        title={"text": title},
        barmode="group",
        yaxis={"title": {"text": y_title}, "range": [0, y_max] if y_max else None},
        legend={"orientation": "h", "y": 1.12},
        font={"family": FONT},
        plot_bgcolor="#ffffff",
        separators=", ",
        margin={"t": 70, "b": 40, "l": 50, "r": 10},
    )
    return fig


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line][:max_lines] if line or lines else [""]


def _hatch(shape: str, pattern_id: str, grey: str) -> str:
    lines = {
        "/": '<path d="M0,8 L8,0" stroke="#000" stroke-width="0.9"/>',
        "x": '<path d="M0,0 L8,8 M0,8 L8,0" stroke="#000" stroke-width="0.7"/>',
        ".": '<circle cx="4" cy="4" r="1.1" fill="#000"/>',
    }.get(shape, "")
    return (
        f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{grey}"/>{lines}</pattern>'
    )


GLYPH_WIDTH = 0.62  # DejaVu Sans: average advance of a letter or digit, in em


def _text_width(text: str, font_size: float) -> float:
    return len(text) * GLYPH_WIDTH * font_size


def to_svg(
    fig: go.Figure,
    width: float = 640,
    height: float = 300,
    chart_id: str = "c",
    font_size: float = 11,
    unit: str = "",
) -> str:
    """The figure's bar traces as an SVG document (no browser, no download). One unit of the drawing is
    one unit of `width`: drawn at the size it is shown (the deck passes points), every text is
    `font_size` (the title a little larger) — none is scaled down. `unit` («pt») gives the drawing's
    size on the page in that unit, one unit per user unit."""
    fs = font_size
    bars = [t for t in fig.data if t.type == "bar"]
    categories = list(bars[0].x) if bars else []
    values = [v for t in bars for v in (t.y or ()) if v is not None]
    layout = fig.layout
    y_range = layout.yaxis.range
    y_max = y_range[1] if y_range else (max(values) * 1.15 if values and max(values) > 0 else 1.0)
    tick_labels = [_tick(y_max * k / 5, y_max) for k in range(6)]
    n_cat, n_series = max(len(categories), 1), max(len(bars), 1)
    left = max(_text_width(t, fs) for t in [*tick_labels, layout.yaxis.title.text or ""]) + 8
    right = 4
    slot = (width - left - right) / n_cat
    wrap = max(6, int(slot / (GLYPH_WIDTH * fs)))
    label_lines = max((len(_wrap(str(c), wrap)) for c in categories), default=1)
    top = 2 * 1.5 * fs + 1.4 * fs  # title, legend, room for the tallest bar's value
    bottom = label_lines * 1.2 * fs + 0.6 * fs
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}{unit}" height="{height:.0f}{unit}" '
        f'viewBox="0 0 {width} {height:.0f}" '
        f'font-family="{FONT}" font-size="{fs}">',
        "<defs>",
    ]
    for i, trace in enumerate(bars):
        shape = trace.marker.pattern.shape or ""
        out.append(_hatch(shape, f"{chart_id}-p{i}", trace.marker.color or "#808080"))
    out.append("</defs>")
    title = layout.title.text or ""
    out.append(
        f'<text x="{width / 2:.1f}" y="{1.1 * fs:.1f}" text-anchor="middle" font-size="{fs + 2}" '
        f'font-weight="bold">{escape(title)}</text>'
    )
    # Legend: a swatch with the series' pattern and its name.
    x, legend_y = left, 2.6 * fs
    for i, trace in enumerate(bars):
        out.append(
            f'<rect x="{x:.1f}" y="{legend_y - 0.8 * fs:.1f}" width="{1.4 * fs:.1f}" height="{0.9 * fs:.1f}" '
            f'fill="url(#{chart_id}-p{i})" stroke="#000" stroke-width="0.6"/>'
        )
        out.append(f'<text x="{x + 1.8 * fs:.1f}" y="{legend_y:.1f}">{escape(trace.name or "")}</text>')
        x += 3.2 * fs + _text_width(trace.name or "", fs)
    # Axes and grid.
    for k, label in enumerate(tick_labels):
        y = top + plot_h - plot_h * k / 5
        out.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" stroke="#cccccc" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{left - 4:.1f}" y="{y + 0.35 * fs:.1f}" text-anchor="end">{label}</text>')
    # The axis title horizontal above the axis (a rotated text would read sideways on a projector).
    y_title = layout.yaxis.title.text or ""
    out.append(f'<text x="{left - 4:.1f}" y="{top - 0.5 * fs:.1f}" text-anchor="end">{escape(y_title)}</text>')
    out.append(
        f'<line x1="{left:.1f}" y1="{top + plot_h:.1f}" x2="{left + plot_w:.1f}" y2="{top + plot_h:.1f}" stroke="#000"/>'
    )
    # Bars with their values.
    bar_w = min(4.0 * fs, slot * 0.84 / n_series)
    for c, category in enumerate(categories):
        group_x = left + slot * c + (slot - bar_w * n_series) / 2
        for i, trace in enumerate(bars):
            value = trace.y[c] if trace.y is not None and c < len(trace.y) else None
            bx = group_x + i * bar_w
            if value is None:
                out.append(f'<text x="{bx + bar_w / 2:.1f}" y="{top + plot_h - 4:.1f}" text-anchor="middle">—</text>')
                continue
            h = plot_h * min(value, y_max) / y_max
            by = top + plot_h - h
            out.append(
                f'<rect x="{bx + 1:.1f}" y="{by:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="url(#{chart_id}-p{i})" stroke="#000" stroke-width="0.6"/>'
            )
            text = trace.text[c] if trace.text is not None else ""
            out.append(
                f'<text x="{bx + bar_w / 2:.1f}" y="{by - 0.3 * fs:.1f}" text-anchor="middle">{escape(str(text))}</text>'
            )
        for k, line in enumerate(_wrap(str(category), wrap)):
            cx = left + slot * c + slot / 2
            y = top + plot_h + 1.1 * fs + 1.2 * fs * k
            out.append(f'<text x="{cx:.1f}" y="{y:.1f}" text-anchor="middle">{escape(line)}</text>')
    out.append("</svg>")
    return "".join(out)


def _tick(value: float, y_max: float) -> str:
    return f"{value:.0f}" if y_max >= 10 else f"{value:.1f}".replace(".", ",")
