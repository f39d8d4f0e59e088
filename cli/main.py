"""The `ejournal` command: ingest exports, show what is loaded, generate samples, run the demo, form
documents; the users/audit/privacy and lake/warehouse subcommands live beside it in cli/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.access import register as register_access_commands
from cli.console import EXIT_REFUSED, EXIT_REJECTED, console, err, fail, plain
from cli.lake import register as register_lake_commands
from cli.serve import register as register_serve_commands
from cli.watch import register as register_watch_commands
from ejournal.files import secure_start
from ejournal.formatting import thousands
from ejournal.settings import environment, load_norms
from pipelines.importers.systems import SOURCE_NAMES

app = typer.Typer(
    help="Аналитика электронного журнала: загрузка выгрузок в хранилище, отчёты и панели.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _before_every_command() -> None:
    # Files 0600 and folders 0700 (EJOURNAL_FILE_MODE=group: 0640/0750) for everything this run
    # writes, older files tightened, scratch folders and partial backups of crashed runs swept.
    try:
        env = environment()
    except ValueError as error:
        raise fail(str(error)) from None
    secure_start(env.home, env.db_path, env.access_db, env.file_mode)


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Файл хранилища DuckDB (по умолчанию $EJOURNAL_DB или var/ejournal.duckdb)"),
]


def _db(db: Path | None) -> Path:
    return db or environment().db_path


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="Папка выгрузки, папка с несколькими выгрузками или архив .zip")],
    db: DbOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Отклонить всю выгрузку при любой ошибке")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Куда записать отчёт об ошибках (.xlsx или .csv)")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help=f"Формат данных: {', '.join(SOURCE_NAMES)} (без него формат определяется сам)",
        ),
    ] = None,
    class_name: Annotated[
        str | None, typer.Option("--class", help="Класс, если данные его не называют (страница ученика, лист Excel)")
    ] = None,
    school: Annotated[str | None, typer.Option("--school", help="Ид школы, если данные журнала её не называют")] = None,
    lake: Annotated[
        Path | None,
        typer.Option(
            "--lake", help="После загрузки выгрузить загруженные школы в озеро региона (ejournal lake export)"
        ),
    ] = None,
) -> None:
    """Проверить и загрузить выгрузку журнала в хранилище.

    Принимает каноническую выгрузку или данные самих журналов («Сетевой город», ELSCHOOL,
    таблицы Excel, …): формат определяется сам, --source задаёт его явно.
    Код выхода: 0 — загружено полностью; 1 — загружено, часть строк отклонена (они в карантине);
    2 — выгрузка отклонена целиком, хранилище не изменено; 3 — сбой (например, хранилище занято);
    130 — остановлено Ctrl+C (загруженное до того сохранено).
    """
    from cli.loading import run_ingest

    try:
        code = run_ingest(
            path, _db(db), strict=strict, report=report, source=source, class_name=class_name, school=school, lake=lake
        )
    except KeyboardInterrupt:
        code = 130  # Ctrl+C, as a shell reports it: what was loaded before is said and kept
    raise typer.Exit(code)


@app.command()
def status(db: DbOption = None) -> None:
    """Показать, что загружено: учебные годы, периоды, число строк в таблицах, последние загрузки."""
    from warehouse.status import warehouse_status

    path = _db(db)
    if not path.exists():
        raise fail(f"хранилище {path} ещё не создано: загрузите выгрузку командой «ejournal ingest ПАПКА»")
    try:
        info = warehouse_status(path)
    except Exception as error:
        raise fail(f"не удалось открыть хранилище {path}: {error}") from None
    console.print(f"Хранилище: [bold]{plain(path)}[/] ({path.stat().st_size / 1024**2:.1f} МБ)")
    years = Table(title="Учебные годы и периоды")
    for header in ("Школа", "Учебный год", "Период", "С", "По"):
        years.add_column(header)
    for row in info.periods:
        years.add_row(*[plain(v) for v in row])
    console.print(years)
    tables = Table(title="Таблицы")
    tables.add_column("Таблица")
    tables.add_column("Строк", justify="right")
    for name, count in info.row_counts:
        tables.add_row(name, thousands(count))
    console.print(tables)
    batches = Table(title="Последние загрузки")
    for header in ("№", "Школа", "Выгрузка от", "Итог", "Строк", "Принято", "Отклонено", "Кто", "Когда"):
        batches.add_column(header, overflow="fold")
    for row in info.batches:
        batches.add_row(*["" if v is None else plain(v) for v in row])
    console.print(batches)
    empty = [name for name, count in info.row_counts if count == 0 and not name.startswith("meta_")]
    if empty:
        console.print(f"[yellow]Пустые таблицы:[/] {', '.join(empty)}")


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Папка, куда записать выгрузку")],
    pupils: Annotated[int, typer.Option("--pupils", min=10, help="Учеников в школе")] = 1000,
    schools: Annotated[int, typer.Option("--schools", min=1, help="Школ (больше одной — регион)")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Зерно генератора (одинаковое — одинаковые данные)")] = 42,
) -> None:
    """Сгенерировать правдоподобную школу (или регион) в формате выгрузки."""
    from data_samples.generator import generate_region, generate_school

    with Progress(TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("Генерация", total=None)

        def progress(text: str) -> None:
            bar.update(task, description=text)

        if schools == 1:
            summary = generate_school(out, seed=seed, n_pupils=pupils, progress=progress)
        else:
            summary = generate_region(out, n_schools=schools, pupils_per_school=pupils, seed=seed)
    console.print(f"Выгрузка записана в [bold]{out}[/]")
    _print_summary(summary)


def _print_summary(summary: dict) -> None:
    rows = summary.get("rows", summary) if isinstance(summary, dict) else {}
    flat = {k: v for k, v in rows.items() if isinstance(v, int)}
    if flat:
        console.print(", ".join(f"{k}: {v:,}".replace(",", " ") for k, v in flat.items()))


@app.command()
def dashboard(
    db: DbOption = None,
    port: Annotated[int, typer.Option("--port", help="Порт веб-сервера")] = 8501,
    address: Annotated[str, typer.Option("--address", help="Адрес (по умолчанию только этот компьютер)")] = "127.0.0.1",
) -> None:
    """Запустить панель (Streamlit) на этом компьютере; для сети школы — ejournal serve (HTTPS)."""
    from cli.serve import is_loopback, run_streamlit

    if not is_loopback(address):
        raise fail(
            f"ejournal dashboard открывает панель только на этом компьютере (адрес {address} — сетевой). "
            "Для сети школы запустите «ejournal serve»: он работает по HTTPS (docs/deploy.md).",
            EXIT_REFUSED,
        )
    run_streamlit(_db(db), address, port)


def _demo_exports(out: Path, years: int) -> list[Path]:
    """The demo's export folders, oldest first: out itself (one year) or its year folders «2023-2024» …"""
    if years == 1:
        return [out]
    pattern = re.compile(r"^\d{4}-\d{4}$")
    found = sorted(p for p in out.iterdir() if pattern.match(p.name)) if out.is_dir() else []
    return found[-years:]


