"""Cached reads of «Муниципалитет / регион» from a region's lake: a view reads the parts
pre-aggregated per school (warehouse/region_parts.py, compacted into one file, warehouse/lake.py),
or the marts of a lake without them, so each viewer's view is computed once per state of the lake (its manifest
is rewritten by every export and build) and norms. The cache is keyed by the viewer: no
viewer is served another's view."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ejournal.access.viewer import Viewer
from warehouse import lake
from warehouse.periods import Period
from warehouse.region import RegionView, open_lake_marts, region_view


def lake_version(lake_path: Path) -> int:
    """Changes whenever an export or a build rewrites the lake (its manifest is replaced each time)."""
    manifest = Path(lake_path) / lake.MANIFEST
    return manifest.stat().st_mtime_ns if manifest.exists() else 0


@st.cache_data(ttl=3600, max_entries=64, show_spinner="Считаю показатели школ…")
def cached_lake_view(
    lake_path: str,
    version: int,
    viewer: Viewer,
    lesson_entry_days: int,
    vpr_min_participants: int,
    period: Period | None = None,
) -> RegionView:
    """The view from the lake's marts (raises LakeError for a lake that does not read)."""
    con = open_lake_marts(Path(lake_path))
    try:
        return region_view(
            con, viewer, lesson_entry_days=lesson_entry_days, vpr_min_participants=vpr_min_participants, period=period
        )
    finally:
        con.close()
