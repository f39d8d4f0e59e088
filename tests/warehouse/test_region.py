"""The «Муниципалитет / регион» query layer on the eight hand-made schools of region_sample.py:
what the education authority, a director and a deputy see, checked against figures computed
from the raw rows (region_expect.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from tests.warehouse.conftest import insert
from tests.warehouse.region_expect import close, figures, group_hidden, quartiles, schools_of, small
from tests.warehouse.region_sample import COLUMNS, ROWS, SCHOOLS, load_region
from warehouse import db, lake, region, region_parts, spark_build

REGION_50 = Viewer("mo50", Role.REGION, region_id="50")
KHIMKI = Viewer("khimki", Role.REGION, region_id="50", municipality="г. Химки")
DIRECTOR = Viewer("director", Role.DIRECTOR, "s50-2")
VPR_MIN = 3
DIGITS = {"Итоговая − средневзвешенный, балла": 2, "Учеников": 0, "Участников ВПР": 0}
RANKED = {  # +1: more is better, -1: less is better
    "Отметок на ученика по предмету за период": 1,
    "Уроков записано в срок, %": 1,
    "Итоговая − средневзвешенный, балла": -1,
    "ВПР: понизили, %": -1,
    "ВПР: подтвердили, %": 1,
    "ВПР: повысили, %": -1,
    "Пропущено уроков, %": -1,
}
VPR_SHARES = ("ВПР: понизили, %", "ВПР: подтвердили, %", "ВПР: повысили, %")


def _build(without: frozenset[str] = frozenset()) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.migrate(con)
    load_region(con, without)
    db.build_models(con)
    return con


@pytest.fixture(scope="module")
def schools_con():
    con = _build()
    yield con
    con.close()


def _view(con, viewer, vpr_min=VPR_MIN, use_parts=None):
    return region.region_view(con, viewer, lesson_entry_days=2, vpr_min_participants=vpr_min, use_parts=use_parts)


def _everything(view: region.RegionView) -> str:
    frames = (view.schools, view.municipalities, view.distribution)
    return " ".join([view.scope_text, view.notice or "", view.school_name or ""] + [f.write_csv() for f in frames])


def _check_row(row: dict, school_ids: set[str], *, pooled: bool = False, rows: dict = ROWS) -> None:
    """Every figure of a row against the raw rows: «< 5», «не оценивается» or the number."""
    expected = figures(rows, school_ids)
    hidden = group_hidden if pooled else small
    for title, value in expected.items():
        if hidden(rows, school_ids, title):
            assert row[title] == region.SUPPRESSED, (school_ids, title, row[title])
        elif title in VPR_SHARES and expected["Участников ВПР"] < VPR_MIN:
            assert row[title] == region.NOT_JUDGED, (school_ids, title)
        else:
            assert close(row[title], value, DIGITS.get(title, 1)), (school_ids, title, row[title], value)


def test_the_authority_sees_its_regions_schools_by_name_and_no_other(schools_con):
    view = _view(schools_con, REGION_50)
    expected = sorted(schools_of("50"), key=lambda s: (s.municipality, s.name))
    assert view.schools["Школа"].to_list() == [s.name for s in expected]
    assert view.schools["Муниципалитет"].to_list() == [s.municipality for s in expected]
    assert view.n_schools == 7 and view.scope_text == "регион 50"
    text = _everything(view)
    assert not any(s.name in text for s in SCHOOLS if s.region_id != "50")
    assert "г. Москва" not in text and "Ученикова" not in text


def test_school_figures_match_the_raw_rows_and_small_schools_are_hidden(schools_con):
    view = _view(schools_con, REGION_50)
    for row in view.schools.iter_rows(named=True):
        school = next(s for s in SCHOOLS if s.name == row["Школа"])
        _check_row(row, {school.school_id})
        if school.n_pupils < 5:
            assert set(row.values()) == {school.name, school.municipality, region.SUPPRESSED}
    # the suppression is not vacuous: a school of 5 or more shows its numbers
    big = view.schools.filter(view.schools["Школа"] == "Лицей Химкинский").row(0, named=True)
    assert big["Учеников"] == "10" and big["Пропущено уроков, %"] != region.SUPPRESSED


def test_municipality_and_region_rows_pool_the_schools(schools_con):
    view = _view(schools_con, REGION_50)
    summary = {row["Муниципалитет"]: row for row in view.municipalities.iter_rows(named=True)}
    assert list(summary) == ["г. Сергиев Посад", "г. Химки", "Всего"]
    for name, row in summary.items():
        members = schools_of("50", None if name == "Всего" else name)
        assert row["Школ"] == str(len(members))
        _check_row(row, {s.school_id for s in members}, pooled=True)
    # pooled, not an average of the schools' figures (the data makes the two differ)
    posad = [s for s in schools_of("50", "г. Сергиев Посад")]
    per_school = [figures(ROWS, {s.school_id})["Уроков записано в срок, %"] for s in posad]
    pooled = figures(ROWS, {s.school_id for s in posad})["Уроков записано в срок, %"]
    assert abs(sum(per_school) / len(per_school) - pooled) > 0.1
    assert close(summary["г. Сергиев Посад"]["Уроков записано в срок, %"], pooled)


def test_a_municipal_account_sees_its_municipality_only(schools_con):
    view = _view(schools_con, KHIMKI)
    assert view.schools["Школа"].to_list() == ["Лицей Химкинский", "СОШ Речная"]
    assert view.municipalities["Муниципалитет"].to_list() == ["г. Химки", "Всего"]
    text = _everything(view)
    assert not any(s.name in text for s in SCHOOLS if s.municipality != "г. Химки")
    _check_row(view.municipalities.row(1, named=True), {"s50-5", "s50-6"}, pooled=True)


def test_a_summary_that_would_reveal_a_small_school_is_hidden():
    """Without «СОШ Крохотная», «СОШ Малая» (3 pupils) is the only hidden school of «г. Сергиев
    Посад»: the municipality minus the schools shown would give its figures, so it is hidden too."""
    con = _build(frozenset({"s50-4"}))
    view = _view(con, REGION_50)
    summary = {row["Муниципалитет"]: row for row in view.municipalities.iter_rows(named=True)}
    assert summary["г. Сергиев Посад"]["Учеников"] == region.SUPPRESSED
    assert summary["г. Сергиев Посад"]["Пропущено уроков, %"] == region.SUPPRESSED
    assert summary["Всего"]["Пропущено уроков, %"] == region.SUPPRESSED
    assert summary["г. Химки"]["Учеников"] == "18"
    con.close()


def test_an_authority_account_without_a_region_sees_nothing(schools_con):
    view = _view(schools_con, Viewer("nobody", Role.REGION))
    assert view.schools.is_empty() and view.municipalities.is_empty() and "не привязана" in view.notice


@pytest.mark.parametrize("vpr_min", [1, VPR_MIN])
def test_the_director_sees_the_own_school_and_the_regions_distribution(schools_con, vpr_min):
    view = _view(schools_con, DIRECTOR, vpr_min)
    assert view.school_name == "СОШ Лесная" and view.n_schools == 7 and view.notice is None
    text = _everything(view)
    assert not any(s.name in text for s in SCHOOLS if s.school_id != "s50-2")
    table = {row["Показатель"]: row for row in view.distribution.iter_rows(named=True)}
    assert list(table) == list(figures(ROWS, {"s50-2"}))
    own = figures(ROWS, {"s50-2"})
    ranked_with_enough = 0
    for title, row in table.items():
        digits = DIGITS.get(title, 1)
        # another school's figure about 1–4 pupils is in no quartile (nor the director's own small one)
        per_school = [figures(ROWS, {s.school_id}) for s in schools_of("50") if not small(ROWS, {s.school_id}, title)]
        if title in VPR_SHARES:
            per_school = [f for f in per_school if f["Участников ВПР"] >= vpr_min]
        values = [f[title] for f in per_school if f[title] is not None]
        assert row["Школ с данными"] == str(len(values)), title
        enough = len(values) >= region.MIN_SCHOOLS
        stats = dict(zip(("25-й процентиль", "Медиана", "75-й процентиль"), quartiles(values), strict=True))
        for column, value in stats.items():
            if enough:
                assert close(row[column], value, max(digits, 1)), (title, column, row[column], value)
            else:
                assert row[column] == "—", (title, column)
        if small(ROWS, {"s50-2"}, title):
            assert row["Ваша школа"] == region.SUPPRESSED and row["Место (1 — лучшее)"] == "—", title
            continue
        if title in VPR_SHARES and own["Участников ВПР"] < vpr_min:
            assert row["Ваша школа"] == region.NOT_JUDGED, title
            continue
        assert close(row["Ваша школа"], own[title], digits), (title, row["Ваша школа"], own[title])
        if title in RANKED and enough:
            better = [v for v in values if (v - own[title]) * RANKED[title] > 1e-9]
            assert row["Место (1 — лучшее)"] == f"{len(better) + 1} из {len(values)}", title
            ranked_with_enough += 1
        else:
            assert row["Место (1 — лучшее)"] == "—", title
    # ВПР: four schools of region 50 have 5 participants or more, too few for quartiles and places
    assert ranked_with_enough >= 4


def test_a_small_school_is_hidden_from_its_director_but_not_its_deputy(schools_con):
    director = _view(schools_con, Viewer("d3", Role.DIRECTOR, "s50-3"))
    deputy = _view(schools_con, Viewer("z3", Role.DEPUTY, "s50-3"))
    assert set(director.distribution["Ваша школа"]) == {region.SUPPRESSED}
    assert set(director.distribution["Место (1 — лучшее)"]) == {"—"}
    assert deputy.distribution.filter(deputy.distribution["Показатель"] == "Учеников")["Ваша школа"][0] == "3"
    # the deputy's distribution is the director's: the same region, the same schools
    assert deputy.distribution["Медиана"].to_list() == director.distribution["Медиана"].to_list()


def test_too_few_schools_give_no_distribution(schools_con):
    view = _view(schools_con, Viewer("d77", Role.DIRECTOR, "s77-1"))
    assert view.school_name == "Школа Арбатская" and view.n_schools == 2
    assert "меньше 5" in view.notice
    assert set(view.distribution["Медиана"]) == {"—"} and set(view.distribution["Место (1 — лучшее)"]) == {"—"}
    assert "Школа Тверская" not in _everything(view)
    assert close(view.distribution.row(8, named=True)["Ваша школа"], figures(ROWS, {"s77-1"})["Пропущено уроков, %"])


def test_a_school_missing_from_the_data_is_said_so(schools_con):
    view = _view(schools_con, Viewer("d", Role.DIRECTOR, "sch-0001"))
    assert "нет в данных" in view.notice and view.distribution.is_empty() and view.n_schools == 0


def test_a_school_role_without_a_school_cannot_look_at_all_the_schools(schools_con):
    # A deputy or director created without a school used to see every school of the warehouse.
    for role in (Role.DEPUTY, Role.DIRECTOR, Role.PARENT_COUNCIL):
        with pytest.raises(AccessError, match="должна принадлежать школе"):
            _view(schools_con, Viewer("zavuch", role))


def test_roles_without_the_page_get_nothing(schools_con):
    for viewer in (Viewer("t", Role.TEACHER, "s50-2", "t1"), Viewer("a", Role.ADMIN, "s50-2")):
        view = _view(schools_con, viewer)
        assert view.schools.is_empty() and view.distribution.is_empty() and view.n_schools == 0


def test_the_lake_gives_the_same_view(schools_con, tmp_path):
    lake.export_warehouse(schools_con, tmp_path / "lake", ("src_", "mart_"))
    con = region.open_lake_marts(tmp_path / "lake")
    for viewer in (REGION_50, KHIMKI, DIRECTOR):
        from_lake, from_warehouse = _view(con, viewer), _view(schools_con, viewer)
        assert from_lake.schools.equals(from_warehouse.schools)
        assert from_lake.municipalities.equals(from_warehouse.municipalities)
        assert from_lake.distribution.equals(from_warehouse.distribution)
    con.close()


def test_a_period_choice_cuts_lessons_and_attendance_to_its_dates(schools_con):
    """«1 четверть» seen from 20.09.2025 covers the lessons of 2, 9 and 16 September only; «год»
    seen after the quarter covers every row; a period not in the data covers none."""
    from warehouse.periods import YEAR, Period

    as_of = dt.date(2025, 9, 20)
    lessons = {(r[0], r[1]) for r in ROWS["src_lessons"] if r[2] <= as_of}
    cut = {
        **ROWS,
        "src_lessons": [r for r in ROWS["src_lessons"] if (r[0], r[1]) in lessons],
        "src_attendance": [r for r in ROWS["src_attendance"] if (r[0], r[2]) in lessons],
    }
    titles = ("Уроков записано в срок, %", "Пропущено уроков, %")
    for period, rows in ((Period("1 четверть", as_of), cut), (Period(YEAR, dt.date(2025, 10, 30)), ROWS)):
        view = region.region_view(
            schools_con, REGION_50, lesson_entry_days=2, vpr_min_participants=VPR_MIN, period=period
        )
        for row in view.schools.iter_rows(named=True):
            school = next(s for s in SCHOOLS if s.name == row["Школа"])
            expected = figures(rows, {school.school_id})
            for title in titles:
                if not small(rows, {school.school_id}, title):
                    assert close(row[title], expected[title]), (period, school.name, title, row[title], expected[title])
    assert figures(cut, {"s50-1"})["Пропущено уроков, %"] != figures(ROWS, {"s50-1"})["Пропущено уроков, %"]
    none = region.region_view(schools_con, REGION_50, lesson_entry_days=2, vpr_min_participants=VPR_MIN,
                              period=Period("2 четверть", dt.date(2025, 10, 30)))  # fmt: skip
    assert set(none.schools["Пропущено уроков, %"].to_list()) <= {"нет данных", "—", None, region.SUPPRESSED}


# ---------------------------------------------------------------- the lake's pre-aggregated parts


def _lake_parts_only(con: duckdb.DuckDBPyConnection, lake_path) -> duckdb.DuckDBPyConnection:
    """The page's lake connection with the marts taken away: what it shows comes from the parts."""
    lake.export_warehouse(con, lake_path, ("src_", "mart_"))
    lake_con = region.open_lake_marts(lake_path)
    marts = lake_con.execute("select view_name from duckdb_views() where view_name like 'mart_%'").fetchall()
    assert {"mart_attendance_day", "mart_lesson_entry", "mart_objectivity_final"} <= {m for (m,) in marts}
    for (mart,) in marts:
        lake_con.execute(f"drop view {mart}")
    return lake_con


