"""The fields each «Сетевой город» JSON response is known to carry.

Sources: the anonymised ``context`` and ``context/years`` responses in
shared/reference_formats/netschool_sgo and the field lists of public API clients. Fields here that
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
    "attachments", "existsTestPlan", "textAnswer",
}  # fmt: skip
MARK_FIELDS = {"assignmentId", "studentId", "mark", "resultScore", "dutyMark"}
DETAILS_FIELDS = {
    "id", "assignmentName", "weight", "date", "teacher", "attachments", "subjectGroup", "isDeleted",
    "description", "activityName", "problemName", "productId", "contentElements", "codeContentElements",
}  # fmt: skip
MOBILE_FIELDS = {"assignments", "lessons"}
MOBILE_ASSIGNMENT_FIELDS = {
    "assignmentId", "studentId", "classMeetingId", "subjectId", "subjectName", "assignmentName",
    "assignmentTypeId", "assignmentTypeName", "assignmentTypeAbbr", "weight", "result", "resultDate",
    "assignmentDate", "dueDate",
}  # fmt: skip
MOBILE_LESSON_FIELDS = {
    "classMeetingId", "studentId", "day", "number", "subjectId", "subjectName", "startTime", "endTime",
    "room", "lessonTheme", "attendance",
}  # fmt: skip
