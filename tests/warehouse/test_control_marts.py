"""The journal-control marts on the hand-made schools of conftest.py: given rows, expected rows.

The curriculum and the КТП are added here (the shared sample has none): 7А takes mathematics
(2 h, t1) and English split into subgroup g1 (t2); 10А's mathematics is not attested.
"""

from __future__ import annotations

import pytest

from tests.warehouse.conftest import D, insert
from warehouse import db

# fmt: off
CURRICULUM = [
    ("sch-1", "c7a", "math", 2.0, True, "t1"),
    ("sch-1", "c7a", "eng", 2.0, True, "t1"),
    ("sch-1", "c10a", "math", 1.0, False, "t2"),
]
PLANNED = [
    ("sch-1", "c7a", None, "math", 1, "Дроби", D("2025-09-02"), 1.0),
    ("sch-1", "c7a", "", "math", 2, "  уравнения ", D("2025-09-09"), 2.0),
    ("sch-1", "c7a", None, "math", 3, "Проценты", D("2025-09-16"), 1.0),
    ("sch-1", "c7a", "g1", "eng", 1, "Present simple", D("2025-09-10"), 1.0),
]
# fmt: on


@pytest.fixture
def mq(con, sample):
    sample["load"](con, sample["absences"])
    insert(con, "src_curriculum", "school_id, class_id, subject_id, weekly_hours, is_attested, teacher_id", CURRICULUM)
    insert(
        con,
        "src_planned_topics",
        "school_id, class_id, group_id, subject_id, topic_number, topic, planned_date, hours",
        PLANNED,
    )
    db.build_models(con)
    return lambda sql: sample["fetch"](con, sql)


def test_mart_lesson_entry_delays_and_the_class_day(mq):
    rows = mq(
        "select lesson_id, teacher_id, lesson_entry_delay_days, homework_entry_delay_days, class_last_lesson_number,"
        " subject_name from mart_lesson_entry where school_id = 'sch-1'"
    )
    assert rows == [
        ("L1", "t1", 0, 0, 1, "Математика"),
        # replaced by t2, entered next morning; the blank homework is none
        ("L2", "t2", 1, None, 2, "Математика"),
        # the subgroup lesson is the class's third that day
        ("L3", "t2", 0, None, 3, "Английский язык"),
        ("L4", "t1", 0, 0, 1, "Математика"),
        ("L5", "t2", 1, None, 1, "Математика"),
    ]


def test_mart_attestation_roster(mq):
    rows = mq(
        "select pupil_id, subject_id, period_id, group_id, teacher_id, on_roll_from, on_roll_to, is_whole_period,"
        " n_marks, n_control_marks, control_works_held from mart_attestation_roster where school_id = 'sch-1'"
    )
    q1, q2 = ("2025-09-01", "2025-09-10"), ("2025-09-15", "2025-09-21")
    assert rows == [
        ("p1", "eng", "q1", "g1", "t2", D(q1[0]), D(q1[1]), True, 0, 0, 0),
        ("p1", "eng", "q2", "g1", "t2", D(q2[0]), D(q2[1]), True, 0, 0, 0),
        # «4/5» counts as two marks; the control work L1 was held while p1 was on the roll
        ("p1", "math", "q1", None, "t1", D(q1[0]), D(q1[1]), True, 2, 0, 1),
        # «зач» counts as one mark
        ("p1", "math", "q2", None, "t1", D(q2[0]), D(q2[1]), True, 1, 0, 1),
        # p2 left the subgroup on the 5th
        ("p2", "eng", "q1", "g1", "t2", D(q1[0]), D("2025-09-05"), False, 0, 0, 0),
        ("p2", "math", "q1", None, "t1", D(q1[0]), D(q1[1]), True, 1, 1, 1),
        ("p2", "math", "q2", None, "t1", D(q2[0]), D(q2[1]), True, 1, 1, 1),
        # p3 arrived on the 8th; «К» counts as a mark
        ("p3", "eng", "q1", "g1", "t2", D("2025-09-08"), D(q1[1]), False, 1, 0, 0),
        ("p3", "eng", "q2", "g1", "t2", D(q2[0]), D(q2[1]), True, 0, 0, 0),
        ("p3", "math", "q1", None, "t1", D("2025-09-08"), D(q1[1]), False, 0, 0, 0),
        ("p3", "math", "q2", None, "t1", D(q2[0]), D(q2[1]), True, 0, 0, 1),
        # p4 moved to 7Б (no curriculum there) on the 10th; 10А's mathematics is not attested
        ("p4", "math", "q1", None, "t1", D(q1[0]), D("2025-09-09"), False, 0, 0, 1),
    ]


