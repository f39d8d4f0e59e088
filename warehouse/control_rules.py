"""Journal-keeping control (контроль ведения журнала): the school's norms applied to the marts.

The marts (``mart_lesson_entry``, ``mart_attestation_roster``, ``mart_attendance_day``,
``mart_teacher_day``, ``mart_program``) hold facts before any norm; this module compares them with
the norms of ejournal/norms.toml, bound as query parameters, so that a changed norm shows at once
without rebuilding the warehouse. Every function takes the viewer and returns only what its role
may see (warehouse/scope.py); every rule is listed in :data:`RULES` with its explanation and source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import duckdb
import polars as pl

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms
from warehouse import query
from warehouse.periods import Period, span_condition
from warehouse.scope import scope_sql, visible_pupils_sql


@dataclass(frozen=True)
class Rule:
    code: str
    title: str  # Russian, for pages and downloads
    explanation: str  # the norm in words; {placeholders} filled from the norms
    source: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "mark_late",
            "Отметка выставлена с опозданием",
            "Текущая отметка — не позднее {mark_entry_days} дн. после урока, за письменную работа — "
            "не позднее {written_work_entry_days} дн.",
            "004 §8; 002 §5.2",
        ),
        Rule(
            "lesson_late",
            "Урок записан с опозданием",
            "Тема урока и посещаемость — не позднее {lesson_entry_days} дн. после урока.",
            "000 §4.4.1; 002 §5.1; 004 §8, §12",
        ),
        Rule("topic_missing", "Тема урока не записана", "У каждого проведённого урока есть тема.", "002 §3.2.5"),
        Rule(
            "topic_not_a_topic",
            "Вместо темы — не тема",
            "Тема следует КТП; «Контрольная работа № 1», «Урок», прочерк — не тема.",
            "002 §3.2.5",
        ),
        Rule(
            "homework_missing",
            "Домашнее задание не записано",
            "Домашнее задание записывают к каждому уроку с {homework_from_grade} класса, кроме предметов без "
            "домашних заданий (настройка).",
            "004, табл. 3.4",
        ),
        Rule(
            "homework_late",
            "Домашнее задание записано поздно",
            "Домашнее задание — {homework_deadline_text}.",
            "004, табл. 3.4; 002 §3.2.5",
        ),
        Rule(
            "period_mark_outside_window",
            "Отметка за период вне срока",
            "Отметки за период — с {period_mark_days_before_end} дн. до конца периода по "
            "{period_mark_days_after_end} дн. после.",
            "000 §5.4; 004 §13",
        ),
        Rule(
            "change_after_period_closed",
            "Отметка изменена после закрытия периода",
            "Период закрыт через {period_mark_days_after_end} дн. после его окончания; позже отметки не меняют.",
            "001 §4.2; 004 §13",
        ),
        Rule(
            "change_after_edit_window",
            "Отметка изменена после окна редактирования",
            "Отметку можно изменить не позднее {mark_edit_window_days} дн. после урока.",
            "004 §13",
        ),
        Rule(
            "too_few_marks",
            "Мало отметок для аттестации",
            "За четверть (триместр) не меньше {min_marks_per_quarter_at_1_hour}, за полугодие — "
            "{min_marks_per_half_year_at_1_hour} отметок при 1 часе в неделю, плюс "
            "{extra_marks_per_weekly_hour} за каждый следующий час; «4/5» — две отметки. Судим учеников, "
            "бывших в классе (подгруппе) весь период.",
            "000 §5.2",
        ),
        Rule(
            "chronic_absence",
            "Хронические пропуски",
            "Пропущено (н, у, б) не меньше {chronic_absence_pct} % уроков периода.",
            "общепринятый порог раннего предупреждения",
        ),
    )
}

# The remarks about keeping the journal on time that «Своевременность» lists and «Обзор» counts per teacher.
TIMELINESS_RULES = (
    "mark_late",
    "lesson_late",
    "topic_missing",
    "topic_not_a_topic",
    "homework_missing",
    "homework_late",
    "period_mark_outside_window",
    "change_after_edit_window",
    "change_after_period_closed",
)

HALF_YEAR_KINDS = ("half_year", "semester")


@dataclass(frozen=True)
class Filters:
    """What the pages filter by; None means «all». Dates bound the event date (lesson, entry)."""

    academic_year_id: str | None = None
    period_id: str | None = None
    grade: int | None = None
    class_id: str | None = None
    subject_id: str | None = None
    teacher_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    period: Period | None = None  # the «Период» choice (warehouse/periods.py); None: any date

    def params(self) -> dict:
        return {
            **(self.period.params() if self.period else {"f_span": None, "f_as_of": None}),
            "f_year": self.academic_year_id,
            "f_period": self.period_id,
            "f_grade": self.grade,
            "f_class": self.class_id,
            "f_subject": self.subject_id,
            "f_teacher": self.teacher_id,
            "f_from": self.date_from,
            "f_to": self.date_to,
        }


def explain(rule: str, norms: Norms) -> str:
    """The rule's norm in words, with the school's current values."""
    t, a = norms.timeliness, norms.attestation
    if t.homework_deadline_rule == "hour":
        deadline = f"в день урока до {t.homework_deadline_hour}:00"
    else:
        deadline = f"не позднее {t.homework_hours_after_last_lesson} ч после последнего урока учеников"
    values = {
        **{k: getattr(t, k) for k in t.__dataclass_fields__},
        **{k: getattr(a, k) for k in a.__dataclass_fields__},
        "homework_deadline_text": deadline,
        "chronic_absence_pct": _pct_text(norms.attendance.chronic_absence_share * 100),
    }
    return RULES[rule].explanation.format(**values)


def _pct_text(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _norm_params(norms: Norms) -> dict:
    t, a = norms.timeliness, norms.attestation
    return {
        "mark_days": t.mark_entry_days,
        "written_days": t.written_work_entry_days,
        "written_types": [w.lower() for w in t.written_work_types],
        "lesson_days": t.lesson_entry_days,
        "not_a_topic": a.not_a_topic_pattern,
        "hw_from_grade": t.homework_from_grade,
        "hw_exempt": [s.lower() for s in t.homework_exempt_subjects],
        "hw_rule": t.homework_deadline_rule,
        "hw_hour": t.homework_deadline_hour,
        "hw_after_hours": t.homework_hours_after_last_lesson,
        "lesson_ends": [_minutes(x) for x in t.lesson_end_times],
        "pm_before": t.period_mark_days_before_end,
        "pm_after": t.period_mark_days_after_end,
        "edit_window": t.mark_edit_window_days,
        "min_quarter": a.min_marks_per_quarter_at_1_hour,
        "min_half": a.min_marks_per_half_year_at_1_hour,
        "extra_per_hour": a.extra_marks_per_weekly_hour,
        "chronic_share": norms.attendance.chronic_absence_share,
        "half_kinds": list(HALF_YEAR_KINDS),
    }


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


# Every rule yields: rule, school_id, teacher_id, class_id, subject_id, pupil_id, lesson_id,
# mark_id, period_id, event_date (the date the case is about), and a Russian detail.
_D = "strftime({}, '%d.%m.%Y')"
_T = "strftime({}, '%d.%m.%Y %H:%M')"

_RULE_SQL = {
    "mark_late": f"""
        with work_types as (
            select school_id, work_type_id, work_type_name,
                lower(work_type_id) in $written_types or lower(work_type_name) in $written_types as is_written
            from dim_work_type
        ),
        late as (
            select m.*, coalesce(w.is_written, false) as is_written, w.work_type_name
            from fct_mark as m
            left join work_types as w on w.school_id = m.school_id and w.work_type_id = m.work_type_id
            -- a cheap first cut on one column, then the norm of the work type
            where m.entry_delay_days > least($mark_days, $written_days)
        )
        select 'mark_late' as rule, school_id, teacher_id, class_id, subject_id, pupil_id, lesson_id, mark_id,
            period_id, lesson_date as event_date,
            format('Отметка {{}} ({{}}) за урок {{}} выставлена {{}} — через {{}} дн. (норма {{}} дн.)',
                mark_value, coalesce(work_type_name, work_type_id), {_D.format("lesson_date")},
                {_T.format("entered_at")}, entry_delay_days,
                case when is_written then $written_days else $mark_days end) as detail
        from late
        where entry_delay_days > case when is_written then $written_days else $mark_days end
    """,
    "lesson_late": f"""
        select 'lesson_late', l.school_id, l.teacher_id, l.class_id, l.subject_id, null, l.lesson_id, null,
            l.period_id, l.lesson_date,
            case when l.lesson_entered_at is null
                then format('Урок {{}} не записан', {_D.format("l.lesson_date")})
                else format('Урок {{}} записан {{}} — через {{}} дн. (норма {{}} дн.)', {_D.format("l.lesson_date")},
                    {_T.format("l.lesson_entered_at")}, l.lesson_entry_delay_days, $lesson_days) end
        from mart_lesson_entry as l
        where l.lesson_entered_at is null or l.lesson_entry_delay_days > $lesson_days
    """,
    "topic_missing": f"""
        select 'topic_missing', l.school_id, l.teacher_id, l.class_id, l.subject_id, null, l.lesson_id, null,
            l.period_id, l.lesson_date, format('Урок {{}}: тема не записана', {_D.format("l.lesson_date")})
        from mart_lesson_entry as l
        where l.topic is null
    """,
    "topic_not_a_topic": f"""
        select 'topic_not_a_topic', l.school_id, l.teacher_id, l.class_id, l.subject_id, null, l.lesson_id, null,
            l.period_id, l.lesson_date, format('Урок {{}}: вместо темы «{{}}»', {_D.format("l.lesson_date")}, l.topic)
        from mart_lesson_entry as l
        where regexp_matches(l.topic, $not_a_topic)
    """,
    "homework_missing": f"""
        select 'homework_missing', l.school_id, l.teacher_id, l.class_id, l.subject_id, null, l.lesson_id, null,
            l.period_id, l.lesson_date,
            format('Урок {{}}: домашнее задание не записано', {_D.format("l.lesson_date")})
        from mart_lesson_entry as l
        where l.homework is null and l.grade >= $hw_from_grade
            and lower(l.subject_id) not in $hw_exempt and lower(coalesce(l.subject_name, '')) not in $hw_exempt
    """,
    "homework_late": f"""
        with due as (
            select l.*,
                case when $hw_rule = 'hour' then cast(l.lesson_date as timestamp) + to_hours($hw_hour)
                    else cast(l.lesson_date as timestamp)
                        + to_minutes(coalesce(list_extract($lesson_ends,
                            least(l.class_last_lesson_number, len($lesson_ends))), 24 * 60 - 1))
                        + to_hours($hw_after_hours)
                end as due_at
            from mart_lesson_entry as l
            where l.homework is not null
        )
        select 'homework_late', school_id, teacher_id, class_id, subject_id, null, lesson_id, null, period_id,
            lesson_date, format('Урок {{}}: домашнее задание записано {{}} (срок — {{}})',
                {_D.format("lesson_date")}, coalesce({_T.format("homework_entered_at")}, '—'), {_T.format("due_at")})
        from due
        where homework_entered_at is null or homework_entered_at > due_at
    """,
    "period_mark_outside_window": f"""
        select 'period_mark_outside_window', pm.school_id, pm.entered_by, pm.class_id, pm.subject_id, pm.pupil_id,
            null, null, pm.period_id, cast(pm.entered_at as date),
            format('Отметка за период «{{}}» выставлена {{}}; окно — с {{}} по {{}}', pm.mark_value,
                {_T.format("pm.entered_at")}, {_D.format("p.end_date - to_days($pm_before)")},
                {_D.format("p.end_date + to_days($pm_after)")})
        from fct_period_mark as pm
        join dim_period as p on p.school_id = pm.school_id and p.period_id = pm.period_id
        where pm.mark_kind_code = 'period'
            and (pm.entry_offset_days < -$pm_before or pm.entry_offset_days > $pm_after)
    """,
    "change_after_period_closed": f"""
        select 'change_after_period_closed', c.school_id, c.changed_by, c.class_id, c.subject_id, c.pupil_id,
            c.lesson_id, c.mark_id, c.period_id, cast(c.changed_at as date),
            format('Отметка за урок {{}} изменена {{}} ({{}} → {{}}) после закрытия периода (окончание {{}} + {{}} дн.)',
                {_D.format("c.lesson_date")}, {_T.format("c.changed_at")}, coalesce(c.old_value, ''),
                coalesce(c.new_value, ''), {_D.format("p.end_date")}, $pm_after)
        from fct_mark_change as c
        join dim_period as p on p.school_id = c.school_id and p.period_id = c.period_id
        where date_diff('day', p.end_date, cast(c.changed_at as date)) > $pm_after
    """,
    "change_after_edit_window": f"""
        select 'change_after_edit_window', c.school_id, c.changed_by, c.class_id, c.subject_id, c.pupil_id,
            c.lesson_id, c.mark_id, c.period_id, cast(c.changed_at as date),
            format('Отметка за урок {{}} изменена {{}} ({{}} → {{}}) через {{}} дн. после урока (окно {{}} дн.)',
                {_D.format("c.lesson_date")}, {_T.format("c.changed_at")}, coalesce(c.old_value, ''),
                coalesce(c.new_value, ''), c.days_after_lesson, $edit_window)
        from fct_mark_change as c
        where c.days_after_lesson > $edit_window
    """,
    "too_few_marks": """
        with judged as (
            select r.*,
                case when r.period_kind_code in $half_kinds then $min_half else $min_quarter end
                    + $extra_per_hour * greatest(cast(ceil(r.weekly_hours) as integer) - 1, 0) as n_required
            from mart_attestation_roster as r
            where r.is_whole_period
        )
        select 'too_few_marks', school_id, teacher_id, class_id, subject_id, pupil_id, null, null, period_id,
            period_end, format('Отметок за период: {} (минимум {})', n_marks, n_required)
        from judged
        where n_marks < n_required
    """,
    "chronic_absence": """
        with per_period as (
            select school_id, pupil_id, period_id, sum(n_lessons) as n_lessons, sum(n_missed) as n_missed,
                arg_max(class_id, lesson_date) as class_id, max(lesson_date) as last_date
            from mart_attendance_day
            where period_id is not null
            group by school_id, pupil_id, period_id
        )
        select 'chronic_absence', a.school_id, c.class_teacher_id, a.class_id, null, a.pupil_id, null, null,
            a.period_id, a.last_date,
            format('Пропущено {} из {} уроков ({},{} %)', a.n_missed, a.n_lessons,
                -- the share in tenths of a per cent, half up on the exact quotient (ejournal.formatting)
                (2000 * a.n_missed + a.n_lessons) // (2 * a.n_lessons) // 10,
                (2000 * a.n_missed + a.n_lessons) // (2 * a.n_lessons) % 10)
        from per_period as a
        join dim_class as c on c.school_id = a.school_id and c.class_id = a.class_id
        where a.n_missed >= $chronic_share * a.n_lessons - 1e-9
    """,
}

VIOLATION_COLUMNS = [
    "rule",
    "school_id",
    "teacher_id",
    "class_id",
    "subject_id",
    "pupil_id",
    "lesson_id",
    "mark_id",
    "period_id",
    "event_date",
    "detail",
]


def _used(sql: str, params: dict) -> dict:
    """Only the parameters the SQL names (DuckDB refuses unused named parameters)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _scope_filter(viewer: Viewer, alias: str = "v", columns: frozenset[str] = frozenset()) -> tuple[str, dict]:
    """A WHERE fragment keeping the rows the viewer may see, and the filters.

    A row is visible when its class and subject are in the viewer's scope; where the scope is a
    subgroup (a teacher of one subgroup), a row's subgroup, or its lesson's subgroup, must be that
    one; and a row about a pupil needs the pupil on a roster the viewer sees.
    """
    scope, params = scope_sql(viewer)
    pupils, _ = visible_pupils_sql(viewer)
    a = alias
    if viewer.role is Role.DEPUTY:
        # The deputy director sees every class, subject and pupil of the school: no per-row test.
        scope_rule = f"($school_id is null or {a}.school_id = $school_id)"
        return _filters_sql(a, scope_rule), {"school_id": viewer.school_id}
    if "group_id" in columns:
        group_rule = f"s.group_id is null or {a}.group_id = s.group_id"
    elif "lesson_id" in columns:
        group_rule = (
            f"s.group_id is null or {a}.lesson_id is null or exists (select 1 from fct_lesson as sl "
            f"where sl.school_id = {a}.school_id and sl.lesson_id = {a}.lesson_id and sl.group_id = s.group_id)"
        )
    else:
        group_rule = "true"
    pupil_rule = "true"
    if "pupil_id" in columns:
        pupil_rule = f"""{a}.pupil_id is null or exists (
            select 1 from ({pupils}) as vp
            where vp.school_id = {a}.school_id and vp.class_id = {a}.class_id and vp.pupil_id = {a}.pupil_id
                and ({a}.subject_id is null or vp.subject_id = {a}.subject_id))"""
    scope_rule = f"""
        exists (
            select 1 from ({scope}) as s
            where s.school_id = {a}.school_id and s.class_id = {a}.class_id
                and ({a}.subject_id is null or s.subject_id = {a}.subject_id)
                and ({group_rule})
        )
        and ({pupil_rule})"""
    return _filters_sql(a, scope_rule), params


def _filters_sql(a: str, scope_rule: str) -> str:
    return f"""
        {scope_rule}
        and ($f_class is null or {a}.class_id = $f_class)
        and ($f_subject is null or {a}.subject_id = $f_subject)
        and ($f_teacher is null or {a}.teacher_id = $f_teacher)
        and ($f_period is null or {a}.period_id = $f_period)
        and {span_condition(a)}
        and ($f_from is null or {a}.event_date >= $f_from)
        and ($f_to is null or {a}.event_date <= $f_to)
        and ($f_grade is null or exists (select 1 from dim_class as fc
            where fc.school_id = {a}.school_id and fc.class_id = {a}.class_id and fc.grade = $f_grade))
        and ($f_year is null or exists (select 1 from dim_class as fy
            where fy.school_id = {a}.school_id and fy.class_id = {a}.class_id
                and fy.academic_year_id = $f_year))
    """


def violations(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    norms: Norms,
    filters: Filters | None = None,
    rules: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Every case breaking a journal-keeping norm the viewer may see (columns: VIOLATION_COLUMNS)."""
    if not viewer.sees_pupils:
        return pl.DataFrame(schema=dict.fromkeys(VIOLATION_COLUMNS, pl.String))
    filters = filters or Filters()
    where, scope_params = _scope_filter(viewer, "v", frozenset({"pupil_id", "lesson_id"}))
    bodies = " union all ".join(f"select * from ({_RULE_SQL[code]})" for code in rules or tuple(_RULE_SQL))
    sql = f"""
        with v as (
            select * replace (cast(event_date as date) as event_date)
            from ({bodies}) as r({", ".join(VIOLATION_COLUMNS)})
            where r.school_id is not null
        )
        select * from v where {where}
        order by rule, event_date, class_id, subject_id, pupil_id, lesson_id
    """
    params = {**_norm_params(norms), **scope_params, **filters.params()}
    return query.frame(con, sql, _used(sql, params), whole_decimals_as_int=True)


TEACHER_CASE_COLUMNS = [c for c in VIOLATION_COLUMNS if c not in ("pupil_id", "mark_id", "detail")]
STAFF_ROLES = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.TEACHER})


def teacher_cases(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    norms: Norms,
    filters: Filters | None = None,
    rules: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """The cases of :func:`violations` as facts about staff work, for documents about teachers
    («Анализ ведения журнала», 001 §4.2); columns: TEACHER_CASE_COLUMNS, nothing that points at a
    pupil (no pupil, mark or detail).

    The deputy director and the director see every teacher of the school; a teacher sees only the
    cases attributed to them, wherever they taught (a substitution lesson included); other roles
    see nothing.
    """
    if viewer.role not in STAFF_ROLES or (viewer.role is Role.TEACHER and not viewer.teacher_id):
        return pl.DataFrame(schema=dict.fromkeys(TEACHER_CASE_COLUMNS, pl.String))
    filters = filters or Filters()
    if viewer.role is Role.TEACHER:
        filters = replace(filters, teacher_id=viewer.teacher_id)
    whole_school = Viewer(viewer.login, Role.DEPUTY, viewer.school_id)
    return violations(con, whole_school, norms, filters, rules).select(TEACHER_CASE_COLUMNS)
