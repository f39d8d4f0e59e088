"""«Результаты контрольных работ» and the archival journal printout against the raw sample CSV;
a class of 40 pupils with long names still fits the printout's pages."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from report_templates.choices import Choice
from report_templates.control_works.context import build as build_control_works
from report_templates.journal_printout.context import build as build_printout
from report_templates.output import write
from tests.factories import raw, tiny_export, write_export
from tests.report_templates.pdf_checks import (
    assert_pages_inside_margins,
    assert_pdf_a,
    comma,
    day,
    full_names,
    load_sample,
    moment,
    numeric_parts,
    pdf_lines,
    period,
    xlsx_rows,
    xlsx_sections,
)

PERIOD = "2 четверть"
DEPUTY = Viewer("z", Role.DEPUTY, "sch-0001")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    db = load_sample(tmp_path_factory)
    out = tmp_path_factory.mktemp("cw")
    with duckdb.connect(str(db), read_only=True) as con:
        works = write(con, DEPUTY, "control-works", Choice("7А", PERIOD), out, ["pdf", "xlsx"]).paths
        printouts = [
            path
            for subject in ("Русский язык", "Английский язык")  # a whole-class subject and a split one
            for path in write(
                con, DEPUTY, "journal-printout", Choice("7А", PERIOD, subject_name=subject), out, ["pdf", "xlsx"]
            ).paths
        ]
    return db, works, printouts


def on_roster(lesson: dict[str, str]) -> set[str]:
    when = day(lesson["lesson_date"])
    rows, key, value = (
        (raw("group_members"), "group_id", lesson["group_id"])
        if lesson["group_id"]
        else (raw("enrolments"), "class_id", lesson["class_id"])
    )
    return {
        r["pupil_id"]
        for r in rows
        if r[key] == value and day(r["start_date"]) <= when and (not r["end_date"] or day(r["end_date"]) >= when)
    }


def figures(parts: list[int]) -> list[str]:
    n5, n4, n3 = parts.count(5), parts.count(4), parts.count(3)
    n2 = sum(p <= 2 for p in parts)
    return [
        str(n5),
        str(n4),
        str(n3),
        str(n2),
        comma(100 * (n5 + n4 + n3) / len(parts)),
        comma(100 * (n5 + n4) / len(parts)),
        comma(sum(parts) / len(parts), 2),
    ]


def expected_control_works() -> dict[str, list[list[str]]]:
    """Subject → rows (label, date, expected, wrote, n5, n4, n3, n2, успеваемость, качество, средний)."""
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    control = {w["work_type_id"] for w in raw("work_types") if w["is_control"] == "да"}
    lessons = {les["lesson_id"]: les for les in raw("lessons")}
    subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    by_lesson: dict[str, list[tuple[str, int]]] = {}
    for m in raw("marks"):
        if m["work_type_id"] in control:
            for v in numeric_parts(m["mark_value"]):
                by_lesson.setdefault(m["lesson_id"], []).append((m["pupil_id"], v))
    result: dict[str, list[list[str]]] = {}
    for subject_id, name in subjects.items():
        works = sorted(
            (day(lessons[lid]["lesson_date"]), lid)
            for lid in by_lesson
            if lessons[lid]["subject_id"] == subject_id and day(lessons[lid]["lesson_date"]) <= end
        )
        before = [w for w in works if w[0] < start][-1:]
        current = [w for w in works if w[0] >= start]
        rows = []
        for label, (when, lid) in [("предыдущая", w) for w in before] + [
            (f"№ {i}", w) for i, w in enumerate(current, 1)
        ]:
            marks = by_lesson[lid]
            parts = [v for _, v in marks]
            wrote = len({pupil for pupil, _ in marks})
            rows.append([label, f"{when:%d.%m.%Y}", str(len(on_roster(lessons[lid]))), str(wrote), *figures(parts)])
        result[name] = rows
    return result


def test_control_works_match_the_raw_marks(rendered):
    _, (pdf, xlsx), _ = rendered
    expected = expected_control_works()
    assert sum(len(rows) for rows in expected.values()) > 10
    lines = pdf_lines(pdf)
    sheet = {(r[0], r[1], *r[5:]) for r in xlsx_rows(xlsx) if len(r) > 10}
    for subject, rows in expected.items():
        assert subject in lines
        for row in rows:
            assert any(line.endswith(" ".join(row[2:])) for line in lines), (subject, row)
            assert tuple(row) in sheet, (subject, row)


def test_control_works_show_the_period_marks(rendered):
    _, (pdf, xlsx), _ = rendered
    p = period(PERIOD)
    end = day(p["end_date"])
    roll = {
        e["pupil_id"]
        for e in raw("enrolments")
        if day(e["start_date"]) <= end and (not e["end_date"] or day(e["end_date"]) >= end)
    }
    lines = pdf_lines(pdf)
    for subject in raw("subjects"):
        values = [
            m["mark_value"]
            for m in raw("period_marks")
            if m["subject_id"] == subject["subject_id"]
            and m["period_id"] == p["period_id"]
            and m["mark_kind_code"] == "period"
            and m["pupil_id"] in roll
            and m["mark_value"] in ("1", "2", "3", "4", "5", "н/а")
        ]
        numeric = [int(v) for v in values if v != "н/а"]
        n5, n4, n3, n2 = numeric.count(5), numeric.count(4), numeric.count(3), sum(v <= 2 for v in numeric)
        n = len(values)
        tail = [
            str(n),
            str(n5),
            str(n4),
            str(n3),
            str(n2),
            comma(100 * (n5 + n4 + n3) / n),
            comma(100 * (n5 + n4) / n),
            comma(sum(numeric) / len(numeric), 2),
        ]
        assert any(line.endswith(" ".join(tail)) for line in lines), (subject["subject_name"], tail)
        sheet = xlsx_sections(xlsx)[subject["subject_name"]]
        assert ["за период", f"{end:%d.%m.%Y}", "", f"отметки за {PERIOD}", "", tail[0], "", *tail[1:]] in sheet


def expected_printout(subject_name: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(pupil name → grid cells in lesson order, pupil name → [missed, excused, illness, late, period mark])."""
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    subject_id = next(s["subject_id"] for s in raw("subjects") if s["subject_name"] == subject_name)
    groups = {g["group_id"]: g["group_name"] for g in raw("groups")}
    lessons = sorted(
        (les for les in raw("lessons") if les["subject_id"] == subject_id and start <= day(les["lesson_date"]) <= end),
        key=lambda les: (
            groups.get(les["group_id"], ""),
            day(les["lesson_date"]),
            int(les["lesson_number"]),
            les["lesson_id"],
        ),
    )
    codes = {(a["pupil_id"], a["lesson_id"]): a["absence_code"] for a in raw("attendance") if a["absence_code"]}
    marks: dict[tuple[str, str], list[dict[str, str]]] = {}
    for m in raw("marks"):
        marks.setdefault((m["pupil_id"], m["lesson_id"]), []).append(m)
    names = full_names()
    period_marks = {
        m["pupil_id"]: m["mark_value"]
        for m in raw("period_marks")
        if m["subject_id"] == subject_id and m["period_id"] == p["period_id"] and m["mark_kind_code"] == "period"
    }
    cells: dict[tuple[str, str], str] = {}
    summary: dict[str, list[int]] = {}
    for les in lessons:
        roster = on_roster(les)
        for pupil in roster | {pupil for pupil, lid in marks if lid == les["lesson_id"]}:
            code = codes.get((pupil, les["lesson_id"]), "") if pupil in roster else ""
            given = sorted(
                marks.get((pupil, les["lesson_id"]), []), key=lambda m: (moment(m["entered_at"]), m["mark_id"])
            )
            cells[(names[pupil], les["lesson_id"])] = " ".join(
                x for x in (code, *(m["mark_value"] for m in given)) if x
            )
            s = summary.setdefault(names[pupil], [0, 0, 0, 0])
            s[0] += code in ("н", "у", "б")
            s[1] += code in ("у", "б")
            s[2] += code == "б"
            s[3] += code == "оп"
    # per subgroup (the whole class when not split): a pupil who was not on the list on a date has a blank cell
    grid: dict[str, list[str]] = {}
    for group in sorted({les["group_id"] for les in lessons}, key=lambda g: groups.get(g, "")):
        mine = [les for les in lessons if les["group_id"] == group]
        for name in summary:
            if any((name, les["lesson_id"]) in cells for les in mine):
                grid.setdefault(name, []).extend(cells.get((name, les["lesson_id"]), "") for les in mine)
    ids = {v: k for k, v in names.items()}
    return grid, {name: [*map(str, s), period_marks.get(ids[name], "")] for name, s in summary.items()}


