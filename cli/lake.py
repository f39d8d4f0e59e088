"""CLI commands for the regional scale: `ejournal lake export` and `ejournal warehouse build`."""

from __future__ import annotations

import re
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.console import EXIT_REFUSED, console, fail, plain
from ejournal.errors import first_line
from ejournal.formatting import thousands
from ejournal.settings import environment

lake_app = typer.Typer(help="Озеро Parquet для региона: таблицы хранилища по годам и регионам.")
warehouse_app = typer.Typer(help="Сборка моделей хранилища на DuckDB или Apache Spark над озером.")


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


def _print_counts(title: str, counts: dict[str, int]) -> None:
    table = Table(title=title)
    table.add_column("Таблица")
    table.add_column("Строк", justify="right")
    for name, rows in counts.items():
        table.add_row(name, thousands(rows))
    console.print(table)


@lake_app.command("export")
def lake_export(
    out: Annotated[
        Path, typer.Option("--out", help="Папка озера (локальная, общий диск или смонтированная корзина S3)")
    ],
    db: Annotated[Path | None, typer.Option("--db", help="Файл хранилища DuckDB")] = None,
    marts: Annotated[bool, typer.Option("--marts/--no-marts", help="Выгрузить и витрины mart_*")] = False,
    school: Annotated[
        list[str] | None, typer.Option("--school", help="Только эта школа (ид; можно несколько раз)")
    ] = None,
) -> None:
    """Выгрузить таблицы src_* хранилища в озеро: ТАБЛИЦА/year=ГГГГ/region_id=Р/, по школе и дате.

    Строки выгружаемых школ в озере заменяются, строки других школ остаются: каждая школа может
    выгружать в общее озеро региона из своего хранилища."""
    from warehouse.db import connect
    from warehouse.lake import LakeError, export_warehouse, school_token

    path = db or environment().db_path
    if not path.exists():
        raise fail(f"хранилище {path} не найдено: сначала загрузите выгрузку (ejournal ingest)", EXIT_REFUSED)
    try:
        with connect(path, read_only=True) as con:
            counts = export_warehouse(con, out, ("src_", "mart_") if marts else ("src_",), schools=school or None)
            schools = school or [s for (s,) in con.execute("select school_id from src_school order by 1").fetchall()]
    except LakeError as error:
        raise fail(str(error), EXIT_REFUSED) from None
    _print_counts(f"Озеро {out}", counts)
    for school_id in schools:
        console.print(plain(f"Школа {school_id}: файлы school-{school_token(school_id)}*.parquet"), soft_wrap=True)


@warehouse_app.command("build")
def warehouse_build(
    lake: Annotated[
        str,
        typer.Option(
            "--lake", help="Озеро с таблицами src_* (ejournal lake export): папка; для Spark — и s3a://…, hdfs://…"
        ),
    ],
    engine: Annotated[Engine, typer.Option("--engine", help="duckdb или spark")] = Engine.duckdb,
    master: Annotated[
        str, typer.Option("--master", help="Spark: local[2], spark://ХОСТ:7077 или k8s://https://…")
    ] = "local[2]",
    shuffle_partitions: Annotated[int, typer.Option("--shuffle-partitions", help="Spark: число разделов")] = 2,
    memory: Annotated[
        str | None,
        typer.Option("--memory", help="Предел памяти: DuckDB (сверх него — на диск) или драйвера Spark, например 4GB"),
    ] = None,
) -> None:
    """Собрать модели над озером и записать витрины mart_* обратно в озеро."""
    from warehouse.lake import MANIFEST, LakeError
    from warehouse.spark_build import build_on_duckdb, build_on_spark, local_folder, spark_session

    folder = local_folder(lake)
    if folder is None and engine is Engine.duckdb:
        raise fail(
            f"{lake}: DuckDB собирает над папкой (смонтируйте корзину) или используйте --engine spark", EXIT_REFUSED
        )
    if folder is not None and not (folder / MANIFEST).exists():
        raise fail(f"{lake}: это не озеро (нет файла {MANIFEST}); создайте его: ejournal lake export", EXIT_REFUSED)
    started = time.perf_counter()
    try:
        if engine is Engine.duckdb:
            counts = build_on_duckdb(folder, memory_limit=_memory_size(memory) if memory else None)
        else:
            spark = spark_session(
                master, shuffle_partitions=shuffle_partitions, memory=_spark_memory(memory) if memory else "1g"
            )
            try:
                counts = build_on_spark(spark, lake)
            finally:
                spark.stop()
    except (LakeError, ValueError) as error:
        raise fail(str(error), EXIT_REFUSED) from None
    except Exception as error:  # a Java exception through py4j: its first line, and what to do
        if not type(error).__module__.startswith(("py4j", "pyspark")):
            raise
        reason = first_line(error)
        hint = ""
        if "No FileSystem for scheme" in str(error):
            hint = "; для s3a:// нужен модуль hadoop-aws (spark.jars.packages), см. docs/lake.md"
        raise fail(f"Spark: сборка не удалась ({reason}){hint}") from None
    _print_counts(f"Модели на {engine.value}, {time.perf_counter() - started:.1f} с", counts)


def _memory_size(text: str) -> str:
    """«4GB», «512MB» (DuckDB's spelling); anything else is refused."""
    value = text.strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d+(KB|MB|GB|TB)", value):
        raise fail(f"--memory: ожидается размер вроде 512MB или 4GB, а не «{text}»", EXIT_REFUSED)
    return value


def _spark_memory(text: str) -> str:
    """«4GB» → «4g», as Spark spells a size."""
    return _memory_size(text).removesuffix("B").lower()


def register(app: typer.Typer) -> None:
    app.add_typer(lake_app, name="lake")
    app.add_typer(warehouse_app, name="warehouse")
