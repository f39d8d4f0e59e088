"""Settings in one typed place: the environment for where things live, a TOML file for norms.

Every setting is documented in docs/settings.md; tests/test_settings.py fails when one is not.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from ejournal.norm_words import source_title

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
    file_mode: str = field(
        default="private",
        metadata={
            "env": "EJOURNAL_FILE_MODE",
            "doc": "Права файлов программы: private — только владелец (0600/0700), group — и группа (0640/0750)",
        },
    )
    lake_path: Path | None = field(
        default=None,
        metadata={
            "env": "EJOURNAL_LAKE",
            "doc": "Озеро Parquet с витринами региона (страница «Муниципалитет / регион»)",
        },
    )
    inbox: Path = field(
        default=Path("var/inbox"),
        metadata={"env": "EJOURNAL_INBOX", "doc": "Папка, из которой ejournal watch загружает приходящие файлы"},
    )
    ingest_workers: int = field(
        default=1,
        metadata={
            "env": "EJOURNAL_INGEST_WORKERS",
            "doc": "Сколько процессов проверяют следующие выгрузки, пока хранилище принимает текущую (папка многих школ); 0 — без них",
        },
    )
    upload_max_mb: int = field(
        default=200,
        metadata={
            "env": "EJOURNAL_UPLOAD_MAX_MB",
            "doc": "Предел размера загрузки на странице «Загрузка данных», МБ (все файлы вместе)",
        },
    )


def environment() -> Environment:
    """Read the environment, with defaults under ./var of the working directory."""
    home = Path(os.environ.get("EJOURNAL_HOME", "var"))
    return Environment(
        db_path=Path(os.environ.get("EJOURNAL_DB", str(home / "ejournal.duckdb"))),
        home=home,
        norms_file=_norms_file(home),
        run_by=os.environ.get("EJOURNAL_USER") or _login_name(),
        access_db=Path(os.environ.get("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))),
        session_minutes=int(os.environ.get("EJOURNAL_SESSION_MINUTES", "30")),
        duckdb_memory=_memory_size(os.environ.get("EJOURNAL_DUCKDB_MEMORY", "384MB")),
        lake_path=Path(os.environ["EJOURNAL_LAKE"]) if os.environ.get("EJOURNAL_LAKE") else None,
        subjects_file=Path(os.environ.get("EJOURNAL_SUBJECTS", str(DEFAULT_SUBJECTS_FILE))),
        file_mode=_file_mode(os.environ.get("EJOURNAL_FILE_MODE", "private")),
        inbox=Path(os.environ.get("EJOURNAL_INBOX", str(home / "inbox"))),
        upload_max_mb=_upload_max_mb(os.environ.get("EJOURNAL_UPLOAD_MAX_MB", "200")),
        ingest_workers=_ingest_workers(os.environ.get("EJOURNAL_INGEST_WORKERS")),
    )


def _ingest_workers(text: str | None) -> int:
    """0–16 worker processes; by default a quarter of the processor's cores, and one on 2 or 3.
    The loading process keeps DuckDB's threads busy only part of the time (1.4 of 2 cores on a
    region's schools): on 2 cores one worker checking the next school took a region of 35 schools
    from 159.1 s to 150.6 s, the peak from 708 to 1,070 MB (a run of 5 schools before had gained
    nothing: 41.0 s with it, 39.7 s without). On one core a worker only contends: 0."""
    if text is None or not text.strip():
        cores = os.cpu_count() or 1
        return min(16, max(1, cores // 4)) if cores >= 2 else 0
    value = text.strip()
    if not value.isdigit() or int(value) > 16:
        raise ValueError(f"EJOURNAL_INGEST_WORKERS: ожидается целое число процессов от 0 до 16, а не «{text}»")
    return int(value)


def _upload_max_mb(text: str) -> int:
    """A whole number of megabytes from 1 to 2048; anything else is refused."""
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= 2048:
        raise ValueError(f"EJOURNAL_UPLOAD_MAX_MB: ожидается целое число мегабайт от 1 до 2048, а не «{text}»")
    return int(value)


FILE_MODES = ("private", "group")


def _file_mode(text: str) -> str:
    """``private`` or ``group``; anything else is refused (a typo must not open the files to all)."""
    value = text.strip().lower()
    if value not in FILE_MODES:
        raise ValueError(f"EJOURNAL_FILE_MODE: ожидается private или group, а не «{text}»")
    return value


def _norms_file(home: Path) -> Path:
    """EJOURNAL_NORMS, else the school's own file under EJOURNAL_HOME once saved, else the defaults."""
    if os.environ.get("EJOURNAL_NORMS"):
        return Path(os.environ["EJOURNAL_NORMS"])
    own = home / "norms.toml"
    return own if own.exists() else DEFAULT_NORMS_FILE


