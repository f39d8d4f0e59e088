"""The whole school's set: (kind, class, period) documents rendered in worker processes
(`python -m report_templates.render_worker`), each with its own read-only connection, results
yielded as they complete; a failed document is a Failure with its Russian message."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ejournal.access.viewer import Viewer
from report_templates.document_norms import DocumentNorms
from report_templates.output import Rendered
from report_templates.render_worker import Session

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Failure:
    kind: str
    class_name: str
    period_name: str
    message: str


def _answer(answer: dict) -> Rendered | Failure:
    if answer.get("ok"):
        return Rendered(
            answer["kind"],
            answer["class_name"],
            answer["period_name"],
            [Path(p) for p in answer["paths"]],
            answer["seconds"],
            answer["cpu_seconds"],
        )
    return Failure(answer["kind"], answer["class_name"], answer["period_name"], answer["message"])


def render_many(
    db_path: Path,
    viewer: Viewer,
    targets: list[tuple[str, str, str]],
    out: Path,
    formats: list[str],
    norms: DocumentNorms | None = None,
    workers: int = 2,
) -> Iterator[Rendered | Failure]:
    """Render (kind, class, period) targets in ``workers`` processes (report_templates.render_worker),
    each holding its own read-only connection; yields each result as it completes, in completion
    order. A document that fails (access, missing data, a crashed worker) is a Failure with its
    Russian message, and the others go on."""
    norms = norms or DocumentNorms()
    setup = {
        "db": str(db_path),
        "viewer": {**dataclasses.asdict(viewer), "role": str(viewer.role)},
        "norms": dataclasses.asdict(norms),
        "out": str(out),
        "formats": list(formats),
    }
    workers = max(1, min(workers, len(targets)))
    if not targets:
        return
    if workers == 1:
        # one document or one worker: no child process, the same read-only connection throughout
        session = Session(setup)
        try:
            for kind, class_name, period_name in targets:
                yield _answer(session.handle({"kind": kind, "class_name": class_name, "period_name": period_name}))
        finally:
            session.close()
        return
    yield from _render_in_children(setup, targets, workers)


def _render_in_children(setup: dict, targets: list[tuple[str, str, str]], workers: int) -> Iterator[Rendered | Failure]:
    queue = [{"kind": k, "class_name": c, "period_name": p} for k, c, p in targets]
    queue.reverse()  # pop() from the end keeps the given order
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    children: dict[int, tuple[subprocess.Popen, dict | None]] = {}
    logs: dict[int, IO[bytes]] = {}
    selector = selectors.DefaultSelector()
    with contextlib.ExitStack() as stack:
        stack.callback(_stop, children)
        for _ in range(workers):
            log = stack.enter_context(tempfile.TemporaryFile())
            child = subprocess.Popen(
                [sys.executable, "-m", "report_templates.render_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                env=env,
                cwd=str(PROJECT_DIR),
            )
            child.stdin.write(json.dumps(setup, ensure_ascii=False) + "\n")
            task = _next(child, queue)
            children[child.pid] = (child, task)
            logs[child.pid] = log
            selector.register(child.stdout, selectors.EVENT_READ, child.pid)
        while children:
            for key, _ in selector.select():
                child, task = children[key.data]
                line = child.stdout.readline()
                if line:
                    yield _answer(json.loads(line))
                    children[key.data] = (child, _next(child, queue))
                    continue
                # end of output: the worker finished its input, or died
                selector.unregister(child.stdout)
                child.wait()
                del children[key.data]
                if task is not None:
                    yield Failure(
                        task["kind"], task["class_name"], task["period_name"],
                        f"процесс отрисовки завершился аварийно (код {child.returncode}): {_last_line(logs[key.data])}",
                    )  # fmt: skip
                if not children:
                    while queue:
                        lost = queue.pop()
                        yield Failure(
                            lost["kind"], lost["class_name"], lost["period_name"], "не осталось процессов отрисовки"
                        )


def _stop(children: dict[int, tuple[subprocess.Popen, dict | None]]) -> None:
    """Workers still running when the caller stops early (Ctrl+C, an error) are ended."""
    for child, _ in children.values():
        child.kill()
        child.wait()


def _last_line(log: IO[bytes]) -> str:
    log.seek(0)
    lines = [line for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else "без сообщения"


def _next(child: subprocess.Popen, queue: list[dict]) -> dict | None:
    """Give the worker its next task, or close its input when none is left; returns the task."""
    task = queue.pop() if queue else None
    try:
        if task is None:
            child.stdin.close()
        else:
            child.stdin.write(json.dumps(task, ensure_ascii=False) + "\n")
            child.stdin.flush()
    except BrokenPipeError:
        pass  # the worker died: the end of its output reports the task
    return task
