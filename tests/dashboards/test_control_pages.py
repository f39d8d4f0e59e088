"""The journal-control pages under AppTest: their figures against counts this test makes itself
from the raw sample CSV and the generator's list of planted violations; the norms page saves,
audits and changes what the pages find."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from urllib.parse import parse_qsl

from ejournal.access.audit import read_events
from tests.dashboards.conftest import raw
from tests.dashboards.test_app_pages import page_text, signed_in
from tests.factories import SAMPLE
from warehouse.control_rules import RULES
from warehouse.periods import YEAR


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text[:10], "%d.%m.%Y").date()


def _planted() -> Counter:
    with (SAMPLE / "_truth" / "planted.csv").open(encoding="utf-8-sig", newline="") as handle:
        return Counter(row["rule"] for row in csv.DictReader(handle, delimiter=";"))


def test_timeliness_page_counts_every_planted_case(dashboard_env):
    """Over the whole year («год»: the sample's every planted case is dated inside it)."""
    at = signed_in("zavuch")
    at.switch_page("app_pages/timeliness.py").run()
    at.selectbox(key="f_period").set_value(YEAR).run()
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
    at.selectbox(key="f_period").set_value(YEAR).run()  # every case of the year (kept across pages)
    before = page_text(at)
    at.switch_page("app_pages/norms.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="norm_timeliness_mark_edit_window_days").select(30)
    next(b for b in at.button if b.label == "Сохранить нормы").click().run()
    # the norm by its description and its values in words (it named the raw key «mark_edit_window_days: 7 → 30»)
    assert (
        "Окно редактирования отметки: сколько дней после урока её можно исправить: 7 дней (неделя) → 30 дней (месяц)"
        in at.success[0].value
    )
    assert "mark_edit_window_days = 30" in (tmp_path / "norms.toml").read_text(encoding="utf-8")
    events = [e for e in read_events(dashboard_env[1]) if e.event_code == "norms_changed"]
    assert events and "timeliness.mark_edit_window_days" in str(events[-1].details)
    lessons = {row["lesson_id"]: _date(row["lesson_date"]) for row in raw("lessons")}
    late = sum((_date(c["changed_at"]) - lessons[c["lesson_id"]]).days > 30 for c in raw("mark_changes"))
    at.switch_page("app_pages/timeliness.py").run()
    title = RULES["change_after_edit_window"].title
    assert f"{title}: **{_planted()['change_after_edit_window']}**" in before
    assert f"{title}: **{late}**" in page_text(at)


def _planted_days() -> list[tuple[str, str, dt.date]]:
    """(rule, teacher_id, the day the case is about) for every planted timeliness case, dated from the
    raw files: the lesson's date, the day a mark was changed, the day a period mark was entered."""
    lessons = {row["lesson_id"]: _date(row["lesson_date"]) for row in raw("lessons")}
    changed = {row["mark_id"]: _date(row["changed_at"]) for row in raw("mark_changes")}
    entered = {
        (row["pupil_id"], row["subject_id"], row["period_id"]): _date(row["entered_at"])
        for row in raw("period_marks")
        if row["mark_kind_code"] == "period"
    }
    with (SAMPLE / "_truth" / "planted.csv").open(encoding="utf-8-sig", newline="") as handle:
        planted = list(csv.DictReader(handle, delimiter=";"))
    days = []
    for case in planted:
        if case["rule"].startswith("change_after"):
            day = changed[case["mark_id"]]
        elif case["rule"] == "period_mark_outside_window":
            day = entered[(case["pupil_id"], case["subject_id"], case["period_id"])]
        elif case["lesson_id"]:
            day = lessons[case["lesson_id"]]
        else:
            continue  # attestation and absence findings are not timeliness cases
        days.append((case["rule"], case["teacher_id"], day))
    return days


def test_overview_compares_the_same_weekdays_and_names_the_teachers(dashboard_env):
    """On a Tuesday «Обзор» counts this Monday–Tuesday against last Monday–Tuesday (not last whole
    week), lists the teachers with the most timeliness remarks of this Monday–Tuesday, and each
    teacher's link opens «Своевременность» with just that teacher's cases of those days."""
    tuesday = dt.date(2025, 10, 7)
    this_days = {tuesday - dt.timedelta(days=1), tuesday}
    last_days = {day - dt.timedelta(days=7) for day in this_days}
    cases = _planted_days()
    this_week = Counter(rule for rule, _, day in cases if day in this_days)
    last_week = Counter(rule for rule, _, day in cases if day in last_days)
    assert this_week and last_week and this_week != last_week
    assert sum(this_week.values()) == sum(last_week.values())  # no change in total: no arrow
    short = {
        t["teacher_id"]: f"{t['last_name']} {t['first_name'][0]}."
        + (f" {t['middle_name'][0]}." if t["middle_name"] else "")
        for t in raw("teachers")
    }
    per_teacher = Counter(teacher for _, teacher, day in cases if day in this_days)
    expected_top = sorted(per_teacher.items(), key=lambda item: (-item[1], short[item[0]]))[:5]

    at = signed_in("zavuch")
    at.switch_page("app_pages/control_overview.py").run()
    at.date_input(key="f_as_of").set_value(tuesday).run()
    assert not at.exception, at.exception
    assert "пн–вт этой недели против пн–вт прошлой" in page_text(at)
    table = at.dataframe[0].value
    rows = dict(zip(table["Показатель"], zip(table["Эта неделя"], table["Прошлая неделя"], strict=True), strict=True))
    for code in set(this_week) | set(last_week):
        assert rows[RULES[code].title] == (this_week[code], last_week[code]), code

    # no attestation or absence finding falls on these days: the total is the timeliness cases', unchanged
    for code in set(RULES) - set(this_week) - set(last_week):
        assert rows[RULES[code].title] == (0, 0), code
    total = next(metric for metric in at.metric if metric.label == "Замечаний, пн–вт")
    assert (total.value, total.delta) == (str(sum(this_week.values())), "")

    links = [link for link in at.get("page_link") if link.proto.page == "timeliness" and link.proto.query_string]
    assert [link.proto.label for link in links] == [f"{short[t]} — {n}" for t, n in expected_top]

    teacher, count = expected_top[0]
    opened = dict(parse_qsl(links[0].proto.query_string))
    at.query_params.update(opened)
    at.switch_page("app_pages/timeliness.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="f_teacher").value == teacher
    shown = Counter()
    for frame in at.dataframe:
        shown.update(frame.value["Учитель"])
    assert shown == {short[teacher]: count}


def test_the_weekly_chart_draws_the_school_and_at_most_five_teachers(dashboard_env):
    """«Динамика по неделям»: the school as a whole first, then no more than five teachers, each of
    them a teacher of the sample (raw teachers.csv)."""
    at = signed_in("zavuch")
    at.switch_page("app_pages/teacher_activity.py").run()
    assert not at.exception, at.exception
    (chart,) = at.get("plotly_chart")
    names = [trace["name"] for trace in json.loads(chart.proto.spec)["data"]]
    short = {
        f"{t['last_name']} {t['first_name'][0]}." + (f" {t['middle_name'][0]}." if t["middle_name"] else "")
        for t in raw("teachers")
    }
    assert names[0] == "Школа в целом" and 1 <= len(names) - 1 <= 5
    assert set(names[1:]) <= short


def test_the_attendance_chart_names_each_class_as_people_write_it(dashboard_env):
    """The chart of a few classes is split by class; each part is titled «7А», not plotly's «Класс=7А»."""
    at = signed_in("zavuch")
    at.switch_page("app_pages/attendance.py").run()
    assert not at.exception, at.exception
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    titles = [note["text"] for chart in charts for note in chart["layout"].get("annotations", [])]
    assert titles and set(titles) <= {row["class_name"] for row in raw("classes")}, titles
