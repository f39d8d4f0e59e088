"""«Отчет по активности пользователей» (000 §7.1) against the raw sample CSV: each teacher's days
of work, lessons held and filled in on the lesson day, lesson records, homework and marks entered
in the quarter, restated here from lessons.csv and marks.csv; formed through the catalogue by the
same call as every document, and by `ejournal report user-activity`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.catalogue import CATALOGUE, entries_for
from report_templates.choices import Choice
from report_templates.output import write
from report_templates.user_activity.context import TITLE, build
from tests.factories import raw
from tests.report_templates.pdf_checks import (
    assert_pages_inside_margins,
    assert_pdf_a,
    day,
    load_sample,
    moment,
    pdf_lines,
    period,
    teacher_short_names,
    xlsx_rows,
)

PERIOD = "2 четверть"
DEPUTY = Viewer("z", Role.DEPUTY, "sch-0001")


def expected_rows() -> list[list[str]]:
    """The printed row of each teacher, by name, and the total: from the raw lessons and marks."""
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])

    def inside(when: dt.date | None) -> bool:
        return when is not None and start <= when <= end

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    active: dict[str, set[dt.date]] = defaultdict(set)
    for lesson in raw("lessons"):
        teacher = lesson["replacing_teacher_id"] or lesson["teacher_id"]
        held_on = day(lesson["lesson_date"])
        entered = moment(lesson["lesson_entered_at"]).date() if lesson["lesson_entered_at"] else None
        homework = moment(lesson["homework_entered_at"]).date() if lesson["homework_entered_at"] else None
        if inside(held_on):
            counts[teacher]["held"] += 1
            counts[teacher]["same_day"] += entered == held_on
        for key, when in (("lessons", entered), ("homework", homework)):
            if inside(when):
                counts[teacher][key] += 1
                active[teacher].add(when)
    for mark in raw("marks"):
        when = moment(mark["entered_at"]).date() if mark["entered_at"] else None
        if mark["entered_by"] and inside(when):
            counts[mark["entered_by"]]["marks"] += 1
            active[mark["entered_by"]].add(when)

    def printed(name: str, c: dict[str, int], days: int, last: dt.date | None) -> list[str]:
        # % filled on the lesson day: one decimal, rounded half up (DOMAIN.md)
        share = Decimal(100 * c["same_day"]) / Decimal(c["held"]) if c["held"] else None
        pct = "—" if share is None else str(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")
        when = last.strftime("%d.%m.%Y") if last else "—"
        figures = [days, c["held"], c["same_day"], pct, c["lessons"], c["homework"], c["marks"], when]
        return [name, *map(str, figures)]

    names = teacher_short_names()
    rows = [
        printed(names[t], counts[t], len(active[t]), max(active[t], default=None))
        for t in sorted(names, key=lambda t: (names[t], t))
    ]
    total: dict[str, int] = defaultdict(int)
    for c in counts.values():
        for key, value in c.items():
            total[key] += value
    last = max((max(days) for days in active.values() if days), default=None)
    rows.append(printed("Всего", total, sum(len(days) for days in active.values()), last))
    return rows


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    db = load_sample(tmp_path_factory)
    out = tmp_path_factory.mktemp("ua")
    with duckdb.connect(str(db), read_only=True) as con:
        made = write(con, DEPUTY, "user-activity", Choice(period_name=PERIOD), out, ["pdf", "xlsx"])
    return db, made


def test_each_teacher_and_the_total_match_the_raw_lessons_and_marks(rendered, tmp_path):
    _, made = rendered
    pdf, xlsx = made.paths
    assert (pdf.name, xlsx.name) == (
        "активность-пользователей-2-четверть.pdf",
        "активность-пользователей-2-четверть.xlsx",
    )
    assert (made.class_name, made.period_name) == ("вся школа", PERIOD)
    expected = expected_rows()
    assert len(expected) == len(raw("teachers")) + 1
    assert any(row[2] != "0" for row in expected[:-1]) and expected[-1][7] != "0"  # not a table of zeros
    lines = pdf_lines(pdf)
    for row in expected:
        assert " ".join(row) in lines, row
    assert [r for r in xlsx_rows(xlsx) if r[0] in {row[0] for row in expected}] == expected
    assert_pdf_a(pdf, TITLE)
    assert_pages_inside_margins(pdf, tmp_path)


def test_roles(rendered):
    db, _ = rendered
    teacher = raw("lessons")[0]["teacher_id"]
    with duckdb.connect(str(db), read_only=True) as con:
        for role in (Role.CLASS_TEACHER, Role.PARENT_COUNCIL, Role.ADMIN):
            with pytest.raises(AccessError, match="доступен заместителю директора"):
                build(con, Viewer("x", role, "sch-0001", teacher), PERIOD)
        own = build(con, Viewer("t", Role.TEACHER, "sch-0001", teacher), PERIOD)
        director = build(con, Viewer("d", Role.DIRECTOR, "sch-0001"), PERIOD)
    assert [row[0] for row in own.sections[0].rows] == [teacher_short_names()[teacher]]
    assert [row[0] for row in director.sections[0].rows] == [row[0] for row in expected_rows()]
    assert CATALOGUE["user-activity"] in entries_for(DEPUTY)
    assert CATALOGUE["user-activity"] not in entries_for(Viewer("k", Role.CLASS_TEACHER, "sch-0001", teacher))


def test_the_command_line_forms_it_through_the_catalogue(rendered, tmp_path):
    db, _ = rendered
    outcome = CliRunner().invoke(
        app, ["report", "user-activity", "--period", PERIOD, "--format", "pdf", "--out", str(tmp_path), "--db", str(db)]
    )
    assert outcome.exit_code == 0, outcome.output
    (pdf,) = tmp_path.iterdir()
    assert " ".join(expected_rows()[-1]) in pdf_lines(pdf)
