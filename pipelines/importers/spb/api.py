"""«Электронный дневник» Санкт-Петербурга (dnevnik2.petersburgedu.ru): the parent's API answers.

A bundle (a folder, or a zip unpacked by the registry) holds the answers as the API sends them,
each in its envelope ``{"data": {"items": […], "current", "total_pages", …}, "validations", …}``:

- ``related-child-list.json`` — /api/journal/person/related-child-list: the children, each with
  ``educations[]`` (education_id, the class ``group_id``/``group_name`` «7 д», the school
  ``institution_id``/``institution_name``);
- ``get-list-period.json`` — /api/group/group/get-list-period: the class's study periods
  (``name`` «1 четверть», ``date_from``/``date_to`` ДД.ММ.ГГГГ);
- ``<education_id>/list-by-education*.json`` — /api/journal/lesson/list-by-education, one file per
  page: lessons (``identity.id``, ``number``, ``datetime_from``/``datetime_to``, subject, topic
  ``content_name``, homework ``tasks[]``) with the pupil's ``estimates[]`` — marks and, under
  ``estimate_type_code`` 30000 «Посещаемость», absences (494 «уважительная», 496 «по болезни»).
  The answer does not say whose diary it is (the pupil is in the request), so the folder names the
  education; with a single education the pages may lie beside the other files;
- ``<education_id>/estimate-table*.json`` (optional) — /api/journal/estimate/table, one file per
  page: the pupil's marks, absences and period marks («Четвертная», «Годовая», «Итоговая») with
  their ids and dates (estimates.py says how they are matched with the lessons' own).

The API gives no teachers, no mark weights and no entry times: lessons and marks are recorded for
«Не указан Учитель», weights come from the school's work-type norms, and a mark counts as entered
when its lesson ended; each of these is said once as a note. Field mapping: docs/importers.md,
section «Электронный дневник Санкт-Петербурга».
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

from pipelines.importers.api_draft import Draft
from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER, UNKNOWN_TEACHER_ID
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.names import class_grade
from pipelines.importers.reading import read_json_file
from pipelines.importers.spb.estimates import Diary, read_lesson_estimates, read_table_item
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

CHILDREN, PERIODS = "related-child-list.json", "get-list-period.json"
LESSON_PAGES = re.compile(r"^list-by-education.*\.json$", re.IGNORECASE)
TABLE_PAGES = re.compile(r"^estimate[-_]table.*\.json$", re.IGNORECASE)
SAINT_PETERSBURG = "78"
LESSONS_ANSWER = "ответа с уроками ({} уроков)"
TABLE_ANSWER = "ответа с отметками estimate/table ({} записей)"
WHOLE_YEAR = re.compile(r"(?<!полу)год")  # «Учебный год», not «1 полугодие»
ENVELOPE = {"data", "validations", "messages", "debug"}
PAGING = {"items", "before", "current", "last", "next", "total_pages", "total_items"}
CHILD_FIELDS = {"identity", "firstname", "surname", "middlename", "hash_uid", "action_payload", "educations"}
EDUCATION_FIELDS = {"education_id", "group_id", "group_name", "institution_id", "institution_name"}
EDUCATION_FIELDS |= {"jurisdiction_id", "jurisdiction_name", "push_subscribe", "is_active", "distance_education"}
EDUCATION_FIELDS |= {"distance_education_updated_at", "parent_firstname", "parent_surname", "parent_middlename"}
EDUCATION_FIELDS |= {"parent_email"}
PERIOD_FIELDS = {"identity", "entity_state", "name", "parent", "date_from", "date_to", "education_period"}
LESSON_FIELDS = {"identity", "number", "datetime_from", "datetime_to", "subject_id", "subject_name", "content_name"}
LESSON_FIELDS |= {"content_description", "content_additional_material", "tasks", "estimates", "action_payload"}
TASK_FIELDS = {"task_name", "task_code", "task_kind_code", "task_kind_name", "files"}


class SpbImporter:
    name = "spb"
    title = "Электронный дневник Санкт-Петербурга"

    def detect(self, path: Path) -> bool:
        return CHILDREN in bundle_names(path)

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        answers = read_bundle(path, (PERIODS, CHILDREN))
        notes = PayloadNotes()
        draft = Draft("Электронный дневник СПб", CHILDREN, notes, WorkTypes(context.norms, notes))
        periods = _items(answers[PERIODS], notes)
        parents = {p.get("parent", "id", required=False) for p in periods} - {None}
        for period in periods:
            _read_period(period, parents, draft)
        if not draft.periods:
            raise ExportRefused(PERIODS, "data.items", None, "нет ни одного учебного периода")
        educations = _educations(answers[CHILDREN], notes)
        lesson_pages = _pupils_pages(_pages(path, LESSON_PAGES), educations)
        table_pages = _pupils_pages(_pages(path, TABLE_PAGES), educations)
        if not lesson_pages and not table_pages:
            raise ExportRefused(
                path.name,
                None,
                None,
                "нет ни одного ответа с уроками или отметками "
                "(list-by-education*.json, estimate-table*.json, в папке ученика)",
            )
        pupils = _add_pupils(educations, {*lesson_pages, *table_pages}, draft, context)
        diary = Diary()
        for education_id, page_files in lesson_pages.items():
            _read_lesson_pages(path, page_files, education_id, pupils[education_id], diary, draft)
        for education_id, page_files in table_pages.items():
            _read_table_pages(path, page_files, education_id, pupils[education_id], diary, draft)
        draft.write(out_dir, bundle_moment([p for p in path.rglob("*.json") if p.is_file()]))
        return list(notes)


def _read_lesson_pages(
    root: Path, files: list[Path], education_id: str, pupil_id: str, diary: Diary, draft: Draft
) -> None:
    pages, seen = _read_pages(root, files, draft.notes)
    for _, lessons in pages:
        for lesson in lessons:
            _read_lesson(lesson, pupil_id, diary, draft)
    _missing_pages(education_id, seen, LESSONS_ANSWER, draft)


def _read_table_pages(
    root: Path, files: list[Path], education_id: str, pupil_id: str, diary: Diary, draft: Draft
) -> None:
    """The pages of estimate/table, after all lesson pages (their items are matched against them)."""
    pages, seen = _read_pages(root, files, draft.notes)
    for file_name, items in pages:
        lost = [item for item in items if not read_table_item(item, pupil_id, education_id, diary, draft)]
        _lost_lessons(file_name, lost, draft)
    _missing_pages(education_id, seen, TABLE_ANSWER, draft)


def _name(root: Path, file: Path) -> str:
    return file.relative_to(root).as_posix()


def _items(answer: Payload, notes: PayloadNotes, seen: dict | None = None) -> list[Payload]:
    """The items of an answer's envelope; ``seen`` collects the page numbers of each answer, keyed
    by (pages in all, items in all): a file is one page of one answer."""
    answer.expect("object")
    notes.unknown(answer, ENVELOPE)
    _server_error(answer)
    data = answer.child("data")
    notes.unknown(data, PAGING)
    if seen is not None:
        answer_key = (
            data.get("total_pages", "int", required=False) or 1,
            data.get("total_items", "int", required=False) or 0,
        )
        seen[answer_key].add(data.get("current", "int", required=False) or 1)
    return data.items("items")


def _server_error(answer: Payload) -> None:
    """An answer without ``data`` whose ``validations`` say why (an expired X-JWT-Token, a wrong
    parameter) is refused with the server's own words."""
    if answer.has("data"):
        return
    reasons = [
        v.get("message", "str", required=False) or ""
        for v in answer.items("validations", required=False)
        if isinstance(v.value, dict)
    ]
    if any(reasons):
        raise ExportRefused(
            answer.file_name, "validations", "message", f"сервер ответил ошибкой: {'; '.join(r for r in reasons if r)}"
        )


