"""«Сетевой город. Образование» (IRTech): saved WebAPI and mobile API responses and the HTML
report «Отчёт об успеваемости и посещаемости ученика», in one folder (or zip).

Each JSON file is recognised by its shape, not its name (field mapping: docs/importers.md):
- ``context`` (``productName``/``organizationName``, ``schoolyear``) and ``context/years``;
- ``grade/assignment/types`` (``[{id, name, abbr}]``): type ids differ between servers, so a mark's
  ``typeId`` is only ever looked up here, never assumed;
- ``student/diary/init`` (``students[{studentId, nickName, className}]``);
- the web diary week (``weekStart``, ``weekDays[].lessons[].assignments[]`` with ``typeId``,
  ``weight``, ``mark{mark, dutyMark, studentId}``) and assignment details (``id``,
  ``assignmentName``, ``weight``, ``date``, ``teacher{id, name}``);
- the mobile API (``assignments[]``: ``assignmentTypeName``, ``weight``, ``result``,
  ``resultDate`` = when the mark was entered, ``assignmentDate``/``dueDate`` = the lesson date;
  ``lessons[]``: ``lessonTheme``, ``attendance``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from pipelines.importers.absences import map_absence_code
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER, UNKNOWN_TEACHER_ID, CanonicalTables, export_row
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.dates import academic_year_of, file_timestamp, fmt_date, fmt_datetime, parse_datetime
from pipelines.importers.ids import source_id, stable_id
from pipelines.importers.marks import canonical_period_mark, resolve_mark
from pipelines.importers.names import class_grade, normalise_name, split_full_name
from pipelines.importers.netschool import fields as known_fields
from pipelines.importers.netschool.collected import (
    Collected,
    Lesson,
    Mark,
    Total,
    absence_code,
    first_teacher,
    given_weight,
    named_ref,
    request_pupil,
    shape_of,
)
from pipelines.importers.netschool.mobile import mobile_kind, read_mobile
from pipelines.importers.netschool.report import Report, is_report, read_report
from pipelines.importers.notes import Notes
from pipelines.importers.periods import period_id
from pipelines.importers.reading import PAGE_SUFFIXES, field_of, read_json_file
from pipelines.importers.subjects import SubjectCatalogue, load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

TITLE = "Сетевой город. Образование"
NO_WORK_TYPE = "Вид работы не указан"
EXPECTED_RESPONSES = (
    "неделя дневника (weekDays), context, context/years, grade/assignment/types, student/diary/init,"
    " детали задания (id, assignmentName) или массив мобильного API (classmeetings, assignments, students,"
    " education)"
)
SERVER_WEIGHT_SCALE = 10  # new servers weigh marks 10, 20, 40…: the warehouse's weights are 1, 2, 4…


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", *PAGE_SUFFIXES))


class NetschoolImporter:
    name = "netschool"
    title = TITLE

    def detect(self, path: Path) -> bool:
        keys = (
            '"weekDays"',
            '"assignmentTypeName"',
            "Сетевой Город",
            '"lessonTheme"',
            '"classmeetingId"',
            '"termTotals"',
        )
        for file in _files(path)[:50]:
            if file.suffix.lower() in PAGE_SUFFIXES:
                if is_report(file):
                    return True
                continue
            head = file.read_bytes()[:20_000].decode("utf-8", errors="ignore")
            if any(k in head for k in keys):
                return True
        return False

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = _files(path)
        if not files:
            raise ExportRefused(path.name, None, None, "нет файлов JSON или HTML «Сетевого города»")
        notes = Notes()
        data = Collected()
        for file in files:
            if file.suffix.lower() in PAGE_SUFFIXES:
                if not is_report(file):
                    notes.add(file.name, "", "", None, "страница HTML не похожа на отчёт «Сетевого города»: пропущена")
                    continue
                data.reports.append(read_report(file, notes))
            else:
                _classify(file, read_json_file(file), data, notes)
        _context_pupil(data)
        for file, diary in data.diaries:  # after the types are known, whatever the file order
            _read_diary(file, diary, data, notes)
        # After the pupils are known (the API does not name them); lessons before the marks made in them.
        for file, kind, items, prefix in sorted(data.mobile, key=lambda m: m[1] != "lessons"):
            read_mobile(file, kind, items, prefix, data, notes)
        if data.n_duty:
            notes.add("", "", "dutyMark", data.n_duty, f"просроченных заданий (dutyMark) без отметки: {data.n_duty}")
        _build(data, context, notes, max(file_timestamp(f) for f in files)).write(out_dir)
        return notes


# --- reading JSON ------------------------------------------------------------------------------


def _classify(file: Path, doc: Any, data: Collected, notes: Notes) -> None:
    name = file.name
    if isinstance(doc, dict) and "weekDays" in doc:
        data.diaries.append((file, doc))
    elif isinstance(doc, dict) and ("productName" in doc or "schoolyear" in doc):
        _read_context(doc, name, data, notes)
    elif isinstance(doc, dict) and "students" in doc:
        _read_init(doc, name, data, notes)
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "globalYear" in x for x in doc):
        data.years = doc
        for i, year in enumerate(doc):
            _check_year(year, name, f"[{i}]", notes)
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "abbr" in x for x in doc):
        _read_types(doc, name, data, notes)
    elif isinstance(doc, dict) and ("assignments" in doc or "lessons" in doc):
        _mobile_object(file, doc, data, notes)
    elif isinstance(doc, list) and (kind := mobile_kind(doc)) is not None:
        if kind in ("lessons", "assignments", "totals"):  # read after the pupils are known
            data.mobile.append((file, kind, doc, ""))
        else:
            read_mobile(file, kind, doc, "", data, notes)
    elif _is_details(doc):
        _read_details(doc, name, data, notes)
    else:
        found = shape_of(doc)
        data.unrecognised.append((name, found))
        notes.add(
            name,
            "корень файла",
            "",
            None,
            f"файл JSON не распознан как ответ «Сетевого города»: ожидается {EXPECTED_RESPONSES}, а найден {found};"
            " пропущен",
        )


def _read_context(doc: dict, name: str, data: Collected, notes: Notes) -> None:
    data.context = doc
    notes.unknown_fields(doc, known_fields.CONTEXT_FIELDS, name, "")
    for ref in ("user", "organization"):
        notes.unknown_fields(doc.get(ref), known_fields.REF_FIELDS, name, ref)
    _check_year(doc.get("schoolyear"), name, "schoolyear", notes)


def _context_pupil(data: Collected) -> None:
    """A pupil's own account: its context names the pupil (``user``) the mobile API was asked about,
    when no response about pupils (``student/diary/init``, mobile ``students``) does."""
    ctx = data.context or {}
    roles = ctx.get("roles") if isinstance(ctx.get("roles"), list) else []
    pupil = named_ref(ctx.get("user"))
    if not data.students and "Student" in roles and pupil is not None:
        data.students.setdefault(str(pupil[0]), {"name": pupil[1], "class": None})


def _read_init(doc: dict, name: str, data: Collected, notes: Notes) -> None:
    notes.unknown_fields(doc, known_fields.INIT_FIELDS, name, "")
    for i, s in enumerate(field_of(doc, "students", "list", name, "")):
        where = f"students[{i}]"
        notes.unknown_fields(s, known_fields.INIT_STUDENT_FIELDS, name, where)
        sid = str(field_of(s, "studentId", "integer", name, where))
        data.students[sid] = {
            "name": field_of(s, "nickName", "text", name, where),
            "class": field_of(s, "className", "text", name, where, required=False),
        }


def _read_types(doc: list, name: str, data: Collected, notes: Notes) -> None:
    data.types = data.types or {}
    for i, t in enumerate(doc):
        notes.unknown_fields(t, known_fields.TYPE_FIELDS, name, f"[{i}]")
        data.types[field_of(t, "id", "integer", name, f"[{i}]")] = field_of(t, "name", "text", name, f"[{i}]")


def _mobile_object(file: Path, doc: dict, data: Collected, notes: Notes) -> None:
    """The documented form of the mobile API: ``{"lessons": […], "assignments": […]}`` in one file."""
    notes.unknown_fields(doc, known_fields.MOBILE_FIELDS, file.name, "")
    for kind in ("lessons", "assignments"):
        items = field_of(doc, kind, "list", file.name, "", required=False) or []
        data.mobile.append((file, kind, items, kind))


def _read_details(doc: Any, name: str, data: Collected, notes: Notes) -> None:
    """Assignment details (``student/diary/assigns/{id}``): one object or a list of them."""
    for i, d in enumerate(doc if isinstance(doc, list) else [doc]):
        where = f"[{i}]" if isinstance(doc, list) else ""
        notes.unknown_fields(d, known_fields.DETAILS_FIELDS, name, where)
        data.details[str(field_of(d, "id", "integer", name, where))] = d
        given_weight(d, name, where)  # a weight that is not a number is refused here, naming this file
        teacher = field_of(d, "teacher", "object", name, where, required=False)
        notes.unknown_fields(teacher, known_fields.REF_FIELDS, name, f"{where}.teacher" if where else "teacher")
        for t, one in enumerate(field_of(d, "teachers", "list", name, where, required=False) or []):
            notes.unknown_fields(
                one, known_fields.REF_FIELDS, name, f"{where}.teachers[{t}]" if where else f"teachers[{t}]"
            )


def _check_year(year: Any, name: str, where: str, notes: Notes) -> None:
    """A school year of ``context`` or ``context/years``: report its unknown fields."""
    notes.unknown_fields(year, known_fields.YEAR_FIELDS, name, where)
    if isinstance(year, dict):
        notes.unknown_fields(year.get("globalYear"), known_fields.GLOBAL_YEAR_FIELDS, name, f"{where}.globalYear")


def _is_details(doc: Any) -> bool:
    items = doc if isinstance(doc, list) else [doc]
    return bool(items) and all(isinstance(d, dict) and "assignmentName" in d and "id" in d for d in items)


def _read_diary(file: Path, doc: dict, data: Collected, notes: Notes) -> None:
    name = file.name
    notes.unknown_fields(doc, known_fields.DIARY_FIELDS, name, "")
    class_name = field_of(doc, "className", "text", name, "", required=False)
    if class_name and class_name.strip():
        data.class_names.add(class_name.strip())
    for d, day in enumerate(field_of(doc, "weekDays", "list", name, "")):
        where_day = f"weekDays[{d}]"
        notes.unknown_fields(day, known_fields.DAY_FIELDS, name, where_day)
        date = parse_datetime(field_of(day, "date", "text", name, where_day), name, where_day, "date").date()
        for n, lesson in enumerate(field_of(day, "lessons", "list", name, where_day)):
            where = f"{where_day}.lessons[{n}]"
            notes.unknown_fields(lesson, known_fields.LESSON_FIELDS, name, where)
            subject = field_of(lesson, "subjectName", "text", name, where)
            number = field_of(lesson, "number", "integer", name, where)
            meeting = field_of(lesson, "classmeetingId", "integer", name, where, required=False)
            key = str(meeting) if meeting is not None else f"{subject}|{date}|{number}"
            data.lessons.setdefault(key, Lesson(key, date, number, subject, where, name))
            for a, item in enumerate(field_of(lesson, "assignments", "list", name, where, required=False) or []):
                _diary_assignment(item, f"{where}.assignments[{a}]", key, data, name, notes)


def _diary_assignment(item: Any, where: str, lesson_key: str, data: Collected, name: str, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.ASSIGNMENT_FIELDS, name, where)
    assignment_id = str(field_of(item, "id", "integer", name, where))
    type_name = _type_name(field_of(item, "typeId", "integer", name, where), data, name, where, notes)
    if normalise_name(type_name).startswith("домашн"):
        data.lessons[lesson_key].homework = field_of(item, "assignmentName", "text", name, where, required=False) or ""
    mark = field_of(item, "mark", "object", name, where, required=False)
    if mark is None:
        return
    notes.unknown_fields(mark, known_fields.MARK_FIELDS, name, f"{where}.mark")
    value = mark.get("mark")
    if value is None:
        if field_of(mark, "dutyMark", "bool", name, f"{where}.mark", required=False):
            data.n_duty += 1
        return
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ExportRefused(name, f"{where}.mark", "mark", f"ожидается отметка, а не «{value}»")
    student = request_pupil(mark, name, f"{where}.mark", data, "отметка недели дневника")
    if absence_code(value):  # «Н», «УП», «Б», «ОП» in the place of a mark: the pupil's attendance
        data.absences[(student, lesson_key)] = (value, f"{where}.mark", name)
        return
    key = f"{assignment_id}-{student}"
    previous = data.marks.get(key)
    data.marks[key] = Mark(
        key,
        lesson_key,
        student,
        value,
        type_name,
        given_weight(item, name, where),
        previous.entered if previous else None,
        where,
        name,
        assignment_id,
    )


def _type_name(type_id: int, data: Collected, name: str, where: str, notes: Notes) -> str:
    """The name of an assignment type: looked up in grade/assignment/types, never assumed from its id."""
    if data.types is None:  # the response was not saved: the type keeps its id, weights come from the norms
        label = f"Вид задания {type_id}"
        notes.add_once(
            f"type {type_id}",
            name,
            where,
            "typeId",
            type_id,
            f"нет ответа grade/assignment/types: вид задания {type_id} загружен как «{label}»"
            " (сохраните этот ответ, чтобы получить названия видов работ)",
        )
        return label
    if type_id not in data.types:
        raise ExportRefused(
            name, where, "typeId", f"вида задания {type_id} нет в grade/assignment/types: сохраните и этот ответ"
        )
    return data.types[type_id]


# --- building the canonical export ---------------------------------------------------------------


def _year(data: Collected, days: list[dt.date], name: str) -> dict[str, str]:
    candidates = list(data.years) + [e["year"] for e in data.education]
    if data.context and isinstance(data.context.get("schoolyear"), dict):
        candidates.append(data.context["schoolyear"])
    for year in candidates:
        start = parse_datetime(year.get("startDate"), name, "schoolyear", "startDate").date()
        end = parse_datetime(year.get("endDate"), name, "schoolyear", "endDate").date()
        if start <= min(days) and max(days) <= end:
            return {
                "academic_year_id": f"{start.year}/{start.year + 1}",
                "start_date": fmt_date(start),
                "end_date": fmt_date(end),
            }
    first = int(academic_year_of(min(days))[:4])
    if academic_year_of(max(days)) != f"{first}/{first + 1}":
        raise ExportRefused(name, None, None, "данные из разных учебных годов: загрузите каждый год отдельно")
    return {
        "academic_year_id": f"{first}/{first + 1}",
        "start_date": f"01.09.{first}",
        "end_date": f"31.08.{first + 1}",
    }


def _build(data: Collected, context: ImportContext, notes: Notes, exported: dt.datetime) -> CanonicalTables:
    tables = CanonicalTables()
    first_file = (data.reports[0].file_name if data.reports else "") or "данные"
    by_name = {normalise_name(s["name"]): sid for sid, s in data.students.items()}
    json_students = _named_pupils(data)
    days = [lesson.day for lesson in data.lessons.values()] + [c.day for r in data.reports for c in r.cells]
    days += [d for r in data.reports for d in (r.period_start, r.period_end)]
    days += [d for t in data.totals if t.period for d in t.period[2:]]
    if not days:
        _refuse_empty(data, first_file)
    year = _year(data, days, first_file)
    year_id = year["academic_year_id"]
    education = _education_of(data, year)
    ctx = data.context or {}
    school_id = context.school_id or source_id("sgo", ctx.get("schoolId", "school"))
    school_name = (
        context.school_name or ctx.get("organizationName") or education.get("school") or "Школа («Сетевой город»)"
    )
    class_name = _class_name(data, context, education, first_file)
    grade = class_grade(class_name)
    if grade is None:
        raise ExportRefused(first_file, None, "className", f"«{class_name}» — не класс вида «7А»")
    class_id = source_id("class", f"{year_id[:4]}-{class_name}")
    covers = (min(days), max(days))
    tables.add("export", export_row(school_id, TITLE, exported, *covers, kind="incremental"))
    tables.add(
        "school",
        {"school_id": school_id, "school_name": school_name, "short_name": school_name[:40], "region_id": "00"},
    )
    tables.add("academic_years", year)
    tables.add("teachers", UNKNOWN_TEACHER)
    tables.add("classes", {"class_id": class_id, "academic_year_id": year_id, "class_name": class_name, "grade": grade})
    catalogue = load_subject_catalogue()
    work_types = WorkTypes(context.norms, notes)

    pupil_ids: dict[str, str] = {}
    for sid, student in data.students.items():
        pupil_ids[normalise_name(student["name"])] = source_id("sgo-p", sid)
    for report in data.reports:
        pupil_ids.setdefault(normalise_name(report.pupil_name), stable_id("p", class_id, report.pupil_name))
    names = {normalise_name(s["name"]): s["name"] for s in data.students.values()}
    names.update({normalise_name(r.pupil_name): r.pupil_name for r in data.reports})
    for key, pupil_id in pupil_ids.items():
        tables.add("pupils", {"pupil_id": pupil_id, **split_full_name(names[key]), "has_consent": "нет"})
        tables.add("enrolments", {"pupil_id": pupil_id, "class_id": class_id, "start_date": year["start_date"]})
    notes.add(first_file, "", "согласие_пдн", None, "согласие на обработку ПДн неизвестно: записано «нет»")

    lesson_ids: dict[str, str] = {}
    teachers = _lesson_teachers(data, tables)
    for lesson in data.lessons.values():
        subject_id = catalogue.resolve(lesson.subject, notes, lesson.file_name, lesson.where)
        teacher_id = teachers[lesson.key]
        lesson_ids[lesson.key] = source_id("sgo-L", lesson.key) if lesson.key.isdigit() else stable_id("L", lesson.key)
        tables.add(
            "lessons",
            {
                "lesson_id": lesson_ids[lesson.key],
                "lesson_date": fmt_date(lesson.day),
                "lesson_number": lesson.number,
                "class_id": class_id,
                "subject_id": subject_id,
                "teacher_id": teacher_id,
                "topic": lesson.topic,
                "homework": lesson.homework,
            },
            (lesson.file_name, lesson.where),
        )
    n_no_time = 0
    divisor = _weight_divisor(data, notes)
    for mark in data.marks.values():
        lesson = data.lessons[mark.lesson_key]
        value = resolve_mark(mark.value, notes, mark.file_name, mark.where, "mark")
        if value is None:
            continue
        weight = _mark_weight(mark, data, divisor)
        # The type keeps the first weight met; each mark states its own weight (marks.weight).
        work_type = work_types.resolve(mark.type_name, mark.file_name, mark.where, weight=weight)
        entered = mark.entered
        if entered is None:
            n_no_time += 1
            entered = dt.datetime.combine(lesson.day, dt.time())
        tables.add(
            "marks",
            {
                "mark_id": source_id("sgo-M", mark.key),
                "pupil_id": source_id("sgo-p", mark.student),
                "lesson_id": lesson_ids[mark.lesson_key],
                "mark_value": value,
                "work_type_id": work_type,
                "weight": "" if weight is None else _num(weight),
                "entered_at": fmt_datetime(entered),
                "entered_by": teachers[mark.lesson_key],
            },
            (mark.file_name, mark.where),
        )
    if n_no_time:
        notes.add(
            "",
            "",
            "resultDate",
            n_no_time,
            f"у {n_no_time} отметок нет момента выставления (нет ответа мобильного API): записана дата урока",
        )
    for (student, meeting), (raw, where, file_name) in data.absences.items():
        code = map_absence_code(raw, notes, file_name, where, "attendance")
        if code is not None:
            tables.add(
                "attendance",
                {"pupil_id": source_id("sgo-p", student), "lesson_id": lesson_ids[meeting], "absence_code": code},
                (file_name, where),
            )
    _add_reports(data, tables, catalogue, work_types, notes, class_id, year_id, pupil_ids, json_students, by_name)
    _add_totals(data, tables, catalogue, notes, year)
    if not tables.get("periods"):
        notes.add(first_file, "", "периоды", None, "в данных нет учебных периодов: загрузите отчёт или periods.csv")
    tables.extend("subjects", catalogue.table())
    tables.extend("work_types", work_types.table())
    return tables


def _add_reports(data, tables, catalogue, work_types, notes, class_id, year_id, pupil_ids, json_students, by_name):
    for report in data.reports:
        pid = _report_period(report, year_id, tables)  # None: the report names no period and has no finals
        pupil_key = normalise_name(report.pupil_name)
        pupil_id = pupil_ids[pupil_key]
        has_json = by_name.get(pupil_key) in json_students
        for subject, (value, where) in report.finals.items():
            mark = canonical_period_mark(value)
            if mark is None:
                notes.add(report.file_name, where, "Итог", value, f"«{value}» — не итоговая отметка: не загружена")
                continue
            tables.add(
                "period_marks",
                {
                    "pupil_id": pupil_id,
                    "subject_id": catalogue.resolve(subject, notes, report.file_name, where),
                    "academic_year_id": year_id,
                    "mark_kind_code": "period",
                    "period_id": pid,
                    "mark_value": mark,
                    "entered_at": fmt_datetime(dt.datetime.combine(report.period_end, dt.time(12))),
                    "entered_by": UNKNOWN_TEACHER_ID,
                },
                (report.file_name, where),
            )
        if has_json:
            continue  # the JSON already brings this pupil's marks and attendance, with types and times
        counter: dict[tuple, int] = defaultdict(int)
        for cell in report.cells:
            origin = (report.file_name, cell.where)
            subject_id = catalogue.resolve(cell.subject, notes, report.file_name, cell.where)
            lesson_id = stable_id("L", class_id, subject_id, cell.day)
            tables.add(
                "lessons",
                {
                    "lesson_id": lesson_id,
                    "lesson_date": fmt_date(cell.day),
                    "lesson_number": 1,
                    "class_id": class_id,
                    "subject_id": subject_id,
                    "teacher_id": UNKNOWN_TEACHER_ID,
                },
                origin,
            )
            if cell.absence:
                absence = {"pupil_id": pupil_id, "lesson_id": lesson_id, "absence_code": cell.absence}
                tables.add("attendance", absence, origin)
            for value in cell.marks:
                counter[(subject_id, cell.day)] += 1
                tables.add(
                    "marks",
                    {
                        "mark_id": stable_id("M", pupil_id, subject_id, cell.day, counter[(subject_id, cell.day)]),
                        "pupil_id": pupil_id,
                        "lesson_id": lesson_id,
                        "mark_value": value,
                        "work_type_id": work_types.resolve(NO_WORK_TYPE, report.file_name, cell.where),
                        "entered_at": fmt_datetime(dt.datetime.combine(cell.day, dt.time())),
                        "entered_by": UNKNOWN_TEACHER_ID,
                    },
                    origin,
                )


def _add_totals(
    data: Collected, tables: CanonicalTables, catalogue: SubjectCatalogue, notes: Notes, year: dict[str, str]
) -> None:
    """Period marks of the mobile API's ``totals``: a term's mark goes to that term (a period with
    the term's dates), a year, exam or final mark to the year. The subject is named by ``subjects``."""
    year_id = year["academic_year_id"]
    for total in data.totals:
        subject = data.subject_names.get(total.subject_id)
        if subject is None:
            raise ExportRefused(
                total.file_name,
                total.where.rsplit(".", 1)[0],
                "subjectId",
                f"предмет {total.subject_id} не назван: ожидается ответ subjects (api/mobile/subjects) с этим id,"
                " а его нет — сохраните этот ответ",
            )
        mark = canonical_period_mark(total.value)
        if mark is None:
            notes.add(
                total.file_name,
                total.where,
                "mark",
                total.value,
                f"«{total.value}» — не итоговая отметка: не загружена",
            )
            continue
        pid, last_day = "", parse_datetime(year["end_date"], "", "", "end_date").date()
        if total.period is not None:
            pid, last_day = _term_period(total, year_id, tables, notes), total.period[3]
        tables.add(
            "period_marks",
            {
                "pupil_id": source_id("sgo-p", total.student),
                "subject_id": catalogue.resolve(subject, notes, total.file_name, total.where),
                "academic_year_id": year_id,
                "mark_kind_code": total.kind,
                "period_id": pid,
                "mark_value": mark,
                "entered_at": fmt_datetime(dt.datetime.combine(last_day, dt.time(12))),
                "entered_by": UNKNOWN_TEACHER_ID,
            },
            (total.file_name, total.where),
        )


def _term_period(total: Total, year_id: str, tables: CanonicalTables, notes: Notes) -> str:
    """The period of a term mark; a report's dates for the same period are kept, with a note."""
    number, kind, first, last = total.period
    pid = period_id(year_id, kind, number)
    row = {
        "period_id": pid,
        "academic_year_id": year_id,
        "period_kind_code": kind,
        "period_number": number,
        "period_name": f"{number} {_PERIOD_RU[kind]}",
        "start_date": fmt_date(first),
        "end_date": fmt_date(last),
    }
    stored = tables.add("periods", row)
    if (stored["start_date"], stored["end_date"]) != (row["start_date"], row["end_date"]):
        notes.add(
            total.file_name,
            f"{total.where}.term",
            "startDate",
            row["start_date"],
            f"даты периода «{row['period_name']}» в totals ({row['start_date']}–{row['end_date']}) расходятся с"
            f" отчётом ({stored['start_date']}–{stored['end_date']}): оставлены даты отчёта",
        )
    return pid


def _report_period(report: Report, year_id: str, tables: CanonicalTables) -> str | None:
    if report.period_kind is None or report.period_number is None:
        return None
    pid = period_id(year_id, report.period_kind, report.period_number)
    row = {
        "period_id": pid,
        "academic_year_id": year_id,
        "period_kind_code": report.period_kind,
        "period_number": report.period_number,
        "period_name": f"{report.period_number} {_PERIOD_RU[report.period_kind]}",
        "start_date": fmt_date(report.period_start),
        "end_date": fmt_date(report.period_end),
    }
    stored = tables.add("periods", row)
    if stored["start_date"] != row["start_date"] or stored["end_date"] != row["end_date"]:
        raise ExportRefused(
            report.file_name,
            "шапка отчёта",
            "Период",
            f"даты периода {row['start_date']}–{row['end_date']} расходятся с другим отчётом "
            f"({stored['start_date']}–{stored['end_date']}): сохраните отчёты за весь учебный период",
        )
    return pid


_PERIOD_RU = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}