def editable_norms_file() -> Path:
    """Where the settings page saves the norms: EJOURNAL_NORMS, else EJOURNAL_HOME/norms.toml (never the defaults)."""
    if os.environ.get("EJOURNAL_NORMS"):
        return Path(os.environ["EJOURNAL_NORMS"])
    return Path(os.environ.get("EJOURNAL_HOME", "var")) / "norms.toml"


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


# Sources that are not a clause of a model act (those are «000 §4.6.5», titled by ejournal.norm_words).
SCHOOL_DECISION = "Решение школы (настройка программы)"
PROGRAM_SETTING = "Настройка программы"
ASSESSMENT_ACT = "Положение о текущем контроле успеваемости и промежуточной аттестации (локальный акт школы)"
VPR_METHOD = "Методика ФИС ОКО (Рособрнадзор) для оценки объективности результатов ВПР"


def _norm(default, doc: str, source: str = PROGRAM_SETTING, **extra):
    """A norm's default, its Russian description, its source (a document's title, or a seed clause such
    as «000 §4.6.5» that ejournal.norm_words titles) and, for the page, its ``unit`` and ``choice_titles``."""
    if isinstance(default, list | tuple):
        return field(default_factory=lambda: tuple(default), metadata={"doc": doc, "source": source, **extra})
    return field(default=default, metadata={"doc": doc, "source": source, **extra})


@dataclass(frozen=True)
class ValidationNorms:
    """[validation] of norms.toml: what the loader accepts."""

    allow_lessons_on_holidays: bool = _norm(
        False,
        "Разрешить уроки в дни каникул и праздников (иначе такие уроки отклоняются при загрузке)",
        SCHOOL_DECISION,
    )
    max_error_rows_shown: int = _norm(
        30, "Сколько строк ошибок показывать на экране (полный список — в отчёте)", PROGRAM_SETTING, unit="rows"
    )
    batch_rows: int = _norm(
        250_000,
        "Сколько строк большого файла проверять за один шаг (память против скорости)",
        PROGRAM_SETTING,
        unit="rows",
    )


