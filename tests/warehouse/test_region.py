"""The «Муниципалитет / регион» query layer on the hand-made schools of conftest.py.

sch-1 (region 50) has pupils p1–p4 expected at lessons, sch-2 (region 77) one pupil; sch-1 has
five ВПР results, fewer than the ten ФИС ОКО judges.
"""

from __future__ import annotations

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from warehouse import lake, region

DEPUTY = Viewer("zavuch", Role.DEPUTY, "sch-1")
DIRECTOR = Viewer("director", Role.DIRECTOR, "sch-1")
TEACHER = Viewer("uchitel", Role.TEACHER, "sch-1", "t1")


def _compare(con, viewer, vpr_min=10):
    return region.school_comparison(con, viewer, lesson_entry_days=2, vpr_min_participants=vpr_min)


def test_one_row_per_school_with_raw_pupil_counts(built):
    table = _compare(built, DEPUTY)
    assert table["Школа"].to_list() == ["СОШ № 1", "СОШ № 2"]
    assert table["Регион"].to_list() == ["50", "77"]
    # pupils with at least one school day in the attendance mart
    expected = dict(
        built.execute("select school_id, count(distinct pupil_id) from mart_attendance_day group by all").fetchall()
    )
    assert table["Учеников"].to_list() == [expected["sch-1"], expected["sch-2"]]
    raw_vpr = built.execute(
        "select count(*) from src_external_results where school_id = 'sch-1' and assessment_code = 'ВПР'"
    ).fetchone()[0]
    assert table["Участников ВПР"][0] <= raw_vpr
    assert table["ВПР: понизили, %"].to_list() == [region.NOT_JUDGED, region.NOT_JUDGED]


def test_vpr_shares_add_up_when_judged(built):
    table = _compare(built, DEPUTY, vpr_min=1)
    row = table.row(0, named=True)
    shares = [float(row[f"ВПР: {k}, %"]) for k in ("понизили", "подтвердили", "повысили")]
    assert abs(sum(shares) - 100) < 0.2


def test_director_sees_small_schools_suppressed_and_teacher_nothing(built):
    table = _compare(built, DIRECTOR)
    small = table.filter(table["Школа"] == "СОШ № 2").row(0, named=True)
    assert small["Учеников"] == region.SUPPRESSED
    assert small["Пропущено уроков, %"] == region.SUPPRESSED
    assert _compare(built, TEACHER).is_empty()


def test_the_lake_gives_the_same_comparison(built, tmp_path):
    lake.export_warehouse(built, tmp_path / "lake", ("src_", "mart_"))
    con = region.open_lake_marts(tmp_path / "lake")
    assert region.n_schools(con) == 2
    assert _compare(con, DEPUTY).equals(_compare(built, DEPUTY))
