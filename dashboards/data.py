"""The dashboard's data layer: cached, read-only reads of the warehouse through warehouse/ modules."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import streamlit as st

from dashboards.auth import SESSION_KEY
from ejournal.access.viewer import Viewer
from ejournal.settings import environment
from warehouse.db import connect
from warehouse.status import WarehouseStatus, warehouse_status


def db_path() -> Path:
    return Path(os.environ.get("EJOURNAL_DB") or environment().db_path)


def current_viewer() -> Viewer:
    session = st.session_state.get(SESSION_KEY)
    if session is None:
        st.stop()
    return session.viewer


@contextlib.contextmanager
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, or a stopped page with a message when there is no warehouse yet."""
    path = db_path()
    if not path.exists():
        st.warning(f"Хранилище {path} ещё не создано. Загрузите выгрузку: `ejournal ingest ПАПКА`.")
        st.stop()
    with connect(path, read_only=True) as con:
        yield con


@st.cache_data(ttl=30, show_spinner=False)
def load_status(path: str, mtime: float) -> WarehouseStatus:
    """The warehouse's state; ``mtime`` makes a new ingest invalidate the cache."""
    return warehouse_status(Path(path))
