"""The canonical journal export (журнальная выгрузка): one pandera model per file.

Every journal system's data is mapped onto these files; the rest of the pipeline only ever sees
them. Each model is the single source of truth for a file: its column types, allowed values and
checks drive validation, and its titles, descriptions and examples are rendered into
docs/canonical_export.md (tests/pipelines/test_docs.py fails when the docs drift).

Field metadata: ``ru`` is the Russian column name accepted as a header alias, ``example`` a
sample value. Column names follow the house naming: ``_id`` keys, ``_code`` codes, ``_date``
dates, ``_at`` timestamps, ``is_``/``has_`` booleans, ``n_`` counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandera.polars as pa

ID_PATTERN = r"^[0-9A-Za-zА-Яа-яЁё_.:\-]{1,64}$"
MARK_PATTERN = r"^([1-5](/[1-5])?|зач|незач|К)$"
PERIOD_MARK_VALUES = ["1", "2", "3", "4", "5", "зач", "незач", "н/а", "осв", "неосв"]
ABSENCE_CODES = ["н", "у", "б", "оп"]
NA_REASON_CODES = ["у", "б", "н"]
PERIOD_KINDS = ["quarter", "trimester", "half_year", "semester"]
FINAL_MARK_KINDS = ["period", "year", "exam", "final"]
EXPORT_KINDS = ["full", "incremental"]
ENROLMENT_REASONS = ["начало года", "прибыл", "выбыл", "перевод", "окончание года"]


def _f(ru: str, description: str, example: str, **kwargs) -> object:
    """A documented field: Russian header alias, meaning and example travel with the checks."""
    return pa.Field(title=ru, description=description, metadata={"ru": ru, "example": example}, **kwargs)


def _id(ru: str, description: str, example: str, **kwargs) -> object:
    return _f(ru, description, example, str_matches=ID_PATTERN, **kwargs)


def row_rule(error: str, sql: str) -> Callable[[Callable], classmethod]:
    """A rule over each row's columns, written once as an SQL condition: pandera runs it through
    polars (``pl.sql_expr``) and the DuckDB path (``validate_sql``) runs the same text. A row for
    which the condition is null passes, as pandera counts it."""

    def decorate(method: Callable) -> classmethod:
        def check(cls, data) -> object:
            import polars as pl

            return data.lazyframe.select(pl.sql_expr(sql))

        check.__name__, check.__doc__ = method.__name__, method.__doc__
        return pa.dataframe_check(error=error, statistics={"sql": sql})(check)

    return decorate


class _Canonical(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class Export(_Canonical):
    """export.csv: one row describing this export (the batch)."""

    school_id: str = _id("ид_школы", "Идентификатор школы, стабильный между выгрузками", "sch-0001")
    source_system: str = _f("система", "Система-источник выгрузки", "Сетевой город")
    export_kind_code: str = _f(
        "вид_выгрузки", "full — весь год, incremental — часть (неделя)", "full", isin=EXPORT_KINDS
    )
    exported_at: dt.datetime = _f(
        "выгружено", "Момент выгрузки; более новая выгрузка замещает старую", "2026-05-31 23:00"
    )
    covers_from_date: dt.date = _f("с_даты", "Первый день, который покрывает выгрузка", "01.09.2025")
    covers_to_date: dt.date = _f("по_дату", "Последний день, который покрывает выгрузка", "31.05.2026")

    @row_rule("дата начала покрытия позже даты окончания", "covers_from_date <= covers_to_date")
    def covers_in_order(cls, data) -> object:
        """The export covers its days in order."""

    @pa.dataframe_check(error="момент выгрузки в будущем или даты выгрузки раньше 2000 года")
    def moment_plausible(cls, data) -> object:
        import polars as pl

        from pipelines.limits import EARLIEST_DATE, ENTRY_TOLERANCE

        latest = dt.datetime.now() + ENTRY_TOLERANCE
        return data.lazyframe.select(
            (pl.col("exported_at") <= latest)
            & (pl.col("exported_at").dt.date() >= EARLIEST_DATE)
            & (pl.col("covers_from_date") >= EARLIEST_DATE)
        )


class School(_Canonical):
    """school.csv: the school (образовательная организация)."""

    school_id: str = _id("ид_школы", "Идентификатор школы", "sch-0001", unique=True)
    school_name: str = _f("наименование", "Полное наименование школы", "МБОУ «СОШ № 1»")
    short_name: str = _f("краткое_наименование", "Краткое наименование", "СОШ № 1")
    region_id: str = _id("ид_региона", "Код региона (субъекта РФ)", "50")
    municipality: str = _f("муниципалитет", "Муниципальное образование", "г. Сергиев Посад", nullable=True)
    director_name: str = _f("директор", "ФИО директора для подписи документов", "Иванова И. И.", nullable=True)


class AcademicYear(_Canonical):
    """academic_years.csv: academic years (учебные годы)."""

    academic_year_id: str = _f(
        "учебный_год", "Учебный год в виде ГГГГ/ГГГГ", "2025/2026", str_matches=r"^\d{4}/\d{4}$", unique=True
    )
    start_date: dt.date = _f("начало", "Первый день учебного года", "01.09.2025")
    end_date: dt.date = _f("окончание", "Последний день учебного года", "31.05.2026")

    @row_rule("начало учебного года позже окончания", "start_date < end_date")
    def dates_in_order(cls, data) -> object:
        """The row's dates are in order."""


