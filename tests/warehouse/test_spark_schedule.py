"""The order in which the Spark build runs the models (warehouse.spark_build._run_in_dependency_order):
a model starts only after every model it reads is built and registered, independent models run at
once up to the limit, and a failure or a circle stops the build. The jobs here record what they see
instead of running Spark; tests/warehouse/test_spark.py builds the real models on Spark."""

from __future__ import annotations

import threading
import time

import pytest

from warehouse import db
from warehouse.spark_build import _run_in_dependency_order


class _Frame:
    """What a model's job returns: registering it as a view is noted."""

    def __init__(self, name: str, registered: list[str]):
        self.name, self._registered = name, registered

    def createOrReplaceTempView(self, name: str) -> None:  # Spark spells it so
        assert name == self.name
        self._registered.append(name)


class _Recorder:
    """A job per model that notes which views were registered when it started and how many jobs
    ran at once; ``hold`` keeps a job running until another one has started beside it."""

    def __init__(self, hold: set[str] = frozenset(), fail: str | None = None):
        self.registered: list[str] = []
        self.seen_at_start: dict[str, set[str]] = {}
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.hold, self.fail = hold, fail
        self.overlapped = threading.Event()

    def __call__(self, model: db.Model):
        with self.lock:
            self.seen_at_start[model.name] = set(self.registered)
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running > 1:
                self.overlapped.set()
        try:
            if model.name in self.hold:
                assert self.overlapped.wait(timeout=10), f"{model.name} ran alone"
            time.sleep(0.01)
            if model.name == self.fail:
                raise RuntimeError(f"{model.name} failed")
            return _Frame(model.name, self.registered), len(model.name)
        finally:
            with self.lock:
                self.running -= 1


def _model(name: str, *reads: str) -> db.Model:
    return db.Model(name, f"select 1 as {name}", frozenset(reads), frozenset(reads))


def test_every_real_model_starts_after_the_models_it_reads_and_two_run_at_once():
    models = db.load_models()
    independent = {m.name for m in models if not m.depends_on}
    assert len(independent) >= 2
    job = _Recorder(hold=set(sorted(independent)[:2]))
    counts = _run_in_dependency_order(models, job, jobs=2)
    assert list(counts) == [m.name for m in models]
    assert counts == {m.name: len(m.name) for m in models}
    assert sorted(job.registered) == sorted(counts)
    for model in models:
        assert model.depends_on <= job.seen_at_start[model.name], model.name
    assert job.most == 2


@pytest.mark.parametrize("jobs", [1, 0])
def test_one_job_at_a_time_runs_the_models_one_after_another_in_their_order(jobs):
    models = [_model("a"), _model("b"), _model("c", "a", "b"), _model("d")]
    job = _Recorder()
    assert list(_run_in_dependency_order(models, job, jobs=jobs)) == ["a", "b", "c", "d"]
    assert (job.most, job.registered) == (1, ["a", "b", "c", "d"])


def test_a_failed_model_stops_the_build_and_its_readers_never_start():
    models = [_model("a"), _model("b", "a"), _model("c", "b")]
    job = _Recorder(fail="a")
    with pytest.raises(RuntimeError, match="a failed"):
        _run_in_dependency_order(models, job, jobs=2)
    assert set(job.seen_at_start) == {"a"}


def test_models_that_read_each_other_in_a_circle_are_refused():
    models = [_model("a", "b"), _model("b", "a")]
    with pytest.raises(ValueError, match="circle"):
        _run_in_dependency_order(models, _Recorder(), jobs=2)
