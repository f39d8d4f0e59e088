"""Pupil movement: class ledger, occupancy and the school's dynamics against the raw enrolments."""

from __future__ import annotations

import duckdb
import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.choices import Choice
from report_templates.movement.context import build_dynamics, build_ledger, build_occupancy
from report_templates.output import write
from tests.factories import raw
from tests.report_templates.pdf_checks import (
    assert_pages_inside_margins,
    assert_pdf_a,
    day,
    full_names,
    load_sample,
    pdf_lines,
    period,
    xlsx_rows,
)

PERIOD = "2 четверть"
DEPUTY = Viewer("z", Role.DEPUTY, "sch-0001")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return load_sample(tmp_path_factory)


def expected_counts() -> list[int]:
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])

    def on_roll(e, on):
        return day(e["start_date"]) <= on and (not e["end_date"] or day(e["end_date"]) >= on)

    rows = raw("enrolments")
    arrived = [e for e in rows if start < day(e["start_date"]) <= end]
    left = [e for e in rows if e["end_date"] and start <= day(e["end_date"]) < end]
    return [sum(on_roll(e, start) for e in rows), len(arrived), len(left), sum(on_roll(e, end) for e in rows)]


@pytest.fixture(scope="module")
def rendered(sample_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("movement")
    with duckdb.connect(str(sample_db), read_only=True) as con:
        ledger = write(con, DEPUTY, "movement", Choice("7А", PERIOD), out, ["pdf", "xlsx"]).paths
        dynamics = write(con, DEPUTY, "movement-dynamics", Choice(period_name=PERIOD), out, ["pdf", "xlsx"]).paths
        occupancy = write(con, DEPUTY, "occupancy", Choice(period_name=PERIOD), out, ["pdf", "xlsx"]).paths
    return {"ledger": ledger, "dynamics": dynamics, "occupancy": occupancy}


def test_ledger_counts_and_events_match_the_raw_enrolments(rendered):
    pdf, xlsx = rendered["ledger"]
    counts = expected_counts()
    assert counts[0] + counts[1] - counts[2] == counts[3]
    lines = pdf_lines(pdf)
    assert " ".join(map(str, counts)) in lines
    assert [str(c) for c in counts] in xlsx_rows(xlsx)
    p = period(PERIOD)
    start, end = day(p["start_date"]), day(p["end_date"])
    names = full_names()
    events = []
    for e in raw("enrolments"):
        if start < day(e["start_date"]) <= end:
            events.append((day(e["start_date"]), names[e["pupil_id"]], "прибыл", e["arrival_reason"]))
        if e["end_date"] and start <= day(e["end_date"]) < end:
            events.append((day(e["end_date"]), names[e["pupil_id"]], "выбыл", e["departure_reason"]))
    assert events, "the sample has movement in the period"
    rows = xlsx_rows(xlsx)
    for n, (when, name, kind, reason) in enumerate(sorted(events), start=1):
        line = f"{n} {name} {kind} {when:%d.%m.%Y} {reason}"
        assert line in lines
        assert [str(n), name, kind, f"{when:%d.%m.%Y}", reason] in rows


def test_dynamics_and_occupancy_match_the_raw_enrolments(rendered):
    counts = " ".join(map(str, expected_counts()))
    pdf, xlsx = rendered["dynamics"]
    assert f"7А {counts}" in pdf_lines(pdf) and f"Итого {counts}" in pdf_lines(pdf)
    assert ["7А", *counts.split()] in xlsx_rows(xlsx)
    end = day(period(PERIOD)["end_date"])
    on_roll = {
        e["pupil_id"]
        for e in raw("enrolments")
        if day(e["start_date"]) <= end and (not e["end_date"] or day(e["end_date"]) >= end)
    }
    gender = {p["pupil_id"]: p["gender_code"] for p in raw("pupils")}
    boys = sum(gender[p] == "м" for p in on_roll)
    girls = sum(gender[p] == "ж" for p in on_roll)
    teacher = next(t for t in raw("teachers") if t["teacher_id"] == raw("classes")[0]["class_teacher_id"])
    teacher_name = f"{teacher['last_name']} {teacher['first_name']} {teacher['middle_name']}"
    pdf, xlsx = rendered["occupancy"]
    assert f"7А {teacher_name} {len(on_roll)} {boys} {girls}" in pdf_lines(pdf)
    assert ["7А", teacher_name, str(len(on_roll)), str(boys), str(girls)] in xlsx_rows(xlsx)
    assert f"на {end:%d.%m.%Y} ({PERIOD})" in pdf_lines(pdf)


def test_pdfs_are_pdf_a_and_inside_the_margins(rendered, tmp_path):
    titles = {
        "ledger": "Сводная ведомость учета движения учащихся",
        "dynamics": "Динамика движения обучающихся по школе",
        "occupancy": "Наполняемость классов",
    }
    for key, (pdf, _) in rendered.items():
        assert_pdf_a(pdf, titles[key])
        assert_pages_inside_margins(pdf, tmp_path)
        text = " ".join(pdf_lines(pdf))
        assert "стр. 1 из 1" in text and "Директор" in text and "М. П." in text


def test_roles(sample_db):
    teacher_id = raw("classes")[0]["class_teacher_id"]
    with duckdb.connect(str(sample_db), read_only=True) as con:
        assert build_ledger(con, Viewer("k", Role.CLASS_TEACHER, "sch-0001", teacher_id), "7А", PERIOD)
        for viewer in (
            Viewer("d", Role.DIRECTOR, "sch-0001"),
            Viewer("s", Role.PARENT_COUNCIL, "sch-0001"),
            Viewer("k2", Role.CLASS_TEACHER, "sch-0001", "t-other"),
            Viewer("t", Role.TEACHER, "sch-0001", raw("groups")[0]["teacher_id"]),
        ):
            with pytest.raises(AccessError):
                build_ledger(con, viewer, "7А", PERIOD)
        assert build_dynamics(con, Viewer("d", Role.DIRECTOR, "sch-0001"), PERIOD)
        for viewer in (
            Viewer("s", Role.PARENT_COUNCIL, "sch-0001"),
            Viewer("k", Role.CLASS_TEACHER, "sch-0001", teacher_id),
        ):
            with pytest.raises(AccessError, match="заместителю директора и директору"):
                build_occupancy(con, viewer, PERIOD)
        with pytest.raises(AccessError, match="Нет класса"):
            build_ledger(con, DEPUTY, "9Я", PERIOD)


def test_names_with_html_are_escaped_and_the_tiny_export_counts(tmp_path):
    from pipelines.ingest import ingest_path
    from report_templates.movement.render import html
    from tests.factories import tiny_export, write_export

    data = tiny_export()
    data["pupils"][2]["last_name"] = "<b>Жирный</b>"
    db = tmp_path / "w.duckdb"
    ingest_path(write_export(data, tmp_path / "e"), db)
    with duckdb.connect(str(db), read_only=True) as con:
        doc = build_ledger(con, Viewer("z", Role.DEPUTY, "sch-test"), "5А", "1 четверть")
    # by hand: p1 and p2 from 01.09 (the first day), p3 arrived 15.09 and stays
    assert doc.sections[0].rows == [[2, 1, 0, 3]]
    assert doc.sections[1].rows == [[1, "<b>Жирный</b> Глеб", "прибыл", "15.09.2025", "прибыл"]]
    page = html(doc)
    assert "&lt;b&gt;Жирный&lt;/b&gt;" in page and "<b>Жирный" not in page
