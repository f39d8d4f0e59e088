"""Journal dates: a year outside 1900–2100 is damaged data, refused where it stands (file, place,
field), and every date the importers write has a four-digit year."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from pipelines.importers.api_payload import Payload
from pipelines.importers.dates import academic_year_of, academic_year_row, fmt_date, fmt_datetime, parse_date
from pipelines.issues import ExportRefused


@pytest.mark.parametrize("text", ["0025-09-01", "01.09.0025", "2101-01-01", "1899-12-31T10:00:00"])
def test_a_date_of_an_implausible_year_is_refused_with_its_place(text):
    with pytest.raises(ExportRefused) as refused:
        parse_date(text, "periods.json", "payload[0]", "start")
    year = int(text[:4]) if text[4] == "-" else int(text[-4:])
    assert (refused.value.file_name, refused.value.location, refused.value.field) == (
        "periods.json",
        "payload[0]",
        "start",
    )
    assert refused.value.problem == f"дата «{text}»: год {year} вне 1900–2100"


@pytest.mark.parametrize(
    ("text", "day"),
    [("1900-01-01", dt.date(1900, 1, 1)), ("31.12.2100", dt.date(2100, 12, 31)), ("01.09.25", dt.date(2025, 9, 1))],
)
def test_dates_at_the_edges_and_two_digit_years_are_read(text, day):
    assert parse_date(text, "f.json", "x", "date") == day


@pytest.mark.parametrize("value", ["00250901", "0025-09-01", "21010101"])
@pytest.mark.parametrize("kind", ["date", "datetime"])
def test_an_api_field_of_an_implausible_year_names_the_year(value, kind):
    node = Payload({"lesson": {"date": value}}, "getdiary.json", "response").child("lesson")
    with pytest.raises(ExportRefused) as refused:
        node.get("date", kind)
    assert (refused.value.location, refused.value.field) == ("response.lesson", "date")
    assert "вне 1900–2100" in refused.value.problem


def test_written_dates_have_four_digit_years():
    assert fmt_date(dt.date(25, 9, 1)) == "01.09.0025"
    assert fmt_datetime(dt.datetime(987, 1, 2, 3, 4, 59)) == "02.01.0987 03:04"
    assert fmt_datetime(dt.datetime(2025, 9, 8, 14, 1)) == "08.09.2025 14:01"
    assert academic_year_row(academic_year_of(dt.date(2026, 3, 1)))["start_date"] == "01.09.2025"


def test_a_mesh_period_of_year_25_is_refused_not_a_crash(tmp_path, context):
    from pipelines.importers.mesh.api import MeshImporter
    from tests.importers.api_scenario import write_json
    from tests.importers.mesh.test_api import mesh_payload

    files = copy.deepcopy(mesh_payload())
    files["periods.json"]["payload"][0]["start"] = "0025-09-01"
    bundle = write_json(tmp_path / "mesh", files)
    with pytest.raises(ExportRefused) as refused:
        MeshImporter().convert(bundle, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.field) == ("periods.json", "start")
    assert refused.value.problem == "дата «0025-09-01»: год 25 вне 1900–2100"
    assert not (tmp_path / "out").exists()
