"""The teachers' comparison: p-values against scipy's own tests, Holm by hand, small groups never judged."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy import stats

from warehouse.objectivity_norms import ObjectivityNorms
from warehouse.teacher_marks import holm, mean_test, share_test, teacher_comparisons


def test_share_test_equals_chi_square_without_correction():
    table = [[18, 22], [6, 34]]
    _, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert share_test(18, 40, 6, 40) == pytest.approx(p, rel=1e-9)


def test_mean_test_equals_the_normal_welch_statistic():
    a, b = [5, 5, 4, 5, 4, 5, 5, 4] * 4, [4, 3, 4, 3, 4, 4, 3, 5] * 4
    z = (stats.tmean(a) - stats.tmean(b)) / math.sqrt(stats.tvar(a) / len(a) + stats.tvar(b) / len(b))
    p = mean_test(stats.tmean(a), stats.tvar(a), len(a), stats.tmean(b), stats.tvar(b), len(b))
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


def test_holm_by_hand():
    # sorted: 0.01·4 = 0.04, 0.02·3 = 0.06, 0.03·2 = 0.06 (kept monotone), 0.5·1 = 0.5
    assert holm([0.5, 0.01, 0.03, 0.02]) == pytest.approx([0.5, 0.04, 0.06, 0.06])


def _finals(teacher_marks: dict[str, list[int]]) -> pl.DataFrame:
    rows = []
    for teacher, marks in teacher_marks.items():
        for i, m in enumerate(marks):
            rows.append(
                {
                    "school_id": "s",
                    "period_id": "q1",
                    "period_name": "1 четверть",
                    "grade": 7,
                    "subject_id": "alg",
                    "subject_name": "Алгебра",
                    "teacher_id": teacher,
                    "teacher_name": teacher,
                    "mark_numeric": m,
                    "pupil_id": f"{teacher}{i}",
                }
            )
    return pl.DataFrame(rows)


def test_a_generous_teacher_is_flagged_and_a_small_group_never():
    generous = [5] * 20 + [4] * 5
    usual = [3] * 12 + [4] * 14 + [5] * 4
    result = teacher_comparisons(_finals({"A": generous, "B": usual, "C": usual}), ObjectivityNorms())
    flagged = dict(result.select("teacher_id", "is_different").iter_rows())
    assert flagged["A"] is True
    alike = teacher_comparisons(_finals({"B": usual, "C": usual}), ObjectivityNorms())
    assert alike["is_judged"].all() and not alike["is_different"].any()
    small = teacher_comparisons(_finals({"A": [5] * 19, "B": usual}), ObjectivityNorms())
    assert small["is_judged"].to_list() == [False, False] and not small["is_different"].any()