def _demo_written(out: Path, years: int) -> bool:
    """The demo export is already there: export.csv in each folder of _demo_exports."""
    folders = _demo_exports(out, years)
    return len(folders) == years and all((p / "export.csv").exists() for p in folders)


@app.command()
def demo(
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", help="Папка для выгрузки демо-школы")] = Path("var/demo-export"),
    pupils: Annotated[int, typer.Option("--pupils", min=10)] = 1000,
    port: Annotated[int, typer.Option("--port")] = 8501,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Запустить панель после загрузки")] = True,
    years: Annotated[int, typer.Option("--years", min=1, max=5, help="Учебных лет (выгрузка на каждый)")] = 3,
    trouble: Annotated[
        bool, typer.Option("--trouble/--no-trouble", help="Заложить типичные нарушения, чтобы страницам было что найти")
    ] = True,
) -> None:
    """Сгенерировать демо-школу, загрузить её и запустить панель."""
    from cli.loading import print_result
    from data_samples.generator import generate_school
    from pipelines.ingest import ingest_path

    path = _db(db)
    if not _demo_written(out, years):
        console.print(f"Генерирую демо-школу ({pupils} учеников, учебных лет: {years}) в {out} …")
        generate_school(out, seed=42, n_pupils=pupils, years=years, trouble=trouble)
    console.print(f"Загружаю выгрузку в {path} …")
    results = [
        result
        for folder in _demo_exports(out, years)
        for result in ingest_path(folder, path, norms=load_norms(), run_by=environment().run_by)
    ]
    for result in results:
        print_result(result, 10)
        if result.status == "refused":
            raise fail("демо-выгрузка не загрузилась", EXIT_REFUSED)
    status(db=path)
    console.print("Формирую «Итоги успеваемости класса» за последний период каждого класса …")
    report(
        "results",
        class_name=None,
        period=None,
        fmt="pdf,xlsx",
        out=environment().home / "reports" / "documents",
        db=path,
    )
    from cli.demo_accounts import demo_accounts

    accounts = Table(title="Демо-учётные записи (пароли действуют до следующего make demo)")
    for header in ("Логин", "Роль", "Пароль"):
        accounts.add_column(header)
    for row in demo_accounts(path, environment().access_db):
        accounts.add_row(*row)
    console.print(accounts)
    if serve:
        console.print(
            f"\n[bold green]Панель:[/] откройте http://127.0.0.1:{port} в браузере и войдите под одной из "
            "учётных записей выше. Остановить — Ctrl+C."
        )
        dashboard(db=path, port=port)


