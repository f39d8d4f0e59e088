"""The HTTPS certificate of `ejournal serve`: check the school's own certificate and key, or make a
self-signed one with the `openssl` command (the private key readable by its owner only).

A generated certificate is kept and reused while it covers the same names and has more than
RENEW_DAYS left; otherwise a new one is made (and must be trusted again on the teachers' computers).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CERT_NAME, KEY_NAME, NAMES_NAME = "ejournal.crt", "ejournal.key", "names.txt"
VALID_DAYS = 825  # the longest validity browsers accept for a server certificate
RENEW_DAYS = 30


class CertificateError(Exception):
    """The certificate cannot be used or made; the message says why (in Russian)."""


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    expires: dt.datetime
    fingerprint: str
    generated: bool = False


def _openssl(*args: str) -> str:
    if shutil.which("openssl") is None:
        raise CertificateError("не найдена программа openssl (Debian: apt-get install openssl)")
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["без объяснения"])[-1]
        raise CertificateError(f"openssl {args[0]}: {reason}")
    return done.stdout


def describe(cert: Path) -> tuple[dt.datetime, str]:
    """When the certificate expires (UTC) and its SHA-256 fingerprint."""
    text = _openssl("x509", "-in", str(cert), "-noout", "-enddate", "-fingerprint", "-sha256")
    facts = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    try:
        expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(facts["notAfter"]), dt.UTC)
    except (KeyError, ValueError):
        raise CertificateError(f"{cert}: не удалось прочитать срок действия сертификата") from None
    fingerprint = next(v for k, v in facts.items() if "Fingerprint" in k)
    return expires, fingerprint


def school_certificate(cert: Path, key: Path) -> Certificate:
    """The school's certificate and key, checked: both readable, PEM, and belonging together."""
    for path, what in ((cert, "сертификата"), (key, "закрытого ключа")):
        if not path.is_file():
            raise CertificateError(f"нет файла {what} {path}")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as error:
        raise CertificateError(
            f"сертификат {cert} и ключ {key} не подходят друг к другу или не в формате PEM ({error.reason})"
        ) from None
    except OSError as error:
        raise CertificateError(f"не удалось прочитать {error.filename}: {error.strerror}") from None
    return Certificate(cert, key, *describe(cert))


def server_names(address: str, extra: list[str]) -> list[str]:
    """The names and addresses teachers may type: the names given with --name first (the first
    one is the certificate's common name), this computer's names, the address served on (unless
    it is «all addresses») and loopback."""
    names = [*extra, socket.getfqdn(), socket.gethostname()]
    if address not in ("0.0.0.0", "::", ""):
        names.append(address)
    names.extend(["localhost", "127.0.0.1", "::1"])
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def _alt_names(names: list[str]) -> str:
    def entry(name: str) -> str:
        try:
            return f"IP:{ipaddress.ip_address(name)}"
        except ValueError:
            return f"DNS:{name}"

    return ",".join(entry(n) for n in names)


def _recorded_names(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None


def self_signed(folder: Path, names: list[str], *, renew: bool = False, now: dt.datetime | None = None) -> Certificate:
    """The generated certificate in ``folder``: reused if it covers ``names`` and is not about to
    expire, else made anew (key 0600, folder 0700)."""
    cert, key, recorded = folder / CERT_NAME, folder / KEY_NAME, folder / NAMES_NAME
    now = now or dt.datetime.now(dt.UTC)
    if not renew and cert.exists() and key.exists() and _recorded_names(recorded) == names:
        expires, fingerprint = describe(cert)
        if expires - now > dt.timedelta(days=RENEW_DAYS):
            return Certificate(cert, key, expires, fingerprint)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        new_cert, new_key = Path(scratch) / CERT_NAME, Path(scratch) / KEY_NAME
        new_key.touch(mode=0o600)
        _openssl(
            "req", "-x509", "-newkey", "rsa:3072", "-sha256", "-nodes", "-days", str(VALID_DAYS),
            "-keyout", str(new_key), "-out", str(new_cert),
            "-utf8", "-subj", f"/O=Электронный журнал: аналитика/CN={names[0]}",
            "-addext", f"subjectAltName={_alt_names(names)}",
            "-addext", "extendedKeyUsage=serverAuth",
        )  # fmt: skip
        os.chmod(new_key, 0o600)
        os.replace(new_key, key)
        os.replace(new_cert, cert)
    recorded.write_text(" ".join(names) + "\n", encoding="utf-8")
    return Certificate(cert, key, *describe(cert), generated=True)
