"""bench.phases: every statement of a real ingest is timed once and put in its phase; the ingest
itself is untouched (same result, its connection hook restored)."""

from __future__ import annotations

from bench import phases
from pipelines import ingest
from tests.factories import SAMPLE
from warehouse.db import load_models


def test_every_statement_of_the_small_sample_is_timed_in_its_phase(tmp_path):
    hook = ingest._opened
    recorder, wall, cpu, results = phases.measure(SAMPLE, tmp_path / "w.duckdb")
    assert ingest._opened is hook
    assert [r.status for r in results] == ["loaded"]
    statements = recorder.statements
    assert statements and all(s.wall >= 0 and s.cpu >= 0 for s in statements)
    assert sum(s.wall for s in statements) <= wall

    by_phase = recorder.by_phase()
    assert sum(n for _, _, n in by_phase.values()) == len(statements)
    assert by_phase["фиксация"][2] == 1
    for phase in ("постановка", "перекрёстные проверки", "применение к src_", "модели"):
        assert by_phase[phase][2] > 0, phase
    for s in statements:
        text = " ".join(s.sql.split())
        if text.startswith("insert into stg_"):
            assert phases.phase_of(s.sql) == "постановка", text[:80]
    # every model stored as a table of its own is built by a statement of the models' phase
    built = {" ".join(s.sql.split())[:120] for s in statements if phases.phase_of(s.sql) == "модели"}
    for model in load_models():
        if model.is_stored_apart:
            assert any(text.startswith(f"create or replace table {model.name} ") for text in built), model.name

    text = phases.report(recorder, wall, cpu, top=3)
    for phase in by_phase:
        assert phase in text
    assert "вне запросов" in text
    assert len(text.split("Самые долгие запросы (3):\n")[1].splitlines()) == 3
