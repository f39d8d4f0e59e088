"""The importers the command line knows, format detection, and conversion to a canonical folder.

Adding a system is one folder (``pipelines/importers/<system>/``) plus one line in
``systems.IMPORTERS``: "name": "module:Class". Modules load lazily, so a broken or slow importer does not slow down the
others. A zip is unpacked once (``pipelines.canonical.reader.unpack``) and travels as a folder.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipelines import limits
from pipelines.canonical.reader import discover_exports, unpack
from pipelines.importers.contract import ImportContext, Importer, ImportNote
from pipelines.importers.origins import Origins, recording
from pipelines.importers.reading import unreadable_file
from pipelines.importers.systems import CANONICAL, IMPORTERS, SOURCE_NAMES
from pipelines.issues import ExportRefused

CANONICAL_TITLE = "каноническая выгрузка"


@cache
def get_importer(name: str) -> Importer:
    """The importer registered under ``name`` (KeyError if none)."""
    module_name, class_name = IMPORTERS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)()


def source_title(name: str) -> str:
    return CANONICAL_TITLE if name == CANONICAL else get_importer(name).title


def is_canonical(path: Path, workdir: Path) -> bool:
    """The path holds a canonical export (a folder, a folder of exports, or a zip of them)."""
    try:
        discover_exports(path, workdir)
    except ExportRefused:
        return False
    return True


def detect_source(path: Path, workdir: Path) -> str:
    """The name of the format of ``path``: canonical first, then each importer in order.

    A zip is unpacked under ``workdir`` (``ingest_source`` hands over the folder it already
    unpacked, so the data is extracted once)."""
    if not path.exists():
        raise ExportRefused(path.name, None, None, f"путь «{path}» не найден")
    data = unpack(path, workdir / "_source")
    if is_canonical(data, workdir):
        return CANONICAL
    for name in IMPORTERS:
        try:
            if get_importer(name).detect(data):
                return name
        except Exception:  # detect must not raise; a faulty detector just does not claim the data
            continue
    files = sorted(data.rglob("*")) if data.is_dir() else [data]
    for file in files[: limits.MAX_FOLDER_ENTRIES]:
        if file.is_file() and (problem := unreadable_file(file)):
            raise ExportRefused(file.name, None, None, problem)
    known = ", ".join(SOURCE_NAMES)
    raise ExportRefused(
        path.name,
        None,
        None,
        f"формат не распознан: это не каноническая выгрузка (нет файла export.csv) и не данные известных журналов. "
        f"Укажите формат явно: --source ({known})",
    )


@dataclass
class Conversion:
    """A source converted into a canonical export folder."""

    source: str
    title: str
    folder: Path
    notes: list[ImportNote]
    origins: Origins = field(default_factory=dict)  # where the rows of its CSV files were read


def convert_source(path: Path, source: str, workdir: Path, context: ImportContext) -> Conversion:
    """Convert ``path`` (a folder, a file, or a zip unpacked here) with the importer ``source`` into
    a canonical folder under ``workdir``."""
    if source not in IMPORTERS:
        raise ExportRefused(path.name, None, None, f"неизвестный формат «{source}»; есть: {', '.join(SOURCE_NAMES)}")
    importer = get_importer(source)
    data = unpack(path, workdir / "_source")
    out = workdir / "canonical"
    out.mkdir(parents=True, exist_ok=True)
    with recording() as origins:
        notes = importer.convert(data, out, context)
    return Conversion(source, importer.title, out, list(notes), origins)