def _pages(path: Path, pattern: re.Pattern) -> dict[str, list[Path]]:
    """{education_id: its pages of one answer}: a folder per education, or pages at the top ("")."""
    pages: dict[str, list[Path]] = {}
    top = sorted(p for p in path.iterdir() if p.is_file() and pattern.match(p.name))
    if top:
        pages[""] = top
    for folder in sorted(p for p in path.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.is_file() and pattern.match(p.name))
        if files:
            pages[folder.name] = files
    return pages


def _read_pages(
    root: Path, files: list[Path], notes: PayloadNotes
) -> tuple[list[tuple[str, list[Payload]]], dict[tuple[int, int], set[int]]]:
    """([(file name, its items)], the page numbers seen of each answer: see ``_items``)."""
    seen: dict[tuple[int, int], set[int]] = collections.defaultdict(set)
    answers = []
    for file in files:
        answer = Payload(read_json_file(file, allow_comments=False), _name(root, file), "")
        answers.append((answer.file_name, _items(answer, notes, seen)))
    return answers, seen


def _educations(node: Payload, notes: PayloadNotes) -> dict[str, tuple[Payload, Payload]]:
    """{education_id: (the child, the education)} of the children list."""
    educations: dict[str, tuple[Payload, Payload]] = {}
    for child in _items(node, notes):
        notes.unknown(child, CHILD_FIELDS)
        for education in child.items("educations"):
            notes.unknown(education, EDUCATION_FIELDS)
            educations[education.get("education_id", "id")] = (child, education)
    if not educations:
        raise ExportRefused(CHILDREN, "data.items", "educations", "нет ни одного ученика")
    return educations


