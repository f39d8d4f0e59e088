"""The committed sample (class 7А, a whole year: 25 pupils, subgroups, double marks, a pupil who
leaves) written in each system's fields loads with the figures of the sample itself.

Expected figures are computed here from the sample's CSV with the standard library only; the
canonical load of the sample is the other side of the comparison.
"""

from __future__ import annotations

import collections

import pytest

from data_samples.api_payloads import BUNDLES, read_export, write_bundle
from pipelines.importers.dnevnik.api import DnevnikImporter
from pipelines.importers.eljur.api import EljurImporter
from pipelines.importers.mesh.api import MeshImporter
from tests.factories import SAMPLE, raw
from tests.importers import api_scenario as sc

IMPORTERS = {"dnevnik": DnevnikImporter, "eljur": EljurImporter, "mesh": MeshImporter}


def sample_figures() -> sc.Figures:
    pupils = {
        r["pupil_id"]: " ".join(p for p in (r["last_name"], r["first_name"], r["middle_name"]) if p)
        for r in raw("pupils")
    }
    subject = {r["subject_id"]: r["subject_name"] for r in raw("subjects")}
    lesson_subject = {r["lesson_id"]: subject[r["subject_id"]] for r in raw("lessons")}
    weight = {r["work_type_id"]: float(r["weight"]) for r in raw("work_types")}
    period_name = {r["period_id"]: r["period_name"] for r in raw("periods")}
    count: collections.Counter = collections.Counter()
    total = collections.defaultdict(lambda: [0.0, 0.0])
    for mark in raw("marks"):
        key = (pupils[mark["pupil_id"]], lesson_subject[mark["lesson_id"]])
        count[key] += 1
        w = float(mark["weight"].replace(",", ".")) if mark["weight"] else weight[mark["work_type_id"]]
        parts = [int(p) for p in mark["mark_value"].split("/") if p.isdigit()]
        total[key][0] += sum(parts) * w
        total[key][1] += len(parts) * w
    absences = collections.Counter(
        (pupils[r["pupil_id"]], r["absence_code"]) for r in raw("attendance") if r["absence_code"]
    )
    periods = {
        (pupils[r["pupil_id"]], subject[r["subject_id"]], r["mark_kind_code"], period_name.get(r["period_id"], "")): r[
            "mark_value"
        ]
        for r in raw("period_marks")
    }
    averages = {k: round(s / w, 4) for k, (s, w) in total.items() if w}
    return sc.Figures(dict(count), averages, dict(absences), periods)


@pytest.fixture(scope="module")
def reference(small_sample_db):
    """The figures of SAMPLE as loaded by ``ingest_path`` under the default norms (once per test
    process: ``small_sample_warehouse`` asserts that it loaded)."""
    return sc.warehouse_figures(small_sample_db)


@pytest.mark.parametrize("system", sorted(IMPORTERS))
def test_sample_in_system_fields_gives_the_sample_figures(tmp_path, context, load, reference, system):
    bundle = write_bundle(BUNDLES[system](read_export(SAMPLE)), tmp_path / system)
    notes = IMPORTERS[system]().convert(bundle, tmp_path / "converted", context)
    result, db = load(tmp_path / "converted")
    assert result.status == "loaded", [i.message for i in result.issues][:5]
    figures = sc.warehouse_figures(db)
    expected = sample_figures()
    assert len(expected.marks_per_pupil) > 80 and sum(expected.absences.values()) == 325
    assert figures == reference == expected
    # Only ЭлЖур's missing entry moment and the unknown consent are noted; nothing else was left unmapped.
    assert [n.field for n in notes] == (["date"] if system == "eljur" else []) + ["согласие_пдн"]
