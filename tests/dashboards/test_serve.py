"""docs/deploy.md followed on this machine as far as it goes without a real network: the folders
and the environment file of deploy/, the first load from the inbox, a backup with its retention,
`ejournal serve` with the certificate it makes, the sign-in page over HTTPS checked against that
certificate; then a real Chromium goes through the pages and every request it made went to the
app's own address (no outside font, icon or script server)."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.dashboards.conftest import PASSWORD
from tests.dashboards.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _sign_in
from tests.factories import SAMPLE, stop_server

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ejournal(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=env["EJOURNAL_HOME"], env=env, capture_output=True, text=True
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def _school_environment(home: Path, access_db: Path) -> dict:
    """Step 3 of docs/deploy.md: deploy/ejournal.env with /var/lib/ejournal moved under the test's folder."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for line in (ROOT / "deploy" / "ejournal.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value.replace("/var/lib/ejournal", str(home))
    # The accounts of the dashboard tests (known passwords) instead of step 4's `users add`.
    env["EJOURNAL_ACCESS_DB"] = str(access_db)
    return env


def _https_context(home: Path) -> ssl.SSLContext:
    """A client that trusts only the certificate `ejournal serve` made (as a teacher's computer
    does once the certificate is installed): no unverified connection anywhere below."""
    return ssl.create_default_context(cafile=str(home / "tls" / "ejournal.crt"))


@contextlib.contextmanager
def _served(env: dict, home: Path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--address", "127.0.0.1", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"ejournal serve stopped: {process.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", context=_https_context(home), timeout=3) as answer:
                    if answer.status == 200:
                        break
            except (OSError, ssl.SSLError):
                time.sleep(0.5)
        else:
            pytest.fail("ejournal serve did not answer over HTTPS within 90 s")
        yield url
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def school(tmp_path_factory, access_db):
    """Steps 1–6 of docs/deploy.md on this machine; yields (address, data folder, what the steps printed)."""
    home = tmp_path_factory.mktemp("var-lib-ejournal")
    for folder in (home / "inbox", home / "backups"):  # step 1
        folder.mkdir(mode=0o700)
    env = _school_environment(home, access_db)
    with zipfile.ZipFile(home / "inbox" / "выгрузка.zip", "w") as archive:  # step 4: the export dropped in
        for path in sorted(SAMPLE.glob("*.csv")):
            archive.write(path, path.name)
    loaded = _ejournal(env, "watch", "--once", "--settle", "0")
    for old in ("backup-20250101-023000", "backup-20250102-023000", "backup-20250103-023000"):
        (home / "backups" / old).mkdir()  # three nights that were backed up before
    backup = _ejournal(env, "backup", "--out", str(home / "backups"), "--keep", "2")
    with _served(env, home) as url:  # steps 5–6: ejournal-serve.service, without its port 443
        yield url, home, {"watch": loaded, "backup": backup}


def test_the_school_install_loads_backs_up_and_answers_over_https(school):
    url, home, steps = school
    assert steps["watch"].returncode == 0, steps["watch"].stdout
    assert [p.name.endswith("-выгрузка.zip") for p in (home / "inbox" / "loaded").iterdir()] == [True]
    assert steps["backup"].returncode == 0, steps["backup"].stderr
    kept = sorted(p.name for p in (home / "backups").iterdir())
    assert (
        len(kept) == 2
        and kept[0] == "backup-20250103-023000"
        and (home / "backups" / kept[1] / "manifest.json").exists()
    )

    key = home / "tls" / "ejournal.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    with urllib.request.urlopen(url, context=_https_context(home), timeout=10) as answer:
        page = answer.read().decode("utf-8")
    # the address leads to the sign-in form, over verified TLS
    assert answer.status == 200 and answer.url == f"{url}/sign-in?next=%2F" and 'action="/sign-in"' in page
    signed_in = _https_sign_in(url, home)
    assert {"secure", "httponly", "samesite=lax"} <= signed_in["flags"]  # the cookie never goes over plain HTTP
    request = urllib.request.Request(url, headers={"Cookie": signed_in["cookie"]})
    with urllib.request.urlopen(request, context=_https_context(home), timeout=10) as answer:
        page = answer.read().decode("utf-8")
    assert answer.status == 200 and "<noscript>" in page  # Streamlit's page, over verified TLS
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):  # a client not trusting it
        urllib.request.urlopen(url, context=ssl.create_default_context(), timeout=10)
    with pytest.raises(OSError):  # and nothing answers in plain HTTP on that port
        urllib.request.urlopen(url.replace("https://", "http://") + "/_stcore/health", timeout=10).read()


def _https_sign_in(url: str, home: Path) -> dict:
    """The sign-in form posted over verified TLS: the session cookie («name=value») and its flags."""
    form = urllib.parse.urlencode({"login": "zavuch", "password": PASSWORD}).encode()

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(Stay, urllib.request.HTTPSHandler(context=_https_context(home)))
    with pytest.raises(urllib.error.HTTPError) as redirect:  # 303 to the page asked for
        opener.open(urllib.request.Request(f"{url}/sign-in", data=form), timeout=30)
    assert redirect.value.code == 303
    cookie, *flags = redirect.value.headers["Set-Cookie"].split(";")
    return {"cookie": cookie.strip(), "flags": {flag.strip().lower() for flag in flags}}


@pytest.mark.browser
def test_the_browser_asks_nothing_of_any_other_address(school):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    url, _, _ = school
    OUTPUT.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # The browser's own trust store is not the teachers' computer: the certificate itself is
        # checked by the test above; here only the addresses asked for matter.
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        _sign_in(page, url, "zavuch")
        for title in ("Успеваемость класса", "Посещаемость", "Что загружено"):
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
            page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
        icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
        page.screenshot(path=str(OUTPUT / "20-served-over-https.png"), full_page=True)
        browser.close()
    origin = urlsplit(url)[:2]
    network = [u for u in requested if not u.startswith(("data:", "blob:"))]
    elsewhere = sorted({u for u in network if urlsplit(u)[:2] != origin})
    print(
        f"{len(network)} requests from the browser:",
        *sorted({f"{urlsplit(u).netloc}{urlsplit(u).path}" for u in network}),
        sep="\n  ",
    )
    assert len(network) > 10
    assert elsewhere == []
    assert f"{url}/sign-in?next=%2F" in network  # the journey went through the server's sign-in form
    assert icon and all(urlsplit(href)[:2] == origin for href in icon)
