"""`ejournal serve`: the dashboard for the school network, over HTTPS with the school's certificate
or a self-signed one made here; and the Streamlit command line that `ejournal dashboard` shares."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.console import EXIT_REFUSED, console, err, fail
from ejournal.settings import environment

# The st.App of the dashboard: its sign-in form and session cookie in front of streamlit_app.py.
APP_FILE = Path(__file__).resolve().parent.parent / "dashboards" / "server.py"


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def run_streamlit(db_path: Path, address: str, port: int, *, tls: tuple[Path, Path] | None = None) -> None:
    """Replace this process with the Streamlit server of the dashboard (so stopping it, with Ctrl+C
    or SIGTERM, stops the server too): headless, no usage statistics, CORS and XSRF protection on."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_FILE),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--server.fileWatcherType", "none",
        "--server.enableCORS", "true",
        "--server.enableXsrfProtection", "true",
        "--server.maxUploadSize", str(environment().upload_max_mb),
    ]  # fmt: skip
    if tls is not None:
        command += ["--server.sslCertFile", str(tls[0]), "--server.sslKeyFile", str(tls[1])]
    env = {**os.environ, "EJOURNAL_DB": str(db_path.resolve())}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, env)


def serve(
    cert: Annotated[Path | None, typer.Option("--cert", help="Сертификат школы (PEM, с цепочкой)")] = None,
    key: Annotated[Path | None, typer.Option("--key", help="Закрытый ключ к сертификату (PEM)")] = None,
    address: Annotated[str, typer.Option("--address", help="Адрес (по умолчанию все адреса сервера)")] = "0.0.0.0",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Порт")] = 8443,
    name: Annotated[
        list[str] | None,
        typer.Option("--name", help="Имя или IP сервера, по которому его открывают учителя (для своего сертификата)"),
    ] = None,
    new_cert: Annotated[bool, typer.Option("--new-cert", help="Сделать самоподписанный сертификат заново")] = False,
    insecure_http: Annotated[
        bool, typer.Option("--insecure-http", help="Без шифрования (HTTP); не на этом компьютере — только осознанно")
    ] = False,
    db: Annotated[Path | None, typer.Option("--db", help="Файл хранилища DuckDB")] = None,
) -> None:
    """Запустить панель для сети школы по HTTPS.

    С --cert и --key — с сертификатом школы; без них — с самоподписанным сертификатом, который
    создаётся в папке var/tls (и объясняется, как сделать его доверенным на компьютерах учителей).
    """
    env = environment()
    db_path = db or env.db_path
    if insecure_http:
        if cert or key:
            raise fail("--insecure-http и --cert/--key вместе не имеют смысла: выберите одно", EXIT_REFUSED)
        _warn_plain_http(address)
        run_streamlit(db_path, address, port)
        return
    if (cert is None) != (key is None):
        raise fail("нужны оба файла: --cert СЕРТИФИКАТ и --key КЛЮЧ", EXIT_REFUSED)
    certificate = _certificate(cert, key, address, name or [], new_cert, env.home / "tls")
    host = (name or [None])[0] or ("127.0.0.1" if is_loopback(address) or address in ("0.0.0.0", "::") else address)
    console.print(f"Панель: [bold]https://{host}:{port}[/] (остановить — Ctrl+C)", soft_wrap=True)
    run_streamlit(db_path, address, port, tls=(certificate.cert, certificate.key))


def _certificate(cert, key, address: str, names: list[str], renew: bool, folder: Path):
    from ejournal.certificate import CertificateError, school_certificate, self_signed, server_names

    try:
        if cert is not None:
            found = school_certificate(cert, key)
        else:
            found = self_signed(folder, server_names(address, names), renew=renew)
    except CertificateError as error:
        raise fail(f"сертификат: {error}", EXIT_REFUSED) from None
    _explain(found, address, self_made=cert is None)
    return found


def _explain(found, address: str, *, self_made: bool) -> None:
    import datetime as dt

    left = (found.expires - dt.datetime.now(dt.UTC)).days
    if left < 0:
        err.print(
            f"[bold red]Внимание:[/] срок сертификата {found.cert} истёк {-left} дн. назад — браузеры его не примут"
        )
    elif left < 30:
        err.print(f"[yellow]Внимание:[/] сертификат {found.cert} истекает через {left} дн. — продлите его")
    if not self_made:
        return
    what = "Создан новый" if found.generated else "Используется"
    console.print(
        f"{what} самоподписанный сертификат [bold]{found.cert}[/] (ключ {found.key}, доступен только владельцу), "
        f"действует до {found.expires:%d.%m.%Y}.\n"
        f"Отпечаток SHA-256: {found.fingerprint}\n"
        "Чтобы браузеры учителей ему доверяли, скопируйте файл сертификата (.crt, не ключ!) на их компьютеры и "
        "установите в «Доверенные корневые центры сертификации» (Windows: двойной щелчок → «Установить "
        "сертификат» → «Локальный компьютер»; Linux: /usr/local/share/ca-certificates и update-ca-certificates). "
        "Либо при первом входе сверьте отпечаток в браузере с отпечатком выше. Подробно — docs/deploy.md.",
        soft_wrap=True,
    )
    if address in ("0.0.0.0", "::"):
        console.print("Сертификат выписан на имена этого компьютера; другие имена и IP — параметром --name.")


def _warn_plain_http(address: str) -> None:
    if is_loopback(address):
        return
    err.print(
        "[bold red]ВНИМАНИЕ:[/] панель будет доступна по сети БЕЗ ШИФРОВАНИЯ (HTTP) на адресе "
        f"{address}. Пароли и персональные данные детей (152-ФЗ) пойдут по сети открытым текстом; "
        "так можно только за HTTPS-прокси на этом же сервере. Без --insecure-http панель работает по HTTPS.",
        soft_wrap=True,
    )
