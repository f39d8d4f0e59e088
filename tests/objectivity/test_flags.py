"""The objectivity flags find exactly the cases the generator planted and recorded (precision and
recall 1 per rule), and the thresholds come from the school's norms."""

from __future__ import annotations

import polars as pl
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from warehouse.db import connect
from warehouse.objectivity import FLAG_TITLES, flags, padding
from warehouse.objectivity_norms import ObjectivityNorms

KEY = ["rule", "teacher_id", "class_id", "subject_id", "pupil_id", "period_id"]
DEPUTY = Viewer("zavuch", Role.DEPUTY, "sch-0001")


def _keys(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select(KEY).iter_rows())


def test_flags_find_every_planted_case_and_nothing_else(school, capsys):
    with connect(school.db, read_only=True) as con:
        found = flags(con, DEPUTY, ObjectivityNorms())
    lines = ["правило                              найдено  заложено  точность  полнота"]
    for rule in FLAG_TITLES:
        planted = _keys(school.planted.filter(pl.col("rule") == rule))
        got = _keys(found.filter(pl.col("rule") == rule))
        assert planted, f"the generated school has no planted case of {rule}: the test would prove nothing"
        hits = len(planted & got)
        precision, recall = hits / len(got) if got else 0.0, hits / len(planted)
        lines.append(f"{rule:<37}{len(got):>7}{len(planted):>10}{precision:>10.2f}{recall:>9.2f}")
        assert got == planted, rule
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_rounding_threshold_is_the_schools_setting(school):
    """With the .5 rule (some schools) a mark is judged against a different rounding: the flags follow."""
    raw = school.frames
    weights = dict(raw["work_types"].select("work_type_id", "weight").iter_rows())
    with connect(school.db, read_only=True) as con:
        half = flags(con, DEPUTY, ObjectivityNorms(rounding_threshold=0.5))
    # Independent weighted averages from the raw CSV for every flagged pair.
    lessons = raw["lessons"].select("lesson_id", "lesson_date", "class_id")
    periods = raw["periods"].select("period_id", "start_date", "end_date")
    judged = half.filter(pl.col("rule").is_in(["final_mark_raised", "final_mark_lowered"]))
    assert judged.height > 2  # marks rounded at .65 look lowered under the .5 rule
    for row in judged.iter_rows(named=True):
        period = periods.filter(pl.col("period_id") == row["period_id"]).row(0, named=True)
        marks = (
            raw["marks"]
            .filter(pl.col("pupil_id") == row["pupil_id"])
            .join(lessons, on="lesson_id")
            .join(raw["lessons"].select("lesson_id", "subject_id"), on="lesson_id")
            .filter(
                (pl.col("subject_id") == row["subject_id"])
                & pl.col("lesson_date").is_between(period["start_date"], period["end_date"])
            )
        )
        total = weight = 0.0
        for value, work_type, own in marks.select("mark_value", "work_type_id", "weight").iter_rows():
            w = own if own is not None else weights[work_type]
            for part in value.split("/"):
                total, weight = total + int(part) * w, weight + w
        average = total / weight
        rule_mark = 5 if average >= 4.5 else 4 if average >= 3.5 else 3 if average >= 2.5 else 2
        final = (
            raw["period_marks"]
            .filter(
                (pl.col("pupil_id") == row["pupil_id"])
                & (pl.col("subject_id") == row["subject_id"])
                & (pl.col("period_id") == row["period_id"])
            )
            .row(0, named=True)["mark_value"]
        )
        expected = "final_mark_raised" if int(final) > rule_mark else "final_mark_lowered"
        assert int(final) != rule_mark and row["rule"] == expected


@pytest.mark.parametrize("ratio", [2.0, 1000.0])
def test_padding_ratio_is_a_setting(school, ratio):
    with connect(school.db, read_only=True) as con:
        units = padding(con, DEPUTY, ObjectivityNorms(padding_ratio=ratio))
    assert units.height > 0
    assert units["is_padding"].sum() == (1 if ratio == 2.0 else 0)


def test_roles_without_pupils_get_no_flags(school):
    with connect(school.db, read_only=True) as con:
        for role in (Role.DIRECTOR, Role.PARENT_COUNCIL, Role.ADMIN):
            assert flags(con, Viewer("x", role, "sch-0001"), ObjectivityNorms()).is_empty()


def test_unknown_objectivity_setting_is_refused(tmp_path):
    from ejournal.settings import load_norms

    path = tmp_path / "norms.toml"
    path.write_text("[objectivity]\nvpr_min_participant = 10\n", encoding="utf-8")
    with pytest.raises(ValueError, match="vpr_min_participant"):
        ObjectivityNorms.of(load_norms(path))
