"""Every validation rule: one export that breaks it (the rule is reported at the expected place)
and a near-identical export that keeps it (the rule is not reported).

Each case is (rule_code, file stem, column or None, bad mutation, good mutation). Mutations act
on the hand-written tiny export of tests/factories.py, whose values the cases refer to. Each bad
export is ingested alone; the good mutations of cases that change different files share one
export, which must then load without any issue.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pipelines.keys import REFERENCES
from tests.conftest import rules_of
from tests.factories import tiny_export

Data = dict[str, list[dict[str, str]]]


def setter(file: str, index: int, **values: str) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        data[file][index].update(values)

    return mutate


def appender(file: str, index: int, **values: str) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        data[file].append({**data[file][index], **values})

    return mutate


def both(*mutations: Callable[[Data], None]) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        for m in mutations:
            m(data)

    return mutate


CASES = [
    # per-file: types
    (
        "type",
        "marks",
        "entered_at",
        setter("marks", 0, entered_at="31.09.2025 10:00"),
        setter("marks", 0, entered_at="30.09.2025 10:00"),
    ),
    (
        "type",
        "pupils",
        "birth_date",
        setter("pupils", 0, birth_date="31.02.2014"),
        setter("pupils", 0, birth_date="28.02.2014"),
    ),
    ("type", "classes", "grade", setter("classes", 0, grade="пятый"), setter("classes", 0, grade=" 5 ")),
    (
        "type",
        "curriculum",
        "weekly_hours",
        setter("curriculum", 0, weekly_hours="пять"),
        setter("curriculum", 0, weekly_hours="4,5"),
    ),
    (
        "type",
        "pupils",
        "has_consent",
        setter("pupils", 0, has_consent="может быть"),
        setter("pupils", 0, has_consent="Нет"),
    ),
    # per-file: required, allowed values, format, range
    ("required", "lessons", "teacher_id", setter("lessons", 0, teacher_id=""), setter("lessons", 0, teacher_id="t2")),
    (
        "allowed_values",
        "attendance",
        "absence_code",
        setter("attendance", 0, absence_code="х"),
        setter("attendance", 0, absence_code="у"),
    ),
    (
        "allowed_values",
        "period_marks",
        "mark_value",
        setter("period_marks", 0, mark_value="6"),
        setter("period_marks", 0, mark_value="4"),
    ),
    ("format", "marks", "mark_value", setter("marks", 0, mark_value="4/6"), setter("marks", 0, mark_value="5/4")),
    ("format", "pupils", "pupil_id", setter("pupils", 2, pupil_id="p 3"), setter("pupils", 2, pupil_id="p-3")),
    ("range", "work_types", "weight", setter("work_types", 0, weight="0"), setter("work_types", 0, weight="0.5")),
    ("range", "marks", "weight", setter("marks", 0, weight="-1"), setter("marks", 0, weight="3")),
    ("range", "classes", "grade", setter("classes", 0, grade="12"), setter("classes", 0, grade="11")),
    (
        "range",
        "lessons",
        "lesson_number",
        setter("lessons", 0, lesson_number="13"),
        setter("lessons", 0, lesson_number="0"),
    ),
    # per-file: duplicates
    (
        "duplicate",
        "teachers",
        "teacher_id",
        appender("teachers", 0, last_name="Другая"),
        appender("teachers", 0, teacher_id="t3"),
    ),
    (
        "duplicate",
        "attendance",
        None,
        appender("attendance", 0, absence_code="у"),
        appender("attendance", 0, pupil_id="p1"),
    ),
    # per-file: row rules
    (
        "row_rule",
        "periods",
        None,
        setter("periods", 0, end_date="01.08.2025"),
        setter("periods", 0, end_date="01.09.2025"),
    ),
    (
        "row_rule",
        "enrolments",
        None,
        setter("enrolments", 2, end_date="01.09.2025"),
        setter("enrolments", 2, end_date="15.09.2025"),
    ),
    (
        "row_rule",
        "period_marks",
        None,
        setter("period_marks", 0, period_id=""),
        setter("period_marks", 0, mark_kind_code="period"),
    ),
    (
        "row_rule",
        "period_marks",
        None,
        setter("period_marks", 0, na_reason_code="б"),
        setter("period_marks", 1, na_reason_code="у"),
    ),
    (
        "row_rule",
        "export",
        None,
        setter("export", 0, covers_from_date="01.06.2026"),
        setter("export", 0, covers_from_date="31.05.2026"),
    ),
    # cross-file
    (
        "school_mismatch",
        "school",
        "school_id",
        setter("school", 0, school_id="sch-other"),
        setter("school", 0, school_name="Другое имя"),
    ),
    ("date_outside_year", "lessons", "lesson_date", setter("lessons", 0, lesson_date="29.08.2025"), None),
    (
        "date_outside_year",
        "periods",
        "start_date",
        setter("periods", 0, start_date="25.08.2025"),
        setter("periods", 0, start_date="01.09.2025"),
    ),
    (
        "date_outside_year",
        "holidays",
        "start_date",
        setter("holidays", 0, start_date="01.06.2026", end_date="05.06.2026"),
        setter("holidays", 0, start_date="29.12.2025", end_date="11.01.2026"),
    ),
    (
        "date_outside_year",
        "enrolments",
        "start_date",
        setter("enrolments", 2, start_date="01.06.2026"),
        setter("enrolments", 2, start_date="10.09.2025"),
    ),
    (
        "lesson_on_holiday",
        "lessons",
        "lesson_date",
        setter("lessons", 3, lesson_date="03.11.2025"),
        setter("lessons", 3, lesson_date="05.11.2025"),
    ),
    (
        "lesson_outside_export",
        "lessons",
        "lesson_date",
        setter("export", 0, covers_from_date="10.09.2025"),
        setter("export", 0, covers_from_date="08.09.2025"),
    ),
    ("pupil_not_enrolled", "marks", "pupil_id", setter("marks", 2, lesson_id="L1"), setter("marks", 2, lesson_id="L4")),
    (
        "pupil_not_enrolled",
        "attendance",
        "pupil_id",
        setter("attendance", 0, pupil_id="p3"),
        setter("attendance", 0, pupil_id="p1"),
    ),
    (
        "mark_before_lesson",
        "marks",
        "entered_at",
        setter("marks", 0, entered_at="07.09.2025 23:59"),
        setter("marks", 0, entered_at="08.09.2025 00:01"),
    ),
    (
        "reference",
        "marks",
        "work_type_id",
        setter("marks", 0, work_type_id="essay"),
        setter("marks", 0, work_type_id="control"),
    ),
    (
        "lesson_incomplete",
        "lessons",
        "lesson_id",
        setter("marks", 1, mark_value="7"),
        setter("marks", 1, mark_value="5"),
    ),
    (
        "lesson_refused",
        "marks",
        "lesson_id",
        setter("lessons", 3, lesson_date="03.11.2025"),
        setter("lessons", 3, lesson_date="05.11.2025"),
    ),
    (
        "lesson_refused",
        "attendance",
        "lesson_id",
        setter("lessons", 3, lesson_date="03.11.2025"),
        setter("lessons", 3, lesson_date="05.11.2025"),
    ),
    (
        "refers_to_refused",
        "mark_changes",
        "lesson_id",
        setter("lessons", 0, lesson_date="03.11.2025"),
        setter("lessons", 0, lesson_date="08.09.2025"),
    ),
    # «nan» and «inf» are numbers to polars' cast, not to a journal: cells that do not read as one
    (
        "type",
        "planned_topics",
        "hours",
        setter("planned_topics", 0, hours="nan"),
        setter("planned_topics", 0, hours="1,5"),
    ),
    ("type", "work_types", "weight", setter("work_types", 0, weight="Infinity"), setter("work_types", 0, weight="1")),
]


IDS = [f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]


@pytest.mark.parametrize(("rule", "file", "column", "bad"), [c[:4] for c in CASES], ids=IDS)
def test_rule_is_reported_where_the_export_breaks_it(ingest_tiny, tiny, rule, file, column, bad):
    bad(tiny)
    result = ingest_tiny(tiny)
    hits = [i for i in result.issues if i.rule_code == rule and i.file_name.startswith(file)]
    assert hits, f"{rule} not reported for {file}; got {rules_of(result)}"
    if column:
        assert {h.column_name for h in hits} == {column}
    assert all(h.row_number and h.row_number >= 2 for h in hits)
    assert all(h.message and not re.search(r"[A-Za-z_]+Error", h.message) for h in hits)


def _files(mutation: Callable[[Data], None]) -> set[str]:
    """The files of the tiny export a mutation changes."""
    before, after = tiny_export(), tiny_export()
    mutation(after)
    return {name for name, rows in after.items() if rows != before[name]}


# the «good» export of these cases breaks other rules on purpose (a renamed pupil, a pupil out of
# the roster, a shifted export window): only the case's own rule must stay silent there
BREAKS_OTHER_RULES = {
    "format-pupils-pupil_id",
    "row_rule-enrolments-None",
    "row_rule-export-None",
    "pupil_not_enrolled-marks-pupil_id",
}


def _good_exports() -> list[tuple[str, list[int], bool]]:
    """The near-identical exports that keep each rule: (id, case indexes, whether the export must
    load with no issue at all). Cases that change different files share one export, first fit
    (rows of one file interact: keys); a case of BREAKS_OTHER_RULES has its export alone."""
    groups: list[tuple[set[str], list[int]]] = []
    alone: list[int] = []
    for index, case in enumerate(CASES):
        if case[4] is None:
            continue
        if IDS[index] in BREAKS_OTHER_RULES:
            alone.append(index)
            continue
        files = _files(case[4])
        for taken, members in groups:
            if not taken & files:
                taken |= files
                members.append(index)
                break
        else:
            groups.append((set(files), [index]))
    shared = [(f"export{n + 1}", members, True) for n, (_taken, members) in enumerate(groups)]
    return shared + [(IDS[index], [index], False) for index in alone]


GOOD = _good_exports()


@pytest.mark.parametrize(("members", "clean"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_near_identical_exports_keep_every_rule(ingest_tiny, tiny, members, clean):
    for index in members:
        CASES[index][4](tiny)
    result = ingest_tiny(tiny)
    found = [(i.file_name, i.row_number, i.rule_code, i.message) for i in result.issues]
    if clean:
        # the export carries several cases: it must load with no issue at all, so no rule fired
        # and none could hide behind another rule's refusal of the same row
        assert result.issues == [], ([IDS[i] for i in members], found)
    else:
        (index,) = members
        assert CASES[index][0] not in {i.rule_code for i in result.issues}, found


def test_every_good_case_is_in_one_export():
    placed = sorted(i for _, members, _clean in GOOD for i in members)
    assert placed == [i for i, case in enumerate(CASES) if case[4] is not None]
    assert set(IDS) >= BREAKS_OTHER_RULES
    assert len(GOOD) < len(placed) / 3  # grouping is what makes this file fast


def test_bad_row_is_named_by_its_spreadsheet_row(ingest_tiny, tiny):
    tiny["marks"][3]["mark_value"] = "6"
    result = ingest_tiny(tiny)
    (issue,) = [i for i in result.issues if i.file_name == "marks.csv"]
    assert (issue.row_number, issue.column_name, issue.cell_value) == (5, "mark_value", "6")
    assert "«отметка»" in issue.message


def test_lesson_on_holiday_is_accepted_when_the_school_allows_it(ingest_tiny, tiny):
    tiny["lessons"][3]["lesson_date"] = "03.11.2025"
    assert "lesson_on_holiday" in {i.rule_code for i in ingest_tiny(tiny).issues}
    allowed = ingest_tiny(tiny, allow_holidays=True)
    assert "lesson_on_holiday" not in {i.rule_code for i in allowed.issues}


def test_holiday_of_another_grade_does_not_apply(ingest_tiny, tiny):
    tiny["holidays"].append(
        {
            "academic_year_id": "2025/2026",
            "holiday_name": "Доп. каникулы",
            "start_date": "16.09.2025",
            "end_date": "16.09.2025",
            "grades": "1",
        }
    )
    result = ingest_tiny(tiny)
    assert result.issues == []


def test_period_of_another_year(ingest_tiny, tiny):
    tiny["academic_years"].append(
        {"academic_year_id": "2024/2025", "start_date": "02.09.2024", "end_date": "31.05.2025"}
    )
    tiny["periods"].append(
        {
            **tiny["periods"][0],
            "period_id": "old-q1",
            "academic_year_id": "2024/2025",
            "start_date": "02.09.2024",
            "end_date": "25.10.2024",
        }
    )
    good = ingest_tiny(tiny)
    assert "period_wrong_year" not in {i.rule_code for i in good.issues}
    tiny["period_marks"][0]["period_id"] = "old-q1"
    bad = ingest_tiny(tiny, db=good.source_path / "b.duckdb")
    assert {(i.file_name, i.rule_code, i.row_number) for i in bad.issues} == {
        ("period_marks.csv", "period_wrong_year", 2)
    }


def test_group_lesson_needs_group_membership(ingest_tiny, tiny):
    tiny["marks"].append({**tiny["marks"][3], "mark_id": "M9", "pupil_id": "p3"})
    result = ingest_tiny(tiny)
    hits = [i for i in result.issues if i.rule_code == "pupil_not_enrolled"]
    assert [(h.file_name, h.row_number) for h in hits] == [("marks.csv", 7)]
    assert "подгрупп" in hits[0].message


@pytest.mark.parametrize("ref", REFERENCES, ids=[f"{r.file}.{r.column}" for r in REFERENCES])
def test_every_reference_is_checked(ingest_tiny, tiny, ref):
    rows = tiny[ref.file]
    if not rows:
        pytest.skip("no row to break")
    missing = "2030/2031" if ref.column == "academic_year_id" else "nowhere"
    rows[0][ref.column] = missing
    result = ingest_tiny(tiny)
    hits = [i for i in result.issues if i.file_name == f"{ref.file}.csv" and i.rule_code == "reference"]
    assert [(h.row_number, h.column_name, h.cell_value) for h in hits] == [(2, ref.column, missing)]


def test_refused_new_version_of_a_stored_lesson_keeps_the_stored_one(ingest_tiny, tiny, tmp_path):
    db = tmp_path / "lessons.duckdb"
    assert ingest_tiny(tiny, db=db).status == "loaded"
    tiny["export"][0]["exported_at"] = "02.06.2026 20:00"
    tiny["lessons"][3]["lesson_date"] = "03.11.2025"  # L4 moved onto the autumn holidays
    tiny["marks"][4]["mark_value"] = "3"
    result = ingest_tiny(tiny, db=db)
    assert {(i.file_name, i.rule_code) for i in result.issues} == {
        ("lessons.csv", "lesson_on_holiday"),
        ("marks.csv", "lesson_refused"),
        ("attendance.csv", "lesson_refused"),
    }
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("select lesson_date from src_lessons where lesson_id = 'L4'").fetchone()[0]
        mark = con.execute("select mark_value from src_marks where mark_id = 'M5'").fetchone()[0]
    assert (str(stored), mark) == ("2025-11-10", "2")


def test_duplicates_are_found_across_read_batches(ingest_tiny, tiny):
    tiny["marks"].append({**tiny["marks"][0], "mark_value": "3"})  # M1 again, 5 rows later
    result = ingest_tiny(tiny, batch_rows=2)
    hits = sorted((i.row_number, i.rule_code) for i in result.issues if i.file_name == "marks.csv")
    assert hits == [(2, "duplicate"), (3, "lesson_refused"), (7, "duplicate")]