def _lesson_teachers(data: Collected, tables: CanonicalTables) -> dict[str, str]:
    """The teacher of each lesson: the mobile lesson's ``teachers``, else the details of any of its
    assignments (``teacher`` or ``teachers``), else unknown."""
    found = dict(data.teachers)
    for mark in data.marks.values():
        detail = data.details.get(mark.assignment, {})
        teacher = named_ref(detail.get("teacher")) or first_teacher(detail.get("teachers"), mark.file_name, mark.where)
        if teacher is not None:
            found.setdefault(mark.lesson_key, teacher)
    teachers: dict[str, str] = defaultdict(lambda: UNKNOWN_TEACHER_ID)
    for lesson_key, (source, name) in found.items():
        teachers[lesson_key] = source_id("sgo-t", source)
        tables.add("teachers", {"teacher_id": teachers[lesson_key], **split_full_name(name), "position": "учитель"})
    return teachers


def _named_pupils(data: Collected) -> set[str]:
    """The pupils of the JSON marks and absences; each must be named by a response about pupils."""
    places = [(m.student, m.file_name, m.where) for m in data.marks.values()]
    places += [(student, file_name, where) for (student, _), (_, where, file_name) in data.absences.items()]
    for student, file_name, where in places:
        if student not in data.students:
            known = ", ".join(sorted(data.students)) or "ни одного"
            raise ExportRefused(
                file_name,
                where,
                "studentId",
                f"ученик {student} не назван: ожидается в student/diary/init (или context ученика, students"
                f" мобильного API), а там названы: {known} — сохраните и этот ответ",
            )
    return {student for student, _, _ in places}


