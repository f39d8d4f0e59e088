"""The subject catalogue (ejournal/subjects.toml): subject names of every system mapped onto one
list; an unknown name becomes its own subject, with a note."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ejournal.settings import environment
from pipelines.importers.ids import ID_PATTERN, slug_id
from pipelines.importers.names import normalise_name
from pipelines.importers.notes import Notes
from pipelines.issues import ExportRefused


@dataclass(frozen=True)
class CatalogueSubject:
    subject_id: str
    subject_name: str
    short_name: str
    fipi_code: str


@dataclass
class SubjectCatalogue:
    """Subject names from any system mapped onto one catalogue (ejournal/subjects.toml)."""

    by_name: dict[str, CatalogueSubject]
    path: Path
    used: dict[str, CatalogueSubject] = field(default_factory=dict)

    def resolve(self, name: str, notes: Notes, file_name: str, where: str) -> str:
        """The subject id for a name; an unknown name becomes its own subject, with a note."""
        key = normalise_name(name)
        subject = self.by_name.get(key)
        if subject is None:
            subject = CatalogueSubject(slug_id(name, "s:"), name.strip(), name.strip()[:20], "")
            if subject.subject_id not in self.used:
                notes.add(
                    file_name,
                    where,
                    "предмет",
                    name,
                    f"предмета «{name.strip()}» нет в справочнике {self.path.name}: загружен под своим названием",
                )
            self.by_name[key] = subject
        self.used[subject.subject_id] = subject
        return subject.subject_id

    def table(self) -> list[dict[str, str]]:
        return [
            {
                "subject_id": s.subject_id,
                "subject_name": s.subject_name,
                "short_name": s.short_name,
                "fipi_code": s.fipi_code,
            }
            for s in self.used.values()
        ]


def load_subject_catalogue(path: Path | None = None) -> SubjectCatalogue:
    """Read the catalogue (EJOURNAL_SUBJECTS, default ejournal/subjects.toml); a bad file is refused."""
    path = path or environment().subjects_file
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ExportRefused(path.name, None, None, f"справочник предметов не читается: {error}") from None
    by_name: dict[str, CatalogueSubject] = {}
    for subject_id, entry in data.items():
        if not isinstance(entry, dict) or not ID_PATTERN.match(subject_id) or not isinstance(entry.get("name"), str):
            raise ExportRefused(path.name, f"[{subject_id}]", "name", "у предмета должно быть название (name)")
        subject = CatalogueSubject(
            subject_id, entry["name"], str(entry.get("short_name") or entry["name"]), str(entry.get("fipi_code", ""))
        )
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ExportRefused(path.name, f"[{subject_id}]", "aliases", "ожидается список названий")
        for name in (subject.subject_name, subject.short_name, *aliases):
            other = by_name.get(normalise_name(name))
            if other is not None and other.subject_id != subject_id:
                raise ExportRefused(
                    path.name,
                    f"[{subject_id}]",
                    "aliases",
                    f"название «{name}» уже означает предмет [{other.subject_id}]",
                )
            by_name[normalise_name(name)] = subject
    return SubjectCatalogue(by_name, path)
