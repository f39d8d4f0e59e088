"""The journal-control pages under AppTest: their figures against counts this test makes itself
from the raw sample CSV and the generator's list of planted violations; the norms page saves,
audits and changes what the pages find."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict

from ejournal.access.audit import read_events
from tests.dashboards.conftest import raw
from tests.dashboards.test_app_pages import page_text, signed_in
from tests.factories import SAMPLE
from warehouse.control_rules import RULES


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text[:10], "%d.%m.%Y").date()


def _planted() -> Counter:
    with (SAMPLE / "_truth" / "planted.csv").open(encoding="utf-8-sig", newline="") as handle:
        return Counter(row["rule"] for row in csv.DictReader(handle, delimiter=";"))


def test_timeliness_page_counts_every_planted_case(dashboard_env):
    at = signed_in("zavuch")
    at.switch_page("app_pages/timeliness.py").run()
    assert not at.exception, at.exception
    text = page_text(at)
    planted = _planted()
    for code in ("mark_late", "lesson_late", "topic_missing", "topic_not_a_topic", "homework_missing",
                 "homework_late", "period_mark_outside_window", "change_after_edit_window",
                 "change_after_period_closed"):  # fmt: skip
        assert f"{RULES[code].title}: **{planted[code]}**" in text, code


def test_completeness_at_the_end_of_the_first_quarter(dashboard_env):
    """At the quarter's last day the norm is whole: 3 marks («4/5» = 2) for a pupil on the roll
    (or in the subgroup) for the whole quarter; computed here from the raw files."""
    q1 = next(p for p in raw("periods") if p["period_name"] == "1 четверть")
    start, end = _date(q1["start_date"]), _date(q1["end_date"])
    lessons = {row["lesson_id"]: row for row in raw("lessons")}
    marks = defaultdict(int)
    for mark in raw("marks"):
        lesson = lessons[mark["lesson_id"]]
        if start <= _date(lesson["lesson_date"]) <= end:
            marks[(mark["pupil_id"], lesson["subject_id"])] += len(mark["mark_value"].split("/"))
    attested = [c["subject_id"] for c in raw("curriculum") if c["is_attested"] == "да"]
    groups = {g["group_id"]: g for g in raw("groups")}
    split = {g["subject_id"] for g in groups.values()}

    def whole(row) -> bool:
        return _date(row["start_date"]) <= start and (not row["end_date"] or _date(row["end_date"]) >= start)

    enrolled = {e["pupil_id"] for e in raw("enrolments") if _date(e["start_date"]) <= end}
    expected = {}
    for subject in attested:
        if subject in split:
            for group_id, group in groups.items():
                members = {m["pupil_id"] for m in raw("group_members") if m["group_id"] == group_id and whole(m)}
                key = (subject, group["group_name"])
                expected[key] = (len(members), sum(marks[(p, subject)] >= 3 for p in members))
        else:
            expected[(subject, None)] = (len(enrolled), sum(marks[(p, subject)] >= 3 for p in enrolled))
    names = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}

    at = signed_in("zavuch")
    at.switch_page("app_pages/completeness.py").run()
    at.date_input(key="f_as_of").set_value(end).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    got = {
        (subject, group if group == group else None): (pupils, enough)
        for subject, group, pupils, enough in zip(
            table["Предмет"], table["Подгруппа"], table["Учеников"], table["С достаточным числом отметок"], strict=True
        )
    }
    assert got == {(names[s], g): v for (s, g), v in expected.items()}


def test_norms_page_saves_audits_and_changes_the_findings(dashboard_env, tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_HOME", str(tmp_path))
    monkeypatch.delenv("EJOURNAL_NORMS", raising=False)
    at = signed_in("zavuch")
    at.switch_page("app_pages/timeliness.py").run()
    before = page_text(at)
    at.switch_page("app_pages/norms.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="norm_timeliness_mark_edit_window_days").select(30)
    next(b for b in at.button if b.label == "Сохранить нормы").click().run()
    assert "mark_edit_window_days: 7 → 30" in at.success[0].value
    assert "mark_edit_window_days = 30" in (tmp_path / "norms.toml").read_text(encoding="utf-8")
    events = [e for e in read_events(dashboard_env[1]) if e.event_code == "norms_changed"]
    assert events and "timeliness.mark_edit_window_days" in str(events[-1].details)
    lessons = {row["lesson_id"]: _date(row["lesson_date"]) for row in raw("lessons")}
    late = sum((_date(c["changed_at"]) - lessons[c["lesson_id"]]).days > 30 for c in raw("mark_changes"))
    at.switch_page("app_pages/timeliness.py").run()
    title = RULES["change_after_edit_window"].title
    assert f"{title}: **{_planted()['change_after_edit_window']}**" in before
    assert f"{title}: **{late}**" in page_text(at)