def _refuse_empty(data: Collected, first_file: str) -> None:
    """Nothing to load: say which file was not understood, and what it holds, if one was not."""
    if data.unrecognised:
        file_name, found = data.unrecognised[0]
        raise ExportRefused(
            file_name, "корень файла", None, f"ожидается {EXPECTED_RESPONSES}, а найден {found}: данные не прочитаны"
        )
    raise ExportRefused(first_file, None, None, "в данных нет ни уроков, ни отметок")


def _education_of(data: Collected, year: dict[str, str]) -> dict:
    """The mobile ``education`` entry of the loaded school year (class and school), if any."""
    for entry in data.education:
        start = parse_datetime(entry["year"]["startDate"], "", "", "startDate").date()
        if fmt_date(start) == year["start_date"]:
            return entry
    return {}


def _class_name(data: Collected, context: ImportContext, education: dict, first_file: str) -> str:
    """The class: named by the pupils, the diary weeks, the mobile education or the reports; else --class."""
    class_names = {s["class"] for s in data.students.values() if s.get("class")} | data.class_names
    class_names |= {r.class_name for r in data.reports if r.class_name}
    if education.get("class"):
        class_names.add(education["class"])
    class_names = {_class_form(name) for name in class_names}
    class_name = class_names.pop() if len(class_names) == 1 else context.class_name
    if class_name is None:
        problem = f"в данных несколько классов ({', '.join(sorted(class_names))})" if class_names else "класс не указан"
        example = min((name for name in class_names if " " not in name), default="7А")
        raise ExportRefused(first_file, None, "className", f"{problem}: задайте класс, например --class {example}")
    return class_name