@dataclass(frozen=True)
class TimelinessNorms:
    """[timeliness]: how soon lessons, marks, homework and period marks must be entered."""

    lesson_entry_days: int = _norm(
        2,
        "Урок, тема и посещаемость — не позднее чем через столько дней после урока",
        "000 §4.4.1; 002 §5.1; 004 §8, §12",
        unit="days",
    )
    mark_entry_days: int = _norm(
        2, "Текущие отметки — не позднее чем через столько дней после урока", "004 §8", unit="days"
    )
    written_work_entry_days: int = _norm(
        10, "Отметки за письменные работы — не позднее чем через столько дней после урока", "002 §5.2", unit="days"
    )
    written_work_types: tuple[str, ...] = _norm(
        [
            "Контрольная работа",
            "Диктант",
            "Сочинение",
            "Самостоятельная работа",
            "Тест",
            "Практическая работа",
            "Лабораторная работа",
        ],
        "Письменные работы: виды работ (название или код вида работы)",
        "002 §5.2",
    )
    homework_deadline_rule: str = _norm(
        "hour",
        "Срок домашнего задания: в день урока до указанного часа или через несколько часов после последнего урока "
        "учеников (по расписанию звонков)",
        "004, табл. 3.4; 002 §3.2.5",
        choices=("hour", "after_last_lesson"),
        choice_titles={
            "hour": "в день урока до указанного часа",
            "after_last_lesson": "через несколько часов после последнего урока учеников",
        },
    )
    homework_deadline_hour: int = _norm(
        18, "Домашнее задание — в день урока до этого часа", "004, табл. 3.4", unit="clock"
    )
    homework_hours_after_last_lesson: int = _norm(
        3, "… или через столько часов после последнего урока учеников", "002 §3.2.5", unit="hours"
    )
    lesson_end_times: tuple[str, ...] = _norm(
        ["08:45", "09:40", "10:40", "11:40", "12:35", "13:30", "14:25", "15:20"],
        "Расписание звонков: время окончания 1-го, 2-го … урока (для срока «после последнего урока»)",
        SCHOOL_DECISION,
    )
    homework_from_grade: int = _norm(
        2, "Домашнее задание задают с этой параллели", "СанПиН 1.2.3685-21, табл. 6.6", unit="grade"
    )
    homework_exempt_subjects: tuple[str, ...] = _norm(
        [
            "Физическая культура",
            "Музыка",
            "Изобразительное искусство",
            "Труд (технология)",
            "Основы безопасности и защиты Родины",
            "Основы духовно-нравственной культуры народов России",
            "Основы религиозных культур и светской этики",
            "Индивидуальный проект",
            "Разговоры о важном",
            "Россия — мои горизонты",
        ],
        "Предметы без домашнего задания (название или код предмета)",
        "Положение о ведении электронного журнала (локальный акт школы)",
    )
    period_mark_days_before_end: int = _norm(
        2, "Отметки за период — не раньше чем за столько дней до конца периода", "000 §5.4", unit="days"
    )
    period_mark_days_after_end: int = _norm(
        7, "… и не позже чем через столько дней после конца периода (после этого период закрыт)", "004 §13", unit="days"
    )
    mark_edit_window_days: int = _norm(
        7,
        "Окно редактирования отметки: сколько дней после урока её можно исправить",
        "004 §13",
        choices=(0, 7, 14, 21, 30),
        choice_titles={
            0: "никогда: отметку не исправляют",
            7: "7 дней (неделя)",
            14: "14 дней (2 недели)",
            21: "21 день (3 недели)",
            30: "30 дней (месяц)",
        },
        unit="days",
    )


@dataclass(frozen=True)
class AttestationNorms:
    """[attestation]: enough marks for attestation and the rounding rule of period marks."""

    min_marks_per_quarter_at_1_hour: int = _norm(
        3, "Минимум отметок за четверть (триместр) при 1 часе в неделю", "000 §5.2", unit="marks"
    )
    min_marks_per_half_year_at_1_hour: int = _norm(
        5, "Минимум отметок за полугодие (семестр) при 1 часе в неделю", "000 §5.2", unit="marks"
    )
    extra_marks_per_weekly_hour: int = _norm(
        0,
        "Сколько отметок добавляется к минимуму за каждый час в неделю сверх первого",
        ASSESSMENT_ACT,
        unit="marks",
    )
    rounding_threshold: float = _norm(
        0.65,
        "Порог округления средневзвешенного балла: 0,65 — ≥ 4,65 → 5, ≥ 3,65 → 4, ≥ 2,65 → 3",
        ASSESSMENT_ACT,
        unit="points",
    )
    not_a_topic_pattern: str = _norm(
        r"(?i)^\s*(урок|тема|контрольная работа(\s*№\s*\d+)?|[-—.]+)\s*\.?\s*$",
        "Записи, которые не считаются темой урока (слова и фразы)",
        "002 §3.2.5",
    )


