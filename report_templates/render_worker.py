"""A document-rendering worker process: `python -m report_templates.render_worker` (started by
report_templates.school_set.render_many, never by hand).

It opens the warehouse read-only once, then reads one JSON task per line on stdin
({"kind", "class_name", "period_name"}) and answers one JSON line per task on stdout: the files it
wrote, or the Russian message of a refusal or failure. It ends at the end of its input. A plain
child process with a pipe, not multiprocessing: nothing of the parent (its __main__, its thread
pools) is copied or re-imported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.document_norms import DocumentNorms
from report_templates.output import render_document


class Session:
    """The worker's state: the read-only connection, the viewer, the norms and where to write."""

    def __init__(self, setup: dict):
        self.viewer = Viewer(**{**setup["viewer"], "role": Role(setup["viewer"]["role"])})
        self.norms = DocumentNorms(**setup["norms"])
        self.out, self.formats = Path(setup["out"]), setup["formats"]
        self.con = duckdb.connect(setup["db"], read_only=True, config={"threads": 1})

    def handle(self, task: dict) -> dict:
        """Render one document; the task with ok, paths and seconds, or ok=False and a message."""
        answer = dict(task)
        try:
            made = render_document(
                self.con,
                self.viewer,
                task["kind"],
                task["class_name"],
                task["period_name"],
                self.out,
                self.formats,
                self.norms,
            )
            answer.update(
                ok=True, paths=[str(p) for p in made.paths], seconds=made.seconds, cpu_seconds=made.cpu_seconds
            )
        except AccessError as error:
            answer.update(ok=False, message=str(error))
        except Exception as error:  # one broken document must not stop the school's set
            answer.update(ok=False, message=f"сбой ({type(error).__name__}: {error})")
        return answer

    def close(self) -> None:
        self.con.close()


def main() -> None:
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    session = Session(json.loads(sys.stdin.readline()))
    try:
        for line in sys.stdin:
            sys.stdout.write(json.dumps(session.handle(json.loads(line)), ensure_ascii=False) + "\n")
            sys.stdout.flush()
    finally:
        session.close()


if __name__ == "__main__":
    main()