_CLASS_SPELLING = re.compile(r"[\s-]+")


def _class_form(name: str) -> str:
    """One written form of a class: servers write «5г» (a 2019 diary week), reports «5 Г» or «5-Г» —
    all are the class «5Г». A name that is not of the form «7А» is kept as written."""
    compact = _CLASS_SPELLING.sub("", name).upper()
    return compact if class_grade(compact) is not None else name.strip()


def _weight_divisor(data: Collected, notes: Notes) -> int:
    """1, or 10 when the server weighs marks 10, 20, 40… (new versions): the warehouse's weights are 1, 2, 4…

    One scale for the whole load: a weight of 10 or more is only possible on the server's scale,
    and then every weight of the load is on it (5 there is 0.5).
    """
    weights = [w for m in data.marks.values() if (w := _source_weight(m, data)) is not None]
    if not weights or max(weights) < SERVER_WEIGHT_SCALE:
        return 1
    notes.add(
        "",
        "",
        "weight",
        _num(max(weights)),
        f"веса отметок даны по шкале сервера (10, 20, 40…): разделены на {SERVER_WEIGHT_SCALE} (10 → 1, 20 → 2)",
    )
    return SERVER_WEIGHT_SCALE


def _source_weight(mark: Mark, data: Collected) -> float | None:
    """The weight the source gives a mark: the assignment details' over the diary's; 0 is «not given»."""
    detail = data.details.get(mark.assignment)
    weight = given_weight(detail, mark.file_name, mark.where) if detail else None
    return weight if weight is not None else mark.weight


def _mark_weight(mark: Mark, data: Collected, divisor: int) -> float | None:
    """A mark's weight on the warehouse's scale; None when no source gives one (the work type's then)."""
    weight = _source_weight(mark, data)
    return None if weight is None else weight / divisor


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
