"""The dashboard's data layer: cached, read-only reads of the warehouse through warehouse/ modules."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import streamlit as st

from dashboards.auth import SESSION_KEY
from ejournal.access.viewer import Viewer
from ejournal.settings import environment
from warehouse.db import WarehouseBusyError, connect
from warehouse.queries import school_ids
from warehouse.snapshot import current_snapshot
from warehouse.status import LoadHistory, WarehouseStatus, load_history, warehouse_status


def db_path() -> Path:
    return Path(os.environ.get("EJOURNAL_DB") or environment().db_path)


def current_viewer() -> Viewer:
    session = st.session_state.get(SESSION_KEY)
    if session is None:
        st.stop()
    return session.viewer


def read_path() -> Path:
    """The published snapshot of the warehouse (warehouse/snapshot.py), else the warehouse itself."""
    return current_snapshot(db_path()) or db_path()


@contextlib.contextmanager
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published snapshot, or a stopped page with a message.

    An ingest never blocks this: it writes the warehouse and publishes a new snapshot when done.
    If the snapshot was replaced between reading its name and opening it, the new one is opened.
    """
    if not db_path().exists():
        st.warning(f"Хранилище {db_path()} ещё не создано. Загрузите выгрузку: `ejournal ingest ПАПКА`.")
        st.stop()
    for attempt in range(3):
        try:
            con_manager = connect(read_path(), read_only=True)
            con = con_manager.__enter__()
        except (FileNotFoundError, WarehouseBusyError, duckdb.IOException):
            if attempt == 2:
                st.warning("Хранилище сейчас обновляется, данные появятся через несколько секунд. Обновите страницу.")
                st.stop()
            time.sleep(0.2)
            continue
        try:
            yield con
        finally:
            con_manager.__exit__(None, None, None)
        return


@st.cache_data(ttl=30, show_spinner=False)
def load_status(path: str, mtime: float) -> WarehouseStatus:
    """The warehouse's state; ``mtime`` makes a new ingest invalidate the cache."""
    return warehouse_status(Path(path))


@st.cache_data(ttl=30, show_spinner=False)
def load_history_of(path: str, mtime: float, school_id: str | None) -> LoadHistory:
    """Past loads and quarantined rows (of one school when given); ``mtime`` as in load_status."""
    return load_history(Path(path), school_id=school_id)


def warehouse_school_ids() -> list[str]:
    """The schools of the warehouse by id (none before the first load): an account's school is one of them."""
    if not db_path().exists():
        return []
    with warehouse() as con:
        return school_ids(con)
