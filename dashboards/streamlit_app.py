"""Entry point of the dashboard: `streamlit run dashboards/streamlit_app.py` (or `ejournal dashboard`)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

st.set_page_config(page_title="Электронный журнал: аналитика", page_icon="📘", layout="wide")

pages = [
    st.Page("app_pages/loaded.py", title="Что загружено", icon="🗂️", url_path="loaded", default=True),
]
st.navigation(pages).run()