class Period(_Canonical):
    """periods.csv: study periods (учебные периоды): quarters, trimesters, half-years."""

    period_id: str = _id("ид_периода", "Идентификатор периода", "2025-2026-q1", unique=True)
    academic_year_id: str = _f("учебный_год", "Учебный год", "2025/2026", str_matches=r"^\d{4}/\d{4}$")
    period_kind_code: str = _f(
        "вид_периода", "quarter (четверть), trimester, half_year, semester", "quarter", isin=PERIOD_KINDS
    )
    period_number: int = _f("номер", "Номер периода в году", "1", ge=1, le=4)
    period_name: str = _f("название", "Название периода", "1 четверть")
    start_date: dt.date = _f("начало", "Первый день периода", "01.09.2025")
    end_date: dt.date = _f("окончание", "Последний день периода", "24.10.2025")
    grades: str = _f(
        "параллели",
        "Параллели, к которым относится период (пусто — все), через запятую",
        "1,2,3,4",
        nullable=True,
        str_matches=r"^\d{1,2}(,\d{1,2})*$",
    )

    @row_rule("начало периода позже окончания", "start_date <= end_date")
    def dates_in_order(cls, data) -> object:
        """The row's dates are in order."""


class Holiday(_Canonical):
    """holidays.csv: holidays (каникулы) and non-study days (праздники)."""

    academic_year_id: str = _f("учебный_год", "Учебный год", "2025/2026", str_matches=r"^\d{4}/\d{4}$")
    holiday_name: str = _f("название", "Название каникул или праздника", "Осенние каникулы")
    start_date: dt.date = _f("начало", "Первый нерабочий день", "25.10.2025")
    end_date: dt.date = _f("окончание", "Последний нерабочий день", "03.11.2025")
    grades: str = _f(
        "параллели",
        "Параллели, для которых это каникулы (пусто — все)",
        "1",
        nullable=True,
        str_matches=r"^\d{1,2}(,\d{1,2})*$",
    )

    @row_rule("начало каникул позже окончания", "start_date <= end_date")
    def dates_in_order(cls, data) -> object:
        """The row's dates are in order."""


class Teacher(_Canonical):
    """teachers.csv: teachers and other staff who keep the journal."""

    teacher_id: str = _id("ид_учителя", "Идентификатор учителя", "t-017", unique=True)
    last_name: str = _f("фамилия", "Фамилия", "Смирнова")
    first_name: str = _f("имя", "Имя", "Ольга")
    middle_name: str = _f("отчество", "Отчество", "Петровна", nullable=True)
    position: str = _f("должность", "Должность", "учитель", nullable=True)


class Subject(_Canonical):
    """subjects.csv: subjects (предметы)."""

    subject_id: str = _id("ид_предмета", "Идентификатор предмета", "math", unique=True)
    subject_name: str = _f("предмет", "Полное название", "Математика")
    short_name: str = _f("сокращение", "Сокращённое название для ведомостей", "Матем.")
    fipi_code: str = _f("код_фипи", "Код предмета по справочнику ФИПИ (если есть)", "12", nullable=True)


class SchoolClass(_Canonical):
    """classes.csv: classes (классы) of an academic year."""

    class_id: str = _id("ид_класса", "Идентификатор класса (уникален в выгрузке)", "2025-7А", unique=True)
    academic_year_id: str = _f("учебный_год", "Учебный год", "2025/2026", str_matches=r"^\d{4}/\d{4}$")
    class_name: str = _f("класс", "Название класса", "7А")
    grade: int = _f("параллель", "Параллель (1–11)", "7", ge=1, le=11)
    class_teacher_id: str = _id("ид_классного_руководителя", "Классный руководитель", "t-017", nullable=True)