@pytest.mark.parametrize("subject", ["Русский язык", "Английский язык"])
def test_printout_grid_and_attendance_match_the_raw_export(rendered, subject):
    _, _, printouts = rendered
    pdf = next(p for p in printouts if p.suffix == ".pdf" and subject.replace(" ", "-") in p.name)
    xlsx = pdf.with_suffix(".xlsx")
    grid, summary = expected_printout(subject)
    lines = pdf_lines(pdf)
    for name, row in summary.items():
        assert any(line.endswith(f"{name} {' '.join(x for x in row if x)}") for line in lines), (name, row)
    rows = xlsx_rows(xlsx)
    for name, row in summary.items():
        assert any(r[1:] == [name, *row] or r[1:] == [name, *row[:-1]] for r in rows if r[0].isdigit()), (name, row)
    # the grid, spread by spread, blanks included: each pupil's cells equal the raw marks and codes
    got: dict[str, list[str]] = {}
    for title, section in xlsx_sections(xlsx).items():
        if "Отметки и посещаемость" in title:
            for r in section:
                got.setdefault(r[1], []).extend(r[2:])
    assert set(got) == set(grid)
    for name, cells in grid.items():
        assert got[name] == [*cells, *([summary[name][-1]] if len(got[name]) > len(cells) else [])]
        assert len(got[name]) == len(cells) + 1  # the period mark column of the last spread
    compact = {line.replace(" ", "") for line in lines}
    assert any(name.replace(" ", "") in line for line in compact for name in grid)