@dataclass(frozen=True)
class AttendanceNorms:
    """[attendance]: chronic absence."""

    chronic_absence_share: float = _norm(
        0.10,
        "Хронические пропуски: доля пропущенных уроков за период (0,10 = 10 %)",
        "Настройка школы (общепринятый порог раннего предупреждения)",
        unit="share",
    )


@dataclass(frozen=True)
class ObjectivitySettings:
    """[objectivity]: padding before the period end, teachers' mark distributions, ВПР."""

    padding_last_days: int = _norm(
        7, "Накрутка в конце периода: сколько последних дней периода проверять …", "000 §4.6.5", unit="days"
    )
    padding_min_marks: int = _norm(
        10,
        "… сколько текущих отметок (кроме контрольных) у учителя, класса и предмета за эти дни нужно как минимум …",
        "000 §4.6.5",
        unit="marks",
    )
    padding_ratio: float = _norm(
        2.0,
        "… и во сколько раз больше отметок на присутствующего ученика за урок, чем до них",
        "000 §4.6.5",
        unit="times",
    )
    teacher_min_pupils: int = _norm(
        20,
        "Распределение отметок учителя сравнивается с параллелью, если и у учителя, и у остальных отметок не меньше этого числа",
        "Настройка программы (малые группы не оцениваются)",
        unit="marks",
    )
    teacher_alpha: float = _norm(
        0.05,
        "Уровень значимости после поправки Холма (проверка доли «5» и среднего балла)",
        "Методика проверки объективности отметок (настройка программы)",
        unit="share",
    )
    vpr_min_participants: int = _norm(
        10, "ВПР: группы, где участников меньше этого числа, не оцениваются", VPR_METHOD, unit="participants"
    )
    vpr_gap: int = _norm(
        2,
        "ВПР: расхождение с отметкой журнала на столько баллов и больше — признак необъективности",
        VPR_METHOD,
        unit="points",
    )


@dataclass(frozen=True)
class ForecastSettings:
    """[forecast]: the risk list of the forecast page and the preliminary report."""

    risk_probability: float = _norm(
        0.3, "«В зоне риска»: вероятность «2» или н/а за период не меньше этой доли", "000 §2.8, §9.2", unit="share"
    )


@dataclass(frozen=True)
class ImporterNorms:
    """[importers]: what importers use where a journal system says nothing."""

    default_work_weight: float = _norm(
        1.0,
        "Вес вида работы, которого нет ни в данных системы, ни в таблице ниже (такие отметки — с предупреждением)",
        SCHOOL_DECISION,
    )
    work_type_weights: dict[str, float] = field(
        default_factory=lambda: {
            "Контрольная работа": 2.0,
            "Самостоятельная работа": 1.5,
            "Ответ на уроке": 1.0,
            "Домашнее задание": 1.0,
        },
        metadata={
            "doc": "Веса видов работ по локальному акту (название → вес) для систем, которые передают название без веса",
            "source": ASSESSMENT_ACT,
        },
    )


@dataclass(frozen=True)
class DocumentSettings:
    """[documents]: who signs the school's documents."""

    deputy_director: str = _norm(
        "",
        "Заместитель директора по УВР, подписывающий документы: фамилия и инициалы "
        "(пусто — строка для подписи от руки)",
        SCHOOL_DECISION,
    )


NORM_SECTIONS = {
    "validation": ("Загрузка", ValidationNorms),
    "timeliness": ("Своевременность заполнения журнала", TimelinessNorms),
    "attestation": ("Аттестация и наполняемость", AttestationNorms),
    "attendance": ("Посещаемость", AttendanceNorms),
    "objectivity": ("Объективность отметок и ВПР", ObjectivitySettings),
    "forecast": ("Прогноз итогов периода", ForecastSettings),
    "importers": ("Импорт из журнальных систем", ImporterNorms),
    "documents": ("Документы", DocumentSettings),
}


