"""A class's results for a study period, as the class documents print them: the period summary per
subject (mart_period_results, its figures computed there once; a subject of the plan without
period marks keeps its row), the subjects taught without marks, the pupils of N with their
categories (shared/DOMAIN.md, one definition for every class document), and the class's control
works (int_control_work) within the viewer's scope.

The class and period come from :func:`warehouse.class_period.find_class_period`, which has already
checked that the viewer may open the class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import duckdb

from ejournal.access.viewer import Viewer
from warehouse.scope import scope_sql

# the standard period summary of a class in a subject, in mart_period_results
PERIOD_FIGURES = (
    "n_pupils",
    "n_5",
    "n_4",
    "n_3",
    "n_2",
    "n_na",
    "progress_pct",
    "quality_pct",
    "sou_pct",
    "mean_mark",
)


def previous_period(
    con: duckdb.DuckDBPyConnection, school_id: str, academic_year_id: str, kind_code: str, number: int
) -> tuple[str, str] | None:
    """(period_id, period_name) of the period before it in the same year and of the same kind."""
    return con.execute(
        "select period_id, period_name from dim_period where school_id = ? and academic_year_id = ? "
        "and period_kind_code = ? and period_number = ?",
        [school_id, academic_year_id, kind_code, number - 1],
    ).fetchone()


_SUBJECT_RESULTS = """
    with plan as (
        select subject_id from src_curriculum
        where school_id = $school_id and class_id = $class_id and is_attested
        union
        select subject_id from mart_period_results
        where school_id = $school_id and class_id = $class_id and period_id = $period_id
    )
    select s.subject_name, plan.subject_id, {figures}
    from plan
    join dim_subject as s on s.school_id = $school_id and s.subject_id = plan.subject_id
    left join mart_period_results as m on m.school_id = $school_id and m.class_id = $class_id
        and m.period_id = $period_id and m.subject_id = plan.subject_id
    order by s.subject_name, plan.subject_id
"""


def _figures_sql(columns: tuple[str, ...]) -> str:
    """The mart's columns, counts 0 (not null) for a subject without period marks."""
    return ", ".join(f"coalesce(m.{c}, 0)" if c.startswith("n_") else f"m.{c}" for c in columns)


def subject_results(con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, period_id: str) -> list[tuple]:
    """(subject name, subject_id, *PERIOD_FIGURES) of every attested subject of the class's
    curriculum and every subject with period marks, by name: a subject of the plan without a single
    period mark keeps its row with N = 0 and no shares (None), so that the missing marks are seen."""
    return con.execute(
        _SUBJECT_RESULTS.format(figures=_figures_sql(PERIOD_FIGURES)),
        {"school_id": school_id, "class_id": class_id, "period_id": period_id},
    ).fetchall()


def subject_result(
    con: duckdb.DuckDBPyConnection,
    school_id: str,
    class_id: str,
    period_id: str,
    subject_id: str,
    columns: tuple[str, ...] = PERIOD_FIGURES,
) -> tuple | None:
    """The `columns` of the class's period summary in one subject; None without period marks."""
    return con.execute(
        f"select {', '.join(columns)} from mart_period_results where school_id = ? and class_id = ? "
        "and period_id = ? and subject_id = ?",
        [school_id, class_id, period_id, subject_id],
    ).fetchone()


def unmarked_subjects(con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, period_id: str) -> list[str]:
    """Names of the class's subjects taught without marks in the period: not attested in the
    curriculum (grade 1, «безотметочные»), or whose period marks are only «зач»/«осв»; by name."""
    rows = con.execute(
        "select s.subject_name from dim_subject as s where s.school_id = $school_id and s.subject_id in ("
        "select subject_id from src_curriculum where school_id = $school_id and class_id = $class_id "
        "and not is_attested union select subject_id from fct_period_mark where school_id = $school_id "
        "and class_id = $class_id and period_id = $period_id and mark_kind_code = 'period' and is_pass) "
        "and s.subject_id not in (select subject_id from src_curriculum where school_id = $school_id "
        "and class_id = $class_id and is_attested union select subject_id from mart_period_results "
        "where school_id = $school_id and class_id = $class_id and period_id = $period_id) "
        "order by s.subject_name",
        {"school_id": school_id, "class_id": class_id, "period_id": period_id},
    ).fetchall()
    return [name for (name,) in rows]


