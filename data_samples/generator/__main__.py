"""Command line: python -m data_samples.generator OUT_DIR [--pupils N] [--seed S] [--schools K]
[--years N] [--trouble].

With --schools K > 1 it writes a region (OUT_DIR/sch-0001 …); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import generate_region, generate_school


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_samples.generator", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--pupils", type=int, default=1000, help="pupils per school (default 1000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--schools", type=int, default=1, help="schools in a region (default 1: one school)")
    parser.add_argument("--school-index", type=int, default=1)
    parser.add_argument("--year", type=int, default=2025, help="first calendar year of the academic year")
    parser.add_argument("--grades", type=str, default=None, help="comma-separated grades, e.g. 7")
    parser.add_argument("--subjects", type=str, default=None, help="comma-separated subject ids, e.g. rus,alg,eng,hist")
    parser.add_argument("--years", type=int, default=1, help="academic years, one export each (default 1)")
    parser.add_argument("--trouble", action="store_true", help="plant the demo's trouble (generator/trouble.py)")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} с] {message}", file=sys.stderr)

    if args.schools > 1:
        summary = generate_region(
            args.out_dir, n_schools=args.schools, pupils_per_school=args.pupils, seed=args.seed, progress=progress
        )
    else:
        summary = generate_school(
            args.out_dir,
            seed=args.seed,
            n_pupils=args.pupils,
            school_index=args.school_index,
            academic_year_start=args.year,
            grades=[int(g) for g in args.grades.split(",")] if args.grades else None,
            subject_ids=args.subjects.split(",") if args.subjects else None,
            progress=progress,
            years=args.years,
            trouble=args.trouble,
        )
    files = {year: one["files"] for year, one in summary["years"].items()} if "years" in summary else summary["files"]
    print(json.dumps(files, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
