"""Hostile payloads for the JSON importers (Дневник.ру, ЭлЖур, МЭШ, «Сетевой город» — its web
diary and mobile API recorded from real servers —, Электронный дневник СПб): any deleted field,
any value of another type,
an empty or broken file either converts (noting what it could not map) or is refused with a
Russian message naming the file; nothing else escapes and nothing is written on refusal."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.importers.dnevnik.api import DnevnikImporter
from pipelines.importers.eljur.api import EljurImporter
from pipelines.importers.mesh.api import MeshImporter
from pipelines.importers.netschool.diary import NetschoolImporter
from pipelines.importers.spb.api import SpbImporter
from pipelines.issues import ExportRefused
from tests.importers.api_scenario import write_json
from tests.importers.dnevnik.test_api import dnevnik_payload
from tests.importers.eljur.test_api import eljur_payload
from tests.importers.mesh.test_api import mesh_payload
from tests.importers.netschool.test_real_diary import MOBILE_2022, WEB_2022
from tests.importers.spb.test_api import FIXTURES as SPB_FIXTURES
from tests.importers.spb.test_api import PAGES as SPB_PAGES


def recorded(*paths: Path) -> dict[str, object]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in paths}


SYSTEMS = {
    "dnevnik": (DnevnikImporter, dnevnik_payload()),
    "eljur": (EljurImporter, eljur_payload()),
    "mesh": (MeshImporter, mesh_payload()),
    "netschool": (NetschoolImporter, recorded(*sorted(MOBILE_2022.glob("*.json")), *sorted(WEB_2022.glob("*.json")))),
    "spb": (
        SpbImporter,
        {
            **recorded(SPB_FIXTURES / "related-child-list.json", SPB_FIXTURES / "get-list-period.json"),
            **{f"1/{name}": page for name, page in recorded(*(SPB_FIXTURES / name for name in SPB_PAGES)).items()},
        },  # the pupil's pages in the folder of his education_id
    ),
}
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def paths(value, prefix=()):
    """Every place in a JSON value: a key of an object or an index of a list."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            yield (*prefix, index)
            yield from paths(child, (*prefix, index))


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.just([]),
    st.just({}),
    st.just(["x"]),
)


@pytest.mark.parametrize("system", sorted(SYSTEMS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_payload_converts_or_is_refused_in_russian(tmp_path, context, system, data):
    importer_class, payload = SYSTEMS[system]
    files = copy.deepcopy(payload)
    name = data.draw(st.sampled_from(sorted(files)))
    places = list(paths(files[name]))
    place = data.draw(st.sampled_from(places))
    parent = files[name]
    for step in place[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[place[-1]]
    else:
        parent[place[-1]] = data.draw(ODD_VALUES)
    folder = tmp_path / "bundle"
    out = tmp_path / "out"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    write_json(folder, files)
    try:
        importer_class().convert(folder, out, context)
    except ExportRefused as refused:
        # a file (with its folder, or not), a pupil's folder («1/»), or the data as a whole
        named = {*files, *(Path(name).name for name in files), *(f"{Path(name).parent}/" for name in files)}
        assert refused.file_name in named | {"данные"}
        assert CYRILLIC.search(refused.problem)
        assert not out.exists()
    else:
        assert (out / "marks.csv").exists()


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_every_file_empty_or_broken_is_refused_by_name(tmp_path, context, system):
    importer_class, payload = SYSTEMS[system]
    for name in sorted(payload):
        for content, problem in ((b"", "файл пуст"), (b'{"a": [1, 2', "повреждённый JSON")):
            folder = write_json(tmp_path / f"{name}-{len(content)}", payload)
            (folder / name).write_bytes(content)
            with pytest.raises(ExportRefused) as refused:
                importer_class().convert(folder, tmp_path / "out", context)
            assert refused.value.file_name in (name, Path(name).name)
            assert problem in str(refused.value)
    assert not (tmp_path / "out").exists()


def test_each_detector_claims_only_its_own_bundle(tmp_path):
    from tests.factories import SAMPLE

    bundles = {system: write_json(tmp_path / system, payload) for system, (_, payload) in SYSTEMS.items()}
    for system, (importer_class, _) in SYSTEMS.items():
        claimed = {other for other, folder in bundles.items() if importer_class().detect(folder)}
        assert claimed == {system}
        assert not importer_class().detect(SAMPLE)
        assert not importer_class().detect(tmp_path / "missing")