def _pupils_pages(pages: dict[str, list[Path]], educations: dict[str, tuple]) -> dict[str, list[Path]]:
    """{education_id: its lesson pages}; pages at the top belong to the only education, else refused."""
    pages = dict(pages)
    if "" in pages:
        if len(educations) > 1:
            raise ExportRefused(
                pages[""][0].name,
                None,
                None,
                "в ответе уроков не сказано, чей это дневник, а учеников несколько: положите страницы каждого "
                f"в папку с его education_id ({', '.join(sorted(educations))})",
            )
        pages[next(iter(educations))] = pages.pop("")
    unknown = sorted(set(pages) - set(educations))
    if unknown:
        raise ExportRefused(f"{unknown[0]}/", None, "education_id", f"обучения {unknown[0]} нет в {CHILDREN}")
    return pages


def _add_pupils(
    educations: dict[str, tuple[Payload, Payload]], with_pages: set[str], draft: Draft, context: ImportContext
) -> dict[str, str]:
    """Register the pupils whose diaries the bundle holds (with their school and class); {education_id: pupil_id}.
    A child without pages is left out with a note."""
    first = min(r["start_date"] for r in draft.periods.values())
    first_year = first.year if first.month >= 9 else first.year - 1
    found = {}
    for education_id, (child, education) in educations.items():
        if education_id not in with_pages:
            draft.notes.at(
                education, "education_id", education_id, "в выгрузке нет ни уроков, ни отметок ученика: не загружен"
            )
            continue
        _add_school(education, draft, context)
        class_id = _add_class(education, draft, first_year)
        pupil_id = source_id("p", education_id)
        draft.pupils[pupil_id] = {
            "pupil_id": pupil_id,
            "last_name": child.get("surname", "str"),
            "first_name": child.get("firstname", "str"),
            "middle_name": child.get("middlename", "str", required=False),
            "has_consent": False,
        }
        draft.pupil_class[pupil_id] = class_id
        found[education_id] = pupil_id
    return found


def _add_school(education: Payload, draft: Draft, context: ImportContext) -> None:
    school_id = source_id("s", education.get("institution_id", "id"))
    if draft.school and draft.school["school_id"] != school_id:
        raise ExportRefused(
            education.file_name, education.path, "institution_id", "ученики разных школ в одной выгрузке"
        )
    name = education.get("institution_name", "str")
    draft.school = {
        "school_id": school_id,
        "school_name": name,
        "short_name": name,
        "region_id": str(context.extra.get("region_id") or SAINT_PETERSBURG),
    }


def _add_class(education: Payload, draft: Draft, first_year: int) -> str:
    """«7 д» → «7Д»; the class id is the year and the name, as every API importer builds it."""
    group_name = education.get("group_name", "str")
    grade = class_grade(group_name)
    if grade is None:
        raise ExportRefused(
            education.file_name, education.path, "group_name", f"«{group_name}» — не класс с параллелью 1–11"
        )
    class_name = re.sub(r"[\s\-«»\"]", "", group_name).upper()
    class_id = slug_id(f"{first_year}-{class_name}")
    draft.classes.setdefault(class_id, {"class_id": class_id, "class_name": class_name, "grade": grade})
    return class_id


