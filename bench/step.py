"""Child process entry point: run one contender once and write what it measured as JSON.

    python -m bench.step CONTENDER EXPORT_PATH DB_PATH RESULT_JSON

The contender's modules are imported before the clock starts; the clock covers the contender's
call only. ``hwm_bytes`` is this process's own resident high-water mark, which catches peaks
shorter than the parent's 50 ms polling. It is read from VmHWM in /proc/self/status, not from
getrusage: Linux carries ``ru_maxrss`` over fork and exec, so a child started by a large parent
would report the parent's peak. A crash exits non-zero with the traceback on stderr.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path


def high_water_mark() -> int | None:
    """Peak resident memory of this process image in bytes (None where /proc is missing)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def main(argv: list[str]) -> int:
    name, export_path, db_path, result_path = argv
    from bench.contenders import CONTENDERS_BY_NAME

    contender = CONTENDERS_BY_NAME[name]
    for module in contender.imports:
        importlib.import_module(module)
    module_name, function_name = contender.function.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    clock = time.perf_counter()
    details = function(Path(export_path), Path(db_path))
    seconds = time.perf_counter() - clock
    payload = {"wall_seconds": seconds, "hwm_bytes": high_water_mark(), "details": details}
    Path(result_path).write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
