"""CLI commands for access and personal data: users, audit, forget, backup, restore."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import duckdb
import polars as pl
import typer
from rich.table import Table

from cli.console import EXIT_REFUSED, console, fail, plain
from ejournal.access.accounts import (
    ROLE_TITLES,
    SCHOOL_ROLES,
    AccessError,
    AccountStore,
    Role,
    generate_password,
    region_text,
    school_required,
)
from ejournal.access.audit import log_event, read_events
from ejournal.errors import named
from ejournal.settings import environment
from ejournal.xlsx import frame_to_xlsx
from warehouse.db import WarehouseBusyError

users_app = typer.Typer(
    help="Учётные записи панели: добавить, изменить роль, список, отключить, сбросить пароль, импорт учителей."
)

ROLE_HELP = "Роль: " + ", ".join(f"{r.value} ({r.title})" for r in Role)


def _store() -> AccountStore:
    return AccountStore(environment().access_db)


def _actor() -> str:
    return f"cli:{environment().run_by}"


RoleOption = Annotated[Role, typer.Option("--role", help=ROLE_HELP)]
TeacherOption = Annotated[str | None, typer.Option("--teacher-id", help="Ид учителя из выгрузки")]
SchoolOption = Annotated[
    str | None,
    typer.Option(
        "--school-id",
        help="Ид школы из выгрузки: обязателен для всех ролей школы (директор, заместитель, учителя, "
        "родительский совет); если в хранилище одна школа, берётся она",
    ),
]
RegionOption = Annotated[
    str | None, typer.Option("--region", help="Код региона, как в выгрузке (для роли region, обязательно)")
]
MunicipalityOption = Annotated[
    str | None, typer.Option("--municipality", help="Муниципалитет, как в выгрузке (для роли region)")
]


@users_app.command("add")
def users_add(
    login: str,
    role: RoleOption,
    name: Annotated[str, typer.Option("--name", help="Имя для подписи в панели")] = "",
    teacher_id: TeacherOption = None,
    school_id: SchoolOption = None,
    region_id: RegionOption = None,
    municipality: MunicipalityOption = None,
) -> None:
    """Добавить пользователя; временный пароль печатается один раз.

    Сотрудник школы всегда принадлежит одной школе (--school-id) и видит только её.
    """
    password = generate_password()
    if role in SCHOOL_ROLES and not school_id:
        school_id = _the_only_school(role)
    try:
        _store().add(
            login,
            name or login,
            role,
            password,
            school_id=school_id,
            teacher_id=teacher_id,
            region_id=region_id,
            municipality=municipality,
            actor=_actor(),
        )
    except AccessError as error:
        raise fail(str(error)) from None
    console.print(
        f"Пользователь [bold]{login}[/] ({role.title}) добавлен. Временный пароль: [bold]{password}[/]", soft_wrap=True
    )


@users_app.command("assign")
def users_assign(
    login: str,
    role: RoleOption,
    teacher_id: TeacherOption = None,
    school_id: SchoolOption = None,
    region_id: RegionOption = None,
    municipality: MunicipalityOption = None,
) -> None:
    """Изменить роль пользователя и то, к чему он привязан (школа, учитель, регион).

    Открытые сеансы этого пользователя заканчиваются при следующем действии в панели."""
    if role in SCHOOL_ROLES and not school_id:
        school_id = _the_only_school(role)
    store = _store()
    account = store.find(login)
    if account is None:
        raise fail(f"пользователя «{login}» нет (список — ejournal users list)")
    try:
        store.assign(
            account.login,
            role,
            school_id=school_id,
            teacher_id=teacher_id,
            region_id=region_id,
            municipality=municipality,
            actor=_actor(),
        )
    except AccessError as error:
        raise fail(str(error)) from None
    console.print(f"Пользователь [bold]{plain(login)}[/] теперь: {role.title}", soft_wrap=True)


def _the_only_school(role: Role) -> str:
    """The school of a single-school warehouse, said aloud; otherwise a refusal naming the choices."""
    from warehouse.db import connect
    from warehouse.queries import school_ids

    path = environment().db_path
    schools: list[str] = []
    if path.exists():
        with connect(path, read_only=True) as con:
            schools = school_ids(con)
    if len(schools) != 1:
        choices = f"; в хранилище: {', '.join(schools)}" if schools else ""
        raise fail(school_required(role) + choices)
    console.print(f"Школа: {plain(schools[0])} (единственная в хранилище)", soft_wrap=True)
    return schools[0]


@users_app.command("list")
def users_list() -> None:
    """Список пользователей."""
    table = Table(title="Пользователи")
    for header in ("Логин", "Имя", "Роль", "Школа", "Ид учителя", "Регион", "Отключён", "Заблокирован до"):
        table.add_column(header, overflow="fold")
    for a in _store().list():
        locked = a.locked_until.strftime("%d.%m.%Y %H:%M") if a.locked_until else ""
        table.add_row(
            plain(a.login),
            plain(a.display_name),
            a.role.title,
            plain(a.school_id or ""),
            plain(a.teacher_id or ""),
            plain(region_text(a)),
            "да" if a.is_disabled else "нет",
            locked,
        )
    console.print(table)


@users_app.command("disable")
def users_disable(login: str) -> None:
    """Отключить пользователя (вход невозможен)."""
    try:
        _store().set_disabled(login, True, actor=_actor())
    except AccessError as error:
        raise fail(str(error)) from None
    console.print(f"Пользователь {login} отключён")


@users_app.command("enable")
def users_enable(login: str) -> None:
    """Снова разрешить вход."""
    try:
        _store().set_disabled(login, False, actor=_actor())
    except AccessError as error:
        raise fail(str(error)) from None
    console.print(f"Пользователь {login} включён")


@users_app.command("reset")
def users_reset(login: str) -> None:
    """Сбросить пароль (и блокировку); новый временный пароль печатается один раз."""
    password = generate_password()
    try:
        _store().reset_password(login, password, actor=_actor())
    except AccessError as error:
        raise fail(str(error)) from None
    console.print(f"Временный пароль для {login}: [bold]{password}[/] (сменить при первом входе)", soft_wrap=True)


@users_app.command("import")
def users_import(
    db: Annotated[Path | None, typer.Option("--db", help="Хранилище, из которого взять учителей")] = None,
) -> None:
    """Создать учётные записи учителей из загруженной выгрузки (классным руководителям — их роль)."""
    from warehouse.db import connect

    path = db or environment().db_path
    if not path.exists():
        raise fail(f"хранилище {path} ещё не создано")
    with connect(path, read_only=True) as con:
        teachers = con.execute(
            "select t.school_id, t.teacher_id, t.full_name, "
            "exists (select 1 from dim_class as c where c.school_id = t.school_id and c.class_teacher_id = t.teacher_id) "
            "from dim_teacher as t order by t.school_id, t.teacher_id"
        ).fetchall()
    store, created = _store(), []
    existing = {a.login for a in store.list()}
    for school_id, teacher_id, name, is_class_teacher in teachers:
        login = teacher_id.lower().replace("_", "-")
        if login in existing:
            continue
        role = Role.CLASS_TEACHER if is_class_teacher else Role.TEACHER
        password = generate_password()
        store.add(login, name, role, password, school_id=school_id, teacher_id=teacher_id, actor=_actor())
        created.append((login, role.title, password))
    table = Table(title=f"Создано учётных записей: {len(created)} (пароли показаны один раз)")
    for header in ("Логин", "Роль", "Временный пароль"):
        table.add_column(header, overflow="fold")
    for row in created:
        table.add_row(*row)
    console.print(table)


def audit(
    since: Annotated[str | None, typer.Option("--since", help="С даты ДД.ММ.ГГГГ")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Записать журнал в XLSX")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
) -> None:
    """Журнал действий: входы, просмотры, скачивания, управление пользователями, удаления."""
    start = dt.datetime.strptime(since, "%d.%m.%Y") if since else None
    events = read_events(environment().access_db, since=start, limit=100_000 if out else limit)
    rows = [event.as_row({"role": ROLE_TITLES}) for event in events]
    if out:
        out.write_bytes(frame_to_xlsx(pl.DataFrame(rows), "Журнал"))
        console.print(f"Журнал ({len(rows)} записей) записан в {out}")
        return
    table = Table(title="Журнал действий (последние записи)")
    for header in ("№", "Когда", "Кто", "Роль", "Событие", "Объект", "Подробности"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*[plain(v) for v in row.values()])
    console.print(table)


def forget(
    pupil_id: Annotated[str, typer.Argument(help="Ид ученика (как в выгрузке)")],
    school_id: Annotated[str, typer.Option("--school", help="Ид школы")],
    db: Annotated[Path | None, typer.Option("--db")] = None,
    lake: Annotated[
        Path | None,
        typer.Option("--lake", help="Удалить и из озера региона (по умолчанию $EJOURNAL_LAKE, если задано)"),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Не спрашивать подтверждения")] = False,
) -> None:
    """Удалить все данные ученика (отзыв согласия или выбытие, 152-ФЗ).

    Удаление сначала записывается (ключевой хеш и событие журнала), потом выполняется по шагам;
    если его прервать, повторите команду — она доделает начатое (доделает и следующая загрузка).
    """
    from warehouse import lake as parquet_lake
    from warehouse.privacy import Places, UnknownPupil, forget_pupil

    env = environment()
    path = db or env.db_path
    lake = lake or env.lake_path
    if not path.exists():
        raise fail(f"хранилище {path} ещё не создано")
    if lake is not None and not (lake / parquet_lake.MANIFEST).exists():
        raise fail(f"{lake}: это не озеро (нет файла {parquet_lake.MANIFEST}); ученик не удалён", EXIT_REFUSED)
    if not yes and not typer.confirm(f"Удалить все данные ученика {pupil_id} безвозвратно?"):
        raise typer.Exit(1)
    try:
        report = forget_pupil(Places.of(path, lake), school_id, pupil_id, _actor())
    except UnknownPupil as error:
        raise fail(str(error), EXIT_REFUSED) from None
    except WarehouseBusyError:
        raise fail(f"{_UNFINISHED}: хранилище занято другим процессом. Повторите команду") from None
    except parquet_lake.LakeError as error:
        raise fail(f"{_UNFINISHED}: озеро: {error}. Повторите команду") from None
    except (OSError, duckdb.Error) as error:
        raise fail(f"{_UNFINISHED} ({named(error)}). Повторите команду") from None
    before = "Удаление этого ученика уже было записано; доделано и проверено. " if report.already_done else ""
    console.print(
        f"{before}Удалено строк: {report.total_rows} (таблиц: {len(report.rows_by_table)}), "
        f"документов: {report.files_removed}, выгрузок в папке входящих: {report.exports_removed}, "
        f"резервных копий с учеником: {report.backups_removed}"
        + (" (вместо них сделана новая копия)" if report.backups_removed else "")
        + ". Ученик не будет загружен и из старых выгрузок.",
        soft_wrap=True,
        markup=False,
    )


_UNFINISHED = "удаление записано, но не доделано"


def backup_command(
    db: Annotated[Path | None, typer.Option("--db")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Папка копий (по умолчанию var/backups)")] = None,
    keep: Annotated[int, typer.Option("--keep", min=1, help="Сколько последних копий хранить")] = 7,
) -> None:
    """Резервная копия хранилища (Parquet + опись с контрольными суммами)."""
    from ejournal.access.forgotten import remember_folder
    from warehouse.backup import backup

    env = environment()
    path = db or env.db_path
    if not path.exists():
        raise fail(f"хранилище {path} ещё не создано")
    root = out or env.home / "backups"
    try:
        _finish_pending_forgets(path)
        info = backup(path, root, keep=keep)
    except WarehouseBusyError:
        raise fail("хранилище занято загрузкой; повторите после её окончания") from None
    remember_folder(env.access_db, "backups", root)  # `forget` searches it
    log_event(env.access_db, "backup", _actor(), object_text=info.folder.name, details={"rows": info.n_rows})
    console.print(
        f"Копия: [bold]{info.folder}[/] — таблиц {info.n_tables}, строк {info.n_rows}, {info.n_bytes / 1024**2:.1f} МБ"
    )


def restore_command(
    folder: Annotated[Path, typer.Argument(help="Папка резервной копии")],
    db: Annotated[Path | None, typer.Option("--db")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Не спрашивать подтверждения")] = False,
) -> None:
    """Восстановить хранилище из копии (копия проверяется целиком до замены)."""
    from warehouse.backup import BackupError, restore
    from warehouse.privacy import reapply_forgets

    env = environment()
    path = db or env.db_path
    if not yes and not typer.confirm(f"Заменить {path} содержимым копии {folder}?"):
        raise typer.Exit(1)
    removed = 0

    def forget_again(fresh: Path) -> None:
        nonlocal removed
        removed = reapply_forgets(fresh, env.access_db)

    try:
        if path.exists():
            _finish_pending_forgets(path)
        info = restore(folder, path, prepare=forget_again)
    except BackupError as error:
        raise fail(f"{error}. Текущее хранилище не изменено.", EXIT_REFUSED) from None
    except WarehouseBusyError:
        raise fail("хранилище занято другим процессом; повторите позже. Текущее хранилище не изменено.") from None
    details = {"rows": info.n_rows, "forgotten_again": removed}
    log_event(env.access_db, "restore", _actor(), object_text=folder.name, details=details)
    console.print(f"Восстановлено из {folder}: таблиц {info.n_tables}, строк {info.n_rows}")
    if removed:
        console.print(f"Удалено учеников, удалённых по 152-ФЗ после этой копии: {removed}")


def _finish_pending_forgets(path: Path) -> None:
    """A forget interrupted by a crash is finished before anything else writes or copies the warehouse."""
    from warehouse.privacy import Places, finish_pending_forgets

    if finish_pending_forgets(Places.of(path), _actor()):
        console.print("Доделано прерванное удаление ученика (152-ФЗ).")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("audit")(audit)
    app.command("forget")(forget)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