# the categories of pupils of shared/DOMAIN.md, in the order the documents list them
CATEGORIES = ("excellent", "good", "one_3", "one_4", "failing")


def categorise(marks: list[int | None]) -> tuple[str, ...]:
    """The categories of a pupil from their period marks (None stands for «н/а»): «failing» (any 2,
    1 or н/а); «excellent» (all 5); «good» (only 4 and 5, at least one 4), with «one_4» as well
    when there is exactly one 4 (the reserve of отличники is listed apart, and counted among
    хорошисты); «one_3» (exactly one 3, the rest 4 and 5). Lists overlap only as good and one_4."""
    if not marks:
        return ()
    if any(m is None or m <= 2 for m in marks):
        return ("failing",)
    threes, fours = marks.count(3), marks.count(4)
    if threes == 0 and fours == 0:
        return ("excellent",)
    if threes == 0:
        return ("good", "one_4") if fours == 1 else ("good",)
    return ("one_3",) if threes == 1 else ()


@dataclass(frozen=True)
class ClassResults:
    """The pupils of N of a class in a period (on the roll on the period's last day, with a period
    mark or «н/а»: shared/DOMAIN.md), their names by category and the class's shares. Every class
    document of one class and period reads these, so they count the same N."""

    pupils: list[tuple[str, str]]  # (pupil_id, full name), by name
    categories: dict[str, list[str]]  # category (CATEGORIES) → full names
    not_attested: list[str]  # full names of the pupils with «н/а» in some subject

    @property
    def n_pupils(self) -> int:
        return len(self.pupils)

    @property
    def progress(self) -> Fraction | None:
        """успеваемость класса, %: pupils without «2», «1» and «н/а» / N × 100, exact."""
        passing = self.n_pupils - len(self.categories["failing"])
        return Fraction(100 * passing, self.n_pupils) if self.pupils else None

    @property
    def quality(self) -> Fraction | None:
        """качество знаний класса, %: (отличники + хорошисты) / N × 100, exact."""
        top = len(self.categories["excellent"]) + len(self.categories["good"])
        return Fraction(100 * top, self.n_pupils) if self.pupils else None


def class_results(con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, period_id: str) -> ClassResults:
    """The class's N, categories and shares in the period (see :class:`ClassResults`)."""
    rows = con.execute(
        "select p.pupil_id, p.full_name, list(pm.mark_numeric) from fct_period_mark as pm "
        "join dim_pupil as p on p.school_id = pm.school_id and p.pupil_id = pm.pupil_id "
        "where pm.school_id = ? and pm.class_id = ? and pm.period_id = ? and pm.mark_kind_code = 'period' "
        "and pm.is_on_roll_at_end and (pm.mark_numeric is not null or pm.is_na) "
        "group by p.pupil_id, p.full_name order by p.full_name, p.pupil_id",
        [school_id, class_id, period_id],
    ).fetchall()
    categories: dict[str, list[str]] = {key: [] for key in CATEGORIES}
    not_attested = []
    for _, name, marks in rows:
        for key in categorise(list(marks)):
            categories[key].append(name)
        if None in marks:
            not_attested.append(name)
    return ClassResults([(pupil_id, name) for pupil_id, name, _ in rows], categories, not_attested)


_CONTROL_WORKS = """
    with scope as ({scope})
    select w.subject_id, s.subject_name, w.lesson_id, l.lesson_date, l.lesson_date < $cp_start as is_previous,
        coalesce(g.group_name, ''), coalesce(l.topic, ''),
        (select string_agg(distinct t.work_type_name, ', ' order by t.work_type_name)
            from fct_mark as m join dim_work_type as t on t.school_id = m.school_id and t.work_type_id = m.work_type_id
            where m.school_id = w.school_id and m.lesson_id = w.lesson_id and m.is_control and m.mark_1 is not null),
        l.n_pupils_expected, w.n_pupils_wrote, w.n_5, w.n_4, w.n_3, w.n_2, w.sum_marks
    from int_control_work as w
    join fct_lesson as l on l.school_id = w.school_id and l.lesson_id = w.lesson_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    left join dim_group as g on g.school_id = l.school_id and g.group_id = l.group_id
    where w.school_id = $cp_school and w.class_id = $cp_class and w.n_pupils_wrote > 0
        and l.lesson_date <= $cp_end and l.academic_year_id = $cp_year and exists (
        select 1 from scope where scope.school_id = l.school_id and scope.class_id = l.class_id
            and scope.subject_id = l.subject_id and (scope.group_id is null or scope.group_id = l.group_id))
    order by s.subject_name, l.lesson_date, l.lesson_id
"""


