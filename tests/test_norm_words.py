"""Norms for people: every source is a document's title, values carry units, and the «не тема» rule
goes from phrases to the stored regular expression and back without changing what it matches."""

from __future__ import annotations

import re
from dataclasses import fields

import duckdb
import pytest

from ejournal.norm_words import (
    TopicWords,
    pattern_from_words,
    source_title,
    unit_text,
    words_from_pattern,
    words_from_text,
)
from ejournal.settings import DEFAULT_NORMS_FILE, NORM_SECTIONS, Norms


def test_every_source_is_titled_without_seed_codes():
    sources = [spec.metadata["source"] for _, cls in NORM_SECTIONS.values() for spec in fields(cls)]
    titles = [source_title(source) for source in sources]
    assert [t for t in titles if "§" in t or re.search(r"\b\d{3}\b", t)] == []
    assert source_title("000 §4.4.1; 004 §8, §12") == (
        "Положение о ведении электронного журнала (локальный акт школы), п. 4.4.1; "
        "Порядок ведения электронного журнала и электронного дневника (локальный акт школы), п. 8, 12"
    )
    assert source_title("004, табл. 3.4").endswith("(локальный акт школы), табл. 3.4")
    comments = [line for line in DEFAULT_NORMS_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert [c for c in comments if "§" in c or "shared/" in c] == []


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(1, "days", "1 день"), (2, "days", "2 дня"), (11, "days", "11 дней"), (21, "days", "21 день"),
     (1.5, "times", "1,5 раза"), (18, "clock", "18:00"), (0.1, "share", "10 %"), (2, "grade", "2-й класс")],
)  # fmt: skip
def test_numbers_carry_their_units(value, unit, text):
    assert unit_text(value, unit) == text


def _matches(pattern: str, topics: list[str]) -> list[bool]:
    with duckdb.connect() as con:  # the engine of the control rule topic_not_a_topic
        return [con.execute("select regexp_matches(?, ?)", [t, pattern]).fetchone()[0] for t in topics]


TOPICS = ["Урок", "урок.", "ТЕМА", "Контрольная работа №12", "контрольная работа", "—", "--", "Урок 1", "Тема: дроби",
          "контрольная работа по теме", "(урок)", "урок?", ""]  # fmt: skip


def test_default_rule_round_trips_through_phrases():
    default = Norms().attestation.not_a_topic_pattern
    words = words_from_pattern(default)
    assert words == TopicWords(("урок", "тема", "контрольная работа", "контрольная работа № …"), True)
    again = pattern_from_words(words)
    assert words_from_pattern(again) == words
    assert _matches(again, TOPICS) == _matches(default, TOPICS)
    assert _matches(default, TOPICS) == [True] * 7 + [False] * 6


def test_phrases_with_regex_signs_are_matched_literally():
    pattern = pattern_from_words(words_from_text("(урок)\nурок?\n", dashes_only=False))
    assert words_from_pattern(pattern).phrases == ("(урок)", "урок?")
    assert _matches(pattern, TOPICS) == [False] * 10 + [True, True, False]


def test_a_hand_written_rule_is_not_turned_into_phrases():
    assert words_from_pattern(r"(?i)^\s*(урок|тем[аы])\s*\.?\s*$") is None
    assert words_from_pattern(r"^урок$") is None
    with pytest.raises(ValueError, match="пуст"):
        pattern_from_words(TopicWords((), False))
