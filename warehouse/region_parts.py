"""«Муниципалитет / регион» pre-aggregated per school: the counts the page's figures are ratios of,
written beside the marts when a school exports into the lake (and for every school by a build
of the lake), so that the page sums a few hundred
rows per school instead of reading the marts of every pupil.

A «Период» choice (warehouse/periods.py) is a choice name and a date «На дату» that may be any
day. For each school, academic year and choice the table holds one *key* (``choice``, the dates
``valid_from``–``valid_to`` of «На дату» for which it applies: the school's latest academic year
begun by the date and, for «текущий», the same current period of every class) and, per ``day``,
the change of every count on that day. A figure seen on a date is the sum of its key's changes up
to that date:

- attendance and lessons count on their date, within the span of their class;
- a pupil counts from the first day they appear (distinct pupils are not a sum of days);
- an attestation-roster row and a period mark count from the day they enter the choice to the
  day they leave it (a roster row of a later period, a «текущий» period mark replaced by a later
  period's marks): +1 on the first day, −1 the day after the last; a pupil counts while any of
  their rows does;
- lessons keep their entry delay (``lesson_entry_delay_days``), so any norm of timeliness sums
  the lessons within it;
- ВПР counts are of the whole data (``choice`` null; a row for every school exported, so that a
  school exported by an older version, without parts, is told from a school without data); no
  period chosen is the key ``__all__``.

Days before a key's first «На дату» are summed into that first day. The table holds no pupil:
counts per school, day and delay only. Figures from it equal those from the marts
(warehouse/region_figures.py, ``SCHOOL_PARTS_SQL``) for every choice and date.
"""

from __future__ import annotations

import duckdb

from warehouse.periods import CURRENT, PERIOD_APPLIES, YEAR

PARTS_TABLE = "agg_region_school_day"
ALL = "__all__"  # the key of «no period chosen»: every row
SOURCES = (
    "dim_academic_year",
    "dim_class",
    "dim_period",
    "mart_attendance_day",
    "mart_attestation_roster",
    "mart_lesson_entry",
    "mart_objectivity_final",
    "mart_vpr_result",
)
# the lake tables the page reads: each kept compacted in one file too (warehouse/lake.py)
PAGE_TABLES = ("src_school", "src_academic_years", "src_classes", "src_periods", PARTS_TABLE)
# rows of a choice and «На дату» together in the compacted parts: the page skips other row groups
COMPACT_ORDER = {PARTS_TABLE: ["choice nulls first", "valid_from nulls first", "school_id", "day nulls first"]}
KEY = "school_id, academic_year_id, choice, valid_from, valid_to"
SUMS = (
    "n_pupils",
    "n_expected",
    "n_missed",
    "n_pupils_roster",
    "n_roster",
    "n_marks",
    "n_lessons",
    "n_pupils_final",
    "n_final",
    "n_vpr",
    "n_pupils_vpr",
    "n_lowered",
    "n_confirmed",
    "n_raised",
)


def _pupil_toggles(rows: str, column: str) -> str:
    """+1 on the day a pupil's first active interval of ``rows`` begins, −1 the day after they have
    none left (intervals ``active_from``–``active_to``, to null: to the end)."""
    return f"""
    select {KEY}, day, cast(change as bigint) as {column} from (
        select *, (depth > 0)::int - coalesce(lag((depth > 0)::int) over (
            partition by {KEY}, pupil_id order by day), 0) as change
        from (
            select *, sum(delta) over (partition by {KEY}, pupil_id order by day
                rows between unbounded preceding and current row) as depth
            from (
                select {KEY}, pupil_id, day, sum(delta) as delta from (
                    select {KEY}, pupil_id, active_from as day, 1 as delta from {rows}
                    union all
                    select {KEY}, pupil_id, active_to + 1, -1 from {rows} where active_to is not null
                ) group by all
            )
        )
    ) where change <> 0
    """


