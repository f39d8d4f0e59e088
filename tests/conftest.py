from __future__ import annotations

import functools
import json
import os
from collections import Counter

# Rich lays CLI output out for the terminal width; tests read it at one fixed width.
os.environ["COLUMNS"] = "120"

from pathlib import Path

import pytest

from pipelines.ingest import IngestResult
from tests.factories import ingest_export, small_sample_warehouse, tiny_export

ROOT = Path(__file__).resolve().parent.parent


# `make test` hands whole files to its two workers in the order collected, so a long file started
# last would leave the other worker idle at the end: the files measured long (``file_seconds.json``,
# seconds of setup, calls and teardown; remade by ``--file-seconds=tests/file_seconds.json`` on a
# whole run) go first, longest first; then files whose tests start Spark or a browser, or are
# marked slow; then the others, most tests first.
LONG_MARKS = ("spark", "browser", "slow")  # longest first
FILE_SECONDS = Path(__file__).with_name("file_seconds.json")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--file-seconds",
        metavar="PATH",
        help="write the seconds each test file took (setup, calls, teardown) as JSON, longest first",
    )


def _scan_installed_components_once() -> None:
    """Streamlit's server looks for installed components (every distribution's metadata) once, at
    start; its AppTest does so on every run, a quarter of a second, most of the run of a page
    that only refuses a role. The installed packages do not change while the tests run, so each
    test process looks once, as the server does."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def pytest_configure(config: pytest.Config) -> None:
    _scan_installed_components_once()
    # pytest-xdist reorders files by their number of tests unless told not to: the order set in
    # pytest_collection_modifyitems below is the one wanted
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if config.getoption("file_seconds") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(FileSeconds(Path(config.getoption("file_seconds"))))


class FileSeconds:
    """Sums each test file's seconds (under xdist the reports of both workers reach the main
    process) and writes them at the end of the run, longest first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seconds: Counter[str] = Counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid.split("::")[0]] += report.duration

    def pytest_sessionfinish(self) -> None:
        longest = {file: round(seconds) for file, seconds in self.seconds.most_common() if seconds >= 5}
        self.path.write_text(json.dumps(longest, indent=1) + "\n", encoding="utf-8")


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    measured: dict[str, float] = json.loads(FILE_SECONDS.read_text(encoding="utf-8"))
    first_seen: dict[Path, int] = {}
    rank: dict[Path, int] = {}
    count: Counter[Path] = Counter()
    for index, item in enumerate(items):
        first_seen.setdefault(item.path, index)
        count[item.path] += 1
        marks = [n for n, mark in enumerate(LONG_MARKS) if item.get_closest_marker(mark)]
        rank[item.path] = min([rank.get(item.path, len(LONG_MARKS)), *marks])

    def order(item: pytest.Item) -> tuple:
        path = item.path
        return (-measured.get(_relative(path), 0), rank[path], -count[path], first_seen[path])

    items.sort(key=order)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI (CI=true, as .ci/run is run) a skipped test is a failure: a missing browser, Java or
    tool must not turn a check into a silent pass."""
    report = yield
    if os.environ.get("CI", "").lower() in ("1", "true") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"в CI тест не может быть пропущен: {report.longrepr}"
    return report


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """No test writes into the working tree's var/: warehouse, access store and reports go to a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("EJOURNAL_HOME", str(home))
    monkeypatch.setenv("EJOURNAL_DB", str(home / "ejournal.duckdb"))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))
    return home


@pytest.fixture(scope="session")
def small_sample_db(tmp_path_factory) -> Path:
    """The committed small export ingested once per test process (``small_sample_warehouse``);
    a test that needs the sample loaded, and does not test the ingest itself, copies it:
    ``copy_warehouse(small_sample_db, path)``."""
    return small_sample_warehouse(tmp_path_factory)


@pytest.fixture
def tiny():
    """A fresh, valid, hand-written export (dict of file → rows) to break on purpose."""
    return tiny_export()


@pytest.fixture
def ingest_tiny(tmp_path):
    """Write an export dict and ingest it into a per-test warehouse; returns the result."""
    counter = {"n": 0}

    def run(data, *, db: Path | None = None, **options) -> IngestResult:
        counter["n"] += 1
        return ingest_export(data, tmp_path / f"export{counter['n']}", db or tmp_path / "w.duckdb", **options)

    return run


def rules_of(result: IngestResult) -> set[tuple[str, str]]:
    """(file stem, rule code) of every issue."""
    return {(i.file_name.split(".")[0], i.rule_code) for i in result.issues}


@pytest.fixture
def summary(record_property):
    """Add lines to the figures printed at the end of the run (works under xdist, unlike print)."""
    return lambda text: record_property("summary", text)


def pytest_terminal_summary(terminalreporter):
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == "summary"
    ]
    if lines:
        terminalreporter.section("figures")
        for text in lines:
            terminalreporter.write_line(text)
