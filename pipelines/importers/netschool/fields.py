"""The fields each «Сетевой город» JSON response is known to carry.

Sources: the anonymised ``context`` and ``context/years`` responses in
shared/reference_formats/netschool_sgo, the diary weeks recorded from a real server
(tests/importers/netschool/fixtures/README.md) and the typed models of public API clients
(mezhendosina/sgo-app for the mobile API, aionetschool for assignment details). Fields here that
diary.py does not map are left out on purpose (docs/importers.md); any other field is
reported once per file and field (``notes.Notes.unknown_fields``) and the data still loads.
"""

from __future__ import annotations

CONTEXT_FIELDS = {
    "at", "userId", "funcType", "schoolId", "schoolYearId", "globalYearId", "emId", "productName",
    "userLanguage", "version", "versionDate", "organizationName", "menuContext", "rights", "roles",
    "schoolyear", "user", "organization", "dateFormat", "timeFormat",
}  # fmt: skip
YEAR_FIELDS = {"globalYear", "schoolId", "startDate", "endDate", "closed", "id", "name"}
GLOBAL_YEAR_FIELDS = {"startDate", "endDate", "id", "name"}
REF_FIELDS = {"id", "name"}  # context.user, context.organization, details.teacher
TYPE_FIELDS = {"id", "name", "abbr", "order"}
INIT_FIELDS = {
    "students", "currentStudentId", "weekStart", "yaClass", "yaClassAuthUrl", "newDiskToken",
    "newDiskWasRequest", "ttsuRl", "externalUrl", "weight", "maxMark", "withLaAssigns",
}  # fmt: skip
INIT_STUDENT_FIELDS = {"studentId", "nickName", "className", "classId", "iupGrade"}
DIARY_FIELDS = {"weekStart", "weekEnd", "weekDays", "laAssigns", "pastMandatory", "termName", "className"}
DAY_FIELDS = {"date", "lessons"}
LESSON_FIELDS = {
    "classmeetingId", "day", "number", "relay", "room", "startTime", "endTime", "subjectName",
    "assignments", "isEaLesson", "isDistanceLesson",
}  # fmt: skip
ASSIGNMENT_FIELDS = {
    "id", "typeId", "assignmentName", "weight", "dueDate", "classMeetingId", "mark", "markComment",
    "attachments", "existsTestPlan", "textAnswer", "classAssignment", "issueClassMeetingId",
}  # fmt: skip
MARK_FIELDS = {"id", "assignmentId", "studentId", "mark", "resultScore", "dutyMark"}
DETAILS_FIELDS = {
    "id", "assignmentName", "weight", "date", "teacher", "teachers", "attachments", "subjectGroup",
    "isDeleted", "description", "activityName", "problemName", "productId", "contentElements",
    "codeContentElements",
}  # fmt: skip
MOBILE_FIELDS = {"assignments", "lessons"}  # the documented one-object form
MOBILE_ASSIGNMENT_FIELDS = {  # /api/mobile/assignments
    "assignmentId", "studentId", "classmeetingId", "classMeetingId", "subjectId", "subjectName",
    "assignmentName", "description", "assignmentTypeId", "assignmentTypeName", "assignmentTypeAbbr",
    "weight", "result", "resultDate", "assignmentDate", "dueDate", "classAssignment", "duty", "comment",
    "attachmentsExists", "hasTextAnswer", "hasFileAnswers", "answerFilesCount", "extraActivity",
    "canAnswer",
}  # fmt: skip
MOBILE_LESSON_FIELDS = {  # /api/mobile/classmeetings
    "classmeetingId", "classMeetingId", "studentId", "day", "order", "number", "scheduleTimeNumber",
    "scheduleTimeRelay", "subjectId", "subjectName", "subjectGroupId", "startTime", "endTime", "room",
    "roomName", "lessonTheme", "attendance", "teachers", "addEducation", "assignmentId",
    "attachmentsExists", "distanceMeetingId", "extraActivity", "resultsExists",
}  # fmt: skip
MOBILE_STUDENT_FIELDS = {"name", "shortName", "studentId"}  # /api/mobile/students
MOBILE_EDUCATION_FIELDS = {"class", "isAddSchool", "school", "schoolyear"}  # /api/mobile/education
MOBILE_YEAR_FIELDS = {"id", "name", "startDate", "endDate"}
MOBILE_SUBJECT_FIELDS = {"id", "name", "order", "federalСurriculum"}  # /api/mobile/subjects («С» is Cyrillic there)
MOBILE_TOTAL_FIELDS = {"subjectId", "termTotals", "yearTotals"}  # /api/mobile/totals
MOBILE_TERM_TOTAL_FIELDS = {"term", "mark", "markCode", "avgMark"}
MOBILE_TERM_FIELDS = {"id", "name", "startDate", "endDate", "current", "type"}
MOBILE_YEAR_TOTAL_FIELDS = {"period", "mark"}
MOBILE_PERIOD_FIELDS = {"id", "periodName", "periodType"}