def test_printout_pdf_a_and_margins(rendered, tmp_path):
    _, (works, _), printouts = rendered
    assert_pdf_a(works, "Результаты контрольных работ")
    assert_pages_inside_margins(works, tmp_path)
    for pdf in (p for p in printouts if p.suffix == ".pdf"):
        assert_pdf_a(pdf, "Электронный журнал: архивная копия")
        n = assert_pages_inside_margins(pdf, tmp_path)
        assert f"стр. {n} из {n}" in " ".join(pdf_lines(pdf))


def test_a_class_of_40_pupils_with_long_names_fits(tmp_path):
    data = tiny_export()
    first = data["pupils"][0]
    data["pupils"] = [
        {
            **first,
            "pupil_id": f"p{i}",
            "last_name": f"Константинопольская-Верхнеудинская{i}",
            "first_name": "Александра",
            "middle_name": "Вячеславовна",
        }
        for i in range(40)
    ]
    data["enrolments"] = [{**data["enrolments"][0], "pupil_id": f"p{i}"} for i in range(40)]
    data["group_members"] = [{**data["group_members"][0], "pupil_id": f"p{i}"} for i in range(20)]
    lesson = data["lessons"][0]
    days = [d for d in (dt.date(2025, 9, 1) + dt.timedelta(days=k) for k in range(50)) if d.weekday() < 5][:24]
    data["lessons"] = [
        {
            **lesson,
            "lesson_id": f"L{k}",
            "lesson_date": f"{d:%d.%m.%Y}",
            "topic": "Очень длинная тема урока " * 4,
            "lesson_entered_at": f"{d:%d.%m.%Y} 14:00",
            "homework_entered_at": f"{d:%d.%m.%Y} 14:05",
        }
        for k, d in enumerate(days)
    ]
    data["marks"] = [
        {
            **data["marks"][0],
            "mark_id": f"M{k}-{i}",
            "pupil_id": f"p{i}",
            "lesson_id": f"L{k}",
            "mark_value": "4/5",
            "entered_at": f"{d:%d.%m.%Y} 14:01",
        }
        for k, d in enumerate(days)
        for i in range(40)
    ]
    data["attendance"], data["mark_changes"], data["period_marks"], data["external_results"] = [], [], [], []
    db = tmp_path / "w.duckdb"
    (result,) = ingest_path(write_export(data, tmp_path / "e"), db)
    assert result.status == "loaded", result.issues[:3]
    with duckdb.connect(str(db), read_only=True) as con:
        doc = build_printout(con, Viewer("z", Role.DEPUTY, "sch-test"), "5А", "1 четверть", "Математика")
        from report_templates.journal_printout.render import pdf as write_pdf

        path = write_pdf(doc, tmp_path / "big.pdf")
    assert len(doc.sections) == 5  # two spreads of a marks page and a topics page, then the attendance
    assert assert_pages_inside_margins(path, tmp_path) >= 5
    assert "Константинопольская-Верхнеудинская39" in " ".join(pdf_lines(path))


def test_roles(rendered):
    db, _, _ = rendered
    group = raw("groups")[0]
    teacher = Viewer("t", Role.TEACHER, "sch-0001", group["teacher_id"])
    subject = next(s["subject_name"] for s in raw("subjects") if s["subject_id"] == group["subject_id"])
    with duckdb.connect(str(db), read_only=True) as con:
        for viewer in (Viewer("d", Role.DIRECTOR, "sch-0001"), Viewer("s", Role.PARENT_COUNCIL, "sch-0001")):
            with pytest.raises(AccessError):
                build_control_works(con, viewer, "7А", PERIOD)
            with pytest.raises(AccessError):
                build_printout(con, viewer, "7А", PERIOD, subject)
        # a subgroup teacher: only their subgroup's control works and journal
        works = build_control_works(con, teacher, "7А", PERIOD)
        assert [s.title for s in works.sections] == [subject]
        assert {r[2] for r in works.sections[0].rows if r[0] != "за период"} == {group["group_name"]}
        printout = build_printout(con, teacher, "7А", PERIOD, subject)
        assert all(group["group_name"] in s.title for s in printout.sections[:-1])
        other = next(s["subject_name"] for s in raw("subjects") if s["subject_id"] != group["subject_id"])
        with pytest.raises(AccessError, match="Нет доступных вам уроков"):
            build_printout(con, teacher, "7А", PERIOD, other)
