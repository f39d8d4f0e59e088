"""Archives as schools make them. Windows Explorer writes Cyrillic names in the DOS code page
(cp866) without the zip's UTF-8 flag, some archivers in cp1251, macOS in UTF-8 without the flag:
the folder «Выгрузка школы 17» and the workbook «журнал 5А.xlsx» keep their names in the results,
the warnings and the warehouse's record of the batch (Python alone reads them as cp437:
«éδúαπº¬á Φ¬«½δ 17»). A zipped export is recorded as the archive and the folder inside it,
never as the scratch folder it was unpacked into."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines.guards import names_encoding
from pipelines.ingest import ingest_path, ingest_source
from tests.factories import sample_export, write_export
from tests.importers.spreadsheet.test_workbooks import MATHS, NORMS, write_workbook

FOLDER = "Выгрузка школы 17"


class _NamedIn(zipfile.ZipInfo):
    """An entry whose name is written in ``encoding`` without the UTF-8 flag, as the archivers do."""

    encoding = "cp866"

    def _encodeFilenameFlags(self):  # zipfile's own method
        return self.filename.encode(self.encoding), self.flag_bits & ~0x800


def zip_as(archive: Path, files: dict[str, bytes], encoding: str) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            entry = _NamedIn(name)
            entry.encoding = encoding
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)
    # as Python alone reads it: not the name written
    with zipfile.ZipFile(archive) as check:
        assert not any(FOLDER in n or "журнал" in n for n in check.namelist())
    return archive


@pytest.fixture(scope="module")
def export_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("export") / "export"
    write_export(sample_export(), folder)
    return {f"{FOLDER}/{path.name}": path.read_bytes() for path in sorted(folder.iterdir())}


def batches(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [path for (path,) in con.execute("select source_path from meta_batch order by batch_id").fetchall()]


@pytest.mark.parametrize("encoding", ["cp866", "cp1251", "utf-8"])
def test_a_zipped_export_keeps_its_folder_name_in_every_code_page(tmp_path, export_files, encoding):
    archive = zip_as(tmp_path / "выгрузка.zip", export_files, encoding)
    assert names_encoding(archive) == encoding
    found = ingest_source(archive, tmp_path / "w.duckdb", run_by="test")
    (result,) = found.results
    assert result.status == "loaded", result.issues[:3]
    assert result.source_path == archive / FOLDER
    assert batches(tmp_path / "w.duckdb") == [str(archive / FOLDER)]


def test_ingest_path_records_the_archive_too(tmp_path, export_files):
    archive = zip_as(tmp_path / "выгрузка.zip", export_files, "cp866")
    (result,) = ingest_path(archive, tmp_path / "w.duckdb", run_by="test")
    assert result.status == "loaded", result.issues[:3]
    assert batches(tmp_path / "w.duckdb") == [str(archive / FOLDER)]


def test_an_export_folder_is_recorded_as_it_is(tmp_path):
    folder = tmp_path / FOLDER
    write_export(sample_export(), folder)
    (result,) = ingest_source(folder, tmp_path / "w.duckdb", run_by="test").results
    assert result.source_path == folder
    assert batches(tmp_path / "w.duckdb") == [str(folder)]


def test_a_workbook_zipped_by_explorer_is_named_in_its_warnings_and_batch(tmp_path):
    maths = {**MATHS, "Андреев Антон": ["5 зч", "4/5", "н", "5 кр"]}  # an unknown work type: a warning
    book = write_workbook(tmp_path / "журнал 5А.xlsx", maths=maths)
    archive = zip_as(tmp_path / "журнал.zip", {book.name: book.read_bytes()}, "cp866")
    found = ingest_source(archive, tmp_path / "w.duckdb", norms=NORMS, run_by="test")
    (result,) = found.results
    assert found.source == "spreadsheet", found.source
    assert result.status == "loaded", result.issues[:3]
    unknown = [w for w in result.warnings if "«зч»" in w.message]
    assert unknown and {w.file_name for w in unknown} == {"журнал 5А.xlsx"}
    assert batches(tmp_path / "w.duckdb") == [str(archive)]


def test_ascii_names_need_no_code_page(tmp_path, export_files):
    plain = {name.replace(FOLDER, "export"): data for name, data in export_files.items()}
    assert names_encoding(zip_as(tmp_path / "a.zip", plain, "cp866")) is None


def test_files_named_in_russian_are_found_in_an_archive_of_explorer(tmp_path, export_files):
    """«отметки.csv», «выгрузка.csv»…: without their names the archive was no export at all."""
    from pipelines.canonical.schemas import FILES_BY_NAME

    russian = {}
    for name, data in export_files.items():
        stem = Path(name).stem
        russian[f"{FOLDER}/{FILES_BY_NAME[stem].ru_name}.csv"] = data
    archive = zip_as(tmp_path / "выгрузка.zip", russian, "cp866")
    (result,) = ingest_source(archive, tmp_path / "w.duckdb", run_by="test").results
    assert result.status == "loaded", result.issues[:3]
    described = f"{FILES_BY_NAME['export'].ru_name}.csv"  # read first, not one of the batch's files
    assert {f.file.path.name for f in result.files} == {Path(name).name for name in russian} - {described}
