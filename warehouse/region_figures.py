"""Figures of «Муниципалитет / регион»: the counts per school that every figure is a ratio of, the
figures themselves, how schools are pooled into a municipality or a region, and the «< 5» rule.

A group of schools sums the counts first and divides after (lessons on time / all lessons of the
municipality's schools), so a summary is never an average of school averages.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ejournal.access.viewer import MIN_GROUP_SIZE
from ejournal.formatting import decimal, decimal_texts
from warehouse.periods import latest_marked, period_marks_condition, span_condition
from warehouse.region_parts import ALL, PARTS_TABLE
from warehouse.suppression import SUPPRESSED, too_few_expr

__all__ = ["SUPPRESSED"]
NOT_JUDGED = "не оценивается"

_FINAL_SQL = """
final as (
    select
        scope.school_id,
        scope.school_name,
        scope.region_id,
        scope.municipality,
        coalesce(attendance.n_pupils, 0) as n_pupils,
        coalesce(attendance.n_expected, 0) as n_expected,
        coalesce(attendance.n_missed, 0) as n_missed,
        coalesce(completeness.n_pupils_roster, 0) as n_pupils_roster,
        coalesce(completeness.n_roster, 0) as n_roster,
        coalesce(completeness.n_marks, 0) as n_marks,
        coalesce(timeliness.n_lessons_held, 0) as n_lessons_held,
        coalesce(timeliness.n_lessons_on_time, 0) as n_lessons_on_time,
        coalesce(objectivity.n_pupils_final, 0) as n_pupils_final,
        coalesce(objectivity.n_final, 0) as n_final,
        coalesce(objectivity.final_gap_sum, 0) as final_gap_sum,
        coalesce(vpr.n_vpr, 0) as n_vpr,
        coalesce(vpr.n_pupils_vpr, 0) as n_pupils_vpr,
        coalesce(vpr.n_lowered, 0) as n_lowered,
        coalesce(vpr.n_confirmed, 0) as n_confirmed,
        coalesce(vpr.n_raised, 0) as n_raised
    from scope
    left join attendance on attendance.school_id = scope.school_id
    left join completeness on completeness.school_id = scope.school_id
    left join timeliness on timeliness.school_id = scope.school_id
    left join objectivity on objectivity.school_id = scope.school_id
    left join vpr on vpr.school_id = scope.school_id
)
"""
_ORDER_SQL = "order by municipality nulls last, school_name, school_id"

# The schools of the viewer's scope ($region_id, $municipality: null for any).
SCOPE_SQL = """
with schools as (
    select
        school_id,
        coalesce(max(short_name), max(school_name), school_id) as school_name,
        max(region_id) as region_id,
        max(nullif(trim(municipality), '')) as municipality
    from src_school
    group by school_id
),

scope as (
    select * from schools
    where ($region_id is null or region_id = $region_id)
        and ($municipality is null or municipality = $municipality)
),
"""

# Counts per school that every figure is a ratio of, so that a group of schools sums them first.
SCHOOL_PARTS_SQL = (
    SCOPE_SQL
    + f"""
attendance as (
    select
        school_id,
        count(distinct pupil_id) as n_pupils,
        sum(n_lessons) as n_expected,
        sum(n_missed) as n_missed
    from mart_attendance_day as a
    where school_id in (select school_id from scope) and {span_condition("a", "lesson_date")}
    group by school_id
),

completeness as (
    select
        school_id,
        count(distinct pupil_id) as n_pupils_roster,
        count(*) as n_roster,
        sum(n_marks) as n_marks
    from mart_attestation_roster as r
    where school_id in (select school_id from scope)
        and ($f_span is null or r.period_start <= $f_as_of)
        and {span_condition("r", date_sql="least(r.period_end, $f_as_of)")}
    group by school_id
),

timeliness as (
    select
        school_id,
        count(*) as n_lessons_held,
        count(*) filter (where lesson_entry_delay_days <= $lesson_entry_days) as n_lessons_on_time
    from mart_lesson_entry as l
    where school_id in (select school_id from scope) and {span_condition("l", "lesson_date")}
    group by school_id
),