PARTS_SQL = f"""
with years as (
    select school_id, academic_year_id, start_date as year_start, end_date as year_end,
        lead(start_date) over (partition by school_id order by start_date, academic_year_id) - 1 as year_last
    from dim_academic_year
    where list_contains($schools, school_id)
),

classes as (
    select c.school_id, c.class_id, c.grade, c.academic_year_id, y.year_start, y.year_end, y.year_last
    from dim_class as c
    join years as y on y.school_id = c.school_id and y.academic_year_id = c.academic_year_id
),

class_periods as (
    select c.*, p.period_id, p.period_name, p.start_date as period_start, p.end_date as period_end
    from classes as c
    join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id
        and {PERIOD_APPLIES}
),

-- a period covers its first day to the day before the class's next period (warehouse/periods.py)
period_spans as (
    select p.school_id, p.class_id, p.academic_year_id, p.year_start, p.year_last, p.period_id,
        p.period_name, p.period_start, p.period_end, coalesce(min(n.period_start) - 1, max(p.year_end)) as until_date
    from class_periods as p
    left join class_periods as n
        on n.school_id = p.school_id and n.class_id = p.class_id and n.period_start > p.period_start
    group by all
),

-- «текущий»: between two period starts of the school's year every class keeps its current period
window_starts as (
    select distinct school_id, academic_year_id, year_start, year_last, greatest(period_start, year_start) as valid_from
    from period_spans
    union
    select distinct school_id, academic_year_id, year_start, year_last, year_start from classes
),

windows as (
    select school_id, academic_year_id, valid_from,
        least(lead(valid_from) over (partition by school_id, academic_year_id order by valid_from) - 1,
            year_last) as valid_to
    from window_starts
    qualify valid_from <= coalesce(valid_to, valid_from)
),

spans as (
    select school_id, academic_year_id, '{YEAR}' as choice, year_start as valid_from, year_last as valid_to,
        class_id, null as period_id, year_start as span_start, year_end as span_end
    from classes
    union all
    select school_id, academic_year_id, period_name, year_start, year_last, class_id, period_id, period_start,
        until_date
    from period_spans
    union all
    select w.school_id, w.academic_year_id, '{CURRENT}', w.valid_from, w.valid_to, s.class_id, s.period_id,
        s.period_start, s.until_date
    from windows as w
    join period_spans as s on s.school_id = w.school_id and s.academic_year_id = w.academic_year_id
        and s.period_start <= w.valid_from
    qualify row_number() over (partition by w.school_id, w.academic_year_id, w.valid_from, s.class_id
        order by s.period_start desc, s.period_end - s.period_start, s.period_id) = 1
),

-- a class's spans under one key merged where they meet (a period name twice in a class): a date
-- is then in at most one
merged_spans as (
    select {KEY}, class_id, min(span_start) as span_start, max(span_end) as span_end
    from (
        select *, sum(starts_island) over (partition by {KEY}, class_id order by span_start, span_end
            rows between unbounded preceding and current row) as island
        from (
            select *, case when span_start <= max(span_end) over (partition by {KEY}, class_id
                order by span_start, span_end rows between unbounded preceding and 1 preceding) + 1
                then 0 else 1 end as starts_island
            from spans
        )
    )
    group by {KEY}, class_id, island
),

attendance as (
    select k.school_id, k.academic_year_id, k.choice, k.valid_from, k.valid_to, a.pupil_id, a.lesson_date as day,
        a.n_lessons, a.n_missed
    from mart_attendance_day as a
    join merged_spans as k on k.school_id = a.school_id and k.class_id = a.class_id
        and a.lesson_date between k.span_start and k.span_end
    where a.lesson_date <= coalesce(k.valid_to, a.lesson_date)
    union all
    select school_id, null, '{ALL}', null, null, pupil_id, lesson_date, n_lessons, n_missed
    from mart_attendance_day
    where list_contains($schools, school_id)
),

attendance_days as (
    select {KEY}, day, sum(n_lessons) as n_expected, sum(n_missed) as n_missed
    from attendance group by all
),

attendance_pupils as (
    select {KEY}, day, count(*) as n_pupils
    from (select {KEY}, pupil_id, min(day) as day from attendance group by all)
    group by all
),

lessons as (
    select {KEY}, day, lesson_entry_delay_days, count(*) as n_lessons from (
        select k.school_id, k.academic_year_id, k.choice, k.valid_from, k.valid_to, l.lesson_date as day,
            l.lesson_entry_delay_days
        from mart_lesson_entry as l
        join merged_spans as k on k.school_id = l.school_id and k.class_id = l.class_id
            and l.lesson_date between k.span_start and k.span_end
        where l.lesson_date <= coalesce(k.valid_to, l.lesson_date)
        union all
        select school_id, null, '{ALL}', null, null, lesson_date, lesson_entry_delay_days
        from mart_lesson_entry
        where list_contains($schools, school_id)
    )
    group by all
),

-- a roster row counts while least(its period's end, the date) is in its class's span and its
-- period has begun
roster as (
    select * from (
        select k.school_id, k.academic_year_id, k.choice, k.valid_from, k.valid_to, r.pupil_id, r.n_marks,
            greatest(r.period_start, k.span_start) as active_from,
            case when r.period_end > k.span_end then k.span_end end as active_to
        from mart_attestation_roster as r
        join merged_spans as k on k.school_id = r.school_id and k.class_id = r.class_id
            and r.period_end >= k.span_start
    )
    where active_from <= coalesce(active_to, active_from) and active_from <= coalesce(valid_to, active_from)
    union all
    select school_id, null, '{ALL}', null, null, pupil_id, n_marks, null, null
    from mart_attestation_roster
    where list_contains($schools, school_id)
),

roster_days as (
    select {KEY}, day, sum(n_roster) as n_roster, sum(n_marks) as n_marks from (
        select {KEY}, active_from as day, 1 as n_roster, n_marks from roster
        union all
        select {KEY}, active_to + 1, -1, -n_marks from roster where active_to is not null
    )
    group by all
),

final_marks as (
    select o.school_id, o.class_id, o.pupil_id, o.period_id, p.start_date as period_start,
        abs(o.mark_numeric - o.weighted_average) as gap
    from mart_objectivity_final as o
    left join dim_period as p on p.school_id = o.school_id and p.period_id = o.period_id
    where o.mark_numeric is not null and o.weighted_average is not null and list_contains($schools, o.school_id)
),

-- «текущий» keeps a class's latest period with marks: a period's marks leave when the next
-- period with marks of the class begins, if it begins within the span
next_marked as (
    select f.school_id, f.class_id, f.period_start, min(n.period_start) as next_start
    from (select distinct school_id, class_id, period_start from final_marks) as f
    left join (select distinct school_id, class_id, period_start from final_marks) as n
        on n.school_id = f.school_id and n.class_id = f.class_id and n.period_start > f.period_start
    group by all
),

finals as (
    select * from (
        select k.school_id, k.academic_year_id, k.choice, k.valid_from, k.valid_to, f.pupil_id, f.gap,
            case when k.choice = '{YEAR}' or k.choice = '{CURRENT}' then f.period_start else k.span_start end
                as active_from,
            case when k.choice = '{CURRENT}' and m.next_start <= k.span_end then m.next_start - 1 end as active_to
        from final_marks as f
        join spans as k on k.school_id = f.school_id and k.class_id = f.class_id
        left join next_marked as m
            on m.school_id = f.school_id and m.class_id = f.class_id and m.period_start = f.period_start
        where case
            when k.choice = '{YEAR}' then f.period_start between k.span_start and k.span_end
            when k.choice = '{CURRENT}' then f.period_start <= k.span_end
            else f.period_id = k.period_id
        end
    )
    where active_from <= coalesce(active_to, active_from) and active_from <= coalesce(valid_to, active_from)
    union all
    select school_id, null, '{ALL}', null, null, pupil_id, gap, null, null from final_marks
),

final_days as (
    select {KEY}, day, sum(n_final) as n_final, sum(final_gap_sum) as final_gap_sum from (
        select {KEY}, active_from as day, 1 as n_final, gap as final_gap_sum from finals
        union all
        select {KEY}, active_to + 1, -1, -gap from finals where active_to is not null
    )
    group by all
),

vpr as (
    select
        school_id, null as academic_year_id, null as choice, null as valid_from, null as valid_to, null as day,
        count(comparison_code) as n_vpr,
        count(distinct case when comparison_code is not null then pupil_id end) as n_pupils_vpr,
        count(*) filter (where comparison_code = 'понизил') as n_lowered,
        count(*) filter (where comparison_code = 'подтвердил') as n_confirmed,
        count(*) filter (where comparison_code = 'повысил') as n_raised
    from (select unnest($schools) as school_id) as chosen  -- a row for every school: it has parts
    left join mart_vpr_result using (school_id)
    group by school_id
),

changes as (
    select * from attendance_days
    union all by name select * from attendance_pupils
    union all by name select * from lessons
    union all by name select * from roster_days
    union all by name select * from ({_pupil_toggles("roster", "n_pupils_roster")})
    union all by name select * from final_days
    union all by name select * from ({_pupil_toggles("finals", "n_pupils_final")})
    union all by name select * from vpr
)

select
    school_id,
    academic_year_id,
    cast(choice as varchar) as choice,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    cast(case when day < valid_from then valid_from else day end as date) as day,
    cast(lesson_entry_delay_days as bigint) as lesson_entry_delay_days,
    {", ".join(f"cast(coalesce(sum({c}), 0) as bigint) as {c}" for c in SUMS)},
    cast(coalesce(sum(final_gap_sum), 0) as double) as final_gap_sum
from changes
group by all
order by school_id, choice, valid_from, day
"""


def has_sources(con: duckdb.DuckDBPyConnection) -> bool:
    """Does the connection hold the dimensions and marts the parts are made of (a built warehouse)?"""
    return _present(con, SOURCES)


def has_parts(con: duckdb.DuckDBPyConnection) -> bool:
    """Does the connection hold the parts table (a lake written by this version)?"""
    return _present(con, (PARTS_TABLE,))


def _present(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> bool:
    found = con.execute(
        "select count(distinct table_name) from information_schema.tables where list_contains($names, table_name)",
        {"names": list(names)},
    ).fetchone()[0]
    return found == len(names)


def create_parts(con: duckdb.DuckDBPyConnection, schools: list[str]) -> str:
    """The schools' parts as a temporary table named :data:`PARTS_TABLE` (works on a read-only
    connection); returns its name."""
    con.execute(f"create or replace temp table {PARTS_TABLE} as {PARTS_SQL}", {"schools": schools})
    return PARTS_TABLE


def drop_parts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists temp.{PARTS_TABLE}")
