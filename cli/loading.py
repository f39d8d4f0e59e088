"""Running an ingest from the command line: the one path `ejournal ingest` and `ejournal watch`
share (the same detection of the format, the same messages, the same error report)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.console import EXIT_OK, EXIT_REFUSED, EXIT_REJECTED, console, err, fail, plain
from ejournal.formatting import thousands
from ejournal.settings import environment, load_norms
from pipelines.importers.systems import SOURCE_NAMES


def run_ingest(
    path: Path,
    db_path: Path,
    *,
    strict: bool = False,
    report: Path | None = None,
    source: str | None = None,
    class_name: str | None = None,
    school: str | None = None,
    lake: Path | None = None,
    say_report: bool = True,
) -> int:
    """Ingest ``path`` as `ejournal ingest` does, print what happened and return the exit code
    (0, 1 or 2); a failure (3) or a refused option raises typer.Exit through ``fail``.
    ``say_report=False``: the caller moves the error report and says itself where it went."""
    from pipelines.importers.contract import ImportContext
    from pipelines.ingest import ingest_source
    from pipelines.interrupted import IngestInterrupted, reason_text
    from warehouse.db import WarehouseBusyError
    from warehouse.status import STORED_STATUSES

    env = environment()
    try:
        norms = load_norms()
    except (OSError, ValueError) as error:
        raise fail(f"не удалось прочитать нормы школы: {error}") from None
    if source is not None and source not in SOURCE_NAMES:
        raise fail(f"--source: неизвестный формат «{source}»; есть: {', '.join(SOURCE_NAMES)}", EXIT_REFUSED)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("Загрузка", total=1)

        def progress(text: str, done: int, total: int) -> None:
            bar.update(task, description=plain(text), completed=done, total=total)

        try:
            found = ingest_source(
                path,
                db_path,
                source=source,
                context=ImportContext(norms=norms, school_id=school, class_name=class_name),
                strict=strict,
                norms=norms,
                run_by=env.run_by,
                progress=progress,
            )
        except WarehouseBusyError as error:
            raise fail(f"хранилище {error} занято другим процессом (идёт другая загрузка?). Повторите позже.") from None
        except IngestInterrupted as stopped:
            stopped_at = stopped
        except (OSError, duckdb.Error) as error:
            # before any export went in (unpacking, detecting, converting). No traceback and no cell
            # values: what ran out, or the type and the short reason, are enough to act on.
            raise fail(f"загрузка прервана, хранилище не изменено: {reason_text(error, db_path.parent)}") from None
        except Exception as error:  # the last line of defence: never a traceback, never exit 1
            raise fail(
                f"загрузка прервана непредвиденной ошибкой ({type(error).__name__}); выгрузка не загружена, "
                "хранилище ею не изменено. Сообщите разработчикам, приложив файл выгрузки."
            ) from None
        else:
            stopped_at = None
    if stopped_at is not None:
        # what went in before the stop is reported as usual, then the stop
        if stopped_at.found is not None and stopped_at.loaded:
            _report(stopped_at.found, report, say_report, norms.validation.max_error_rows_shown)
        if stopped_at.by_user:  # said, then passed on: `watch` stops, `ingest` exits with 130
            err.print(f"[bold yellow]Остановлено:[/] {plain(stopped_at.message())}", soft_wrap=True)
            raise KeyboardInterrupt from None
        raise fail(stopped_at.message())
    worst = _report(found, report, say_report, norms.validation.max_error_rows_shown)
    loaded = sorted({r.school_id for r in found.results if r.status in STORED_STATUSES})
    if lake is not None and loaded:
        export_to_lake(db_path, lake, loaded)
    return worst


def _report(found, report: Path | None, say_report: bool, max_rows: int) -> int:
    """Print the format and each export's result, write the error reports; the worst exit code."""
    from ejournal.access.forgotten import remember_folder
    from pipelines.issues import write_issue_report

    env = environment()
    how = "определён автоматически" if found.detected else "задан --source"
    console.print(f"Формат: [bold]{found.title}[/] ({found.source}, {how})", soft_wrap=True)
    results = found.results
    worst = EXIT_OK
    for result in results:
        print_result(result, max_rows)
        if result.issues:
            target = (
                report
                or env.home
                / "reports"
                / f"ошибки-{result.school_id or 'выгрузка'}-{result.batch_id or 'отклонена'}.xlsx"
            )
            if len(results) > 1 and report:
                target = report.with_name(f"{report.stem}-{result.school_id}{report.suffix}")
            write_issue_report(result.issues, target)
            remember_folder(env.access_db, "documents", target.parent)  # `forget` searches it
            if say_report:
                console.print(f"Полный список ошибок: [bold]{plain(target)}[/]")
        code = {"loaded": EXIT_OK, "unchanged": EXIT_OK, "loaded_with_rejections": EXIT_REJECTED}.get(
            result.status, EXIT_REFUSED
        )
        worst = max(worst, code)
    return worst


def export_to_lake(db_path: Path, lake: Path, schools: list[str]) -> None:
    """``ingest --lake``: the loaded schools' src_* rows into the regional lake."""
    from warehouse.db import connect
    from warehouse.lake import LakeError, export_warehouse

    try:
        with connect(db_path, read_only=True) as con:
            counts = export_warehouse(con, lake, schools=schools)
    except LakeError as error:
        raise fail(f"загружено в хранилище, но не выгружено в озеро: {error}") from None
    console.print(
        f"Озеро {plain(lake)}: школы {plain(', '.join(schools))}, строк {thousands(sum(counts.values()))}",
        soft_wrap=True,
    )


def print_result(result, max_rows: int) -> None:
    colour = {"loaded": "green", "unchanged": "green", "loaded_with_rejections": "yellow"}.get(result.status, "red")
    school = plain(result.school_id or "?")
    console.print(
        f"[bold]{plain(result.source_path)}[/] (школа {school}): [{colour}]{result.status_text}[/]", soft_wrap=True
    )
    for warning in result.warnings:
        place = f"{plain(warning.file_name)}: " if warning.file_name else ""  # a warning about the whole export
        console.print(f"  [yellow]предупреждение:[/] {place}{plain(warning.shown_message())}")
    if result.status != "refused":
        c = result.counts
        console.print(
            f"  строк в выгрузке: {thousands(result.n_rows_in)}; принято: {thousands(result.n_rows_accepted)}; "
            f"новых: {thousands(c.total('inserted'))}; обновлено: {thousands(c.total('updated'))}; "
            f"удалено: {thousands(c.total('removed'))}; оставлено более новых: {thousands(c.total('kept_newer'))}; "
            f"проверка {result.seconds_validate:.1f} с, загрузка {result.seconds_load:.1f} с"
        )
    if result.issues:
        table = Table(title=f"Ошибки: {len(result.issues)}", show_lines=False)
        for header in ("Файл", "Строка", "Столбец", "Значение", "Правило", "Что не так"):
            table.add_column(header, overflow="fold")
        for issue in result.issues[:max_rows]:
            table.add_row(
                plain(issue.file_name),
                "" if issue.row_number is None else str(issue.row_number),
                plain(issue.column_name or ""),
                plain(issue.shown_value()),
                issue.rule_code,
                plain(issue.shown_message()),
            )
        console.print(table)
        if len(result.issues) > max_rows:
            console.print(f"  … и ещё {len(result.issues) - max_rows} (см. отчёт об ошибках)")
