"""AppTest of the objectivity, ВПР and forecast pages on the committed sample, role by role.
Figures are checked against the raw CSV and the generator's planted cases."""

from __future__ import annotations

from tests.dashboards.conftest import raw
from tests.dashboards.test_app_pages import names, page_text, signed_in


def _planted(rule: str) -> list[dict]:
    import csv

    from tests.factories import SAMPLE

    with (SAMPLE / "_truth" / "planted.csv").open(encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f, delimiter=";") if r["rule"] == rule]


def test_deputy_sees_the_planted_objectivity_cases(dashboard_env):
    at = signed_in("zavuch")
    at.switch_page("app_pages/objectivity.py").run()
    assert not at.exception, at.exception
    flagged = at.dataframe[1].value
    everyone = names()
    expected = {
        everyone[r["pupil_id"]]
        for rule in ("final_mark_raised", "final_mark_lowered", "final_without_control_work")
        for r in _planted(rule)
    }
    assert set(flagged["Ученик"]) == expected
    padding = at.dataframe[2].value
    assert list(padding["Признак"]).count("накопление") == len(_planted("marks_padding_before_period_end")) == 1
    assert "Холма" in page_text(at)


def test_vpr_counts_match_the_raw_files_and_the_director_sees_no_pupils(dashboard_env):
    periods = {p["period_id"]: p for p in raw("periods")}

    def start(period_id: str) -> tuple:
        d, m, y = periods[period_id]["start_date"].split(".")
        return (y, m, d)

    journal = {}
    for m in raw("period_marks"):
        if m["mark_kind_code"] == "period":
            journal.setdefault((m["pupil_id"], m["subject_id"]), []).append(m)
    expected = {}
    for r in raw("external_results"):
        d, mo, y = r["assessment_date"].split(".")
        marks = [m for m in journal.get((r["pupil_id"], r["subject_id"]), []) if start(m["period_id"]) <= (y, mo, d)]
        if not marks or r["mark_value"] not in "2345":
            continue
        mark = max(marks, key=lambda m: start(m["period_id"]))["mark_value"]
        if mark in "2345":
            expected[r["subject_id"]] = expected.get(r["subject_id"], 0) + 1
    subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    for login in ("zavuch", "director", "sovet"):
        at = signed_in(login)
        at.switch_page("app_pages/vpr.py").run()
        assert not at.exception, at.exception
        table = at.dataframe[0].value
        assert dict(zip(table["Предмет"], table["Участников"].astype(int), strict=True)) == {
            subjects[k]: v for k, v in expected.items()
        }
        options = at.radio(key="vpr_level").options
        assert ("Учитель" in options) == (login == "zavuch")
        if login != "zavuch":
            assert not any(n in page_text(at) for n in names().values())


def test_forecast_page_for_each_role(dashboard_env):
    everyone = names()

    def ymd(text: str) -> tuple:
        d, m, y = text.split(".")
        return (y, m, d)

    last_lesson = max(ymd(lesson["lesson_date"]) for lesson in raw("lessons"))  # the page's default day
    pupils = {
        e["pupil_id"]
        for e in raw("enrolments")
        if ymd(e["start_date"]) <= last_lesson and (not e["end_date"] or ymd(e["end_date"]) >= last_lesson)
    }
    assert 0 < len(pupils) < len(raw("enrolments"))  # one pupil left in November: not forecast
    for login in ("zavuch", "klruk", "director", "sovet"):
        at = signed_in(login)
        at.switch_page("app_pages/forecast.py").run()
        assert not at.exception, (login, at.exception)
        classes = at.dataframe[0].value
        assert set(classes["Класс"]) == {"7А"} and set(classes["Учеников"]) == {str(len(pupils))}
        text = page_text(at)
        if login in ("zavuch", "klruk"):
            table = at.dataframe[-1].value
            assert set(table["Ученик"]) == {everyone[p] for p in pupils}
            shares = table[["«5», %", "«4», %", "«3», %", "«2», %", "н/а, %"]].sum(axis=1)
            assert shares.between(97, 103).all()  # rounded percentages of probabilities summing to 1
        else:
            assert not any(n in text for n in everyone.values())
    at = signed_in("zavuch")
    at.switch_page("app_pages/forecast.py").run()
    at.toggle(key="forecast_backtest").set_value(True).run()
    assert not at.exception
    assert "Брайер" in page_text(at) and "прошлый период" in page_text(at)
