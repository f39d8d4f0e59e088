"""`ejournal watch`: load what arrives in the inbox folder, each content once, through the very
path of `ejournal ingest` (cli/loading.py); a loaded item goes to inbox/loaded/, a refused one to
inbox/refused/ with its error report beside it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cli.console import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_REJECTED, console, err, fail
from ejournal.files import scratch_folder
from ejournal.inbox import LOADED, REFUSED, InboxBusyError, LoadedRecord, SettleWatch, candidates, content_hash
from ejournal.inbox import set_aside as move_aside
from ejournal.settings import environment


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)


def watch(
    inbox: Annotated[
        Path | None, typer.Option("--inbox", help="Папка входящих (по умолчанию $EJOURNAL_INBOX или var/inbox)")
    ] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Файл хранилища DuckDB")] = None,
    once: Annotated[bool, typer.Option("--once", help="Загрузить то, что уже лежит в папке, и выйти")] = False,
    interval: Annotated[float, typer.Option("--interval", min=1, help="Секунд между проверками папки")] = 30,
    settle: Annotated[
        float, typer.Option("--settle", min=0, help="Файл берётся, когда он не менялся столько секунд")
    ] = 10,
) -> None:
    """Загружать файлы, которые кладут в папку входящих (каждый — один раз).

    Загруженный файл переносится в подпапку loaded/, отклонённый — в refused/ вместе с отчётом
    об ошибках. Файл, который ещё копируется (имя на .part, .tmp или он менялся последние
    --settle секунд), не берётся. Код выхода с --once: наибольший из кодов загрузок.
    """
    env = environment()
    folder = inbox or env.inbox
    db_path = db or env.db_path
    folder.mkdir(parents=True, exist_ok=True)
    record = LoadedRecord(env.home / "watch" / "inbox-loaded.json")
    settled = SettleWatch(settle)
    try:
        with record.locked():
            if once:
                raise typer.Exit(_poll(folder, db_path, record, settled))
            console.print(f"Слежу за папкой [bold]{folder}[/] (проверка каждые {interval:g} с). Остановить — Ctrl+C.")
            while True:
                _poll(folder, db_path, record, settled)
                time.sleep(interval)
    except InboxBusyError:
        raise fail(f"папку {folder} уже обрабатывает другой ejournal watch") from None
    except ValueError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_OK) from None


def _poll(folder: Path, db_path: Path, record: LoadedRecord, settled: SettleWatch) -> int:
    """Load every ready item once; the worst exit code of what was done."""
    worst = EXIT_OK
    for item in settled.ready(candidates(folder)):
        try:
            code = _take(item, folder, db_path, record)
        except OSError as error:  # moving aside failed (rights, full disk): say so, keep watching
            err.print(f"[red]{item.name}:[/] не удалось перенести ({error.strerror}: {error.filename})", soft_wrap=True)
            code = EXIT_FAILED
        worst = max(worst, code)
    return worst


def _take(item: Path, folder: Path, db_path: Path, record: LoadedRecord) -> int:
    from cli.loading import run_ingest

    try:
        digest = content_hash(item)
    except OSError as error:
        err.print(f"[yellow]{item.name}:[/] не читается ({error.strerror}); попробую при следующей проверке")
        return EXIT_FAILED
    known = record.find(digest)
    if known is not None:
        moved = move_aside(item, folder, LOADED)
        console.print(
            f"{item.name}: такое же содержимое уже загружено ({known['name']}, {known['at']}); "
            f"повторно не загружаю, файл перенесён в {moved}",
            soft_wrap=True,
        )
        return EXIT_OK
    console.print(f"Из папки входящих: [bold]{item.name}[/]", soft_wrap=True)
    with scratch_folder("watch") as scratch:
        try:
            code = run_ingest(item, db_path, report=scratch / "ошибки.xlsx", say_report=False)
        except typer.Exit as stopped:
            code = stopped.exit_code
        reports = sorted(scratch.iterdir())
        if code in (EXIT_OK, EXIT_REJECTED):
            record.add(digest, item.name, "loaded" if code == EXIT_OK else "loaded_with_rejections")
            _report_moved(move_aside(item, folder, LOADED, reports), reports)
        elif code == EXIT_REFUSED:
            _report_moved(move_aside(item, folder, REFUSED, reports), reports)
        else:
            err.print(f"{item.name}: оставлен в папке входящих, попробую при следующей проверке", soft_wrap=True)
    return code


def _report_moved(target: Path, reports: list[Path]) -> None:
    console.print(f"  файл перенесён в {target}", soft_wrap=True)
    for report in reports:
        console.print(f"  полный список ошибок рядом с ним: [bold]{target.name}-{report.name}[/]", soft_wrap=True)
