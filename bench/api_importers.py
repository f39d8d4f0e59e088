"""What an API importer adds to a load: the committed sample (data_samples/small, a class-year)
written as Дневник.ру, ЭлЖур and МЭШ answers, converted and ingested, against the ingest of the
same sample as a canonical export measured in the same run.

    .venv/bin/python -m bench.api_importers [--repeat 3]

Figures are printed, never asserted. Times are the best of ``--repeat`` runs; each ingest goes
into a new empty warehouse in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from data_samples.api_payloads import BUNDLES, read_export, write_bundle
from ejournal.settings import Norms
from pipelines.importers.contract import ImportContext
from pipelines.importers.dnevnik.api import DnevnikImporter
from pipelines.importers.eljur.api import EljurImporter
from pipelines.importers.mesh.api import MeshImporter
from pipelines.ingest import ingest_path

SAMPLE = Path(__file__).resolve().parent.parent / "data_samples" / "small"
IMPORTERS = {"dnevnik": DnevnikImporter, "eljur": EljurImporter, "mesh": MeshImporter}


def _best(repeat: int, step) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    norms = Norms()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("EJOURNAL_HOME", str(work / "home"))
        counter = iter(range(10**6))

        def ingest(folder: Path) -> None:
            (result,) = ingest_path(folder, work / f"w{next(counter)}.duckdb", norms=norms, run_by="bench")
            assert result.status == "loaded", result.issues[:3]

        baseline = _best(args.repeat, lambda: ingest(SAMPLE))
        export = read_export(SAMPLE)
        n_rows = sum(len(rows) for rows in export.values())
        print(f"Образец {SAMPLE.name}: {n_rows} строк; каноническая загрузка {baseline:.2f} с (база, ×1,00)")
        print(f"{'система':<9} {'JSON, МБ':>8} {'перевод, с':>10} {'загрузка, с':>11} {'всего, с':>9} {'× база':>7}")
        for name, importer in IMPORTERS.items():
            bundle = write_bundle(BUNDLES[name](export), work / name)
            size = sum(p.stat().st_size for p in bundle.iterdir()) / 2**20
            out = work / f"{name}-canonical"
            convert = _best(args.repeat, lambda i=importer, b=bundle, o=out: i().convert(b, o, ImportContext(norms)))
            load = _best(args.repeat, lambda o=out: ingest(o))
            total = convert + load
            print(f"{name:<9} {size:>8.1f} {convert:>10.2f} {load:>11.2f} {total:>9.2f} {total / baseline:>7.2f}")


if __name__ == "__main__":
    main()
