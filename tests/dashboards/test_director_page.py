"""AppTest of «Директор» on the committed sample: figures against raw CSV counts, no names, the
deck's download buttons, refusal for teachers (the audited download itself: test_browser.py)."""

from __future__ import annotations

import pytest

from tests.dashboards.test_app_pages import direct, names, page_text, signed_in
from tests.report_templates.test_presentation import expected_attendance, expected_results, fmt, half_up


def open_page(login: str):
    at = signed_in(login)
    at.switch_page("app_pages/director.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("login", ["director", "sovet", "zavuch"])
def test_page_shows_the_period_against_raw_counts_without_names(dashboard_env, login):
    at = open_page(login)
    at.selectbox(key="director_period").select("2025-2026-q2").run()
    now, before = expected_results("2 четверть")[None], expected_results("1 четверть")[None]
    metrics = {m.label: m for m in at.metric}
    assert metrics["Качество знаний, %"].value == fmt(now["quality"])
    assert metrics["Успеваемость, %"].value == fmt(now["progress"])
    delta = round(round(now["quality"], 1) - round(before["quality"], 1), 1)
    assert metrics["Качество знаний, %"].delta == ("+" if delta > 0 else "-" if delta < 0 else "") + fmt(abs(delta))
    # no arrow for no change: a change of 0 as printed is «без изменений» (the sample's успеваемость)
    progress = half_up(now["progress"], 1) - half_up(before["progress"], 1)
    shown = "без изменений" if progress == 0 else ("+" if progress > 0 else "-") + fmt(abs(progress))
    assert metrics["Успеваемость, %"].delta == shown
    attendance = at.dataframe[3].value
    got = dict(zip(attendance["Посещаемость"], attendance["2 четверть"], strict=True))
    assert got == expected_attendance("2 четверть")
    text = page_text(at)
    assert not any(name in text for name in names().values())
    assert len(at.get("plotly_chart")) >= 4


def test_director_makes_the_deck_and_gets_both_downloads(dashboard_env):
    at = open_page("director")
    at.button(key="director_make").click().run()
    assert not at.exception, at.exception
    buttons = [b for b in at.get("download_button") if b.proto.label in ("Скачать PDF", "Скачать XLSX")]
    assert len(buttons) == 2


@pytest.mark.parametrize("login", ["uchitel", "klruk", "admin"])
def test_page_is_refused_to_other_roles(dashboard_env, login):
    at = direct("app_pages/director.py", login)
    assert "недоступна для вашей роли" in page_text(at)
    assert not at.get("plotly_chart")