def _read_period(period: Payload, parents: set[str], draft: Draft) -> None:
    """A study period; the whole year («Учебный год», or the root parent of the others) is the
    academic year itself, not a period."""
    draft.notes.unknown(period, PERIOD_FIELDS)
    name = period.get("name", "str")
    is_root = period.get("parent", "id", required=False) is None
    if WHOLE_YEAR.search(name.lower()) or (is_root and period.child("identity").get("id", "id") in parents):
        return
    draft.add_period(period, name, period.get("date_from", "date"), period.get("date_to", "date"))


def _read_lesson(lesson: Payload, pupil_id: str, diary: Diary, draft: Draft) -> None:
    draft.notes.unknown(lesson, LESSON_FIELDS)
    lesson_id = source_id("l", lesson.child("identity").get("id", "id"))
    number = lesson.get("number", "int")
    if not 0 <= number <= 12:
        raise ExportRefused(lesson.file_name, lesson.path, "number", f"номер урока {number} вне 0–12")
    start, end = lesson.get("datetime_from", "datetime"), lesson.get("datetime_to", "datetime")
    if end < start:
        raise ExportRefused(lesson.file_name, lesson.path, "datetime_to", "урок кончается раньше, чем начинается")
    draft.teachers.setdefault(UNKNOWN_TEACHER_ID, dict(UNKNOWN_TEACHER))
    draft.notes.at(
        lesson, "teacher", None, "учитель урока в ответах не передаётся: записан «Не указан Учитель»", once="teacher"
    )
    homework = []
    for task in lesson.items("tasks", required=False):
        draft.notes.unknown(task, TASK_FIELDS)
        kind = task.get("task_kind_code", "str", required=False)
        if kind not in (None, "homework"):
            draft.notes.at(task, "task_kind_code", kind, f"задание вида «{kind}» — не домашнее: не загружено")
            continue
        homework.append(task.get("task_name", "str", required=False) or "")
    row = {
        "lesson_id": lesson_id,
        "lesson_date": start.date(),
        "lesson_number": number,
        "class_id": draft.pupil_class[pupil_id],
        "subject_id": draft.add_subject(lesson.get("subject_name", "str"), lesson, "subject_name"),
        "teacher_id": UNKNOWN_TEACHER_ID,
        "topic": lesson.get("content_name", "str", required=False),
        "homework": "; ".join(text for text in homework if text) or None,
        "homework_entered_at": None,
    }
    draft.add_lesson(lesson, row)
    draft.saw_lesson(pupil_id, lesson_id)
    diary.lesson_ends[lesson_id] = end
    read_lesson_estimates(lesson, pupil_id, lesson_id, diary, draft)


def _missing_pages(education_id: str, seen: dict[tuple[int, int], set[int]], answer: str, draft: Draft) -> None:
    """Pages an answer announces (total_pages) but the bundle lacks: what they hold is not loaded."""
    for (total, n_items), pages in sorted(seen.items()):
        missing = [str(n) for n in range(1, total + 1) if n not in pages]
        if missing:
            draft.notes.add(
                f"{education_id}/",
                "data.total_pages",
                "current",
                total,
                f"нет страниц {', '.join(missing)} из {total} {answer.format(n_items)}: они не загружены",
            )


def _lost_lessons(file_name: str, lost: list[Payload], draft: Draft) -> None:
    """Marks and absences of estimate/table whose lessons the bundle lacks: one note per file."""
    if lost:
        lessons = sorted({item.get("lesson_id", "id", required=False) or "null" for item in lost})
        draft.notes.add(
            file_name,
            lost[0].path,
            "lesson_id",
            ", ".join(lessons[:5]) + (" …" if len(lessons) > 5 else ""),
            f"не загружено отметок и пропусков: {len(lost)} — их уроков нет в ответах с уроками "
            "(сохраните страницы уроков за эти дни)",
        )
