"""`forget` also reaches the raw exports `ejournal watch` set aside in the inbox (loaded and
refused): every one that names the pupil is deleted whole, in whatever form the school dropped it
(a .zip of CSV files, a folder of Windows-1251 CSV), and the others are kept."""

from __future__ import annotations

import shutil
import zipfile

from typer.testing import CliRunner

from cli.main import app
from tests.access.test_forget_durable import PUPIL, SAMPLE, SCHOOL


def _zip_of(folder, target) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.write(path, f"export/{path.name}")


def test_exports_in_the_inbox_that_name_the_pupil_go_with_the_pupil(tmp_path, monkeypatch):
    home = tmp_path / "home"
    for name, value in {
        "EJOURNAL_HOME": str(home),
        "EJOURNAL_ACCESS_DB": str(home / "access.sqlite"),
        "EJOURNAL_DB": str(home / "w.duckdb"),
        "EJOURNAL_INBOX": str(home / "inbox"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EJOURNAL_LAKE", raising=False)
    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    _zip_of(SAMPLE, inbox / "выгрузка.zip")
    runner = CliRunner()
    watched = runner.invoke(app, ["watch", "--once", "--settle", "0"])
    assert watched.exit_code == 0, watched.output
    (loaded,) = (inbox / "loaded").iterdir()
    # A folder a school dropped that was refused, in Windows-1251, naming the pupil only by name.
    refused = inbox / "refused" / "старая-выгрузка"
    refused.mkdir(parents=True)
    (refused / "pupils.csv").write_bytes(f"Фамилия;Имя\n{PUPIL['last_name']};{PUPIL['first_name']}\n".encode("cp1251"))
    # A journal system's answer names the pupil in fields of their own.
    answer = inbox / "refused" / "students.json"
    answer.write_text(
        f'[{{"id": 7, "lastName": "{PUPIL["last_name"]}", "firstName": "{PUPIL["first_name"]}"}}]', encoding="utf-8"
    )
    # An export that does not name the pupil stays, and so does one of a namesake by surname only.
    other = inbox / "refused" / "другая-школа.csv"
    other.write_text(f"Фамилия;Имя\nНекто;Другой\n{PUPIL['last_name']};Другоеимя\n", encoding="utf-8")
    done = runner.invoke(app, ["forget", "--school", SCHOOL, PUPIL["pupil_id"], "--yes"])
    assert done.exit_code == 0, done.output
    assert "выгрузок в папке входящих: 3" in done.output
    assert not loaded.exists() and not refused.exists() and not answer.exists() and other.exists()
    leftovers = [p for p in inbox.rglob("*") if p.is_file() and p != other]
    for path in leftovers:
        data = path.read_bytes()
        for needle in (PUPIL["pupil_id"], PUPIL["last_name"]):
            assert needle.encode() not in data and needle.encode("cp1251") not in data, path


def test_a_forget_without_an_inbox_is_unaffected(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("EJOURNAL_HOME", str(home))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))
    monkeypatch.setenv("EJOURNAL_DB", str(home / "w.duckdb"))
    monkeypatch.setenv("EJOURNAL_INBOX", str(home / "nowhere"))
    monkeypatch.delenv("EJOURNAL_LAKE", raising=False)
    shutil.copytree(SAMPLE, tmp_path / "export", ignore=shutil.ignore_patterns("_truth"))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(tmp_path / "export")]).exit_code == 0
    done = runner.invoke(app, ["forget", "--school", SCHOOL, PUPIL["pupil_id"], "--yes"])
    assert done.exit_code == 0 and "выгрузок в папке входящих: 0" in done.output, done.output
