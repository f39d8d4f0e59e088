"""МЭШ answers as a parent saves them: the known fields of each answer, per-pupil answers, days.

A saved answer is either the server's own JSON (``{"payload": […]}`` of the family API,
``{"total_count", "response": […], "errors"}`` of the events calendar, a bare list of the old
``/core/api``) or a list of such answers, each with the pupil's ``student_id`` added:
``[{"student_id": 1001, "payload": […]}]``. A bare answer belongs to the only pupil of profile.json.
Field names follow the answers recorded by third-party clients (docs/importers.md, «МЭШ»).
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from dataclasses import dataclass, field

from pipelines.importers.api_draft import Draft
from pipelines.importers.api_payload import Payload
from pipelines.importers.ids import source_id
from pipelines.issues import ExportRefused

ANSWER_FIELDS = {"student_id", "payload", "response", "total_count", "errors"}
PROFILE_FIELDS = {"profile", "children", "hash"}
CHILD_FIELDS = {"id", "last_name", "first_name", "middle_name", "birth_date", "sex", "class_name", "class_level_id"}
CHILD_FIELDS |= {"school", "class_unit_id", "contract_id", "user_id", "phone", "email", "snils", "type", "groups"}
CHILD_FIELDS |= {"representatives", "sections", "sudir_account_exists", "sudir_login", "is_legal_representative"}
CHILD_FIELDS |= {"parallel_curriculum_id", "contingent_guid", "enrollment_date"}
CHILD_FIELDS |= {"class_uid", "age", "service_type_id", "profession_specialty_code", "profession_specialty_name"}
# /core/api/student_profiles/{id} (old API); its marks, final_marks and attendances are not read
STUDENT_PROFILE_FIELDS = {"id", "created_at", "updated_at", "deleted_at", "person_id", "transferred", "school_id"}
STUDENT_PROFILE_FIELDS |= {"organization_id", "user_id", "study_mode_id", "user_name", "short_name", "last_name"}
STUDENT_PROFILE_FIELDS |= {"first_name", "middle_name", "change_password_required", "birth_date", "left_on"}
STUDENT_PROFILE_FIELDS |= {"enlisted_on", "gusoev_login", "age", "sex", "deleted", "email", "phone_number"}
STUDENT_PROFILE_FIELDS |= {"email_ezd", "phone_number_ezd", "class_unit", "previously_class_unit", "curricula"}
STUDENT_PROFILE_FIELDS |= {"non_attendance", "mentors", "ispp_account", "previously_profile_id", "student_viewed"}
STUDENT_PROFILE_FIELDS |= {"migration_date", "education_level", "class_level", "snils", "last_sign_in_at", "groups"}
STUDENT_PROFILE_FIELDS |= {"parents", "marks", "final_marks", "attendances", "lesson_comments", "home_based_periods"}
STUDENT_PROFILE_FIELDS |= {"subjects", "ae_attendances", "ec_attendances", "assignments", "left_on_registry"}
# /lms/api/sessions (the pupil's own session)
SESSION_FIELDS = {"id", "profiles", "guid", "first_name", "last_name", "middle_name", "phone_number", "person_id"}
SESSION_FIELDS |= {"authentication_token", "password_change_required", "regional_auth", "date_of_birth", "sex"}
SESSION_PROFILE_FIELDS = {"id", "type", "roles", "user_id", "agree_pers_data", "school_id", "school_shortname"}
SESSION_PROFILE_FIELDS |= {"school_name", "subject_ids", "organization_id"}
CLASS_UNIT_FIELDS = {"id", "class_level_id", "name", "home_based"}
SCHOOL_FIELDS = {"id", "name", "short_name", "county", "principal", "phone", "global_school_id", "municipal_unit_name"}
GRADE_FIELDS = {"origin", "five", "ten", "hundred", "original_grade_from", "original_grade_to"}
VALUE_FIELDS = {"name", "nmax", "grade", "grade_system_id", "grade_system_type"}
# /family/{web,mobile}/v1/marks, marks of schedule items, events and subject marks; /core/api/marks
MARK_FIELDS = {"id", "value", "values", "weight", "control_form_name", "date", "created_at", "updated_at", "is_exam"}
MARK_FIELDS |= {"is_point", "point_date", "comment", "comment_exists", "subject_id", "subject_name", "has_files"}
MARK_FIELDS |= {"schedule_lesson_id", "original_grade_system_type", "criteria", "topic_name"}
MARK_FIELDS |= {"student_profile_id", "teacher_id", "name", "control_form_id", "deleted_by", "grade_id", "group_id"}
MARK_FIELDS |= {"grade_system_id", "grade_system_type", "course_lesson_topic_id", "theme_frame_integration_id"}
MARK_FIELDS |= {"project_id", "activity", "teacher", "history", "point_value", "exam"}
MARK_FIELDS |= {"class_results"}  # /family/mobile/v1/marks/{id}: how many pupils got each value (OctoDiary-kt #28)
# /family/mobile/v1/lesson_schedule_items/{id} (and the older hand-written lessons with lesson_number)
LESSON_FIELDS = {"id", "date", "lesson_number", "subject_id", "subject_name", "teacher", "lesson_topic"}
LESSON_FIELDS |= {"lesson_homeworks", "is_missed_lesson", "absence_reason", "room_number", "begin_time", "end_time"}
LESSON_FIELDS |= {"plan_id", "begin_utc", "end_utc", "course_lesson_type", "room_name", "building_name", "marks"}
LESSON_FIELDS |= {"created_date_time", "lesson_type", "field_name", "comment", "homework_to_give", "details"}
LESSON_FIELDS |= {"esz_field_id", "remote_lesson", "control", "evaluation", "lesson_education_type"}
LESSON_FIELDS |= {"disease_status_type", "is_virtual", "homework_presence_status_id", "absence_reason_id"}
TEACHER_FIELDS = {"id", "last_name", "first_name", "middle_name", "birth_date", "sex", "user_id"}
DETAILS_FIELDS = {"content", "materials", "theme", "lessonId", "lesson_topic", "additional_materials"}
HOMEWORK_FIELDS = {"homework", "date_assigned_on", "homework_created_at", "homework_updated_at", "materials"}
HOMEWORK_FIELDS |= {"homework_entry_student_id", "homework_id", "homework_entry_id", "attachments", "is_done"}
HOMEWORK_FIELDS |= {"written_answer", "date_prepared_for"}
# /family/{web,mobile}/v1/schedule?date=… (one day)
SCHEDULE_DAY_FIELDS = {"summary", "date", "activities", "has_homework"}
ACTIVITY_FIELDS = {"type", "info", "begin_utc", "end_utc", "begin_time", "end_time", "room_number", "room_name"}
ACTIVITY_FIELDS |= {"building_name", "lesson", "duration", "homework_presence_status_id"}
SCHEDULE_LESSON_FIELDS = {"schedule_item_id", "subject_id", "subject_name", "course_lesson_type", "teacher", "marks"}
SCHEDULE_LESSON_FIELDS |= {"homework", "link_types", "materials_count", "lesson_type", "lesson_education_type"}
SCHEDULE_LESSON_FIELDS |= {"evaluation", "absence_reason_id", "nonattendance_reason_id", "disease_status_type"}
SCHEDULE_LESSON_FIELDS |= {"bell_id", "replaced", "homework_count", "esz_field_id", "is_cancelled"}
SCHEDULE_LESSON_FIELDS |= {"is_missed_lesson", "is_virtual"}
# /api/eventcalendar/v1/api/events
EVENT_FIELDS = {"id", "author_id", "title", "description", "start_at", "finish_at", "is_all_day", "conference_link"}
EVENT_FIELDS |= {"outdoor", "place", "place_latitude", "place_longitude", "created_at", "updated_at", "types"}
EVENT_FIELDS |= {"author_name", "registration_start_at", "registration_end_at", "source", "source_id", "place_name"}
EVENT_FIELDS |= {"contact_name", "contact_phone", "contact_email", "comment", "need_document", "type", "format_name"}
EVENT_FIELDS |= {"url", "subject_id", "subject_name", "room_name", "room_number", "replaced", "replaced_teacher_id"}
EVENT_FIELDS |= {"esz_field_id", "lesson_type", "course_lesson_type", "lesson_education_type", "lesson_name"}
EVENT_FIELDS |= {"lesson_theme", "activities", "link_to_join", "control", "class_unit_ids", "class_unit_name"}
EVENT_FIELDS |= {"group_id", "group_name", "external_activities_type", "address", "place_comment", "building_id"}
EVENT_FIELDS |= {"building_name", "city_building_name", "cancelled", "is_missed_lesson", "is_metagroup"}
EVENT_FIELDS |= {"absence_reason_id", "nonattendance_reason_id", "visible_fake_group", "health_status"}
EVENT_FIELDS |= {"student_count", "attendances", "journal_fill", "comment_count", "comments", "homework"}
EVENT_FIELDS |= {"materials", "marks", "lesson_form"}
EVENT_HOMEWORK_FIELDS = {"presence_status_id", "total_count", "execute_count", "descriptions", "link_types"}
EVENT_HOMEWORK_FIELDS |= {"materials", "entries"}
# /family/{web,mobile}/v1/subject_marks
SUBJECT_FIELDS = {"subject_id", "subject_name", "periods", "year_mark", "average", "dynamic", "average_by_all"}
PERIOD_FIELDS = {"title", "start", "end", "fixed_value", "value", "marks", "count", "dynamic", "target"}
PERIOD_FIELDS |= {"start_iso", "end_iso"}


@dataclass
class MeshDraft(Draft):
    """Draft with what МЭШ answers need besides: pupils by every id an answer may name them,
    the pupil's lessons by day and subject (marks of the family API name no lesson), marks with
    their own entry time."""

    aliases: dict[str, str] = field(default_factory=dict)
    day_lessons: dict[tuple[str, dt.date, str], list[str]] = field(default_factory=dict)  # subject: id or «#source id»
    timed_marks: set[str] = field(default_factory=set)

    def index_lessons(self) -> None:
        """(pupil, day, subject) → the pupil's lessons, in lesson-number order; the subject both as the
        catalogue's id and as the system's own id («#33623570»)."""
        found: dict[tuple[str, dt.date, str], list[dict]] = collections.defaultdict(list)
        for lesson_id, pupils in self.lesson_pupils.items():
            row = self.lessons[lesson_id]
            subjects = [row["subject_id"]] + ([f"#{row['_source_subject']}"] if row.get("_source_subject") else [])
            for pupil_id, subject in itertools.product(pupils, subjects):
                found[(pupil_id, row["lesson_date"], subject)].append(row)
        self.day_lessons = {
            key: [r["lesson_id"] for r in sorted(rows, key=lambda r: r["lesson_number"])] for key, rows in found.items()
        }


def answers(node: Payload) -> list[Payload]:
    """The answers of a file: each element of a list of answers with ``student_id``, else the file."""
    if isinstance(node.value, list) and node.value and all(_names_pupil(v) for v in node.value):
        return node.items()
    return [node]


def per_pupil(node: Payload | None, draft: MeshDraft) -> list[tuple[str, Payload]]:
    """(pupil id, answer) for each answer of a file: a list of answers with ``student_id``, one such
    answer, or a bare answer of the only pupil."""
    if node is None:
        return []
    return [
        (_pupil_of(answer, draft) if _names_pupil(answer.value) else _only_pupil(node, draft), answer)
        for answer in answers(node)
    ]


def _only_pupil(node: Payload, draft: MeshDraft) -> str:
    if len(draft.pupils) != 1:
        raise ExportRefused(
            node.file_name,
            "корень файла",
            "student_id",
            f"ответ без student_id, а учеников в profile.json {len(draft.pupils)}: "
            "ожидается список [{student_id, payload}] по ученикам",
        )
    return next(iter(draft.pupils))


def answer_items(answer: Payload, wrapped: str) -> list[Payload]:
    """The records of one answer: its ``payload`` or ``response`` list, or the answer itself as a list."""
    if isinstance(answer.value, list):
        return answer.items()
    answer.expect("object")
    for name in ("payload", "response"):
        if answer.value.get(name) is not None:
            return answer.items(name)
    raise ExportRefused(answer.file_name, answer.path or "корень файла", wrapped, "нет обязательного поля")


def all_records(node: Payload, wrapped: str = "payload") -> list[Payload]:
    """Every record of every answer of a file, whoever the pupil."""
    return [item for answer in answers(node) for item in answer_items(answer, wrapped)]


def pupil_answers(node: Payload | None, draft: MeshDraft, wrapped: str = "payload") -> list[tuple[str, Payload]]:
    """(pupil id, record) for every record of every answer of a file."""
    out = []
    for pupil_id, answer in per_pupil(node, draft):
        if isinstance(answer.value, dict):
            draft.notes.unknown(answer, ANSWER_FIELDS)
            _check_errors(answer)
        out += [(pupil_id, item) for item in answer_items(answer, wrapped)]
    return out


def _check_errors(answer: Payload) -> None:
    errors = answer.value.get("errors")
    if errors:
        raise ExportRefused(
            answer.file_name, answer.path or "корень файла", "errors", f"сервер вернул ошибку: {str(errors)[:120]}"
        )


def _names_pupil(value: object) -> bool:
    return isinstance(value, dict) and "student_id" in value


def _pupil_of(answer: Payload, draft: MeshDraft) -> str:
    raw = answer.get("student_id", "id")
    pupil_id = draft.aliases.get(raw, source_id("p", raw))
    if pupil_id not in draft.pupils:
        raise ExportRefused(answer.file_name, answer.path, "student_id", f"ученика {pupil_id} нет в profile.json")
    return pupil_id


def day_of(node: Payload, field_name: str, *, required: bool = True) -> dt.date | None:
    """A day written as a date or as a date and time («2023-09-12», «2023-09-12T08:30:00»)."""
    moment = node.get(field_name, "datetime", required=required)
    return moment.date() if moment else None
