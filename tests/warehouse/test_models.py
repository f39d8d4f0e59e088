"""Given/expect tests of the warehouse models on the hand-made rows of conftest.py.

Every expected row below was worked out by hand from those rows, not by running the SQL; the
comments say how. The last part checks the model files themselves: header comment, school_id,
the portable SQL subset (it must transpile to Spark) and that docs/warehouse.md documents every
column.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest
import sqlglot

from tests.warehouse.conftest import fetch, insert, load_sample
from warehouse import db, portability

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
Y = "2025/2026"
ROOT = Path(__file__).resolve().parents[2]
MODEL_FILES = sorted(db.MODELS_DIR.glob("*.sql"))


# Expected rows are tables: one row per line reads better than the formatter's layout.
# fmt: off

# --- dimensions ---------------------------------------------------------------------------------


def test_dim_school(q):
    assert q("select * from dim_school") == [
        ("sch-1", "МБОУ «СОШ № 1»", "СОШ № 1", "50", "г. Сергиев Посад", "Иванова И. И."),
        ("sch-2", "МБОУ «СОШ № 2»", "СОШ № 2", "77", None, None),
    ]


def test_dim_academic_year_counts_days_on_which_some_grade_studies(q):
    # sch-1: weekdays 1–5, 8–12, 15–19 September = 15, minus the autumn break on Thu 11 and Fri 12
    # = 13 (the grade-1 holiday on the 17th leaves the other grades studying). sch-2: 1–5 September.
    assert q("select * from dim_academic_year") == [
        ("sch-1", Y, D("2025-09-01"), D("2025-09-21"), 13),
        ("sch-2", Y, D("2025-09-01"), D("2025-09-07"), 5),
    ]


def test_dim_period(q):
    # grades lose their spaces; sch-2's only period spans its whole year, so it is not a year part
    assert q("select * from dim_period") == [
        ("sch-1", "h1", Y, "half_year", 1, "1 полугодие", D("2025-09-01"), D("2025-09-12"), "10,11", True),
        ("sch-1", "q1", Y, "quarter", 1, "1 четверть", D("2025-09-01"), D("2025-09-10"), "1,2,3,4,5,6,7,8,9", True),
        ("sch-1", "q2", Y, "quarter", 2, "2 четверть", D("2025-09-15"), D("2025-09-21"), "1,2,3,4,5,6,7,8,9", True),
        ("sch-2", "q1", Y, "quarter", 1, "1 четверть", D("2025-09-01"), D("2025-09-07"), None, False),
    ]


def test_dim_date_rows(q):
    assert q("select school_id, count(*) from dim_date group by school_id") == [("sch-1", 21 * 11), ("sch-2", 7 * 11)]
    columns = (
        "school_id, grade, date_day, academic_year_id, weekday_number, weekday_name, week_start_date, is_weekend, "
        "holiday_name, is_holiday, is_study_day, period_id, month_number, month_name"
    )
    picked = q(
        f"select {columns} from dim_date where (school_id, grade, date_day) in ("
        "('sch-1', 7, date '2025-09-01'), ('sch-1', 7, date '2025-09-06'), ('sch-1', 7, date '2025-09-11'),"
        "('sch-1', 1, date '2025-09-17'), ('sch-1', 7, date '2025-09-17'), ('sch-1', 10, date '2025-09-12'),"
        "('sch-1', 10, date '2025-09-16'), ('sch-1', 11, date '2025-09-21'), ('sch-2', 5, date '2025-09-07'))"
    )
    s = "сентябрь"
    assert picked == [
        ("sch-1", 1, D("2025-09-17"), Y, 3, "среда", D("2025-09-15"), False, "Дополнительные каникулы", True, False, "q2", 9, s),
        ("sch-1", 7, D("2025-09-01"), Y, 1, "понедельник", D("2025-09-01"), False, None, False, True, "q1", 9, s),
        ("sch-1", 7, D("2025-09-06"), Y, 6, "суббота", D("2025-09-01"), True, None, False, False, "q1", 9, s),
        # between q1 (ends the 10th) and q2 (starts the 15th): no period
        ("sch-1", 7, D("2025-09-11"), Y, 4, "четверг", D("2025-09-08"), False, "Осенние каникулы", True, False, None, 9, s),
        ("sch-1", 7, D("2025-09-17"), Y, 3, "среда", D("2025-09-15"), False, None, False, True, "q2", 9, s),
        # grade 10 follows the half-year, which ends on the 12th
        ("sch-1", 10, D("2025-09-12"), Y, 5, "пятница", D("2025-09-08"), False, "Осенние каникулы", True, False, "h1", 9, s),
        ("sch-1", 10, D("2025-09-16"), Y, 2, "вторник", D("2025-09-15"), False, None, False, True, None, 9, s),
        ("sch-1", 11, D("2025-09-21"), Y, 7, "воскресенье", D("2025-09-15"), True, None, False, False, None, 9, s),
        ("sch-2", 5, D("2025-09-07"), Y, 7, "воскресенье", D("2025-09-01"), True, None, False, False, "q1", 9, s),
    ]
    assert q(
        "select grade, count(*) from dim_date where school_id = 'sch-1' and is_study_day and grade in (1, 7, 10) "
        "group by grade"
    ) == [(1, 12), (7, 13), (10, 13)]


def test_dim_date_spans_a_leap_year_and_new_year(con):
    # 1 Sep 2023 – 31 Aug 2024 has 366 days; 31 Dec 2023 was a Sunday, 1 Jan 2024 a Monday,
    # 29 Feb 2024 a Thursday.
    con.execute(
        "insert into src_academic_years values "
        "('sch-3', '2023/2024', date '2023-09-01', date '2024-08-31', 1, timestamp '2024-09-01')"
    )
    db.build_models(con)
    assert con.execute("select count(*), count(distinct date_day) from dim_date").fetchone() == (366 * 11, 366)
    rows = con.execute(
        "select date_day, weekday_number, weekday_name, month_number, month_name, week_start_date, period_id "
        "from dim_date where grade = 5 and date_day in "
        "(date '2023-12-31', date '2024-01-01', date '2024-02-29', date '2024-08-31') order by date_day"
    ).fetchall()
    assert rows == [
        (D("2023-12-31"), 7, "воскресенье", 12, "декабрь", D("2023-12-25"), None),
        (D("2024-01-01"), 1, "понедельник", 1, "январь", D("2024-01-01"), None),
        (D("2024-02-29"), 4, "четверг", 2, "февраль", D("2024-02-26"), None),
        (D("2024-08-31"), 6, "суббота", 8, "август", D("2024-08-26"), None),
    ]
    assert con.execute("select * from dim_academic_year").fetchall() == [
        ("sch-3", "2023/2024", D("2023-09-01"), D("2024-08-31"), 261)  # 52 whole weeks (260 weekdays), then Fri 30 and Sat 31 Aug
    ]


def test_dim_teacher_subject_work_type(q):
    assert q("select * from dim_teacher") == [
        ("sch-1", "t1", "Смирнова", "Ольга", "Петровна", "Смирнова Ольга Петровна", "Смирнова О. П.", "учитель"),
        ("sch-1", "t2", "Иванов", "Пётр", None, "Иванов Пётр", "Иванов П.", None),
        ("sch-2", "t1", "Волков", "Андрей", "Ильич", "Волков Андрей Ильич", "Волков А. И.", "учитель"),
    ]
    assert q("select * from dim_subject") == [
        ("sch-1", "eng", "Английский язык", "Англ.", None),
        ("sch-1", "math", "Математика", "Матем.", "2"),
        ("sch-2", "math", "Математика", "Мат.", "2"),
    ]
    assert q("select * from dim_work_type") == [
        ("sch-1", "ans", "Ответ на уроке", 1.0, False),
        ("sch-1", "ctl", "Контрольная работа", 2.0, True),
        ("sch-2", "ans", "Ответ на уроке", 1.5, False),
    ]


def test_dim_class_counts_pupils_on_roll_on_first_and_last_day(q):
    # 7А on 1 Sep: p1, p2, p4; on 21 Sep: p1, p2, p3 (p4 moved to 7Б on the 10th).
    # 10А: p5 from 1 Sep, left on the 5th.
    assert q("select * from dim_class") == [
        ("sch-1", "c10a", "10А", 10, Y, "t2", "Иванов Пётр", 1, 0),
        ("sch-1", "c7a", "7А", 7, Y, "t1", "Смирнова Ольга Петровна", 3, 3),
        ("sch-1", "c7b", "7Б", 7, Y, None, None, 0, 1),
        ("sch-2", "c7a", "7А", 7, Y, "t1", "Волков Андрей Ильич", 1, 1),
    ]


def test_dim_group(q):
    # p1, p2 (until the 5th) and p3 (from the 8th) were members; p1 and p3 are at the year end
    assert q("select * from dim_group") == [
        ("sch-1", "g1", "1 подгруппа", "c7a", "7А", 7, Y, "eng", "t2", "Иванов Пётр", 3, 2),
    ]


def test_dim_pupil(q):
    assert q("select * from dim_pupil") == [
        ("sch-1", "p1", "Кузнецов", "Артём", "Игоревич", "Кузнецов Артём Игоревич", D("2012-03-14"), "м", True,
         "c7a", D("2025-09-01"), D("2025-09-01"), None, True),
        ("sch-1", "p2", "Петрова", "Анна", None, "Петрова Анна", D("2012-05-01"), "ж", True,
         "c7a", D("2025-09-01"), D("2025-09-01"), None, True),
        ("sch-1", "p3", "Сидоров", "Иван", "Иванович", "Сидоров Иван Иванович", None, None, False,
         "c7a", D("2025-09-08"), D("2025-09-08"), None, True),
        # moved 7А → 7Б: the current class is the later enrolment
        ("sch-1", "p4", "Орлова", "Мария", "Сергеевна", "Орлова Мария Сергеевна", D("2012-01-20"), "ж", True,
         "c7b", D("2025-09-01"), D("2025-09-10"), None, True),
        # left the school on the 5th
        ("sch-1", "p5", "Белов", "Олег", None, "Белов Олег", D("2009-07-07"), "м", True,
         "c10a", D("2025-09-01"), D("2025-09-01"), D("2025-09-05"), False),
        # never enrolled
        ("sch-1", "p6", "Новиков", "Илья", None, "Новиков Илья", None, "м", True, None, None, None, None, False),
        ("sch-2", "p1", "Зайцев", "Пётр", None, "Зайцев Пётр", None, "м", True,
         "c7a", D("2025-09-01"), D("2025-09-01"), None, True),
    ]


def test_int_control_work(con):
    """A control work is a lesson with a control-type mark: «4/5» counts as a «4» and a «5», «1» with
    «2», a non-numeric control mark makes the lesson a control work nobody wrote; other schools'
    marks with the same ids stay out."""
    load_sample(con)
    insert(con, "src_marks", "school_id, mark_id, pupil_id, lesson_id, mark_value, work_type_id, entered_at, entered_by", [
        ("sch-1", "M6", "p1", "L1", "4/5", "ctl", T("2025-09-02 12:00"), "t1"),
        ("sch-1", "M7", "p3", "L1", "1", "ctl", T("2025-09-02 12:00"), "t1"),
        ("sch-1", "M8", "p3", "L3", "зач", "ctl", T("2025-09-10 12:00"), "t2"),
    ])
    db.build_models(con)
    assert fetch(con, "select * from int_control_work") == [
        ("sch-1", "L1", D("2025-09-02"), Y, "q1", "c7a", None, "math", 3, 3, 1, 1, 1, 1, 13),
        ("sch-1", "L3", D("2025-09-10"), Y, "q1", "c7a", "g1", "eng", 1, 0, 0, 0, 0, 0, 0),
        ("sch-1", "L4", D("2025-09-16"), Y, "q2", "c7a", None, "math", 1, 1, 1, 0, 0, 0, 5),
    ]


def test_int_roster(q):
    assert q("select * from int_roster where school_id = 'sch-1' and roster_kind_code = 'group'") == [
        ("sch-1", "group", "p1", "c7a", "g1", D("2025-09-01"), None),
        ("sch-1", "group", "p2", "c7a", "g1", D("2025-09-01"), D("2025-09-05")),
        ("sch-1", "group", "p3", "c7a", "g1", D("2025-09-08"), None),
    ]
    assert q("select roster_kind_code, count(*) from int_roster group by all") == [("class", 7), ("group", 3)]


# --- facts --------------------------------------------------------------------------------------


def test_fct_lesson(q):
    # Rosters: L1 (2 Sep) p1 p2 p4; L2 (9 Sep) p1 p2 p3 p4 (p4 leaves 7А after the 9th);
    # L3 subgroup g1 on 10 Sep: p1 p3 (p2 left the group on the 5th); L4 (16 Sep) p1 p2 p3;
    # L5 10А on 2 Sep: p5. Blank group_id and homework («» and « ») read as null. The subject's
    # name, the entry delays and the class's last lesson are checked through mart_lesson_entry,
    # which shows them (tests/warehouse/test_control_marts.py).
    entry = "subject_name, lesson_entry_delay_days, homework_entry_delay_days, class_last_lesson_number"
    assert q(f"select * exclude ({entry}) from fct_lesson") == [
        ("sch-1", "L1", D("2025-09-02"), 1, Y, "q1", 7, "c7a", None, "math", "t1", None, "t1", "Дроби", "§1",
         True, True, T("2025-09-02 10:00"), T("2025-09-02 15:00"), 2, 3, 1, 0),
        ("sch-1", "L2", D("2025-09-09"), 2, Y, "q1", 7, "c7a", None, "math", "t1", "t2", "t2", None, None,
         False, False, T("2025-09-10 08:00"), None, 0, 4, 1, 0),
        ("sch-1", "L3", D("2025-09-10"), 3, Y, "q1", 7, "c7a", "g1", "eng", "t2", None, "t2", "Present Simple", None,
         True, False, T("2025-09-10 11:00"), None, 1, 2, 0, 1),
        ("sch-1", "L4", D("2025-09-16"), 1, Y, "q2", 7, "c7a", None, "math", "t1", None, "t1", "Уравнения", "§2",
         True, True, T("2025-09-16 09:00"), T("2025-09-16 09:05"), 2, 3, 1, 0),
        ("sch-1", "L5", D("2025-09-02"), 1, Y, "h1", 10, "c10a", None, "math", "t2", None, "t2", "Функции", None,
         True, False, T("2025-09-03 18:00"), None, 0, 1, 0, 0),
        ("sch-2", "L1", D("2025-09-02"), 1, Y, "q1", 7, "c7a", None, "math", "t1", None, "t1", "Сложение", None,
         True, False, T("2025-09-02 12:00"), None, 1, 1, 0, 0),
    ]


def test_fct_mark(q):
    a, c = "ans", "ctl"
    assert q("select * from fct_mark") == [
        ("sch-1", "M1", "p1", "L1", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", a, "4/5",
         True, 4, 5, 2, 9, None, 1.0, False, T("2025-09-02 12:00"), 0),
        ("sch-1", "M2", "p2", "L1", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", c, "3",
         True, 3, None, 1, 3, None, 2.0, True, T("2025-09-05 10:00"), 3),
        ("sch-1", "M3", "p1", "L4", D("2025-09-16"), Y, "q2", "c7a", None, "math", "t1", a, "зач",
         False, None, None, 0, 0, None, 1.0, False, T("2025-09-16 11:00"), 0),
        # the mark's own weight 3 (own_weight) beats the work type's 2
        ("sch-1", "M4", "p2", "L4", D("2025-09-16"), Y, "q2", "c7a", None, "math", "t1", c, "5",
         True, 5, None, 1, 5, 3.0, 3.0, True, T("2025-09-18 20:00"), 2),
        ("sch-1", "M5", "p3", "L3", D("2025-09-10"), Y, "q1", "c7a", "g1", "eng", "t2", a, "К",
         False, None, None, 0, 0, None, 1.0, False, T("2025-09-10 12:00"), 0),
        ("sch-2", "M1", "p1", "L1", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", a, "2",
         True, 2, None, 1, 2, None, 1.5, False, T("2025-09-02 13:00"), 0),
    ]
    # p2: (3·2 + 5·3) / (2 + 3) = 4.2; p1: «4/5» at weight 1 → 9 / 2 = 4.5, «зач» adds nothing
    weighted = (
        "select pupil_id, sum(sum_numeric * weight) / sum(n_numeric * weight) from fct_mark "
        "where school_id = 'sch-1' and subject_id = 'math' group by pupil_id"
    )
    assert q(weighted) == [("p1", 4.5), ("p2", 4.2)]


EXPECTED_ATTENDANCE = [
    ("sch-1", "L1", "p1", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", None, True, False, False, False, False, None),
    ("sch-1", "L1", "p2", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", "б", False, True, False, True, True,
     T("2025-09-02 09:00")),
    ("sch-1", "L1", "p4", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", None, True, False, False, False, False, None),
    # L2 was taught by the replacing teacher t2
    ("sch-1", "L2", "p1", D("2025-09-09"), Y, "q1", "c7a", None, "math", "t2", None, True, False, False, False, False, None),
    ("sch-1", "L2", "p2", D("2025-09-09"), Y, "q1", "c7a", None, "math", "t2", None, True, False, False, False, False, None),
    ("sch-1", "L2", "p3", D("2025-09-09"), Y, "q1", "c7a", None, "math", "t2", None, True, False, False, False, False, None),
    ("sch-1", "L2", "p4", D("2025-09-09"), Y, "q1", "c7a", None, "math", "t2", "н", False, True, False, False, False,
     T("2025-09-09 09:10")),
    ("sch-1", "L3", "p1", D("2025-09-10"), Y, "q1", "c7a", "g1", "eng", "t2", None, True, False, False, False, False, None),
    ("sch-1", "L3", "p3", D("2025-09-10"), Y, "q1", "c7a", "g1", "eng", "t2", "оп", True, False, True, False, False,
     T("2025-09-10 10:00")),
    ("sch-1", "L4", "p1", D("2025-09-16"), Y, "q2", "c7a", None, "math", "t1", None, True, False, False, False, False, None),
    ("sch-1", "L4", "p2", D("2025-09-16"), Y, "q2", "c7a", None, "math", "t1", "у", False, True, False, True, False,
     T("2025-09-16 09:00")),
    ("sch-1", "L4", "p3", D("2025-09-16"), Y, "q2", "c7a", None, "math", "t1", None, True, False, False, False, False, None),
    ("sch-1", "L5", "p5", D("2025-09-02"), Y, "h1", "c10a", None, "math", "t2", None, True, False, False, False, False, None),
    ("sch-2", "L1", "p1", D("2025-09-02"), Y, "q1", "c7a", None, "math", "t1", None, True, False, False, False, False, None),
]


def test_fct_attendance_expands_the_roster_and_drops_pupils_not_on_it(q):
    # p3's «н» on L1 is dropped: p3 arrived in 7А on the 8th
    assert q("select * from fct_attendance") == EXPECTED_ATTENDANCE


@pytest.mark.parametrize("listing", ["absences only", "every pupil"])
def test_fct_attendance_is_the_same_for_both_listings(con, sample, listing):
    rows = sample["absences"] + (sample["present"] if listing == "every pupil" else [])
    sample["load"](con, rows)
    db.build_models(con)
    assert sample["fetch"](con, "select * from fct_attendance") == EXPECTED_ATTENDANCE
    counts = "select lesson_id, n_pupils_expected, n_absent, n_late from fct_lesson where school_id = 'sch-1'"
    assert sample["fetch"](con, counts) == [("L1", 3, 1, 0), ("L2", 4, 1, 0), ("L3", 2, 0, 1), ("L4", 3, 1, 0), ("L5", 1, 0, 0)]


def test_fct_attendance_counts_a_pupil_with_overlapping_stays_once(con):
    # p1 is enrolled in 7А twice over the first days and twice a member of subgroup g1: still one
    # row per lesson (the rows of the sample without the duplicates), and roster sizes unchanged
    load_sample(con)
    insert(con, "src_enrolments", "school_id, pupil_id, class_id, start_date, end_date", [
        ("sch-1", "p1", "c7a", D("2025-09-01"), D("2025-09-10")),
    ])  # fmt: skip
    insert(con, "src_group_members", "school_id, pupil_id, group_id, start_date, end_date", [
        ("sch-1", "p1", "g1", D("2025-09-05"), D("2025-09-12")),
    ])  # fmt: skip
    db.build_models(con)
    assert fetch(con, "select * from fct_attendance") == EXPECTED_ATTENDANCE
    counts = "select lesson_id, n_pupils_expected from fct_lesson where school_id = 'sch-1'"
    assert fetch(con, counts) == [("L1", 3), ("L2", 4), ("L3", 2), ("L4", 3), ("L5", 1)]


def test_a_new_warehouse_file_has_64_kib_blocks_and_opens_like_any_other(tmp_path):
    path = tmp_path / "new.duckdb"
    size = "select block_size from pragma_database_size() where database_name = current_database()"
    with db.connect(path) as con:
        assert con.execute(size).fetchone()[0] == 64 * 1024
    with duckdb.connect(str(path)) as plain:  # DuckDB's own open, once the process has let it go
        assert plain.execute(size).fetchone()[0] == 64 * 1024
        assert plain.execute("select count(*) from meta_schema_version").fetchone()[0] == len(
            list(db.MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))
        )


def test_new_warehouse_files_are_each_their_own_and_never_overwrite_one(tmp_path):
    """New files are copies of one migrated file made once per process: each opens on its own, a
    change to one is not in the other, and a file that already exists is left as it is."""
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    with db.connect(first) as con:
        con.execute("create table only_here as select 1 as x")
    with db.connect(second) as con:
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'only_here'").fetchone() == (0,)
        migrated = con.execute("select count(*) from meta_schema_version").fetchone()[0]
        assert migrated == len(list(db.MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")))
    db.create_file(first)
    with db.connect(first, read_only=True) as con:
        assert con.execute("select x from only_here").fetchall() == [(1,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.duckdb", "b.duckdb"]


def test_fct_period_mark(q):
    assert q("select * from fct_period_mark") == [
        ("sch-1", "p1", "eng", Y, "period", "q1", D("2025-09-10"), "c7a", 7, True, "зач", None, False, None, True,
         T("2025-09-10 12:00"), "t2", 0),
        ("sch-1", "p1", "math", Y, "period", "q1", D("2025-09-10"), "c7a", 7, True, "5", 5, False, None, False,
         T("2025-09-11 10:00"), "t1", 1),
        # year marks have no period: no end date, no offset; the class is the one at the year end
        ("sch-1", "p1", "math", Y, "year", None, None, "c7a", 7, True, "5", 5, False, None, False,
         T("2025-09-21 12:00"), "t1", None),
        ("sch-1", "p2", "math", Y, "period", "q1", D("2025-09-10"), "c7a", 7, True, "н/а", None, True, "б", False,
         T("2025-09-10 16:00"), "t1", 0),
        ("sch-1", "p2", "math", Y, "period", "q2", D("2025-09-21"), "c7a", 7, True, "4", 4, False, None, False,
         T("2025-09-21 10:00"), "t1", 0),
        # on q1's last day (10 Sep) p4 was already in 7Б; entered two days early
        ("sch-1", "p4", "math", Y, "period", "q1", D("2025-09-10"), "c7b", 7, True, "3", 3, False, None, False,
         T("2025-09-08 09:00"), "t1", -2),
        # p5 left on the 5th: the latest enrolment of that year, not on its roll at the year end
        ("sch-1", "p5", "math", Y, "year", None, None, "c10a", 10, False, "4", 4, False, None, False,
         T("2025-09-20 12:00"), "t2", None),
        ("sch-1", "p6", "math", Y, "year", None, None, None, None, False, "3", 3, False, None, False,
         T("2025-09-20 12:00"), "t2", None),
    ]


def test_fct_mark_change(q):
    assert q("select * from fct_mark_change") == [
        ("sch-1", "C1", "M2", "p2", "L1", D("2025-09-02"), Y, "q1", "math", "c7a", None, "3", "created",
         T("2025-09-05 10:00"), "t1", 3, False),
        # changed on the 12th, after q1 ended on the 10th
        ("sch-1", "C2", "M2", "p2", "L1", D("2025-09-02"), Y, "q1", "math", "c7a", "3", "4", "changed",
         T("2025-09-12 20:00"), "t1", 10, True),
        ("sch-1", "C3", "M3", "p1", "L4", D("2025-09-16"), Y, "q2", "math", "c7a", "зач", None, "deleted",
         T("2025-09-17 08:00"), "t1", 1, False),
        # a lesson not in the export: the change is kept, lesson attributes are null
        ("sch-1", "C4", "M9", "p1", "L99", None, None, None, None, None, "2", "3", "changed",
         T("2025-09-17 08:00"), "t1", None, None),
    ]


def test_fct_external_result_compares_with_the_journal_period_mark(built, q):
    built.execute(
        "insert into src_external_results values ('sch-1', 'p2', 'math', 'ВПР', date '2025-09-18', 7, 16, 20, '4', "
        "1, timestamp '2025-09-30')"
    )
    db.build_models(built)
    assert q("select * from fct_external_result") == [
        # q1 starts on the 1st and holds «зач»: not numeric, so no comparison
        ("sch-1", "p1", "eng", "ВПР", D("2025-09-05"), 7, 15.0, 20.0, 0.75, "4", 4, "q1", "зач", None, None),
        # q2 covers the 16th but p1 has no q2 mark yet: the latest earlier one (q1 «5»)
        ("sch-1", "p1", "math", "ВПР", D("2025-09-16"), 7, 14.0, 20.0, 0.7, "4", 4, "q1", "5", 5, "понизил"),
        # on the 9th q1 covers the date (its «н/а» is not numeric); q2's «4» is later and ignored
        ("sch-1", "p2", "math", "ВПР", D("2025-09-09"), 7, 10.0, 20.0, 0.5, "3", 3, "q1", "н/а", None, None),
        ("sch-1", "p2", "math", "ВПР", D("2025-09-18"), 7, 16.0, 20.0, 0.8, "4", 4, "q2", "4", 4, "подтвердил"),
        # no period mark at all
        ("sch-1", "p3", "math", "ВПР", D("2025-09-16"), 7, 19.0, 20.0, 0.95, "5", 5, None, None, None, None),
        ("sch-1", "p4", "math", "ВПР", D("2025-09-16"), 7, 12.0, 20.0, 0.6, "4", 4, "q1", "3", 3, "повысил"),
    ]


def test_fct_enrolment_event(q):
    start = "начало года"
    assert q("select * from fct_enrolment_event") == [
        ("sch-1", "p1", "c7a", "arrival", D("2025-09-01"), start, Y, 7),
        ("sch-1", "p2", "c7a", "arrival", D("2025-09-01"), start, Y, 7),
        ("sch-1", "p3", "c7a", "arrival", D("2025-09-08"), "прибыл", Y, 7),
        ("sch-1", "p4", "c7a", "arrival", D("2025-09-01"), start, Y, 7),
        ("sch-1", "p4", "c7a", "departure", D("2025-09-09"), "перевод", Y, 7),
        ("sch-1", "p4", "c7b", "arrival", D("2025-09-10"), "перевод", Y, 7),
        ("sch-1", "p5", "c10a", "arrival", D("2025-09-01"), start, Y, 10),
        ("sch-1", "p5", "c10a", "departure", D("2025-09-05"), "выбыл", Y, 10),
        ("sch-2", "p1", "c7a", "arrival", D("2025-09-01"), start, Y, 7),
    ]


# fmt: on

# --- building per school ------------------------------------------------------------------------


def test_rebuilding_one_school_equals_a_full_rebuild(built, sample):
    new_mark = (
        "insert into src_marks (school_id, mark_id, pupil_id, lesson_id, mark_value, work_type_id, weight, "
        "entered_at, entered_by, batch_id, exported_at) values ('sch-2', 'M2', 'p1', 'L1', '5', 'ans', null, timestamp '2025-09-03 10:00', "
        "'t1', 2, timestamp '2025-10-07')"
    )
    before = {t: db.content_hash(built, t) for t in ("fct_mark", "fct_lesson")}
    built.execute(new_mark)
    db.build_models(built, school_ids=["sch-2"])

    fresh = duckdb.connect()
    db.migrate(fresh)
    sample["load"](fresh)
    fresh.execute(new_mark)
    db.build_models(fresh)
    for model in db.load_models():
        assert db.content_hash(built, model.name) == db.content_hash(fresh, model.name), model.name
    assert db.content_hash(built, "fct_mark") != before["fct_mark"]
    assert built.execute("select n_marks from fct_lesson where school_id = 'sch-2'").fetchall() == [(2,)]


# --- the model files themselves -----------------------------------------------------------------


def _leading_comment(sql: str) -> list[str]:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line)
    return lines


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def test_there_is_a_model_for_every_table_of_the_star_schema():
    names = {p.stem for p in MODEL_FILES}
    assert {
        "dim_school",
        "dim_academic_year",
        "dim_period",
        "dim_date",
        "dim_class",
        "dim_group",
        "dim_pupil",
        "dim_teacher",
        "dim_subject",
        "dim_work_type",
        "fct_lesson",
        "fct_mark",
        "fct_attendance",
        "fct_period_mark",
        "fct_mark_change",
        "fct_external_result",
        "fct_enrolment_event",
    } <= names
    assert all(re.fullmatch(r"(dim|fct|int|mart)_[a-z_]+", n) for n in names)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_model_opens_with_grain_and_key(path):
    header = _leading_comment(path.read_text(encoding="utf-8"))
    assert header and header[0].startswith("-- Grain: "), path.name
    assert any("Key: " in line for line in header), path.name


def test_every_model_outputs_school_id_first(built):
    for model in db.load_models():
        columns = [row[0] for row in built.execute(f"describe {model.name}").fetchall()]
        assert columns[0] == "school_id", model.name
        assert len(columns) == len(set(columns)), model.name


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_model_sticks_to_the_portable_subset(path):
    # the rules themselves are tested one by one in test_portability.py
    (model,) = [m for m in db.load_models() if m.name == path.stem]
    assert portability.check_models([model]) == {}
    assert len(sqlglot.transpile(model.sql, read="duckdb", write="spark")) == 1


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_the_tables_a_model_reads_are_the_ones_sqlglot_parses(path):
    # load_models scans the SQL for table names instead of parsing it: the same answer, per file
    from sqlglot import exp

    (model,) = [m for m in db.load_models() if m.name == path.stem]
    tree = sqlglot.parse_one(model.sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    parsed = {t.name for t in tree.find_all(exp.Table)} - ctes - {model.name}
    assert model.reads == parsed
    assert model.depends_on == parsed & {p.stem for p in MODEL_FILES}


def test_the_scan_for_tables_skips_comments_and_strings():
    sql = "-- reads fct_lesson\nselect 'fct_mark', \"x\" from src_marks /* dim_class */ join Fct_Mark as f on 1 = 1"
    assert db.tables_named(sql, ["fct_mark", "fct_lesson", "dim_class"]) == {"src_marks", "fct_mark"}
    assert db.tables_named("select 'it''s src_x' from src_y", []) == {"src_y"}


def test_docs_describe_every_model_and_column(built):
    doc = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert "```mermaid" in doc and "erDiagram" in doc
    sections = dict(re.findall(r"^### `?(\w+)`?\n(.*?)(?=^### |\Z)", doc, flags=re.M | re.S))
    readme = (db.MODELS_DIR / "README.md").read_text(encoding="utf-8")
    for model in db.load_models():
        assert model.name in sections, f"docs/warehouse.md has no section for {model.name}"
        assert model.name in readme, f"warehouse/models/README.md does not mention {model.name}"
        columns = [row[0] for row in built.execute(f"describe {model.name}").fetchall()]
        missing = [c for c in columns if f"`{c}`" not in sections[model.name]]
        assert not missing, f"{model.name}: undocumented columns {missing}"