def control_works(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    school_id: str,
    class_id: str,
    academic_year_id: str,
    start: dt.date,
    end: dt.date,
) -> list[tuple]:
    """The written control works of the class in the academic year up to `end`, of the subjects and
    subgroups in the viewer's scope, by subject and date: (subject_id, subject name, lesson_id,
    date, before `start`, subgroup, topic, work types, pupils on the list, pupils who wrote,
    «5», «4», «3», «2» (with «1»), sum of the marks)."""
    scope, params = scope_sql(viewer)
    return con.execute(
        _CONTROL_WORKS.format(scope=scope),
        {
            **params,
            "cp_school": school_id,
            "cp_class": class_id,
            "cp_start": start,
            "cp_end": end,
            "cp_year": academic_year_id,
        },
    ).fetchall()


def year_marks(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, academic_year_id: str
) -> list[tuple[str, str, str, str | None, str]]:
    """(pupil_id, subject_id, mark kind, period_id, mark as written) of every non-empty period, year,
    exam and final mark of the class in the academic year."""
    return con.execute(
        "select pupil_id, subject_id, mark_kind_code, period_id, mark_value from fct_period_mark "
        "where school_id = ? and class_id = ? and academic_year_id = ? and mark_value <> ''",
        [school_id, class_id, academic_year_id],
    ).fetchall()


def attested_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, academic_year_id: str
) -> list[tuple[str, str, str]]:
    """(subject_id, name, short name or name) of the subjects attested in the class's curriculum or
    with its period marks in the year, by name."""
    return con.execute(
        "select s.subject_id, s.subject_name, coalesce(nullif(s.short_name, ''), s.subject_name) "
        "from dim_subject as s where s.school_id = $school_id and s.subject_id in ("
        "select subject_id from src_curriculum where school_id = $school_id and class_id = $class_id "
        "and is_attested union select subject_id from fct_period_mark where school_id = $school_id and class_id = $class_id "
        "and academic_year_id = $year) order by s.subject_name",
        {"school_id": school_id, "class_id": class_id, "year": academic_year_id},
    ).fetchall()


def current_averages(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str, int, float | None]]:
    """(pupil_id, subject_id, numeric marks, weighted average) of the class's current marks from
    start to end, for pupil-subjects with a numeric mark."""
    return con.execute(
        "select pupil_id, subject_id, sum(n_numeric), sum(sum_numeric * weight) / nullif(sum(n_numeric * weight), 0) "
        "from fct_mark where school_id = ? and class_id = ? and lesson_date between ? and ? and n_numeric > 0 "
        "group by pupil_id, subject_id",
        [school_id, class_id, start, end],
    ).fetchall()


def current_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str, str]]:
    """(subject_id, name, short name or name) of the subjects attested in the class's curriculum or
    with its numeric current marks from start to end, by name."""
    return con.execute(
        "select s.subject_id, s.subject_name, coalesce(nullif(s.short_name, ''), s.subject_name) "
        "from dim_subject as s where s.school_id = $school_id and s.subject_id in ("
        "select subject_id from src_curriculum where school_id = $school_id and class_id = $class_id "
        "and is_attested union select subject_id from fct_mark where school_id = $school_id "
        "and class_id = $class_id and n_numeric > 0 and lesson_date between $start and $end) "
        "order by s.subject_name",
        {"school_id": school_id, "class_id": class_id, "start": start, "end": end},
    ).fetchall()


def expected_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> set[tuple[str, str]]:
    """(pupil_id, subject_id) of the class's pupils who had lessons of the subject from start to end
    (subgroups split a class)."""
    rows = con.execute(
        "select distinct pupil_id, subject_id from fct_attendance where school_id = ? and class_id = ? "
        "and lesson_date between ? and ?",
        [school_id, class_id, start, end],
    ).fetchall()
    return {(p, s) for p, s in rows}
