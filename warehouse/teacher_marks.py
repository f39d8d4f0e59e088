"""Teachers whose period marks differ sharply from the same parallel and subject.

For every period, parallel (grade) and subject taught by two or more teachers, each teacher's
numeric period marks are compared with those of the other teachers of that parallel and subject:

- the share of «5»: two-proportion z-test with the pooled share;
- the mean mark: two-sample z-test with unpooled variances (Welch's statistic; both groups have at
  least `teacher_min_pupils` marks, so the normal approximation holds).

Both tests are two-sided; the p-values of all comparisons shown at once are adjusted by Holm's
step-down method (family-wise error rate `teacher_alpha`). A comparison where the teacher or the
others have fewer than `teacher_min_pupils` marks is not judged («мало отметок»), never flagged.
"""

from __future__ import annotations

import math

import polars as pl

from warehouse.objectivity_norms import ObjectivityNorms

KEY = ("school_id", "period_id", "period_name", "grade", "subject_id", "subject_name")


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def share_test(k1: int, n1: int, k2: int, n2: int) -> float:
    """p-value of the pooled two-proportion z-test (1.0 when both shares are 0 or 1)."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 1.0 if se == 0 else _two_sided_p((k1 / n1 - k2 / n2) / se)


def mean_test(m1: float, v1: float, n1: int, m2: float, v2: float, n2: int) -> float:
    """p-value of the two-sample z-test of means with unpooled (sample) variances."""
    se = math.sqrt(v1 / n1 + v2 / n2)
    if se == 0:
        return 1.0 if m1 == m2 else 0.0
    return _two_sided_p((m1 - m2) / se)


def holm(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def teacher_comparisons(finals: pl.DataFrame, norms: ObjectivityNorms) -> pl.DataFrame:
    """One row per teacher, period, parallel and subject with two or more teachers: figures, p-values, verdict.

    `finals` is warehouse.objectivity.final_marks (numeric period marks with teacher and grade)."""
    marks = finals.filter(pl.col("mark_numeric").is_not_null() & pl.col("teacher_id").is_not_null())
    if marks.is_empty():
        return pl.DataFrame()
    marks = marks.with_columns(pl.col("mark_numeric").cast(pl.Float64).alias("m"))
    per_teacher = marks.group_by(*KEY, "teacher_id", "teacher_name").agg(
        pl.len().alias("n"),
        (pl.col("m") == 5).sum().alias("k5"),
        pl.col("m").sum().alias("s"),
        (pl.col("m") ** 2).sum().alias("ss"),
    )
    totals = per_teacher.group_by(*KEY).agg(
        pl.col("n").sum().alias("N"),
        pl.col("k5").sum().alias("K5"),
        pl.col("s").sum().alias("S"),
        pl.col("ss").sum().alias("SS"),
        pl.len().alias("n_teachers"),
    )
    rows = per_teacher.join(totals, on=list(KEY)).filter(pl.col("n_teachers") >= 2).sort(*KEY, "teacher_name")
    if rows.is_empty():  # no parallel where a subject has two teachers: nothing to compare
        return pl.DataFrame()
    out = []
    for r in rows.iter_rows(named=True):
        n1, n2 = r["n"], r["N"] - r["n"]
        k1, k2 = r["k5"], r["K5"] - r["k5"]
        m1, m2 = r["s"] / n1, (r["S"] - r["s"]) / n2 if n2 else float("nan")
        judged = n1 >= norms.teacher_min_pupils and n2 >= norms.teacher_min_pupils
        p_share = p_mean = None
        if judged:
            v1 = (r["ss"] - n1 * m1 * m1) / (n1 - 1)
            v2 = ((r["SS"] - r["ss"]) - n2 * m2 * m2) / (n2 - 1)
            p_share = share_test(k1, n1, k2, n2)
            p_mean = mean_test(m1, max(v1, 0.0), n1, m2, max(v2, 0.0), n2)
        out.append(
            {
                **r,
                "n_others": n2,
                "share5": k1 / n1,
                "share5_others": k2 / n2 if n2 else None,
                "mean": m1,
                "mean_others": m2 if n2 else None,
                "p_share": p_share,
                "p_mean": p_mean,
                "is_judged": judged,
            }
        )
    floats = ("share5_others", "mean_others", "p_share", "p_mean")
    result = pl.DataFrame(out, schema_overrides=dict.fromkeys(floats, pl.Float64))
    judged_idx = [i for i, r in enumerate(out) if r["is_judged"]]
    raw = [p for i in judged_idx for p in (out[i]["p_share"], out[i]["p_mean"])]
    adjusted = holm(raw)
    p_share_adj = [None] * len(out)
    p_mean_adj = [None] * len(out)
    for j, i in enumerate(judged_idx):
        p_share_adj[i], p_mean_adj[i] = adjusted[2 * j], adjusted[2 * j + 1]
    result = result.with_columns(
        pl.Series("p_share_holm", p_share_adj, dtype=pl.Float64),
        pl.Series("p_mean_holm", p_mean_adj, dtype=pl.Float64),
    )
    differs = (pl.col("p_share_holm") < norms.teacher_alpha) | (pl.col("p_mean_holm") < norms.teacher_alpha)
    return result.with_columns((pl.col("is_judged") & differs.fill_null(False)).alias("is_different")).select(
        *KEY,
        "teacher_id",
        "teacher_name",
        "n",
        "n_others",
        "share5",
        "share5_others",
        "mean",
        "mean_others",
        "p_share",
        "p_mean",
        "p_share_holm",
        "p_mean_holm",
        "is_judged",
        "is_different",
    )
