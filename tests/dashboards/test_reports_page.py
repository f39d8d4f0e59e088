"""«Отчёты» under AppTest: which documents each role is offered, the class teacher limited to their
own class, a document formed and downloaded (and both steps in the audit log), figures in the
formed PDF against the raw sample CSV."""

from __future__ import annotations

import datetime as dt
import subprocess

from ejournal.access.accounts import Role
from ejournal.access.audit import read_events
from report_templates.catalogue import ENTRIES as OFFERS
from tests.dashboards.conftest import ACCOUNTS, offered_download, raw
from tests.dashboards.test_app_pages import direct, names, page_text, signed_in

PAGE = "app_pages/reports.py"


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def test_offers_by_role(dashboard_env):
    for login, expected in (
        ("zavuch", {o.kind for o in OFFERS}),
        ("klruk", {o.kind for o in OFFERS if Role.CLASS_TEACHER in o.roles}),
    ):
        at = signed_in(login)
        at.switch_page(PAGE).run()
        assert not at.exception, at.exception
        assert set(at.selectbox(key="reports_kind").options) == {o.title for o in OFFERS if o.kind in expected}
        assert at.selectbox(key="reports_class").options == [c["class_name"] for c in raw("classes")]
    assert {"occupancy", "movement-dynamics", "journal-analysis"} & {
        o.kind for o in OFFERS if Role.CLASS_TEACHER in o.roles
    } == set()


def test_roles_without_the_page_are_refused(dashboard_env):
    for login in ("director", "sovet", "uchitel", "admin"):
        at = direct(PAGE, login)
        assert "недоступна для вашей роли" in page_text(at), login
        assert not at.selectbox


def test_a_class_teacher_of_another_class_gets_nothing(dashboard_env):
    from streamlit.testing.v1 import AppTest

    from dashboards.auth import SESSION_KEY
    from ejournal.access.session import Session
    from ejournal.access.viewer import Viewer
    from tests.dashboards.test_app_pages import APP

    other = next(t["teacher_id"] for t in raw("teachers") if t["teacher_id"] != ACCOUNTS["klruk"][1])
    at = AppTest.from_file(str(APP.parent / PAGE), default_timeout=60)
    at.session_state[SESSION_KEY] = Session(Viewer("k2", Role.CLASS_TEACHER, "sch-0001", other), dt.datetime.now())
    at.run()
    assert "нет доступных классов" in page_text(at)
    assert not any(n in page_text(at) for n in names().values())


def test_class_teacher_forms_and_downloads_the_movement_ledger(dashboard_env, downloads, tmp_path):
    _, access = dashboard_env
    at = signed_in("klruk")
    at.switch_page(PAGE).run()
    at.selectbox(key="reports_period").select("2 четверть").run()
    at.selectbox(key="reports_kind").select("Сводная ведомость учета движения учащихся").run()
    at.button(key="reports_make").click().run()
    assert not at.exception, at.exception
    assert len(at.download_button) == 2
    pdf_bytes, xlsx_bytes = at.session_state["reports_result"][1]
    assert pdf_bytes.startswith(b"%PDF") and xlsx_bytes.startswith(b"PK")
    period = next(p for p in raw("periods") if p["period_name"] == "2 четверть")

    def d(text):
        return dt.datetime.strptime(text, "%d.%m.%Y").date()

    start, end = d(period["start_date"]), d(period["end_date"])
    rows = raw("enrolments")
    counts = [
        sum(d(e["start_date"]) <= start and (not e["end_date"] or d(e["end_date"]) >= start) for e in rows),
        sum(start < d(e["start_date"]) <= end for e in rows),
        sum(bool(e["end_date"]) and start <= d(e["end_date"]) < end for e in rows),
        sum(d(e["start_date"]) <= end and (not e["end_date"] or d(e["end_date"]) >= end) for e in rows),
    ]
    assert " ".join(map(str, counts)) in pdf_text(pdf_bytes, tmp_path).splitlines()
    assert offered_download(downloads, key="reports_pdf").deliver() == pdf_bytes
    events = [e for e in read_events(access) if e.actor_login == "klruk"]
    assert any(e.event_code == "report" and e.object_text == "movement" for e in events)
    assert any(e.event_code == "download" and e.object_text == "movement.pdf" for e in events)
    # the log holds identifiers, never a pupil's name
    assert not any(n in str(e.details) for e in events for n in names().values())


def test_deputy_forms_a_parent_statement(dashboard_env, tmp_path):
    at = signed_in("zavuch")
    at.switch_page(PAGE).run()
    at.selectbox(key="reports_kind").select("Выписка из электронного журнала для родителей").run()
    pupil_id = at.selectbox(key="reports_pupil").options[0]
    pupil = at.selectbox(key="reports_pupil").value
    at.date_input(key="reports_dates").set_value((dt.date(2026, 4, 6), dt.date(2026, 4, 12))).run()
    at.button(key="reports_make").click().run()
    assert not at.exception, at.exception
    text = pdf_text(at.session_state["reports_result"][1][0], tmp_path)
    assert "с 06.04.2026 по 12.04.2026" in text
    assert pupil in text or pupil_id in text