class Group(_Canonical):
    """groups.csv: subgroups (подгруппы) of a class for a subject."""

    group_id: str = _id("ид_группы", "Идентификатор подгруппы", "2025-7А-eng-1", unique=True)
    class_id: str = _id("ид_класса", "Класс, который делится", "2025-7А")
    subject_id: str = _id("ид_предмета", "Предмет, по которому деление", "eng")
    group_name: str = _f("подгруппа", "Название подгруппы", "1 подгруппа")
    teacher_id: str = _id("ид_учителя", "Учитель подгруппы", "t-021", nullable=True)


class Pupil(_Canonical):
    """pupils.csv: pupils (обучающиеся). Personal data: protected under 152-ФЗ."""

    pupil_id: str = _id("ид_ученика", "Стабильный псевдонимный идентификатор ученика", "p-000123", unique=True)
    last_name: str = _f("фамилия", "Фамилия", "Кузнецов")
    first_name: str = _f("имя", "Имя", "Артём")
    middle_name: str = _f("отчество", "Отчество", "Игоревич", nullable=True)
    birth_date: dt.date = _f("дата_рождения", "Дата рождения", "14.03.2012", nullable=True)
    gender_code: str = _f("пол", "м или ж", "м", nullable=True, isin=["м", "ж"])
    has_consent: bool = _f("согласие_пдн", "Есть согласие на обработку персональных данных", "да")


class Enrolment(_Canonical):
    """enrolments.csv: a pupil's stay in a class (движение учащихся)."""

    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    class_id: str = _id("ид_класса", "Класс", "2025-7А")
    start_date: dt.date = _f("дата_прибытия", "Первый день в классе", "01.09.2025")
    end_date: dt.date = _f("дата_выбытия", "Последний день в классе (пусто — учится)", "15.01.2026", nullable=True)
    arrival_reason: str = _f("основание_прибытия", "Основание зачисления", "начало года", nullable=True)
    departure_reason: str = _f("основание_выбытия", "Основание выбытия", "выбыл", nullable=True)

    class Config:
        unique = ["pupil_id", "class_id", "start_date"]

    @row_rule("дата выбытия раньше даты прибытия", "end_date IS NULL OR start_date <= end_date")
    def dates_in_order(cls, data) -> object:
        """The row's dates are in order."""


class GroupMember(_Canonical):
    """group_members.csv: a pupil's membership in a subgroup."""

    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    group_id: str = _id("ид_группы", "Подгруппа", "2025-7А-eng-1")
    start_date: dt.date = _f("с_даты", "Первый день в подгруппе", "01.09.2025")
    end_date: dt.date = _f("по_дату", "Последний день в подгруппе (пусто — до конца года)", "", nullable=True)

    class Config:
        unique = ["pupil_id", "group_id", "start_date"]

    @row_rule("дата окончания раньше даты начала", "end_date IS NULL OR start_date <= end_date")
    def dates_in_order(cls, data) -> object:
        """The row's dates are in order."""


class Curriculum(_Canonical):
    """curriculum.csv: the curriculum (учебный план): weekly hours of a subject in a class."""

    class_id: str = _id("ид_класса", "Класс", "2025-7А")
    subject_id: str = _id("ид_предмета", "Предмет", "math")
    weekly_hours: float = _f("часов_в_неделю", "Часов в неделю по учебному плану", "5", gt=0, le=12)
    is_attested: bool = _f("аттестуется", "Предмет аттестуется отметкой (нет — «без аттестации», зачёт, «К»)", "да")
    teacher_id: str = _id("ид_учителя", "Основной учитель предмета в классе", "t-017", nullable=True)

    class Config:
        unique = ["class_id", "subject_id"]


class WorkType(_Canonical):
    """work_types.csv: kinds of work marks are given for (виды работ) and their weights."""

    work_type_id: str = _id("ид_вида_работы", "Идентификатор вида работы", "control", unique=True)
    work_type_name: str = _f("вид_работы", "Название", "Контрольная работа")
    weight: float = _f("вес", "Вес отметки в средневзвешенном балле", "2", gt=0, le=10)
    is_control: bool = _f("контрольная", "Контрольная работа (учитывается в контроле наличия)", "да")