def test_the_lake_view_reads_the_parts_and_matches_the_raw_rows_for_each_period_choice(schools_con, tmp_path):
    """«1 четверть» and «текущий» seen from 20.09.2025 cover the lessons and attendance of 2, 9 and
    16 September (the quarter's marks, period marks and ВПР whole); «год» after the quarter covers
    every row. Small schools stay «< 5» in every choice."""
    from warehouse.periods import CURRENT, YEAR, Period

    lake_con = _lake_parts_only(schools_con, tmp_path / "lake")
    as_of = dt.date(2025, 9, 20)
    lessons = {(r[0], r[1]) for r in ROWS["src_lessons"] if r[2] <= as_of}
    cut = {
        **ROWS,
        "src_lessons": [r for r in ROWS["src_lessons"] if (r[0], r[1]) in lessons],
        "src_attendance": [r for r in ROWS["src_attendance"] if (r[0], r[2]) in lessons],
    }
    choices = {
        Period("1 четверть", as_of): cut,
        Period(CURRENT, as_of): cut,
        Period(YEAR, dt.date(2025, 10, 30)): ROWS,
    }
    for period, rows in choices.items():
        view = region.region_view(lake_con, REGION_50, lesson_entry_days=2, vpr_min_participants=VPR_MIN, period=period)
        assert view.n_schools == 7
        for row in view.schools.iter_rows(named=True):
            school = next(s for s in SCHOOLS if s.name == row["Школа"])
            _check_row(row, {school.school_id}, rows=rows)
            if school.n_pupils < 5:
                assert set(row.values()) == {school.name, school.municipality, region.SUPPRESSED}, period
        for row in view.municipalities.iter_rows(named=True):
            name = row["Муниципалитет"]
            members = schools_of("50", None if name == "Всего" else name)
            _check_row(row, {s.school_id for s in members}, pooled=True, rows=rows)
    assert figures(cut, {"s50-1"})["Пропущено уроков, %"] != figures(ROWS, {"s50-1"})["Пропущено уроков, %"]
    # a norm of timeliness other than the one the parts were written with: the delays are kept
    strict = region.region_view(lake_con, REGION_50, lesson_entry_days=0, vpr_min_participants=VPR_MIN)
    for row in strict.schools.iter_rows(named=True):
        school = next(s for s in SCHOOLS if s.name == row["Школа"])
        if not small(ROWS, {school.school_id}, "Уроков записано в срок, %"):
            expected = figures(ROWS, {school.school_id}, lesson_entry_days=0)["Уроков записано в срок, %"]
            assert close(row["Уроков записано в срок, %"], expected), school.name
    lake_con.close()


