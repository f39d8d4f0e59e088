"""Fields of the apiv3 answers as real ЭлЖур servers give them (see the fixtures README for the
clients whose models and saved answers these lists follow).

Every field a real answer carries is listed, loaded or not: a field outside these lists is
reported once per file as unknown (notes.Notes.unknown_fields).
"""

from __future__ import annotations

ENVELOPE = {"response"}
RESPONSE = {"state", "error", "result"}
RESULT = {"students", "errorCode"}
STUDENT = {"name", "title", "class", "days", "lessons", "items", "periods", "parent_signed"}
PERIOD = {"name", "fullname", "start", "end", "disabled", "ambigious", "weeks"}
DAY = {"name", "title", "alert", "holiday_name", "items", "items_extday"}
LESSON = {
    "name",
    "num",
    "lesson_id",
    "teacher",
    "topic",
    "homework",
    "files",
    "resources",
    "assessments",
    "is_control",
    "grp",
    "grp_short",
    "room",
    "sort",
    "starttime",
    "endtime",
    "payload_course_id",
    "payload_id",
    "payload_name",
    "payload_type",
    "individual_exists",
}
HOMEWORK = {"id", "value", "individual", "lesson"}
SUBJECT_MARKS = {"name", "lesson_id", "average", "averageConvert", "average_convert", "color_hex", "marks"}
MARK = {
    "value",
    "comment",
    "lesson_comment",
    "date",
    "convert",
    "count",
    "countas",
    "lesson_id",
    "nm",
    "weight",
    "weight_float",
    "mtype",
    "color_hex",
    "color",
    "max_mark",
    "control_type",
    "control_type_short",
}
MTYPE = {"id", "short", "type"}
FINAL_SUBJECT = {"name", "assessments"}
FINAL = {"value", "period", "comment", "convert", "color_hex"}
RULES = {
    "roles",
    "relations",
    "allowedAds",
    "allowedSections",
    "messageSignature",
    "uploadFileUrl",
    "supportPhone",
    "supportEmail",
    "supportEmailSchool",
    "supportHelpdesk",
    "supportHelpdeskSchoolEmployee",
    "supportDescription",
    "name",
    "age",
    "id",
    "vuid",
    "id_hash",
    "guid",
    "original_guid",
    "title",
    "vendor",
    "vendor_id",
    "lastname",
    "firstname",
    "middlename",
    "gender",
    "email",
    "email_confirmed",
    "region",
    "regionCode",
    "city",
    "rt_licey_school_end_date",
}
RELATIONS = {"students", "groups", "schools"}
RELATION_STUDENT = {"rules", "rel", "name", "title", "lastname", "firstname", "gender", "class", "parallel", "city"}
RELATION_GROUP = {
    "rules",
    "rel",
    "name",
    "parallel",
    "balls",
    "hometeacher_id",
    "hometeacher_name",
    "hometeacher_lastname",
    "hometeacher_firstname",
    "hometeacher_middlename",
}
RELATION_SCHOOL = {"number", "title", "title_full", "inn", "kpp"}
SCHOOL_JSON = {"id", "name", "short_name", "region"}
