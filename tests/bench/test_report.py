"""The bench's targets (#18) judged from measured figures: each with its ratio, met or not."""

from __future__ import annotations

from pathlib import Path

from bench.data import Dataset
from bench.measure import MIB, StepResult
from bench.report import ScaleRun, targets, text_table


def _run(scale: str, marks: int, base: tuple[float, int], ours: tuple[float, int, int]) -> ScaleRun:
    dataset = Dataset(scale, Path("/nowhere"), 1, {"marks": marks, "attendance": 10})
    plain = StepResult("duckdb_alone", "ok", wall_seconds=base[0], peak_rss_bytes=100 * MIB, db_bytes=base[1])
    loaded = StepResult("ours", "ok", wall_seconds=ours[0], peak_rss_bytes=ours[1] * MIB, db_bytes=ours[2])
    return ScaleRun(dataset, [plain, loaded])


def test_each_target_carries_its_ratio_and_verdict():
    school = _run("school", 600_000, (1.0, 100 * MIB), (1.9, 650, 250 * MIB))  # time 1.9 ×, file 2.5 ×
    region = _run("region", 20_000_000, (10.0, 1000 * MIB), (17.0, 2500, 1500 * MIB))  # 1.7 ×, 1.5 ×
    found = {(t.scale, t.label): t for t in targets([school, region], tiny_seconds=0.62)}

    tiny = found["tiny", "малая выгрузка в процессе < 0,5 с"]
    assert (tiny.value, tiny.met) == ("0,620 с = 1,24 × цели", False)
    assert found["school", "время ≤ 2,0 × duckdb_alone"].value == "1,90 с = 1,90 ×"
    assert found["school", "время ≤ 2,0 × duckdb_alone"].met is True
    assert found["school", "пик памяти < 700 МБ"].met is True
    file_target = found["school", "файл хранилища ≤ 2 × простые таблицы тех же строк"]
    assert (file_target.value, file_target.met) == ("250,0 МБ = 2,50 ×", False)
    assert found["region", "время ≤ 2,0 × duckdb_alone"].met is True
    assert found["region", "цель-мечта: время ≤ 1,5 × duckdb_alone"].met is False
    assert found["region", "пик памяти < 3 072 МБ"].met is True
    assert found["region", "файл хранилища ≤ 2 × простые таблицы тех же строк"].met is True


def test_a_smaller_region_says_so_and_a_missing_baseline_is_not_judged():
    region = _run("region", 5_000_000, (10.0, 0), (30.0, 4000, 100 * MIB))
    region.steps = region.steps[1:]  # duckdb_alone not measured
    found = targets([region])
    assert all("замер на 5 000 000 отметок, цель — на 20 млн" in t.label for t in found if "время" in t.label)
    verdicts = {t.label.split(" (")[0]: t.met for t in found}
    assert verdicts["время ≤ 2,0 × duckdb_alone"] is None
    assert verdicts["пик памяти < 3 072 МБ"] is False
    assert "выполнена: не оценить" in text_table([region])