def _without_pupil(school_id: str, pupil_id: str) -> dict[str, list[tuple]]:
    """ROWS without the pupil's rows (the pupil is the third column of marks, the second elsewhere)."""
    column = {"src_marks": 2}
    return {
        table: [r for r in rows if not (r[0] == school_id and r[column.get(table, 1)] == pupil_id)]
        if "pupil_id" in COLUMNS[table]
        else rows
        for table, rows in ROWS.items()
    }


def _warehouse_of(rows: dict[str, list[tuple]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.migrate(con)
    for table, table_rows in rows.items():
        if table_rows:
            insert(con, table, COLUMNS[table], table_rows)
    db.build_models(con)
    return con


def test_forgetting_a_pupil_recounts_the_schools_parts_in_the_lake(schools_con, tmp_path):
    path = tmp_path / "lake"
    lake.export_warehouse(schools_con, path)
    rows = _without_pupil("s50-1", "p1")
    forgotten = _warehouse_of(rows)  # the school's warehouse once the pupil is deleted there
    lake.forget_pupil(path, "s50-1", "p1", parts_from=forgotten)
    lake_con = region.open_lake_marts(path)
    view = _view(lake_con, REGION_50)
    row = view.schools.filter(view.schools["Школа"] == "Гимназия Посадская").row(0, named=True)
    assert row["Учеников"] == "8"
    _check_row(row, {"s50-1"}, rows=rows)
    other = view.schools.filter(view.schools["Школа"] == "СОШ Лесная").row(0, named=True)
    _check_row(other, {"s50-2"})
    lake_con.close()
    # without the school's warehouse the parts are removed: deletion means deletion
    lake.forget_pupil(path, "s50-1", "p2")
    lake_con = region.open_lake_marts(path)
    counted = "select count(*) from agg_region_school_day where school_id = ?"
    assert lake_con.execute(counted, ["s50-1"]).fetchone()[0] == 0
    assert lake_con.execute(counted, ["s50-2"]).fetchone()[0] > 0
    lake_con.close()
    forgotten.close()


def test_a_school_exported_without_parts_sends_the_page_back_to_the_marts(schools_con, tmp_path):
    # a school exported by an older version (no parts) beside schools with parts: the marts are
    # read, so that the older school is not shown without figures
    path = tmp_path / "lake"
    lake.export_warehouse(schools_con, path, ("src_", "mart_"))
    parts = path / "agg_region_school_day"
    (older_file,) = parts.glob(f"*/*/school-{lake.school_token('s50-2')}.parquet")
    older_file.unlink()
    con = region.open_lake_marts(path)
    for viewer in (REGION_50, DIRECTOR):
        assert _view(con, viewer).schools.equals(_view(schools_con, viewer).schools)
        assert _view(con, viewer).distribution.equals(_view(schools_con, viewer).distribution)
    with_parts = _view(con, REGION_50, use_parts=True)
    row = with_parts.schools.filter(with_parts.schools["Школа"] == "СОШ Лесная").row(0, named=True)
    assert row["Учеников"] == region.SUPPRESSED  # the parts alone: no pupils
    con.close()


# ---------------------------------------------------------------- the lake's compacted files


def _compacted(path) -> set[str]:
    """The page's tables whose compacted file holds what their school files hold now."""
    manifest = lake.read_manifest(path)
    return {t for t in region_parts.PAGE_TABLES if t in manifest and lake.fresh_compact(path, manifest[t])}


def _check_schools(view: region.RegionView, rows: dict = ROWS) -> None:
    for row in view.schools.iter_rows(named=True):
        school = next(s for s in SCHOOLS if s.name == row["Школа"])
        _check_row(row, {school.school_id}, rows=rows)


def test_the_page_reads_each_of_its_tables_from_one_compacted_file(schools_con, tmp_path):
    path = tmp_path / "lake"
    for school in SCHOOLS:  # each school exports on its own, into files of its own
        lake.export_warehouse(schools_con, path, ("src_", "mart_"), schools=[school.school_id])
    assert len(list((path / region_parts.PARTS_TABLE).glob("*/*/school-*.parquet"))) == len(SCHOOLS)
    assert _compacted(path) == set(region_parts.PAGE_TABLES)
    con = region.open_lake_marts(path)
    views = dict(con.execute("select view_name, sql from duckdb_views() where not internal").fetchall())
    for table in region_parts.PAGE_TABLES:
        assert f"/{lake.COMPACT_FOLDER}/{table}.parquet" in views[table] and "*" not in views[table], table
    # the compacted files hold the warehouse's rows, the parts those the school's export computes
    for table in region_parts.PAGE_TABLES[:-1]:
        assert db.content_hash(con, table) == db.content_hash(schools_con, table), table
    region_parts.create_parts(schools_con, [s.school_id for s in SCHOOLS])
    parts = f"select * from {region_parts.PARTS_TABLE} order by all"
    assert con.execute(parts).fetchall() == schools_con.execute(parts).fetchall()
    region_parts.drop_parts(schools_con)
    # rows of one choice and «На дату» lie together, so the page skips the other row groups
    read = f"read_parquet('{lake.compact_file(path, region_parts.PARTS_TABLE)}')"
    keys = con.execute(f"select choice, valid_from, school_id, day from {read}").fetchall()
    assert keys == sorted(keys, key=lambda k: tuple((v is not None, v) for v in k))
    _check_schools(_view(con, REGION_50))
    for viewer in (REGION_50, KHIMKI, DIRECTOR):
        assert _view(con, viewer, use_parts=True).distribution.equals(_view(schools_con, viewer).distribution)
        assert _view(con, viewer, use_parts=True).schools.equals(_view(schools_con, viewer).schools)
    con.close()


def test_compacted_files_follow_a_re_export_and_are_passed_over_once_files_change_by_hand(schools_con, tmp_path):
    path = tmp_path / "lake"
    lake.export_warehouse(schools_con, path)
    rows = _without_pupil("s50-1", "p1")
    school = _warehouse_of(rows)
    lake.export_warehouse(school, path, schools=["s50-1"])  # the school exports again, a pupil fewer
    school.close()
    assert _compacted(path) == set(region_parts.PAGE_TABLES)
    # the export read only its own school's files into them: the same rows as all the files give
    read = "select * from read_parquet($file) order by all"
    with duckdb.connect() as files:
        updated = {
            t: files.execute(read, {"file": str(lake.compact_file(path, t))}).fetchall() for t in _compacted(path)
        }
        lake.compact(path)
        for table, rows_there in updated.items():
            assert rows_there == files.execute(read, {"file": str(lake.compact_file(path, table))}).fetchall(), table
    con = region.open_lake_marts(path)
    view = _view(con, REGION_50)
    assert view.schools.filter(view.schools["Школа"] == "Гимназия Посадская")["Учеников"][0] == "8"
    _check_schools(view, rows)
    con.close()
    # a school's files deleted by hand (or rewritten by an older version): the compacted files no
    # longer match, the page reads the school files and shows the school no more
    for file in path.glob(f"*/*/*/school-{lake.school_token('s50-2')}.parquet"):
        file.unlink()
    assert _compacted(path) == set()
    con = region.open_lake_marts(path)
    view = _view(con, REGION_50)
    assert "СОШ Лесная" not in view.schools["Школа"].to_list() and view.n_schools == 6
    _check_schools(view, rows)
    con.close()
    # compacting the lake again (as a build does) gives the same view from the compacted files
    assert lake.compact(path) == list(region_parts.PAGE_TABLES)
    assert _compacted(path) == set(region_parts.PAGE_TABLES)
    con = region.open_lake_marts(path)
    assert _view(con, REGION_50).schools.equals(view.schools)
    con.close()


def test_a_lake_build_writes_the_parts_of_schools_exported_without_them(schools_con, tmp_path):
    """Schools exported their sources with a version that wrote no parts: the DuckDB build of the
    lake writes them, so the page reads parts, not marts, and its figures are the raw rows'."""
    path = tmp_path / "lake"
    lake.export_tables(schools_con, path, db.table_names(schools_con, ("src_",)))
    assert region_parts.PARTS_TABLE not in lake.read_manifest(path)
    spark_build.build_on_duckdb(path)
    tokens = {f.name for f in (path / region_parts.PARTS_TABLE).glob("*/*/*.parquet")}
    assert tokens == {f"school-{lake.school_token(s.school_id)}.parquet" for s in SCHOOLS}
    assert _compacted(path) == set(region_parts.PAGE_TABLES)
    lake_con = region.open_lake_marts(path)
    for (mart,) in lake_con.execute("select view_name from duckdb_views() where view_name like 'mart_%'").fetchall():
        lake_con.execute(f"drop view {mart}")  # what the page shows now comes from the parts
    view = _view(lake_con, REGION_50)
    assert view.n_schools == 7
    _check_schools(view)
    lake_con.close()
