"""Settings in one typed place: the environment for where things live, a TOML file for norms.

Every setting is documented in docs/settings.md; tests/test_settings.py fails when one is not.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_NORMS_FILE = Path(__file__).resolve().parent / "norms.toml"
DEFAULT_SUBJECTS_FILE = Path(__file__).resolve().parent / "subjects.toml"


@dataclass(frozen=True)
class Environment:
    """Where the warehouse and generated files live (environment variables)."""

    db_path: Path = field(metadata={"env": "EJOURNAL_DB", "doc": "Файл хранилища DuckDB"})
    home: Path = field(metadata={"env": "EJOURNAL_HOME", "doc": "Папка для отчётов об ошибках и выгрузок"})
    norms_file: Path = field(metadata={"env": "EJOURNAL_NORMS", "doc": "TOML-файл норм школы"})
    run_by: str = field(metadata={"env": "EJOURNAL_USER", "doc": "Кто запускает загрузку (для журнала загрузок)"})
    access_db: Path = field(metadata={"env": "EJOURNAL_ACCESS_DB", "doc": "Файл учётных записей и журнала действий"})
    session_minutes: int = field(
        metadata={"env": "EJOURNAL_SESSION_MINUTES", "doc": "Сеанс панели истекает после N минут бездействия"}
    )
    duckdb_memory: str = field(
        metadata={"env": "EJOURNAL_DUCKDB_MEMORY", "doc": "Предел памяти DuckDB при загрузке (сверх него — на диск)"}
    )
    subjects_file: Path = field(
        default=DEFAULT_SUBJECTS_FILE,
        metadata={"env": "EJOURNAL_SUBJECTS", "doc": "TOML-справочник предметов для импорта из журналов"},
    )


def environment() -> Environment:
    """Read the environment, with defaults under ./var of the working directory."""
    home = Path(os.environ.get("EJOURNAL_HOME", "var"))
    return Environment(
        db_path=Path(os.environ.get("EJOURNAL_DB", str(home / "ejournal.duckdb"))),
        home=home,
        norms_file=Path(os.environ.get("EJOURNAL_NORMS", str(DEFAULT_NORMS_FILE))),
        run_by=os.environ.get("EJOURNAL_USER") or _login_name(),
        access_db=Path(os.environ.get("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))),
        session_minutes=int(os.environ.get("EJOURNAL_SESSION_MINUTES", "30")),
        duckdb_memory=_memory_size(os.environ.get("EJOURNAL_DUCKDB_MEMORY", "512MB")),
        subjects_file=Path(os.environ.get("EJOURNAL_SUBJECTS", str(DEFAULT_SUBJECTS_FILE))),
    )


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _memory_size(text: str) -> str:
    """A DuckDB memory size such as '512MB' or '2GB'; anything else is refused."""
    value = text.strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?(KB|MB|GB|TB)", value):
        raise ValueError(f"EJOURNAL_DUCKDB_MEMORY: ожидается размер вроде 512MB или 2GB, а не «{text}»")
    return value


@dataclass(frozen=True)
class ValidationNorms:
    """[validation] of norms.toml: what the loader accepts."""

    allow_lessons_on_holidays: bool = False
    max_error_rows_shown: int = 30
    batch_rows: int = 250_000


@dataclass(frozen=True)
class ImporterNorms:
    """[importers] of norms.toml: what importers use where a journal system says nothing."""

    default_work_weight: float = 1.0
    # The school's local act: work type name → weight, for systems that give names without weights.
    work_type_weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Norms:
    """The school's norms (a TOML file; defaults and sources in ejournal/norms.toml)."""

    validation: ValidationNorms = field(default_factory=ValidationNorms)
    raw: dict = field(default_factory=dict)
    importers: ImporterNorms = field(default_factory=ImporterNorms)


def load_norms(path: Path | None = None) -> Norms:
    """Read the norms file; unknown keys in [validation] are an error, not silently ignored."""
    path = path or environment().norms_file
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    section = data.get("validation", {})
    known = {f.name for f in fields(ValidationNorms)}
    unknown = set(section) - known
    if unknown:
        raise ValueError(f"{path}: неизвестные настройки в [validation]: {', '.join(sorted(unknown))}")
    return Norms(validation=ValidationNorms(**section), raw=data, importers=_importer_norms(path, data))


def _importer_norms(path: Path, data: dict) -> ImporterNorms:
    section = data.get("importers", {})
    unknown = set(section) - {f.name for f in fields(ImporterNorms)}
    if unknown:
        raise ValueError(f"{path}: неизвестные настройки в [importers]: {', '.join(sorted(unknown))}")
    weight = section.get("default_work_weight", 1.0)
    weights = section.get("work_type_weights", {})
    for name, value in {"default_work_weight": weight, **weights}.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10:
            raise ValueError(f"{path}: [importers] «{name}»: вес должен быть числом больше 0 и не больше 10")
    return ImporterNorms(float(weight), {str(k): float(v) for k, v in weights.items()})
