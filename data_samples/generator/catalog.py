"""Reference tables of the generated school: subjects, curriculum hours, work types.

Weekly hours follow the federal curriculum (ФУП НОО/ООО/СОО, five-day week) closely enough
to look real; they are not a legal reference. Everything here is plain data: no randomness.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectInfo:
    """A subject and how the generator treats it."""

    subject_id: str
    name: str
    short_name: str
    fipi_code: str | None  # the «Сетевой город» subjectFipi reference id
    specialty: str  # which kind of teacher teaches it in grades 5-11
    mark_mean: float  # mean latent mark (about 4 = mostly fours)
    mark_prob: float  # chance a present pupil gets an ordinary mark at a lesson
    has_control: bool  # control works (контрольные работы) appear in its КТП
    has_homework: bool  # homework is set (from grade 2)
    work_mix: str  # key of WORK_MIX: which kinds of work the lessons have


SUBJECTS: tuple[SubjectInfo, ...] = (
    SubjectInfo("rus", "Русский язык", "Рус. яз.", "11", "philology", 3.75, 0.62, True, True, "rus"),
    SubjectInfo("litread", "Литературное чтение", "Лит. чт.", "104", "primary", 4.1, 0.6, True, True, "lit"),
    SubjectInfo("lit", "Литература", "Литер.", "8", "philology", 3.95, 0.58, True, True, "lit"),
    SubjectInfo("math", "Математика", "Матем.", "9", "math", 3.75, 0.64, True, True, "math"),
    SubjectInfo("alg", "Алгебра", "Алгебра", "9", "math", 3.6, 0.64, True, True, "math"),
    SubjectInfo("geom", "Геометрия", "Геом.", "9", "math", 3.55, 0.6, True, True, "math"),
    SubjectInfo("prob", "Вероятность и статистика", "Вер. и стат.", None, "math", 3.8, 0.55, True, True, "math"),
    SubjectInfo("eng", "Английский язык", "Англ. яз.", "2", "eng", 3.85, 0.62, True, True, "eng"),
    SubjectInfo("hist", "История", "История", "6", "history", 3.9, 0.58, True, True, "humanities"),
    SubjectInfo("soc", "Обществознание", "Общест.", "12", "history", 3.95, 0.56, True, True, "humanities"),
    SubjectInfo(
        "odnknr",
        "Основы духовно-нравственной культуры народов России",
        "ОДНКНР",
        None,
        "history",
        4.5,
        0.5,
        False,
        False,
        "humanities",
    ),
    SubjectInfo("geo", "География", "Геогр.", "4", "geo", 3.9, 0.56, True, True, "science"),
    SubjectInfo("bio", "Биология", "Биол.", "0", "bio", 3.9, 0.57, True, True, "science"),
    SubjectInfo("phys", "Физика", "Физика", "10", "phys", 3.6, 0.6, True, True, "science"),
    SubjectInfo("chem", "Химия", "Химия", "1", "chem", 3.6, 0.6, True, True, "science"),
    SubjectInfo("inf", "Информатика", "Информ.", "7", "inf", 4.0, 0.58, True, True, "practice"),
    SubjectInfo("okr", "Окружающий мир", "Окр. мир", "101", "primary", 4.1, 0.58, True, True, "science"),
    SubjectInfo(
        "orkse",
        "Основы религиозных культур и светской этики",
        "ОРКСЭ",
        None,
        "primary",
        4.5,
        0.5,
        False,
        False,
        "humanities",
    ),
    SubjectInfo("pe", "Физическая культура", "Физ-ра", None, "pe", 4.55, 0.55, False, False, "pe"),
    SubjectInfo("music", "Музыка", "Музыка", None, "music", 4.6, 0.52, False, False, "arts"),
    SubjectInfo("art", "Изобразительное искусство", "ИЗО", None, "art", 4.5, 0.55, False, False, "arts"),
    SubjectInfo("tech", "Труд (технология)", "Труд", None, "tech", 4.45, 0.55, False, False, "practice"),
    SubjectInfo(
        "obzr", "Основы безопасности и защиты Родины", "ОБЗР", None, "obzr", 4.2, 0.55, True, False, "humanities"
    ),
    SubjectInfo("project", "Индивидуальный проект", "Инд. проект", None, "history", 4.4, 0.5, False, False, "practice"),
    # Extracurricular (внеурочная деятельность), held by the class teacher, never marked.
    SubjectInfo(
        "talks", "Разговоры о важном", "Разг. о важном", None, "class_teacher", 4.5, 0.0, False, False, "humanities"
    ),
    SubjectInfo(
        "horizons",
        "Россия — мои горизонты",
        "Мои горизонты",
        None,
        "class_teacher",
        4.5,
        0.0,
        False,
        False,
        "humanities",
    ),
)
SUBJECTS_BY_ID: dict[str, SubjectInfo] = {s.subject_id: s for s in SUBJECTS}

# Weekly hours per grade (five-day week).
CURRICULUM_HOURS: dict[int, dict[str, int]] = {
    1: {"rus": 5, "litread": 4, "math": 4, "okr": 2, "music": 1, "art": 1, "tech": 1, "pe": 3},
    2: {"rus": 5, "litread": 4, "eng": 2, "math": 4, "okr": 2, "music": 1, "art": 1, "tech": 1, "pe": 3},
    3: {"rus": 5, "litread": 4, "eng": 2, "math": 4, "okr": 2, "music": 1, "art": 1, "tech": 1, "pe": 3},
    4: {"rus": 5, "litread": 3, "eng": 2, "math": 4, "okr": 2, "orkse": 1, "music": 1, "art": 1, "tech": 1, "pe": 3},
    5: {
        "rus": 5,
        "lit": 3,
        "eng": 3,
        "math": 5,
        "hist": 2,
        "geo": 1,
        "bio": 1,
        "odnknr": 1,
        "inf": 1,
        "music": 1,
        "art": 1,
        "tech": 2,
        "pe": 2,
    },
    6: {
        "rus": 6,
        "lit": 3,
        "eng": 3,
        "math": 5,
        "hist": 2,
        "soc": 1,
        "geo": 1,
        "bio": 1,
        "odnknr": 1,
        "inf": 1,
        "music": 1,
        "art": 1,
        "tech": 2,
        "pe": 2,
    },
    7: {
        "rus": 4,
        "lit": 2,
        "eng": 3,
        "alg": 3,
        "geom": 2,
        "prob": 1,
        "inf": 1,
        "hist": 2,
        "soc": 1,
        "geo": 2,
        "bio": 1,
        "phys": 2,
        "music": 1,
        "art": 1,
        "tech": 2,
        "pe": 2,
    },
    8: {
        "rus": 3,
        "lit": 2,
        "eng": 3,
        "alg": 3,
        "geom": 2,
        "prob": 1,
        "inf": 1,
        "hist": 2,
        "soc": 1,
        "geo": 2,
        "bio": 2,
        "phys": 2,
        "chem": 2,
        "music": 1,
        "tech": 1,
        "obzr": 1,
        "pe": 2,
    },
    9: {
        "rus": 3,
        "lit": 3,
        "eng": 3,
        "alg": 3,
        "geom": 2,
        "prob": 1,
        "inf": 1,
        "hist": 3,
        "soc": 1,
        "geo": 2,
        "bio": 2,
        "phys": 3,
        "chem": 2,
        "tech": 1,
        "obzr": 1,
        "pe": 2,
    },
    10: {
        "rus": 2,
        "lit": 3,
        "eng": 3,
        "alg": 3,
        "geom": 2,
        "prob": 1,
        "inf": 1,
        "hist": 2,
        "soc": 2,
        "geo": 1,
        "bio": 1,
        "phys": 2,
        "chem": 1,
        "obzr": 1,
        "pe": 2,
        "project": 1,
    },
    11: {
        "rus": 2,
        "lit": 3,
        "eng": 3,
        "alg": 3,
        "geom": 2,
        "prob": 1,
        "inf": 1,
        "hist": 2,
        "soc": 2,
        "geo": 1,
        "bio": 1,
        "phys": 2,
        "chem": 1,
        "obzr": 1,
        "pe": 2,
    },
}

# Extracurricular lessons outside the daily maximum: Monday lesson 0, Thursday after the last lesson.
EXTRACURRICULAR: dict[str, tuple[range, int]] = {"talks": (range(1, 12), 0), "horizons": (range(6, 12), 3)}

# Subjects taught by the class's own primary teacher in grades 1-4.
PRIMARY_SUBJECTS = frozenset({"rus", "litread", "math", "okr", "art", "tech", "orkse"})

# Subjects held without marks: every subject in grade 1, music in grade 2, ОРКСЭ (безотметочный),
# and the extracurricular lessons.
NOT_ATTESTED: frozenset[tuple[int, str]] = frozenset({(2, "music"), (4, "orkse")})
NEVER_ATTESTED = frozenset(EXTRACURRICULAR)

# Subjects split into two subgroups, the grades where they are split and how pupils are split.
SPLIT_SUBJECTS: dict[str, tuple[range, str]] = {
    "eng": (range(2, 12), "alphabet"),
    "inf": (range(7, 12), "alphabet"),
    "tech": (range(5, 9), "gender"),
}

# Most lessons a day by grade (СанПиН: 4-5 in grade 1, 5 in 2-4, 6 in 5-6, 7 from grade 7).
MAX_LESSONS_PER_DAY: dict[int, int] = {1: 5, 2: 5, 3: 5, 4: 5, 5: 6, 6: 6, 7: 7, 8: 7, 9: 7, 10: 7, 11: 7}

# Default number of classes per grade of a 1,000-pupil school.
CLASSES_PER_GRADE: dict[int, int] = {1: 4, 2: 4, 3: 4, 4: 4, 5: 4, 6: 4, 7: 4, 8: 3, 9: 3, 10: 2, 11: 2}
PUPILS_PER_CLASS = 26.3

# Hours a teacher carries (ставка is 18; most carry more).
TEACHER_LOAD_HOURS = 26


@dataclass(frozen=True)
class WorkTypeInfo:
    work_type_id: str
    name: str
    weight: float
    is_control: bool
    is_written: bool  # written work: the 10-day norm for entering the mark applies


WORK_TYPES: tuple[WorkTypeInfo, ...] = (
    WorkTypeInfo("oral", "Ответ на уроке", 1.0, False, False),
    WorkTypeInfo("independent", "Самостоятельная работа", 1.5, False, True),
    WorkTypeInfo("control", "Контрольная работа", 2.0, True, True),
    WorkTypeInfo("practical", "Практическая работа", 1.5, False, True),
    WorkTypeInfo("lab", "Лабораторная работа", 1.5, False, True),
    WorkTypeInfo("dictation", "Диктант", 2.0, True, True),
    WorkTypeInfo("essay", "Сочинение", 2.0, False, True),
    WorkTypeInfo("test", "Тест", 1.0, False, True),
    WorkTypeInfo("homework", "Домашняя работа", 1.0, False, False),
)
WORK_TYPE_IDS: tuple[str, ...] = tuple(w.work_type_id for w in WORK_TYPES)

# Main activity of an ordinary lesson: work type -> probability, per WORK_MIX key.
WORK_MIX: dict[str, dict[str, float]] = {
    "rus": {"oral": 0.4, "independent": 0.25, "homework": 0.2, "test": 0.1, "essay": 0.05},
    "lit": {"oral": 0.6, "homework": 0.15, "essay": 0.1, "test": 0.15},
    "math": {"oral": 0.35, "independent": 0.3, "homework": 0.2, "test": 0.15},
    "eng": {"oral": 0.5, "test": 0.2, "homework": 0.2, "independent": 0.1},
    "humanities": {"oral": 0.6, "test": 0.2, "homework": 0.15, "independent": 0.05},
    "science": {"oral": 0.45, "lab": 0.15, "practical": 0.1, "test": 0.15, "homework": 0.15},
    "practice": {"practical": 0.6, "oral": 0.3, "test": 0.1},
    "pe": {"practical": 0.85, "oral": 0.15},
    "arts": {"practical": 0.7, "oral": 0.3},
}

# Homework templates: {a} < {b} < {c} exercise or page numbers, {p} < {p2} paragraphs, {q} a small count.
HOMEWORK_TEMPLATES: dict[str, tuple[str, ...]] = {
    "rus": ("Упр. {a}", "§ {p}, упр. {a}", "Выучить правило § {p}, упр. {a}", "Словарные слова, упр. {b}"),
    "litread": ("Читать с. {a}–{b}", "Выразительное чтение с. {a}", "Ответить на вопросы с. {a}"),
    "lit": (
        "Прочитать главы {p}–{p2}",
        "Выучить наизусть отрывок",
        "Ответить на вопросы с. {a}",
        "Подготовить пересказ",
    ),
    "math": ("№ {a}, {b}", "§ {p}, № {a}–{b}", "№ {a}, {b}, {c}", "Стр. {p}, № {a}"),
    "eng": ("Ex. {p}, p. {a}", "Выучить слова, упр. {p} с. {a}", "WB p. {b}, ex. {p}", "Текст с. {a}, читать"),
    "humanities": ("§ {p}, вопросы 1–{q}", "§ {p}, пересказ", "§ {p}, таблица", "§ {p}, термины"),
    "science": (
        "§ {p}, вопросы после параграфа",
        "§ {p}, задачи {a}–{b}",
        "§ {p}, подготовить сообщение",
        "§ {p}, конспект",
    ),
    "practice": ("§ {p}, задание {q}", "Практикум, задание {q}"),
}
