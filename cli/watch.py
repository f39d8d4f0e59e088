"""`ejournal watch`: load what arrives in the inbox folder, each content once, through the very
path of `ejournal ingest` (cli/loading.py); a loaded item goes to inbox/loaded/, a refused one to
inbox/refused/ with its error report beside it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cli.console import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_REJECTED, console, err, fail, plain
from ejournal.files import scratch_folder
from ejournal.inbox import (
    LOADED,
    REFUSED,
    InboxBusyError,
    LoadedRecord,
    RetryPacing,
    SettleWatch,
    candidates,
    content_hash,
)
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
    pacing = RetryPacing()
    try:
        with record.locked():
            if once:
                raise typer.Exit(_poll(folder, db_path, record, settled, pacing))
            console.print(f"Слежу за папкой [bold]{folder}[/] (проверка каждые {interval:g} с). Остановить — Ctrl+C.")
            while True:
                _poll(folder, db_path, record, settled, pacing, interval)
                time.sleep(interval)
    except InboxBusyError:
        raise fail(f"папку {folder} уже обрабатывает другой ejournal watch") from None
    except ValueError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_OK) from None


def _poll(
    folder: Path,
    db_path: Path,
    record: LoadedRecord,
    settled: SettleWatch,
    pacing: RetryPacing,
    interval: float | None = None,
) -> int:
    """Load every ready item once (one that failed lately only when its next try is due); the worst
    exit code of what was done."""
    worst = EXIT_OK
    pacing.next_poll()
    for item in settled.ready(candidates(folder)):
        try:
            code = _take(item, folder, db_path, record, pacing, interval)
        except OSError as error:  # moving aside failed (rights, full disk): say so, keep watching
            err.print(
                f"[red]{plain(item.name)}:[/] не удалось перенести ({plain(f'{error.strerror}: {error.filename}')})",
                soft_wrap=True,
            )
            code = EXIT_FAILED
        worst = max(worst, code)
    return worst


def _retry_text(gap: int, interval: float | None) -> str:
    if interval is None:
        return "попробую при следующей проверке"
    seconds = gap * interval
    return (
        f"попробую снова примерно через {seconds:g} с"
        if seconds < 120
        else f"попробую снова примерно через {seconds / 60:.0f} мин"
    )


def _take(
    item: Path, folder: Path, db_path: Path, record: LoadedRecord, pacing: RetryPacing, interval: float | None
) -> int:
    from cli.loading import run_ingest

    try:
        digest = content_hash(item)
    except OSError as error:
        err.print(f"[yellow]{plain(item.name)}:[/] не читается ({error.strerror}); попробую при следующей проверке")
        return EXIT_FAILED
    known = record.find(digest)
    if known is not None:
        moved = move_aside(item, folder, LOADED)
        console.print(
            plain(
                f"{item.name}: такое же содержимое уже загружено ({known['name']}, {known['at']}); "
                f"повторно не загружаю, файл перенесён в {moved}"
            ),
            soft_wrap=True,
        )
        return EXIT_OK
    if not pacing.is_due(digest):
        return EXIT_OK  # failed lately: tried again when its pause is over
    console.print(f"Из папки входящих: [bold]{plain(item.name)}[/]", soft_wrap=True)
    with scratch_folder("watch") as scratch:
        try:
            code = run_ingest(item, db_path, report=scratch / "ошибки.xlsx", say_report=False)
        except typer.Exit as stopped:
            code = stopped.exit_code
        reports = sorted(scratch.iterdir())
        if code != EXIT_FAILED:
            pacing.done(digest)
        if code in (EXIT_OK, EXIT_REJECTED):
            record.add(digest, item.name, "loaded" if code == EXIT_OK else "loaded_with_rejections")
            _report_moved(move_aside(item, folder, LOADED, reports), reports)
        elif code == EXIT_REFUSED:
            _report_moved(move_aside(item, folder, REFUSED, reports), reports)
        else:
            retry = _retry_text(pacing.failed(digest), interval)
            err.print(f"{plain(item.name)}: оставлен в папке входящих, {retry}", soft_wrap=True)
    return code


def _report_moved(target: Path, reports: list[Path]) -> None:
    console.print(f"  файл перенесён в {plain(target)}", soft_wrap=True)
    for report in reports:
        console.print(
            f"  полный список ошибок рядом с ним: [bold]{plain(f'{target.name}-{report.name}')}[/]", soft_wrap=True
        )