final_marks as (
    select o.school_id, o.pupil_id, o.mark_numeric, o.weighted_average
    from mart_objectivity_final as o
    left join dim_period as p on p.school_id = o.school_id and p.period_id = o.period_id
    where o.mark_numeric is not null
        and o.weighted_average is not null
        and o.school_id in (select school_id from scope)
        and {period_marks_condition("o", "p.start_date")}
    qualify {latest_marked("o", "p.start_date")}
),

objectivity as (
    select
        school_id,
        count(distinct pupil_id) as n_pupils_final,
        count(*) as n_final,
        sum(abs(mark_numeric - weighted_average)) as final_gap_sum
    from final_marks
    group by school_id
),

vpr as (
    select
        school_id,
        count(comparison_code) as n_vpr,
        count(distinct case when comparison_code is not null then pupil_id end) as n_pupils_vpr,
        count(*) filter (where comparison_code = 'понизил') as n_lowered,
        count(*) filter (where comparison_code = 'подтвердил') as n_confirmed,
        count(*) filter (where comparison_code = 'повысил') as n_raised
    from mart_vpr_result
    where school_id in (select school_id from scope)
    group by school_id
),
"""
    + _FINAL_SQL
    + f"select * from final {_ORDER_SQL}"
)


# The same counts from the parts pre-aggregated per school and day (warehouse/region_parts.py): the
# changes of the chosen key summed up to the date «На дату», and ВПР (of the whole data); the
# column has_parts tells whether the school has parts at all.
AGGREGATED_PARTS_SQL = (
    SCOPE_SQL
    + f"""
sums as (
    select
        school_id,
        cast(sum(n_pupils) as bigint) as n_pupils,
        cast(sum(n_expected) as bigint) as n_expected,
        cast(sum(n_missed) as bigint) as n_missed,
        cast(sum(n_pupils_roster) as bigint) as n_pupils_roster,
        cast(sum(n_roster) as bigint) as n_roster,
        cast(sum(n_marks) as bigint) as n_marks,
        cast(sum(n_lessons) as bigint) as n_lessons_held,
        cast(coalesce(sum(n_lessons) filter (where lesson_entry_delay_days <= $lesson_entry_days), 0) as bigint)
            as n_lessons_on_time,
        cast(sum(n_pupils_final) as bigint) as n_pupils_final,
        cast(sum(n_final) as bigint) as n_final,
        sum(final_gap_sum) as final_gap_sum,
        cast(sum(n_vpr) as bigint) as n_vpr,
        cast(sum(n_pupils_vpr) as bigint) as n_pupils_vpr,
        cast(sum(n_lowered) as bigint) as n_lowered,
        cast(sum(n_confirmed) as bigint) as n_confirmed,
        cast(sum(n_raised) as bigint) as n_raised,
        count(*) filter (where choice is null) > 0 as has_parts
    from {PARTS_TABLE}
    where school_id in (select school_id from scope)
        and (choice is null or (choice = coalesce($f_span, '{ALL}') and ($f_span is null
            or ($f_as_of between valid_from and coalesce(valid_to, $f_as_of) and day <= $f_as_of))))
    group by school_id
),

attendance as (select school_id, n_pupils, n_expected, n_missed from sums),
completeness as (select school_id, n_pupils_roster, n_roster, n_marks from sums),
timeliness as (select school_id, n_lessons_held, n_lessons_on_time from sums),
objectivity as (select school_id, n_pupils_final, n_final, final_gap_sum from sums),
vpr as (select school_id, n_vpr, n_pupils_vpr, n_lowered, n_confirmed, n_raised from sums),
"""
    + _FINAL_SQL
    + f"""