class PlannedTopic(_Canonical):
    """planned_topics.csv: the calendar-thematic plan (КТП)."""

    class_id: str = _id("ид_класса", "Класс", "2025-7А")
    group_id: str = _id("ид_группы", "Подгруппа, если план для неё", "", nullable=True)
    subject_id: str = _id("ид_предмета", "Предмет", "math")
    topic_number: int = _f("номер_темы", "Номер урока по КТП", "12", ge=1, le=400)
    topic: str = _f("тема", "Тема урока по плану", "Линейные уравнения")
    planned_date: dt.date = _f("плановая_дата", "Плановая дата урока", "03.10.2025", nullable=True)
    hours: float = _f("часов", "Часов на тему", "1", gt=0, le=40)

    class Config:
        unique = ["class_id", "group_id", "subject_id", "topic_number"]


class Lesson(_Canonical):
    """lessons.csv: lessons held (уроки), with topic, homework and entry times."""

    lesson_id: str = _id("ид_урока", "Стабильный идентификатор урока в системе-источнике", "L-2025-000123", unique=True)
    lesson_date: dt.date = _f("дата_урока", "Дата урока", "03.10.2025")
    lesson_number: int = _f("номер_урока", "Номер урока в расписании дня", "2", ge=0, le=12)
    class_id: str = _id("ид_класса", "Класс", "2025-7А")
    group_id: str = _id("ид_группы", "Подгруппа (пусто — весь класс)", "", nullable=True)
    subject_id: str = _id("ид_предмета", "Предмет", "math")
    teacher_id: str = _id("ид_учителя", "Учитель по расписанию", "t-017")
    replacing_teacher_id: str = _id("ид_заменяющего", "Заменяющий учитель (пусто — замены не было)", "", nullable=True)
    topic: str = _f("тема", "Тема урока, как записана в журнале", "Линейные уравнения", nullable=True)
    homework: str = _f("домашнее_задание", "Домашнее задание", "§12, № 3–5", nullable=True)
    lesson_entered_at: dt.datetime = _f(
        "урок_заполнен", "Когда записаны урок и тема", "03.10.2025 14:05", nullable=True
    )
    homework_entered_at: dt.datetime = _f(
        "дз_заполнено", "Когда записано домашнее задание", "03.10.2025 15:40", nullable=True
    )

    class Config:
        unique = ["class_id", "group_id", "lesson_date", "lesson_number", "subject_id"]


class Mark(_Canonical):
    """marks.csv: current marks (текущие отметки)."""

    mark_id: str = _id("ид_отметки", "Стабильный идентификатор отметки в системе-источнике", "M-0000001", unique=True)
    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    lesson_id: str = _id("ид_урока", "Урок, на котором получена отметка", "L-2025-000123")
    mark_value: str = _f("отметка", "1–5, двойная «4/5», «зач», «незач» или «К»", "4/5", str_matches=MARK_PATTERN)
    work_type_id: str = _id("ид_вида_работы", "Вид работы", "control")
    weight: float = _f("вес", "Вес, если отличается от веса вида работы", "", nullable=True, gt=0, le=10)
    entered_at: dt.datetime = _f("выставлено", "Когда отметка выставлена в журнал", "04.10.2025 09:12")
    entered_by: str = _id("кто_выставил", "Кто выставил (ид учителя)", "t-017")


class Attendance(_Canonical):
    """attendance.csv: attendance marks. Rows may list absences only: presence is derived."""

    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    lesson_id: str = _id("ид_урока", "Урок", "L-2025-000123")
    absence_code: str = _f(
        "код", "н, у, б, оп (опоздание); пусто — присутствовал", "б", nullable=True, isin=ABSENCE_CODES
    )
    entered_at: dt.datetime = _f("отмечено", "Когда отмечено", "03.10.2025 09:05", nullable=True)

    class Config:
        unique = ["pupil_id", "lesson_id"]


class PeriodMark(_Canonical):
    """period_marks.csv: period, year, exam and final marks (итоговые отметки)."""

    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    subject_id: str = _id("ид_предмета", "Предмет", "math")
    academic_year_id: str = _f("учебный_год", "Учебный год", "2025/2026", str_matches=r"^\d{4}/\d{4}$")
    mark_kind_code: str = _f("вид_отметки", "period (за период), year, exam, final", "period", isin=FINAL_MARK_KINDS)
    period_id: str = _id("ид_периода", "Период (для вида period)", "2025-2026-q1", nullable=True)
    mark_value: str = _f("отметка", "1–5, «зач», «незач», «н/а», «осв», «неосв»", "4", isin=PERIOD_MARK_VALUES)
    na_reason_code: str = _f("причина_на", "Для «н/а»: у, б или н", "", nullable=True, isin=NA_REASON_CODES)
    entered_at: dt.datetime = _f("выставлено", "Когда выставлена", "27.10.2025 16:00")
    entered_by: str = _id("кто_выставил", "Кто выставил", "t-017")

    class Config:
        unique = ["pupil_id", "subject_id", "academic_year_id", "mark_kind_code", "period_id"]

    @row_rule(
        "для отметки за период нужен ид_периода, для годовой/экзаменационной/итоговой — пусто",
        "(mark_kind_code = 'period') = (period_id IS NOT NULL)",
    )
    def period_matches_kind(cls, data) -> object:
        """A period mark names its period; other final marks do not."""

    @row_rule("причина неаттестации указывается только для «н/а»", "na_reason_code IS NULL OR mark_value = 'н/а'")
    def reason_only_for_na(cls, data) -> object:
        """A reason for «н/а» only with «н/а»."""


