"""The dashboard's data layer: cached reads of the warehouse through warehouse/ modules only."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ejournal.settings import environment
from warehouse.status import WarehouseStatus, warehouse_status


def db_path() -> Path:
    return Path(os.environ.get("EJOURNAL_DB") or environment().db_path)


@st.cache_data(ttl=30, show_spinner=False)
def load_status(path: str, mtime: float) -> WarehouseStatus:
    """The warehouse's state; ``mtime`` makes a new ingest invalidate the cache."""
    return warehouse_status(Path(path))
