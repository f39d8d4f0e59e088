"""The administrator chooses a teacher by name; namesakes are told apart by subjects, position or id."""

from __future__ import annotations

import duckdb

from warehouse.admin_lists import school_teachers


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table dim_teacher (school_id text, teacher_id text, full_name text, position text)")
    con.execute("create table dim_subject (school_id text, subject_id text, subject_name text)")
    con.execute("create table fct_lesson (school_id text, lesson_id int, teacher_id text, subject_id text)")
    con.execute(
        "insert into dim_teacher values ('s1', 't1', 'Иванова Анна Петровна', 'учитель'),"
        "('s1', 't2', 'Иванова Анна Петровна', 'учитель'), ('s1', 't3', 'Петров Олег Ильич', 'учитель'),"
        "('s1', 't4', 'Сидорова Вера Павловна', 'учитель'), ('s1', 't5', 'Сидорова Вера Павловна', 'учитель'),"
        "('s2', 't9', 'Чужой Учитель Иванович', 'учитель')"
    )
    con.execute("insert into dim_subject values ('s1', 'm', 'Математика'), ('s1', 'r', 'Русский язык')")
    con.execute("insert into fct_lesson values ('s1', 1, 't1', 'm'), ('s1', 2, 't1', 'r'), ('s1', 3, 't2', 'r')")
    return con


def test_namesakes_are_told_apart():
    with _warehouse() as con:
        assert school_teachers(con, "s1") == [
            ("t1", "Иванова Анна Петровна (Математика, Русский язык)"),
            ("t2", "Иванова Анна Петровна (Русский язык)"),
            ("t3", "Петров Олег Ильич"),
            ("t4", "Сидорова Вера Павловна (учитель), ид t4"),
            ("t5", "Сидорова Вера Павловна (учитель), ид t5"),
        ]
