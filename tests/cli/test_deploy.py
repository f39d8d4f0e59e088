"""deploy/: the systemd units pass `systemd-analyze verify` without a warning, docs/deploy.md names
every file of deploy/ and only commands that exist; `ejournal dashboard` and `ejournal serve`
refuse what would expose the pupils' data unencrypted or with a wrong certificate."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ejournal.certificate import self_signed
from tests.factories import stop_server

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "deploy.md"
APP_PATH = "/opt/ejournal"


def units() -> list[Path]:
    return sorted(p for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))


def test_units_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed on this machine (Debian: apt-get install systemd)")
    # The units name the installed program (/opt/ejournal/.venv/bin/ejournal); verify checks that
    # the command exists, so it is pointed at this checkout's interpreter's ejournal.
    program = Path(sys.executable).parent / "ejournal"
    assert program.exists(), "the venv has no ejournal script: run make setup"
    for unit in units():
        text = unit.read_text(encoding="utf-8").replace(f"{APP_PATH}/.venv/bin/ejournal", str(program))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    assert {p.name for p in units()} >= {
        "ejournal-serve.service",
        "ejournal-watch.service",
        "ejournal-backup.service",
        "ejournal-backup.timer",
    }
    done = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / p.name) for p in units()]],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
        check=False,
    )
    own = [line for line in done.stderr.splitlines() if "ejournal" in line]
    assert done.returncode == 0, done.stderr
    assert own == []  # a warning about our units (unknown key, bad value) fails too


def test_units_run_the_documented_commands():
    texts = {p.name: p.read_text(encoding="utf-8") for p in units()}
    assert f"ExecStart={APP_PATH}/.venv/bin/ejournal serve " in texts["ejournal-serve.service"]
    assert "--insecure-http" not in texts["ejournal-serve.service"]
    assert f"ExecStart={APP_PATH}/.venv/bin/ejournal watch" in texts["ejournal-watch.service"]
    assert re.search(r"ejournal backup .*--keep \d+", texts["ejournal-backup.service"])
    assert "Unit=ejournal-backup.service" in texts["ejournal-backup.timer"]
    for name, text in texts.items():
        if name.endswith(".service"):
            assert "User=ejournal" in text and "EnvironmentFile=/etc/ejournal/ejournal.env" in text, name


def test_deploy_doc_names_every_file_and_only_existing_commands():
    doc = DOC.read_text(encoding="utf-8")
    assert [p.name for p in sorted(DEPLOY.iterdir()) if p.name not in doc and p.name != "README.md"] == []
    commands = set(re.findall(r"(?:bin/|`)ejournal ([a-z][\w-]*)", doc))
    known = {(c.name or c.callback.__name__).replace("_", "-") for c in app.registered_commands}
    known |= {g.name for g in app.registered_groups}
    assert commands - known == set()
    assert {"serve", "watch", "backup", "restore", "users"} <= commands


def test_dashboard_refuses_a_network_address():
    outcome = CliRunner().invoke(app, ["dashboard", "--address", "0.0.0.0"])
    assert outcome.exit_code == 2
    assert "ejournal serve" in outcome.output and "HTTPS" in outcome.output


def test_serve_refuses_a_certificate_without_its_key_or_with_another_key(tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_HOME", str(tmp_path / "var"))
    one = self_signed(tmp_path / "one", ["journal.school.local"])
    other = self_signed(tmp_path / "other", ["journal.school.local"])
    lone = CliRunner().invoke(app, ["serve", "--cert", str(one.cert)])
    assert lone.exit_code == 2 and "--key" in lone.output
    mixed = CliRunner().invoke(app, ["serve", "--cert", str(one.cert), "--key", str(other.key)])
    assert mixed.exit_code == 2, mixed.output
    assert "не подходят друг к другу" in mixed.output and "Traceback" not in mixed.output
    missing = CliRunner().invoke(app, ["serve", "--cert", str(tmp_path / "нет.crt"), "--key", str(one.key)])
    assert missing.exit_code == 2 and "нет файла сертификата" in missing.output


def test_plain_http_on_a_network_address_warns_in_russian(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--insecure-http", "--address", "0.0.0.0", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "EJOURNAL_HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stderr.readline()  # printed before the server starts
    finally:
        stop_server(process)
    assert "ВНИМАНИЕ" in first and "БЕЗ ШИФРОВАНИЯ" in first and "152-ФЗ" in first
    assert not (tmp_path / "tls").exists()  # no certificate made for a plain HTTP server


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
