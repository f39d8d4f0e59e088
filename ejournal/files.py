"""Small file helpers shared by the pipeline and the warehouse."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 16 * 1024 * 1024


def sha256_of(path: Path) -> str:
    """The file's sha256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sql_path(path: Path) -> str:
    """A path for a single-quoted DuckDB string literal (ATTACH, EXPORT take no bound parameters)."""
    return str(path).replace("'", "''")
