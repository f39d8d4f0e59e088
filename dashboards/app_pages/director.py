"""«Директор»: the school's results for a period beside the previous one and the same period last
year, attendance, journal keeping, objectivity, class sizes, and the parent-council deck to download."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.auth import download_button
from dashboards.data import current_viewer, warehouse
from dashboards.formats import data_table, russian_chart
from dashboards.navigation import require
from dashboards.text import as_text, chart_safe
from ejournal.settings import load_norms
from report_templates.presentation import context, render
from warehouse import director as d
from warehouse.queries import SUPPRESSED


def _table(header: list[str], rows: list[list[str]]) -> pl.DataFrame:
    """A slide's table; repeated headers («изменение») get a numbered suffix to stay unique."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return pl.DataFrame(rows, schema=names, orient="row")


def _metric(column, slide: context.Slide, r: int) -> None:
    """A key figure with its change as the deck prints it: an arrow only for a change that is not zero
    («↑ 0,2» → +0,2, green when the change is good), «без изменений» grey and without an arrow."""
    row = slide.rows[r]
    change = row[3] if len(row) > 3 and slide.header[3] == "изменение" else "—"
    if change in ("—", SUPPRESSED):
        column.metric(as_text(row[0]), row[1])
    elif change == d.UNCHANGED:
        column.metric(as_text(row[0]), row[1], change, delta_color="off", delta_arrow="off")
    else:
        sign = "+" if change.startswith("↑") else "-"
        good = slide.tones.get((r, 3)) == "good"
        color = "normal" if good == (sign == "+") else "inverse"
        column.metric(as_text(row[0]), row[1], sign + change[2:], delta_color=color)


viewer = current_viewer()
require(viewer, "app_pages/director.py")
st.title("Директор")
if viewer.suppresses_small_groups:
    st.caption(f"Без имён. Значения, описывающие меньше 5 учеников, скрыты («{SUPPRESSED}»).")

with warehouse() as con:
    periods = d.periods(con, viewer)
    if not periods:
        st.info("В хранилище нет учебных периодов.")
        st.stop()
    labels = {p.period_id: p.title for p in periods}
    chosen = st.selectbox("Период", list(labels), index=len(labels) - 1, format_func=labels.get, key="director_period")
    period = next(p for p in periods if p.period_id == chosen)
    deck = context.build(con, viewer, period.period_name, load_norms(), year=period.academic_year_id)


key = next((s for s in deck.slides if s.title == "Главные цифры"), None)
rest = [s for s in deck.slides if s is not key]
if key is not None:
    st.subheader(as_text(key.headline))
    for r, column in enumerate(st.columns(4)[: len(key.rows)]):
        _metric(column, key, r)
    for line in key.conclusions:
        st.markdown(f"- {as_text(line)}")
    data_table(_table(key.header, key.rows))
if deck.missing:
    st.caption(f"Нет цифр за период: {', '.join(deck.missing)}.")

for i, slide in enumerate(rest):
    st.subheader(as_text(slide.title))
    data_table(_table(slide.header, slide.rows))
    if slide.chart is not None:
        st.plotly_chart(
            russian_chart(chart_safe(slide.chart)), key=f"director_chart_{i}", config={"displayModeBar": False}
        )
    if slide.note:
        st.caption(as_text(slide.note))

st.subheader("Презентация для родительского совета")
if st.button("Сформировать презентацию (PDF и XLSX)", key="director_make"):
    with st.spinner("Формируется презентация…"):
        st.session_state["director_files"] = (chosen, *render.produce(deck))
files = st.session_state.get("director_files")
if files and files[0] == chosen:
    _, pdf_bytes, xlsx_bytes = files
    stem = render.file_stem(deck)
    download_button(
        viewer,
        "Скачать PDF",
        pdf_bytes,
        f"{stem}.pdf",
        key="director_pdf",
        audit_object="presentation.pdf",
        mime="application/pdf",
        period_id=chosen,
    )
    download_button(
        viewer,
        "Скачать XLSX",
        xlsx_bytes,
        f"{stem}.xlsx",
        key="director_xlsx",
        audit_object="presentation.xlsx",
        period_id=chosen,
    )