-- has_parts: false for a school exported by an older version (it has no parts, not even of ВПР)
select final.*, coalesce(sums.has_parts, false) as has_parts
from final left join sums on sums.school_id = final.school_id
{_ORDER_SQL}
"""
)

PARTS = (
    "n_pupils",
    "n_expected",
    "n_missed",
    "n_pupils_roster",
    "n_roster",
    "n_marks",
    "n_lessons_held",
    "n_lessons_on_time",
    "n_pupils_final",
    "n_final",
    "final_gap_sum",
    "n_vpr",
    "n_pupils_vpr",
    "n_lowered",
    "n_confirmed",
    "n_raised",
)


def ratio(numerator: str, denominator: str, scale: float = 1.0) -> pl.Expr:
    return pl.when(pl.col(denominator) > 0).then(scale * pl.col(numerator) / pl.col(denominator))


@dataclass(frozen=True)
class Figure:
    title: str
    value: pl.Expr  # from the counts of PARTS
    pupils: str  # the count of distinct pupils the figure describes, for «< 5» (never of marks or results)
    digits: int  # 0: a count
    better: int = 0  # +1 higher is better, -1 lower is better, 0 not ranked
    is_vpr_share: bool = False


FIGURES: dict[str, Figure] = {
    "pupils": Figure("Учеников", pl.col("n_pupils"), "n_pupils", 0),
    "marks_per_pupil_subject": Figure(
        "Отметок на ученика по предмету за период", ratio("n_marks", "n_roster"), "n_pupils_roster", 1, +1
    ),
    "lessons_on_time_pct": Figure(
        "Уроков записано в срок, %", ratio("n_lessons_on_time", "n_lessons_held", 100.0), "n_pupils", 1, +1
    ),
    "final_vs_average": Figure(
        "Итоговая − средневзвешенный, балла", ratio("final_gap_sum", "n_final"), "n_pupils_final", 2, -1
    ),
    "vpr_participants": Figure("Участников ВПР", pl.col("n_vpr"), "n_pupils_vpr", 0),
    "lowered_pct": Figure("ВПР: понизили, %", ratio("n_lowered", "n_vpr", 100.0), "n_pupils_vpr", 1, -1, True),
    "confirmed_pct": Figure("ВПР: подтвердили, %", ratio("n_confirmed", "n_vpr", 100.0), "n_pupils_vpr", 1, +1, True),
    "raised_pct": Figure("ВПР: повысили, %", ratio("n_raised", "n_vpr", 100.0), "n_pupils_vpr", 1, -1, True),
    "missed_pct": Figure("Пропущено уроков, %", ratio("n_missed", "n_expected", 100.0), "n_pupils", 1, -1),
}


def with_figures(parts: pl.DataFrame) -> pl.DataFrame:
    return parts.with_columns(**{key: figure.value for key, figure in FIGURES.items()})


def school_hidden(key: str) -> pl.Expr:
    """A school's figure describing fewer than 5 distinct pupils (or a school of fewer than 5)."""
    return too_few_expr("n_pupils") | too_few_expr(FIGURES[key].pupils)


def texts(frame: pl.DataFrame, *, suppress: bool, vpr_min_participants: int) -> pl.DataFrame:
    """Figures as the page prints them: rounded, «не оценивается», and «< 5» where ``suppress``."""
    columns = []
    for key, figure in FIGURES.items():
        column = pl.col(key)
        text = decimal_texts(column, figure.digits) if figure.digits else column.cast(pl.String)
        if figure.is_vpr_share:
            text = pl.when(pl.col("n_vpr") < vpr_min_participants).then(pl.lit(NOT_JUDGED)).otherwise(text)
        if suppress:
            hidden = pl.col(f"hidden_{key}") & pl.col(key).is_not_null()
            text = pl.when(hidden).then(pl.lit(SUPPRESSED)).otherwise(text)
        columns.append(text.alias(key))
    return frame.with_columns(columns)


def pooling() -> list[pl.Expr]:
    """Sum the schools' counts, and the pupils of the schools whose figure is hidden."""
    return [
        pl.len().alias("n_schools"),
        *(pl.col(part).sum() for part in PARTS),
        *(
            pl.col(FIGURES[key].pupils).filter(pl.col(f"hidden_{key}")).sum().alias(f"hidden_pupils_{key}")
            for key in FIGURES
        ),
    ]


def pooled(groups: pl.DataFrame) -> pl.DataFrame:
    """Figures of groups of schools; hidden when small, or when subtracting the schools shown would
    reveal hidden schools of 1–4 pupils."""
    return with_figures(groups).with_columns(
        (school_hidden(key) | pl.col(f"hidden_pupils_{key}").is_between(1, MIN_GROUP_SIZE - 1)).alias(f"hidden_{key}")
        for key in FIGURES
    )


def number(value: float, digits: int) -> str:
    """Rounded half up as the documents round (ejournal.formatting.decimal), with the decimal comma."""
    if digits == 0:
        return str(int(value))
    return decimal(value, digits)
