"""Three academic years of one school with the demo's trouble (generate_school(years=3, trouble=True)).

One small school (3 grades, 5 subjects) is generated and loaded once for the module. Every
expectation is computed here from the written CSV files: who is in which grade each year, the
previous year's mean period mark, the absent class's missed lessons; the warehouse queries the
pages use (warehouse.director, warehouse.control_rules) must agree with them.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from data_samples.generator.school import generate_school
from data_samples.generator.trouble import TEACHER_TROUBLE
from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms
from pipelines.ingest import ingest_path
from warehouse import director
from warehouse.class_period import latest_periods
from warehouse.control_rules import violations
from warehouse.objectivity import flags
from warehouse.objectivity_norms import ObjectivityNorms

YEARS = ("2023-2024", "2024-2025", "2025-2026")
GRADES = (5, 6, 7)
DEPUTY = Viewer("zavuch", Role.DEPUTY, "sch-0001")
DIRECTOR = Viewer("director", Role.DIRECTOR, "sch-0001")


def _rows(folder: Path, name: str) -> list[dict]:
    with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> tuple[Path, Path, list]:
    """(folder of the three exports, warehouse they were loaded into, ingest results)."""
    base = tmp_path_factory.mktemp("years")
    out = base / "school"
    generate_school(
        out,
        seed=5,
        n_pupils=150,
        grades=GRADES,
        subject_ids=["rus", "math", "alg", "eng", "hist"],
        years=3,
        trouble=True,
    )
    results = ingest_path(out, base / "w.duckdb")
    return out, base / "w.duckdb", results


def _grade_at_end(folder: Path) -> dict[str, int]:
    """pupil_id → grade of the class the pupil is in on the last day of the year."""
    grade_of = {row["class_id"]: int(row["grade"]) for row in _rows(folder, "classes")}
    return {row["pupil_id"]: grade_of[row["class_id"]] for row in _rows(folder, "enrolments") if not row["end_date"]}


def _grade_at_start(folder: Path) -> dict[str, int]:
    grade_of = {row["class_id"]: int(row["grade"]) for row in _rows(folder, "classes")}
    return {row["pupil_id"]: grade_of[row["class_id"]] for row in _rows(folder, "enrolments")}


def test_one_export_per_academic_year(school):
    out, _, _ = school
    assert sorted(p.name for p in out.iterdir()) == list(YEARS)
    for name in YEARS:
        (year,) = _rows(out / name, "academic_years")
        assert year["academic_year_id"] == name.replace("-", "/")
        assert year["start_date"] == f"01.09.{name[:4]}"


def test_pupils_move_up_a_grade(school):
    out, _, _ = school
    for earlier, later in itertools.pairwise(YEARS):
        before, after = _grade_at_end(out / earlier), _grade_at_start(out / later)
        returning = before.keys() & after.keys()
        assert all(after[p] == before[p] + 1 for p in returning)
        going_on = [p for p, g in before.items() if g < max(GRADES)]
        assert len(returning) >= 0.9 * len(going_on)  # a few leave in summer
        assert not any(before[p] == max(GRADES) for p in returning)  # 7th-graders leave this school
        assert any(g == min(GRADES) for p, g in after.items() if p not in before)  # a new 5th grade
        people = {r["pupil_id"]: r for r in _rows(out / earlier, "pupils")}
        for row in _rows(out / later, "pupils"):
            if row["pupil_id"] in people:  # the same id is the same child
                assert row == people[row["pupil_id"]]


def test_ids_never_repeat_across_years(school):
    out, _, _ = school
    for name, column in (("lessons", "lesson_id"), ("marks", "mark_id"), ("classes", "class_id")):
        ids = Counter(row[column] for year in YEARS for row in _rows(out / year, name))
        assert max(ids.values()) == 1, name
    teachers = [{r["teacher_id"]: r["last_name"] for r in _rows(out / year, "teachers")} for year in YEARS]
    assert teachers[0] == teachers[1] == teachers[2]  # the staff stays


def test_three_years_load_without_rejections(school):
    _, db, results = school
    assert [r.status for r in results] == ["loaded"] * 3
    assert [r.issues for r in results] == [[], [], []]
    with duckdb.connect(str(db), read_only=True) as con:
        years = con.execute("select academic_year_id from dim_academic_year order by 1").fetchall()
        n_lessons = con.execute("select count(*) from fct_lesson").fetchone()[0]
    assert [y for (y,) in years] == [name.replace("-", "/") for name in YEARS]
    assert n_lessons == sum(len(_rows(school[0] / year, "lessons")) for year in YEARS)


def test_year_ago_lights_up(school):
    out, db, _ = school
    with duckdb.connect(str(db), read_only=True) as con:
        period = director.find_period(con, DIRECTOR, "4 четверть")
        year_ago = director.same_period_last_year(director.periods(con, DIRECTOR), period)
        assert period.academic_year_id == "2025/2026"
        assert year_ago is not None and year_ago.period_id == "2024-2025-q4"
        then = director.results(con, DIRECTOR, year_ago).to_dicts()[0]
    rows = [r for r in _rows(out / "2024-2025", "period_marks") if r["period_id"] == "2024-2025-q4"]
    numeric = [int(r["mark_value"]) for r in rows if r["mark_value"].isdigit()]
    assert then["mean_mark"] == pytest.approx(sum(numeric) / len(numeric))
    assert director.delta_text(4.0, then["mean_mark"]) != "—"


def _trouble(folder: Path, rule: str) -> list[dict]:
    return [row for row in _rows(folder / "_truth", "planted") if row["rule"] == rule]


@pytest.fixture(scope="module")
def found(school) -> list[dict]:
    """Every case of the control rules in the school, as the control pages get them."""
    _, db, _ = school
    with duckdb.connect(str(db), read_only=True) as con:
        return violations(con, DEPUTY, Norms()).to_dicts()


def _lessons_by_teacher(folder: Path) -> Counter:
    return Counter(r["replacing_teacher_id"] or r["teacher_id"] for r in _rows(folder, "lessons"))


@pytest.mark.parametrize("year", YEARS)
def test_late_teachers_stand_out(school, found, year):
    out, _, _ = school
    folder = out / year
    held = _lessons_by_teacher(folder)
    for rule in ("trouble_lessons_late", "trouble_homework_late"):
        control = TEACHER_TROUBLE[rule][0]
        cases = Counter(
            c["teacher_id"] for c in found if c["rule"] == control and (c["period_id"] or "").startswith(year)
        )
        for row in _trouble(folder, rule):
            teacher = row["teacher_id"]
            others = [cases[t] / held[t] for t in held if t != teacher and held[t]]
            assert cases[teacher] / held[teacher] > 0.1, (rule, teacher)
            assert cases[teacher] / held[teacher] > sorted(others)[len(others) // 2], (rule, teacher)


def test_behind_teachers_leave_pupils_with_too_few_marks(school, found):
    out, _, _ = school
    folder = out / YEARS[-1]
    (row,) = _trouble(folder, "trouble_marks_behind")
    teacher = row["teacher_id"]
    last_period = [c for c in found if c["rule"] == "too_few_marks" and c["period_id"] == "2025-2026-q4"]
    assert sum(c["teacher_id"] == teacher for c in last_period) >= 5
    # From the CSVs: the teacher's current marks per lesson fall in the last quarter.
    lessons = {
        r["lesson_id"]: r for r in _rows(folder, "lessons") if (r["replacing_teacher_id"] or r["teacher_id"]) == teacher
    }
    per_quarter: dict[str, list] = defaultdict(lambda: [0, 0])
    quarter_of = {r["period_id"]: r for r in _rows(folder, "periods")}
    marks = Counter(r["lesson_id"] for r in _rows(folder, "marks") if r["lesson_id"] in lessons)
    for lesson_id, lesson in lessons.items():
        for period_id, period in quarter_of.items():
            if period_id.endswith(("q3", "q4")) and _within(lesson["lesson_date"], period):
                per_quarter[period_id][0] += marks[lesson_id]
                per_quarter[period_id][1] += 1
    q3, q4 = (per_quarter[f"2025-2026-{q}"] for q in ("q3", "q4"))
    assert q4[0] / q4[1] < 0.6 * q3[0] / q3[1]


def _day(text: str) -> tuple[int, int, int]:
    d, m, y = text.split(".")
    return int(y), int(m), int(d)


def _within(date: str, period: dict) -> bool:
    return _day(period["start_date"]) <= _day(date) <= _day(period["end_date"])


def test_raising_teacher_is_found(school):
    out, db, _ = school
    folder = out / YEARS[-1]
    (row,) = _trouble(folder, "trouble_finals_raised")
    with duckdb.connect(str(db), read_only=True) as con:
        flagged = flags(con, DEPUTY, ObjectivityNorms()).to_dicts()
    raised = Counter(
        c["teacher_id"] for c in flagged if c["rule"] == "final_mark_raised" and c["period_id"][:9] == YEARS[-1]
    )
    assert raised[row["teacher_id"]] >= 5
    assert raised.most_common(1)[0][0] == row["teacher_id"]


def test_absent_class_pupils_are_flagged(school, found):
    out, _, _ = school
    folder = out / YEARS[-1]
    planted = _trouble(folder, "trouble_chronic_class")
    assert len(planted) >= 5 and len({r["class_id"] for r in planted}) == 1
    periods = [r for r in _rows(folder, "periods") if r["period_id"].endswith(("q1", "q2", "q3", "q4"))]
    date_of = {r["lesson_id"]: r["lesson_date"] for r in _rows(folder, "lessons")}
    counts: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0])
    pupils = {r["pupil_id"] for r in planted}
    for row in _rows(folder, "attendance"):
        if row["pupil_id"] in pupils:
            (period,) = [p for p in periods if _within(date_of[row["lesson_id"]], p)]
            counts[row["pupil_id"], period["period_id"]][0] += row["absence_code"] in ("н", "у", "б")
            counts[row["pupil_id"], period["period_id"]][1] += 1
    assert all(missed > 0.3 * total for missed, total in counts.values())
    flagged = {(c["pupil_id"], c["period_id"]) for c in found if c["rule"] == "chronic_absence"}
    assert set(counts) <= flagged
    assert len(counts) == len(pupils) * 4


def test_documents_take_the_latest_year_classes(school):
    """`ejournal report` without --period makes one document per class of the latest year, not one per
    class of every loaded year."""
    out, db, _ = school
    latest_classes = sorted(row["class_name"] for row in _rows(out / YEARS[-1], "classes"))
    with duckdb.connect(str(db), read_only=True) as con:
        pairs = latest_periods(con, "sch-0001")
    assert sorted(name for name, _ in pairs) == latest_classes
    assert {period for _, period in pairs} == {"4 четверть"}
