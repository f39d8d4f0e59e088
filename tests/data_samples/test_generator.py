"""Tests of the sample-data generator, computed independently from the CSV files it writes."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from data_samples.generator import generate_region, generate_school
from pipelines.canonical.schemas import FILES, FILES_BY_NAME, columns_of
from tests.data_samples.generated_csv import read_text_csv, read_typed

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "data_samples" / "small"
SMALL_ARGS = {"seed": 7, "n_pupils": 25, "grades": [7], "subject_ids": ["rus", "alg", "eng", "hist"]}
RULES = {
    "mark_late",
    "lesson_late",
    "topic_missing",
    "topic_not_a_topic",
    "homework_missing",
    "homework_late",
    "period_mark_outside_window",
    "change_after_period_closed",
    "change_after_edit_window",
    "marks_padding_before_period_end",
    "final_mark_raised",
    "final_mark_lowered",
    "final_without_control_work",
    "too_few_marks",
    "chronic_absence",
}
# Rows of a 1,000-pupil school (seed 42), for the scale check: a 200-pupil school has about a fifth.
PER_1000 = {"pupils": 1000, "attendance": 917_000, "marks": 578_000, "period_marks": 55_000}


@pytest.fixture(scope="session")
def school200(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s200")
    stages: list[str] = []
    summary = generate_school(out, seed=11, n_pupils=200, progress=stages.append)
    assert len(stages) >= 5
    assert summary["files"] == {f.name: read_text_csv(out / f"{f.name}.csv").height for f in FILES}
    return out


@cache
def load(folder: Path) -> dict[str, pl.DataFrame]:
    frames = {f.name: read_typed(folder / f"{f.name}.csv", f.model) for f in FILES}
    frames["_truth"] = read_text_csv(folder / "_truth" / "planted.csv")
    return frames


def grade_periods(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return (
        frames["periods"]
        .select(
            pl.col("grades").str.split(",").cast(pl.List(pl.Int64)).alias("grade"),
            "period_id",
            pl.col("start_date").alias("p_start"),
            pl.col("end_date").alias("p_end"),
        )
        .explode("grade")
    )


def lessons_in_periods(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    lessons = frames["lessons"].join(frames["classes"].select("class_id", "grade"), on="class_id")
    return lessons.join(grade_periods(frames), on="grade").filter(pl.col("lesson_date").is_between("p_start", "p_end"))


@pytest.fixture(params=["school200", "small"])
def folder(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue("school200") if request.param == "school200" else SMALL


def test_every_file_is_written_with_the_model_columns(folder: Path) -> None:
    for spec in FILES:
        data = (folder / f"{spec.name}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        header = data[3:].split(b"\n", 1)[0].decode("utf-8")
        assert header.split(";") == list(columns_of(spec.model))
    assert (folder / "_truth" / "summary.json").exists()


def test_every_file_validates_against_its_model(folder: Path) -> None:
    frames = load(folder)
    for spec in FILES:
        spec.model.validate(frames[spec.name], lazy=True)


def test_values_are_written_the_russian_way(folder: Path) -> None:
    lessons = read_text_csv(folder / "lessons.csv")
    assert lessons["lesson_date"].str.contains(r"^\d\d\.\d\d\.\d{4}$").all()
    assert lessons["lesson_entered_at"].drop_nulls().str.contains(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$").all()
    work_types = read_text_csv(folder / "work_types.csv")
    assert set(work_types["is_control"]) == {"да", "нет"}
    assert set(work_types["weight"]) == {"1", "1.5", "2"}
    assert read_text_csv(folder / "pupils.csv")["has_consent"].is_in(["да", "нет"]).all()


def test_no_lesson_on_a_weekend_or_a_holiday_of_its_grade(folder: Path) -> None:
    frames = load(folder)
    lessons = frames["lessons"].join(frames["classes"].select("class_id", "grade"), on="class_id")
    assert (lessons["lesson_date"].dt.weekday() <= 5).all()
    holidays = frames["holidays"].with_columns(pl.col("grades").str.split(",").cast(pl.List(pl.Int64)))
    on_holiday = lessons.join(holidays, how="cross").filter(
        pl.col("lesson_date").is_between("start_date", "end_date")
        & (pl.col("grades").is_null() | pl.col("grades").list.contains(pl.col("grade")))
    )
    assert on_holiday.height == 0
    assert lessons_in_periods(frames).height == lessons.height


def test_marks_only_in_attested_subjects_and_never_in_grade_1(folder: Path) -> None:
    frames = load(folder)
    marked = frames["marks"].join(frames["lessons"], on="lesson_id").join(frames["classes"], on="class_id")
    assert (marked["grade"] >= 2).all()
    attested = marked.join(frames["curriculum"], on=["class_id", "subject_id"])
    assert attested.height == marked.height and attested["is_attested"].all()
    grade_1 = frames["curriculum"].join(frames["classes"], on="class_id").filter(pl.col("grade") == 1)
    assert not grade_1["is_attested"].any()


def test_every_mark_is_for_an_enrolled_pupil_who_was_present(folder: Path) -> None:
    frames = load(folder)
    marks = frames["marks"].join(
        frames["lessons"].select("lesson_id", "lesson_date", "class_id", "group_id"), on="lesson_id"
    )
    stays = pl.concat(
        [
            frames["enrolments"].select("pupil_id", pl.col("class_id").alias("unit"), "start_date", "end_date"),
            frames["group_members"].select("pupil_id", pl.col("group_id").alias("unit"), "start_date", "end_date"),
        ]
    )
    marks = marks.with_columns(pl.coalesce("group_id", "class_id").alias("unit"))
    covered = marks.join(stays, on=["pupil_id", "unit"]).filter(
        (pl.col("start_date") <= pl.col("lesson_date"))
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("lesson_date")))
    )
    assert covered["mark_id"].n_unique() == marks.height
    seen = marks.join(frames["attendance"], on=["pupil_id", "lesson_id"], how="left")
    assert seen.height == marks.height
    assert (seen["absence_code"].is_null() | (seen["absence_code"] == "оп")).all()


def _rule(average: pl.Expr) -> pl.Expr:
    a = average + 1e-9
    return pl.when(a >= 4.65).then(5).when(a >= 3.65).then(4).when(a >= 2.65).then(3).otherwise(2)


def test_period_marks_follow_the_rounding_rule_except_planted(folder: Path) -> None:
    frames = load(folder)
    key = ["pupil_id", "subject_id", "period_id"]
    parts = (
        frames["marks"]
        .join(frames["work_types"].select("work_type_id", pl.col("weight").alias("w")), on="work_type_id")
        .with_columns(pl.coalesce("weight", "w").alias("w"), pl.col("mark_value").str.split("/"))
        .explode("mark_value")
        .with_columns(pl.col("mark_value").cast(pl.Int64))
    )
    averages = (
        parts.join(lessons_in_periods(frames).select("lesson_id", "subject_id", "period_id"), on="lesson_id")
        .group_by(key)
        .agg(((pl.col("mark_value") * pl.col("w")).sum() / pl.col("w").sum()).alias("avg"))
    )
    period = frames["period_marks"].filter((pl.col("mark_kind_code") == "period") & (pl.col("mark_value") != "н/а"))
    judged = period.join(averages, on=key)
    assert judged.height == period.height, "every numeric period mark rests on marks"
    off = judged.with_columns(_rule(pl.col("avg")).alias("rule")).filter(
        pl.col("mark_value").cast(pl.Int64) != pl.col("rule")
    )
    assert ((off["mark_value"].cast(pl.Int64) - off["rule"]).abs() == 1).all(), "deviations are by a full mark"
    truth = frames["_truth"].filter(pl.col("rule").is_in(["final_mark_raised", "final_mark_lowered"]))
    assert set(off.select(key).iter_rows()) == set(truth.select(key).iter_rows())
    assert 1 <= off.height <= 10


def test_chronic_absentees_in_truth_match_a_recomputation(folder: Path) -> None:
    frames = load(folder)
    lessons = lessons_in_periods(frames).select("lesson_id", "period_id")
    per = (
        frames["attendance"]
        .join(lessons, on="lesson_id")
        .group_by("pupil_id", "period_id")
        .agg(pl.len().alias("n"), pl.col("absence_code").is_in(["н", "у", "б"]).sum().alias("missed"))
    )
    chronic = per.filter(pl.col("missed") * 10 >= pl.col("n"))
    truth = frames["_truth"].filter(pl.col("rule") == "chronic_absence")
    assert set(chronic.select("pupil_id", "period_id").iter_rows()) == set(
        truth.select("pupil_id", "period_id").iter_rows()
    )
    assert chronic.height >= 1


def test_truth_lists_known_rules_and_the_small_sample_has_each(folder: Path) -> None:
    truth = load(folder)["_truth"]
    assert truth.columns == [
        "rule",
        "teacher_id",
        "class_id",
        "subject_id",
        "pupil_id",
        "lesson_id",
        "mark_id",
        "period_id",
        "detail",
    ]
    assert set(truth["rule"]) <= RULES
    if folder == SMALL:
        assert set(truth["rule"]) == RULES


def test_late_marks_in_truth_match_a_recomputation(folder: Path) -> None:
    frames = load(folder)
    written = ["control", "dictation", "essay", "independent", "test", "practical", "lab"]
    marks = frames["marks"].join(frames["lessons"].select("lesson_id", "lesson_date"), on="lesson_id")
    days = (pl.col("entered_at").dt.date() - pl.col("lesson_date")).dt.total_days()
    late = marks.filter(days > pl.when(pl.col("work_type_id").is_in(written)).then(10).otherwise(2))
    truth = frames["_truth"].filter(pl.col("rule") == "mark_late")
    assert set(late["mark_id"]) == set(truth["mark_id"])


def test_pupil_movements_are_consistent(folder: Path) -> None:
    frames = load(folder)
    enrolments = frames["enrolments"]
    assert set(enrolments["arrival_reason"]) >= {"начало года", "прибыл"}
    assert "выбыл" in set(enrolments["departure_reason"].drop_nulls())
    first = enrolments.filter(pl.col("arrival_reason") == "начало года")
    assert (first["start_date"] == frames["academic_years"]["start_date"][0]).all()


def test_sizes_scale_with_the_number_of_pupils(school200: Path) -> None:
    counts = {name: read_text_csv(school200 / f"{name}.csv").height for name in PER_1000}
    for name, per_1000 in PER_1000.items():
        assert 0.14 <= counts[name] / per_1000 <= 0.28, (name, counts[name])


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    args = {**SMALL_ARGS, "seed": 3}
    generate_school(tmp_path / "a", **args)
    generate_school(tmp_path / "b", **args)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == len(FILES) + 2
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_committed_small_sample_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    generate_school(tmp_path, **SMALL_ARGS)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(SMALL) for p in SMALL.rglob("*") if p.is_file())
    assert written == committed
    for name in written:
        assert (tmp_path / name).read_bytes() == (SMALL / name).read_bytes(), f"{name} differs: regenerate the sample"
    assert sum((SMALL / name).stat().st_size for name in committed) < 2_000_000


def test_region_writes_one_export_per_school(tmp_path: Path) -> None:
    summary = generate_region(tmp_path, n_schools=2, pupils_per_school=40, seed=5)
    assert sorted(summary["schools"]) == ["sch-0001", "sch-0002"]
    schools = [read_text_csv(tmp_path / s / "school.csv") for s in ("sch-0001", "sch-0002")]
    assert [s["school_id"][0] for s in schools] == ["sch-0001", "sch-0002"]
    assert schools[0]["region_id"][0] == schools[1]["region_id"][0]
    pupils = [set(read_text_csv(tmp_path / s / "pupils.csv")["pupil_id"]) for s in ("sch-0001", "sch-0002")]
    assert not pupils[0] & pupils[1]
    assert summary["files"]["pupils"] == 80


def test_files_registry_is_complete() -> None:
    assert len(FILES) == 21 and set(FILES_BY_NAME) == {f.name for f in FILES}
    assert re.fullmatch(r"sch-\d{4}", read_text_csv(SMALL / "export.csv")["school_id"][0])


def test_a_school_of_one_teacher_is_written_and_has_no_substitutes(tmp_path: Path) -> None:
    """Two grades and two subjects of 40 pupils need one teacher: nobody can replace him, so his
    lessons keep him (the generator used to fail drawing a substitute from nobody)."""
    generate_school(tmp_path, seed=42, n_pupils=40, grades=[5, 6], subject_ids=["rus", "alg"])
    teachers = read_text_csv(tmp_path / "teachers.csv")
    lessons = read_text_csv(tmp_path / "lessons.csv")
    assert teachers.height == 1
    assert lessons.height > 0 and set(lessons["teacher_id"]) == set(teachers["teacher_id"])
    assert lessons["replacing_teacher_id"].fill_null("").str.strip_chars().eq("").all()


def test_a_school_of_first_graders_alone_is_written_without_marks(tmp_path: Path) -> None:
    """Grade 1 is taught without marks (000 §3.5): a school of it alone has lessons and
    attendance, and no mark of any kind (the generator failed on its empty set of graded lessons)."""
    generate_school(tmp_path, seed=3, n_pupils=30, grades=[1], subject_ids=["rus", "math"])
    classes = read_text_csv(tmp_path / "classes.csv")
    assert set(classes["grade"]) == {"1"}
    assert read_text_csv(tmp_path / "lessons.csv").height > 0
    assert read_text_csv(tmp_path / "attendance.csv").height > 0
    for name in ("marks", "period_marks"):
        assert read_text_csv(tmp_path / f"{name}.csv").height == 0, name
