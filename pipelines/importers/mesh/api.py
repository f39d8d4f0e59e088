"""МЭШ / «Моя школа»: answers of the family API and of the events calendar, saved per pupil.

Files: profile.json (pupils, class, school: profile.py) and any of: lessons.json (schedule items,
``lesson_schedule_items``), schedule.json (day schedules, ``/family/…/v1/schedule``), events.json (``/api/eventcalendar/v1/api/events``: lessons with their
marks and absences), marks.json (``/family/…/v1/marks`` or ``/core/api/marks``), subject_marks.json
(``/family/…/v1/subject_marks``: marks by period, period and year marks); periods.json (optional:
the year's periods, else those of subject_marks.json). What a saved answer looks like: answers.py;
field mapping: docs/importers.md, section «МЭШ».
"""

from __future__ import annotations

from pathlib import Path

from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.mesh.answers import MeshDraft
from pipelines.importers.mesh.lessons import add_lessons, read_events, read_schedule_days, read_schedule_items
from pipelines.importers.mesh.marks import read_mark, read_marks, read_subject_marks, subject_periods
from pipelines.importers.mesh.profile import read_profile
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

PROFILE, PERIODS, LESSONS, SCHEDULE, EVENTS, MARKS, SUBJECT_MARKS = (
    "profile.json",
    "periods.json",
    "lessons.json",
    "schedule.json",
    "events.json",
    "marks.json",
    "subject_marks.json",
)
DATA = (LESSONS, SCHEDULE, EVENTS, MARKS, SUBJECT_MARKS)


class MeshImporter:
    name = "mesh"
    title = "МЭШ / «Моя школа»"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return PROFILE in names and bool(names & set(DATA))

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, (PROFILE,), (PERIODS, *DATA))
        notes = PayloadNotes()
        draft = MeshDraft("МЭШ", PROFILE, notes, WorkTypes(context.norms, notes))
        _read_periods(files, draft)
        read_profile(files[PROFILE], draft, context)
        lessons = read_schedule_items(files.get(LESSONS), draft) + read_schedule_days(files.get(SCHEDULE), draft)
        lessons += read_events(files.get(EVENTS), draft)
        add_lessons(lessons, draft)
        read_marks(files.get(MARKS), draft)
        read_subject_marks(files.get(SUBJECT_MARKS), draft)
        for lesson in lessons:
            lesson_id = lesson.row["lesson_id"]
            for mark in lesson.marks:
                read_mark(mark, lesson.pupil_id, draft, lesson_id=lesson_id)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _read_periods(files: dict[str, Payload], draft: MeshDraft) -> None:
    """The year's periods: periods.json, else the periods of subject_marks.json."""
    if PERIODS in files:
        node = files[PERIODS]
        for period in node.items("payload") if isinstance(node.value, dict) else node.items():
            draft.notes.unknown(period, {"id", "title", "name", "start", "end"})
            name = period.get("title", "str") if period.has("title") else period.get("name", "str")
            draft.add_period(period, name, period.get("start", "date"), period.get("end", "date"))
    elif SUBJECT_MARKS in files:
        for period, title, start, end in subject_periods(files[SUBJECT_MARKS]):
            draft.add_period(period, title, start, end)
    if not draft.periods:
        where = PERIODS if PERIODS in files else SUBJECT_MARKS
        problem = "нет ни одного учебного периода: нужен periods.json или subject_marks.json с periods"
        raise ExportRefused(where, None, None, problem)
