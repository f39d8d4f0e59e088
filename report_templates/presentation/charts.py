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

# plotly looks pandas up in sys.modules when it checks a value; in the dashboard another thread may be
# importing pandas at that moment (a half-initialised module, "no attribute 'Series'"). Importing it
# here waits for that import to finish.

# (fill grey, plotly pattern shape) per series: distinct in greyscale, not by colour alone.
SERIES_STYLE = (("#404040", ""), ("#a0a0a0", "/"), ("#e0e0e0", "x"), ("#707070", "."))
FONT = "Doc Sans, DejaVu Sans, sans-serif"


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
                text=["" if v is None else f"{v:.1f}".replace(".", ",") for v in values],
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


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line][:2] if line or lines else [""]


def _hatch(shape: str, pattern_id: str, grey: str) -> str:
    lines = {
        "/": '<path d="M0,6 L6,0" stroke="#000" stroke-width="0.8"/>',
        "x": '<path d="M0,0 L6,6 M0,6 L6,0" stroke="#000" stroke-width="0.6"/>',
        ".": '<circle cx="3" cy="3" r="0.9" fill="#000"/>',
    }.get(shape, "")
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{grey}"/>{lines}</pattern>'
    )


def to_svg(fig: go.Figure, width: int = 640, height: int = 300, chart_id: str = "c") -> str:
    """The figure's bar traces as an SVG document (no browser, no download)."""
    bars = [t for t in fig.data if t.type == "bar"]
    categories = list(bars[0].x) if bars else []
    values = [v for t in bars for v in (t.y or ()) if v is not None]
    layout = fig.layout
    y_range = layout.yaxis.range
    y_max = y_range[1] if y_range else (max(values) * 1.15 if values else 1.0)
    left, right, top, bottom = 46, 8, 48, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" font-size="11">',
        "<defs>",
    ]
    for i, trace in enumerate(bars):
        shape = trace.marker.pattern.shape or ""
        out.append(_hatch(shape, f"{chart_id}-p{i}", trace.marker.color or "#808080"))
    out.append("</defs>")
    title = layout.title.text or ""
    out.append(
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>'
    )
    # Legend: a swatch with the series' pattern and its name.
    x = left
    for i, trace in enumerate(bars):
        out.append(
            f'<rect x="{x}" y="24" width="14" height="10" fill="url(#{chart_id}-p{i})" stroke="#000" stroke-width="0.6"/>'
        )
        out.append(f'<text x="{x + 18}" y="33">{escape(trace.name or "")}</text>')
        x += 28 + 7 * len(trace.name or "")
    # Axes and grid.
    ticks = 5
    for k in range(ticks + 1):
        value = y_max * k / ticks
        y = top + plot_h - plot_h * k / ticks
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#cccccc" stroke-width="0.5"/>'
        )
        label = f"{value:.0f}" if y_max >= 10 else f"{value:.1f}".replace(".", ",")
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="9">{label}</text>')
    y_title = layout.yaxis.title.text or ""
    out.append(
        f'<text x="10" y="{top + plot_h / 2}" font-size="10" text-anchor="middle" '
        f'transform="rotate(-90 10 {top + plot_h / 2})">{escape(y_title)}</text>'
    )
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#000"/>')
    # Bars with their values.
    n_cat, n_series = max(len(categories), 1), max(len(bars), 1)
    slot = plot_w / n_cat
    bar_w = min(48.0, slot * 0.8 / n_series)
    for c, category in enumerate(categories):
        group_x = left + slot * c + (slot - bar_w * n_series) / 2
        for i, trace in enumerate(bars):
            value = trace.y[c] if trace.y is not None and c < len(trace.y) else None
            bx = group_x + i * bar_w
            if value is None:
                out.append(
                    f'<text x="{bx + bar_w / 2:.1f}" y="{top + plot_h - 4}" text-anchor="middle" font-size="9">—</text>'
                )
                continue
            h = plot_h * min(value, y_max) / y_max
            by = top + plot_h - h
            out.append(
                f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="url(#{chart_id}-p{i})" stroke="#000" stroke-width="0.6"/>'
            )
            text = trace.text[c] if trace.text is not None else ""
            out.append(
                f'<text x="{bx + bar_w / 2 - 1:.1f}" y="{by - 3:.1f}" text-anchor="middle" font-size="9">{escape(str(text))}</text>'
            )
        for k, line in enumerate(_wrap(str(category), max(6, int(slot / 5.5)))):
            cx = left + slot * c + slot / 2
            out.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14 + 12 * k}" text-anchor="middle" font-size="9">{escape(line)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
