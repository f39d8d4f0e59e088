"""The contract every importer keeps.

An importer turns one system's data (a folder, a file or a zip of JSON, HTML or XLSX) into a
canonical export folder (docs/canonical_export.md) and nothing else: validation, cross-file
checks, quarantine and loading stay in the shared pipeline, so every system gets the same rules
and the same all-or-nothing batch.

- ``detect(path)`` says, cheaply and without raising, whether the data looks like this system's.
- ``convert(path, out_dir, context)`` writes the canonical files into ``out_dir`` and returns
  notes about what it could not map exactly (an unknown work type given the default weight, an
  unknown absence code...). It never drops such a thing silently.
- Data it cannot read at all raises ``pipelines.issues.ExportRefused`` (the one refusal of the
  house, also raised by the canonical reader) naming the file, the place inside it (a
  row, a JSON path, an HTML element), the field and the problem, in Russian; then nothing loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ejournal.settings import Norms


@dataclass(frozen=True)
class ImportNote:
    """Something the importer mapped with a default or could not map; shown as a warning."""

    file_name: str
    location: str  # a row number, a JSON path like «weekDays[2].lessons[0]», or an HTML place
    field: str
    value: str | None
    message: str  # Russian


@dataclass
class ImportContext:
    """What an importer may need beyond the data: the school's norms and mapping settings."""

    norms: Norms
    school_id: str | None = None  # when the data does not name its school
    school_name: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    class_name: str | None = None  # when the data does not name the class (a pupil's page, a sheet)


class Importer(Protocol):
    name: str  # the --source value, e.g. "netschool"
    title: str  # shown to the user, e.g. «Сетевой город. Образование»

    def detect(self, path: Path) -> bool: ...

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]: ...