@app.command()
def report(
    kind: Annotated[
        str,
        typer.Argument(
            help="Документ (results, ledger, attendance, attendance-ledger, preliminary, class-teacher …) "
            "или all — весь набор по всем классам школы"
        ),
    ],
    class_name: Annotated[
        str | None, typer.Option("--class", help="Класс, например 7А (без него — все классы)")
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Период, например «1 четверть» (без него — последний)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="pdf, xlsx или pdf,xlsx")] = "pdf,xlsx",
    out: Annotated[Path, typer.Option("--out", help="Папка для документов")] = Path("var/reports/documents"),
    workers: Annotated[int, typer.Option("--workers", min=1, help="Процессов для отрисовки (по умолчанию 2)")] = 2,
    school: Annotated[str | None, typer.Option("--school", help="Школа (ид), если в хранилище их несколько")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="journal-printout: предмет (без него — все предметы класса)")
    ] = None,
    pupil: Annotated[str | None, typer.Option("--pupil", help="parent-statement: ид ученика")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="parent-statement: с даты ДД.ММ.ГГГГ")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="parent-statement: по дату ДД.ММ.ГГГГ")] = None,
    week: Annotated[
        str | None, typer.Option("--week", help="journal-analysis: любой день недели ДД.ММ.ГГГГ (без него — последняя)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Сформировать официальный документ (PDF/A и XLSX) для класса или для всей школы.

    results — итоги успеваемости класса за учебный период
    ledger — сводная ведомость учета успеваемости обучающихся класса
    attendance — отчет о посещаемости класса (за период и по месяцам)
    attendance-ledger — сводная ведомость учета посещаемости
    preliminary — предварительный отчет классного руководителя
    class-teacher — отчет классного руководителя за учебный период
    movement — сводная ведомость учета движения учащихся класса
    mark-changes — отчет об изменениях оценок
    control-works — результаты контрольных работ
    journal-printout — архивная копия журнала класса по предмету (--subject)
    parent-statement — выписка для родителей (--pupil --from --to, или по всем ученикам --class)
    occupancy, movement-dynamics — наполняемость классов и динамика движения по школе (--period)
    journal-analysis — анализ ведения журнала за неделю (--week)
    all — первые шесть по всем классам школы (в нескольких процессах)
    """

    from ejournal.access.accounts import Role
    from ejournal.access.audit import log_event
    from ejournal.access.viewer import Viewer
    from report_templates.catalogue import CATALOGUE, SCHOOL_SET
    from report_templates.document_norms import DocumentNorms
    from report_templates.school_set import Failure, render_many
    from warehouse.class_period import classes_with_period, latest_periods
    from warehouse.db import connect

    if kind != "all" and kind not in CATALOGUE:
        raise fail(f"неизвестный документ «{kind}»; есть: {', '.join(CATALOGUE)}, all", EXIT_REFUSED)
    if kind != "all" and CATALOGUE[kind].needs != ("class", "period"):
        _other_document(kind, class_name, period, fmt, out, school, subject, pupil, date_from, date_to, week, db)
        return
    formats = _formats(fmt)
    path = _existing_db(db)
    try:
        norms = DocumentNorms.of(load_norms())
    except (OSError, ValueError) as error:
        raise fail(f"не удалось прочитать нормы школы: {error}") from None
    env = environment()
    with connect(path, read_only=True) as con:
        school = _chosen_school(con, school)
        # The command line is the school's operator: it acts with the deputy director's scope.
        viewer = Viewer(f"cli:{env.run_by}", Role.DEPUTY, school)
        if period:
            classes = classes_with_period(con, school, period)
            if not classes:
                raise fail(f"нет периода «{period}» ни у одного класса в хранилище", EXIT_REFUSED)
            pairs = [(c, period) for c in classes]
        else:
            pairs = latest_periods(con, school)
    if class_name:
        pairs = [(c, p) for c, p in pairs if c == class_name]
        if not pairs:
            raise fail(f"нет класса «{class_name}»" + (f" с периодом «{period}»" if period else ""), EXIT_REFUSED)
    if not pairs:
        raise fail("в хранилище нет ни одного класса с учебным периодом: загрузите выгрузку школы", EXIT_REFUSED)
    kinds = SCHOOL_SET if kind == "all" else [kind]
    targets = [(k, c, p) for c, p in pairs for k in kinds]
    done, failed = [], []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("Документы", total=len(targets))
        for result in render_many(path, viewer, targets, out, formats, norms, workers=workers):
            (failed if isinstance(result, Failure) else done).append(result)
            bar.update(task, advance=1, description=plain(f"{result.class_name}, {CATALOGUE[result.kind].title[:40]}"))
    log_event(
        env.access_db, "report", viewer.login, object_text=kind, details={"documents": len(done), "failed": len(failed)}
    )
    for item in sorted(done, key=lambda r: (r.class_name, r.kind)):
        console.print(
            plain(f"{item.class_name}, {item.period_name}, {CATALOGUE[item.kind].title}: ")
            + plain(", ".join(str(p) for p in item.paths)),
            soft_wrap=True,
        )
    for item in failed:
        err.print(
            f"[red]не сформирован[/] {CATALOGUE[item.kind].title}, "
            + plain(f"{item.class_name}, {item.period_name}: {item.message}")
        )
    if failed:
        raise typer.Exit(EXIT_REFUSED if len(failed) == len(targets) else EXIT_REJECTED)


def _formats(fmt: str) -> list[str]:
    formats = [f.strip() for f in fmt.split(",") if f.strip()]
    if not formats or set(formats) - {"pdf", "xlsx"}:
        raise fail("--format: pdf, xlsx или pdf,xlsx", EXIT_REFUSED)
    return formats


def _existing_db(db: Path | None) -> Path:
    path = _db(db)
    if not path.exists():
        raise fail(f"хранилище {path} ещё не создано")
    return path


def _chosen_school(con, school: str | None) -> str:
    """The school a document is about: the one asked for, or the only one in the warehouse."""
    from warehouse.queries import school_ids

    schools = school_ids(con)
    if not schools:
        raise fail("в хранилище нет ни одной школы: сначала загрузите выгрузку (ejournal ingest)", EXIT_REFUSED)
    if school is None and len(schools) > 1:
        raise fail(f"в хранилище несколько школ, укажите одну: --school {' | '.join(schools)}", EXIT_REFUSED)
    if school is not None and school not in schools:
        raise fail(f"нет школы «{school}» в хранилище; есть: {', '.join(schools)}", EXIT_REFUSED)
    return school or schools[0]


def _day(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise fail(f"{option}: ожидается дата ДД.ММ.ГГГГ, а не «{text}»", EXIT_REFUSED) from None


def _other_document(kind, class_name, period, fmt, out, school, subject, pupil, date_from, date_to, week, db) -> None:
    """The documents that are not one class in one period (a subject's journal, a pupil's
    statement, the school's documents for a period or a week): one call, chosen by what the
    catalogue entry needs."""
    from ejournal.access.accounts import AccessError, Role
    from ejournal.access.audit import log_event
    from ejournal.access.viewer import Viewer
    from report_templates.catalogue import CATALOGUE
    from report_templates.choices import Choice
    from report_templates.output import write
    from warehouse.class_period import latest_periods
    from warehouse.db import connect
    from warehouse.queries import school_and_last_day

    needs = CATALOGUE[kind].needs
    formats = _formats(fmt)
    path = _existing_db(db)
    env = environment()
    out.mkdir(parents=True, exist_ok=True)
    with connect(path, read_only=True) as con:
        viewer = Viewer(f"cli:{env.run_by}", Role.DEPUTY, _chosen_school(con, school))
        latest = dict(latest_periods(con, viewer.school_id))
        period = period or (latest.get(class_name) if class_name else next(iter(latest.values()), None))
        try:
            if "pupil" in needs and pupil:
                start, end = _day(date_from, "--from"), _day(date_to, "--to")
                if not start or not end or start > end:
                    raise fail(f"{kind}: нужны --from и --to (ДД.ММ.ГГГГ, --from не позже --to)", EXIT_REFUSED)
                asked = Choice(class_name, period, pupil_id=pupil, start=start, end=end)
            elif "pupil" in needs:
                if not class_name or not period:
                    raise fail(f"{kind}: нужен --pupil с --from/--to или --class (все ученики)", EXIT_REFUSED)
                asked = Choice(class_name, period)
            elif "week" in needs:
                day = _day(week, "--week") or school_and_last_day(con, viewer)[1]
                if day is None:
                    raise fail(f"{kind}: в хранилище нет ни одного урока школы — анализировать нечего", EXIT_REFUSED)
                asked = Choice(day=day)
            elif "class" in needs:
                if not class_name or not period:
                    raise fail(f"{kind}: нужны --class и --period", EXIT_REFUSED)
                asked = Choice(class_name, period, subject_name=subject)
            else:
                if not period:
                    raise fail(f"{kind}: нужен --period", EXIT_REFUSED)
                asked = Choice(class_name, period)
            done = write(con, viewer, kind, asked, out, formats)
        except (AccessError, LookupError, ValueError) as error:
            raise fail(str(error), EXIT_REFUSED) from None
    if not done.paths:  # a subject's journal of a class without lessons
        whose = ", ".join(f"«{part}»" for part in (done.class_name, done.period_name) if part)
        raise fail(f"{kind}: нет данных для документа ({whose}) — не составлен ни один файл", EXIT_REFUSED)
    log_event(env.access_db, "report", viewer.login, object_text=kind, details={"files": len(done.paths)})
    console.print(
        plain(f"{done.class_name}, {done.period_name}: " + ", ".join(str(p) for p in done.paths)), soft_wrap=True
    )


@app.command()
def presentation(
    period: Annotated[str, typer.Option("--period", help="Период, например «2 четверть»")],
    out: Annotated[Path, typer.Option("--out", help="Папка для презентации")] = Path("var/reports/presentation"),
    year: Annotated[str | None, typer.Option("--year", help="Учебный год ГГГГ/ГГГГ (без него — последний)")] = None,
    school: Annotated[str | None, typer.Option("--school", help="Школа (ид), если в хранилище их несколько")] = None,
    db: DbOption = None,
) -> None:
    """Презентация для родительского совета (PDF 16:9 и XLSX): итоги периода без имён, малые группы скрыты."""
    from ejournal.access.accounts import AccessError, Role
    from ejournal.access.audit import log_event
    from ejournal.access.viewer import Viewer
    from report_templates.presentation import context, render
    from warehouse.db import connect

    path = _existing_db(db)
    env = environment()
    with connect(path, read_only=True) as con:
        # The deck goes to parents: it is built as the director sees the school (small groups hidden).
        viewer = Viewer(f"cli:{env.run_by}", Role.DIRECTOR, _chosen_school(con, school))
        try:
            deck = context.build(con, viewer, period, load_norms(), year=year)
        except AccessError as error:
            raise fail(str(error), EXIT_REFUSED) from None
    stem = render.file_stem(deck)
    written = [render.pdf(deck, out / f"{stem}.pdf"), render.xlsx(deck, out / f"{stem}.xlsx")]
    log_event(env.access_db, "report", viewer.login, object_text="presentation", details={"period": period})
    for item in written:
        console.print(plain(item), soft_wrap=True)


register_access_commands(app)
register_lake_commands(app)
register_watch_commands(app)
register_serve_commands(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