class MarkChange(_Canonical):
    """mark_changes.csv: the mark change log (журнал изменений отметок)."""

    change_id: str = _id("ид_изменения", "Идентификатор записи журнала изменений", "C-000045", unique=True)
    mark_id: str = _id("ид_отметки", "Изменённая отметка", "M-0000001")
    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    lesson_id: str = _id("ид_урока", "Урок отметки", "L-2025-000123")
    old_value: str = _f("было", "Прежнее значение (пусто — отметка создана)", "3", nullable=True)
    new_value: str = _f("стало", "Новое значение (пусто — отметка удалена)", "4", nullable=True)
    changed_at: dt.datetime = _f("когда", "Момент изменения", "20.10.2025 22:41")
    changed_by: str = _id("кто", "Кто изменил (ид учителя)", "t-017")


class ExternalResult(_Canonical):
    """external_results.csv: external assessments (ВПР and similar)."""

    pupil_id: str = _id("ид_ученика", "Ученик", "p-000123")
    subject_id: str = _id("ид_предмета", "Предмет", "math")
    assessment_code: str = _f("процедура", "Оценочная процедура", "ВПР", isin=["ВПР", "ОГЭ", "ЕГЭ", "РДР", "НИКО"])
    assessment_date: dt.date = _f("дата", "Дата проведения", "15.04.2026")
    grade: int = _f("параллель", "Параллель, за которую писали", "7", ge=1, le=11)
    primary_score: float = _f("первичный_балл", "Первичный балл", "14", ge=0, le=100)
    max_score: float = _f("максимальный_балл", "Максимальный первичный балл", "20", gt=0, le=100)
    mark_value: str = _f("отметка", "Отметка за работу", "4", isin=["2", "3", "4", "5"])

    class Config:
        unique = ["pupil_id", "subject_id", "assessment_code", "assessment_date"]


@dataclass(frozen=True)
class CanonicalFile:
    """One file of the canonical export: its name, its model and whether it must be present."""

    name: str
    model: type[_Canonical]
    required: bool
    ru_name: str


# Order matters: files are validated and loaded in this order, references first.
FILES: tuple[CanonicalFile, ...] = (
    CanonicalFile("export", Export, True, "выгрузка"),
    CanonicalFile("school", School, True, "школа"),
    CanonicalFile("academic_years", AcademicYear, True, "учебные_годы"),
    CanonicalFile("periods", Period, True, "периоды"),
    CanonicalFile("holidays", Holiday, False, "каникулы"),
    CanonicalFile("teachers", Teacher, True, "учителя"),
    CanonicalFile("subjects", Subject, True, "предметы"),
    CanonicalFile("classes", SchoolClass, True, "классы"),
    CanonicalFile("groups", Group, False, "подгруппы"),
    CanonicalFile("pupils", Pupil, True, "ученики"),
    CanonicalFile("enrolments", Enrolment, True, "движение"),
    CanonicalFile("group_members", GroupMember, False, "состав_подгрупп"),
    CanonicalFile("curriculum", Curriculum, True, "учебный_план"),
    CanonicalFile("work_types", WorkType, True, "виды_работ"),
    CanonicalFile("planned_topics", PlannedTopic, False, "ктп"),
    CanonicalFile("lessons", Lesson, True, "уроки"),
    CanonicalFile("marks", Mark, True, "отметки"),
    CanonicalFile("attendance", Attendance, False, "посещаемость"),
    CanonicalFile("period_marks", PeriodMark, False, "итоговые_отметки"),
    CanonicalFile("mark_changes", MarkChange, False, "изменения_отметок"),
    CanonicalFile("external_results", ExternalResult, False, "внешние_оценки"),
)

FILES_BY_NAME = {f.name: f for f in FILES}


def columns_of(model: type[_Canonical]) -> dict[str, pa.Column]:
    """The model's columns in declaration order."""
    return dict(model.to_schema().columns)