def test_mart_attendance_day_counts_whole_days(mq):
    rows = mq(
        "select pupil_id, lesson_date, period_id, n_lessons, n_missed, n_missed_unexcused, n_missed_excused,"
        " n_missed_illness, n_late, is_day_missed, day_reason_code from mart_attendance_day"
        " where school_id = 'sch-1' and (n_missed > 0 or n_late > 0)"
    )
    assert rows == [
        # б counts as a good reason and as illness
        ("p2", D("2025-09-02"), "q1", 1, 1, 0, 1, 1, 0, True, "б"),
        ("p2", D("2025-09-16"), "q2", 1, 1, 0, 1, 0, 0, True, "у"),
        ("p3", D("2025-09-10"), "q1", 1, 0, 0, 0, 0, 1, False, None),
        ("p4", D("2025-09-09"), "q1", 1, 1, 1, 0, 0, 0, True, "н"),
    ]
    assert mq("select count(*), sum(n_lessons) from mart_attendance_day where school_id = 'sch-1'") == [(13, 13)]


def test_mart_teacher_day(mq):
    rows = mq(
        "select school_id, teacher_id, activity_date, week_start, n_lessons_held, n_lessons_filled_same_day,"
        " n_marks_entered, sum_mark_delay_days, n_lessons_entered, n_homework_entered, is_active from mart_teacher_day"
    )
    w1, w2, w3 = D("2025-09-01"), D("2025-09-08"), D("2025-09-15")
    assert rows == [
        ("sch-1", "t1", D("2025-09-02"), w1, 1, 1, 1, 0, 1, 1, True),
        # M2 entered three days after its lesson, nothing else that day
        ("sch-1", "t1", D("2025-09-05"), w1, 0, 0, 1, 3, 0, 0, True),
        ("sch-1", "t1", D("2025-09-16"), w3, 1, 1, 1, 0, 1, 1, True),
        ("sch-1", "t1", D("2025-09-18"), w1 + (w3 - w1), 0, 0, 1, 2, 0, 0, True),
        # L5 held on the 2nd but entered on the 3rd
        ("sch-1", "t2", D("2025-09-02"), w1, 1, 0, 0, 0, 0, 0, False),
        ("sch-1", "t2", D("2025-09-03"), w1, 0, 0, 0, 0, 1, 0, True),
        # t2 replaced t1 on L2 and entered it the next day
        ("sch-1", "t2", D("2025-09-09"), w2, 1, 0, 0, 0, 0, 0, False),
        ("sch-1", "t2", D("2025-09-10"), w2, 1, 1, 1, 0, 2, 0, True),
        ("sch-2", "t1", D("2025-09-02"), w1, 1, 1, 1, 0, 1, 0, True),
    ]


def test_mart_program_matches_topics_case_and_space_insensitively(mq):
    rows = mq(
        "select class_id, group_id, subject_id, topic_number, hours, period_id, covered_on, is_covered"
        " from mart_program"
    )
    assert rows == [
        ("c7a", "", "math", 1, 1.0, "q1", D("2025-09-02"), True),
        # «  уравнения » is L4's «Уравнения»
        ("c7a", "", "math", 2, 2.0, "q1", D("2025-09-16"), True),
        ("c7a", "", "math", 3, 1.0, "q2", None, False),
        ("c7a", "g1", "eng", 1, 1.0, "q1", D("2025-09-10"), True),
    ]