@dataclass(frozen=True)
class Norms:
    """The school's norms (a TOML file; defaults and sources in ejournal/norms.toml)."""

    validation: ValidationNorms = field(default_factory=ValidationNorms)
    timeliness: TimelinessNorms = field(default_factory=TimelinessNorms)
    attestation: AttestationNorms = field(default_factory=AttestationNorms)
    attendance: AttendanceNorms = field(default_factory=AttendanceNorms)
    objectivity: ObjectivitySettings = field(default_factory=ObjectivitySettings)
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    importers: ImporterNorms = field(default_factory=ImporterNorms)
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    raw: dict = field(default_factory=dict)


def _typed_value(where: str, spec, value):
    kind = spec.type
    if kind.startswith("dict"):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: ожидается таблица «название = вес»")
        for name, weight in value.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
                raise ValueError(f"{where}: «{name}»: вес должен быть числом больше 0 и не больше 10")
        return {str(k): float(v) for k, v in value.items()}
    if spec.name.endswith("_weight") and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10
    ):
        raise ValueError(f"{where}: вес должен быть числом больше 0 и не больше 10")
    if kind.startswith("tuple"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: ожидается список строк")
        return tuple(value)
    expected = {"bool": bool, "int": int, "float": (int, float), "str": str}[kind]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, expected):
        raise ValueError(f"{where}: ожидается {_KIND_TEXT[kind]}, а не «{value}»")
    choices = spec.metadata.get("choices")
    if choices and value not in choices:
        raise ValueError(f"{where}: допустимо одно из {', '.join(map(str, choices))}, а не «{value}»")
    if kind in ("int", "float") and value < 0:
        raise ValueError(f"{where}: значение не может быть отрицательным")
    if kind == "str" and spec.name.endswith("_pattern"):
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"{where}: неверное регулярное выражение ({error})") from None
    return float(value) if kind == "float" else value


_KIND_TEXT = {"bool": "true или false", "int": "целое число", "float": "число", "str": "строка"}


def load_norms(path: Path | None = None) -> Norms:
    """Read the norms file strictly: an unknown section or key, or a value of the wrong type, is an error."""
    path = path or environment().norms_file
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return norms_from_dict(data, str(path))


def norms_from_dict(data: dict, where: str = "нормы") -> Norms:
    unknown_sections = set(data) - set(NORM_SECTIONS)
    if unknown_sections:
        raise ValueError(f"{where}: неизвестные разделы: {', '.join(sorted(unknown_sections))}")
    sections = {}
    for name, (_, cls) in NORM_SECTIONS.items():
        section = data.get(name, {})
        specs = {f.name: f for f in fields(cls)}
        unknown = set(section) - set(specs)
        if unknown:
            raise ValueError(f"{where}: неизвестные настройки в [{name}]: {', '.join(sorted(unknown))}")
        sections[name] = cls(
            **{key: _typed_value(f"{where}: [{name}] {key}", specs[key], value) for key, value in section.items()}
        )
    return Norms(**sections, raw=data)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_value(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def norms_toml(norms: Norms) -> str:
    """The norms as a TOML file, each key with its description and source as a comment."""
    lines = [
        "# Нормы школы. Значения по умолчанию взяты из образцов локальных актов о ведении электронного журнала;",
        "# каждое — настройка школы. School norms: every one is a school setting.",
    ]
    for name, (title, cls) in NORM_SECTIONS.items():
        lines += ["", f"# {title}", f"[{name}]"]
        section = getattr(norms, name)
        for spec in fields(cls):
            source = spec.metadata["source"]
            lines.append(f"# {spec.metadata['doc']} (источник: {source_title(source)})")
            lines.append(f"{spec.name} = {_toml_value(getattr(section, spec.name))}")
    return "\n".join(lines) + "\n"


def save_norms(norms: Norms, path: Path) -> None:
    """Write the norms atomically (a reader never sees half a file); the text is read back first."""
    text = norms_toml(norms)
    norms_from_dict(tomllib.loads(text), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
