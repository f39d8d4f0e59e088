"""Build the warehouse models on Apache Spark (or on DuckDB) over the Parquet lake.

Both engines read the same ``src_*`` tables of the lake and run the same models: DuckDB SQL as
written, Spark SQL through :mod:`warehouse.portability` (sqlglot, or a hand-written variant).
Each model is materialised (Spark: checkpointed, then counted; DuckDB: a table of a scratch
database file, so a region larger than memory spills to disk) before the models that read it run;
the marts are written back to the lake whole, partitioned like the sources, for DuckDB to read.
A build holds the lake's lock: a school's export waits for it rather than change the sources
under it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ejournal.files import sql_path
from warehouse import db, lake, portability

if TYPE_CHECKING:  # pyspark is imported only when Spark is used
    from pyspark.sql import DataFrame, SparkSession

MART_PREFIX = ("mart_",)


def spark_session(master: str = "local[2]", *, shuffle_partitions: int = 2, memory: str = "1g") -> SparkSession:
    """A Spark session for the build: UTC session time zone (timestamps of the lake carry none),
    partition values read as text (region «050» stays «050»), no web UI."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master)
        .appName("ejournal-warehouse")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.parquet.int96RebaseModeInWrite", "CORRECTED")
        .config("spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED")
        .config("spark.driver.memory", memory)
        .config("spark.rdd.compress", "true")  # checkpointed models on disk: a region's would fill it raw
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _empty_select(layout: lake.TableLayout) -> str:
    return "select " + ", ".join(f"cast(null as {_spark_type(t)}) as `{c}`" for c, t in layout.columns) + " limit 0"


def _spark_type(duckdb_type: str) -> str:
    """The Spark SQL type a lake column of a DuckDB type is read as."""
    unsigned = {"UBIGINT": "DECIMAL(20,0)", "HUGEINT": "DECIMAL(38,0)", "UINTEGER": "BIGINT", "USMALLINT": "INT"}
    if duckdb_type.upper() in unsigned:
        return unsigned[duckdb_type.upper()]
    return portability.transpile(f"select cast(null as {duckdb_type})").split(" AS ", 1)[1].rstrip(")")


def register_lake(spark: SparkSession, lake_path: Path, prefixes: tuple[str, ...] = ("src_",)) -> list[str]:
    """A temporary view per lake table (columns and types of the warehouse, partition columns off)."""
    layouts = {n: t for n, t in lake.read_manifest(lake_path).items() if n.startswith(prefixes)}
    if not layouts:
        raise lake.LakeError(f"в озере {lake_path} нет таблиц {', '.join(p + '*' for p in prefixes)}")
    for name, layout in layouts.items():
        folder = Path(lake_path) / name
        if lake.parquet_glob(lake_path, name) is None:
            frame = spark.sql(_empty_select(layout))
        else:
            # files of an older program version may lack a newer column: merged schema, null there
            raw = spark.read.option("basePath", str(folder)).option("mergeSchema", "true").parquet(str(folder))
            frame = raw.selectExpr(*(f"cast(`{c}` as {_spark_type(t)}) as `{c}`" for c, t in layout.columns))
        frame.createOrReplaceTempView(name)
    return sorted(layouts)


def _duckdb_type(spark_type: str) -> str:
    simple = spark_type.lower()
    mapping = {
        "string": "VARCHAR",
        "bigint": "BIGINT",
        "int": "INTEGER",
        "smallint": "SMALLINT",
        "tinyint": "TINYINT",
        "double": "DOUBLE",
        "float": "FLOAT",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP WITH TIME ZONE",  # never made: the session type is NTZ
        "timestamp_ntz": "TIMESTAMP",
    }
    if simple.startswith("decimal"):
        return simple.upper()
    return mapping.get(simple, "VARCHAR")


def write_frame(spark: SparkSession, frame: DataFrame, name: str, lake_path: Path) -> int:
    """Write a Spark frame into the lake as table ``name`` (replaced whole); returns its rows."""
    layout = lake.TableLayout(name, tuple((f.name, _duckdb_type(f.dataType.simpleString())) for f in frame.schema))
    frame.createOrReplaceTempView(f"{name}__out")
    partitioned = spark.sql(portability.transpile(lake.partition_sql(layout, f"{name}__out")))
    staged = lake.staging_folder(lake_path, name)
    (
        partitioned.repartition("year", "region_id")
        .sortWithinPartitions("year", "region_id", *layout.sort_columns)  # the writer keeps an order it needs
        .write.partitionBy("year", "region_id")
        .option("compression", "zstd")
        .parquet(str(staged))
    )
    for marker in staged.glob("_SUCCESS"):
        marker.unlink()
    lake.replace_folder(staged, Path(lake_path) / name)
    lake.write_manifest(lake_path, [layout], "сборка Spark")
    return frame.count()


def duckdb_schemas(models: list[db.Model]) -> dict[str, list[tuple[str, str]]]:
    """Each model's output columns and DuckDB types, from a build over the empty source tables."""
    with duckdb.connect() as con:
        db.migrate(con)
        db.build_models(con, models=models)
        return {m.name: [(r[0], r[1]) for r in con.execute(f"describe {m.name}").fetchall()] for m in models}


def build_on_spark(
    spark: SparkSession,
    lake_path: Path,
    *,
    models: list[db.Model] | None = None,
    write_prefixes: tuple[str, ...] = MART_PREFIX,
    variants_dir: Path = portability.SPARK_VARIANTS_DIR,
) -> dict[str, int]:
    """Build every model on Spark from the lake's src_* tables; write the marts back. Rows per model.

    Each model stays registered as a persisted view of its name, so a caller (a test) can read
    it after the build."""
    from pyspark import StorageLevel

    models = models if models is not None else db.load_models()
    sqls = {m.name: portability.spark_sql(m, variants_dir) for m in models}  # refuse before any work
    schemas = duckdb_schemas(models)
    with lake.locked(lake_path):
        register_lake(spark, lake_path)
        counts: dict[str, int] = {}
        for model in models:
            # the DuckDB output types, so that both engines write the same schema (a decimal
            # literal makes Spark's division a decimal where DuckDB's is a double)
            typed = spark.sql(sqls[model.name]).selectExpr(
                *(f"cast(`{c}` as {_spark_type(t)}) as `{c}`" for c, t in schemas[model.name])
            )
            # a checkpoint cuts the plan: later models read the result, not a re-analysed query
            # tree, on the executors' disks, leaving their memory to the joins and aggregations
            frame = typed.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)
            counts[model.name] = frame.count()
            frame.createOrReplaceTempView(model.name)
        for model in models:
            if model.name.startswith(write_prefixes):
                write_frame(spark, spark.table(model.name), model.name, lake_path)
        return counts


def build_on_duckdb(
    lake_path: Path,
    *,
    models: list[db.Model] | None = None,
    write_prefixes: tuple[str, ...] = MART_PREFIX,
    con: duckdb.DuckDBPyConnection | None = None,
    memory_limit: str | None = None,
) -> dict[str, int]:
    """The same build on DuckDB: views over the lake's src_* tables, models, marts written back.

    Without ``con`` the models are tables of a scratch database file (deleted afterwards), so
    DuckDB keeps what does not fit in ``memory_limit`` (default: DuckDB's, 80 % of the memory)
    on disk instead of failing."""
    with lake.locked(lake_path), contextlib.ExitStack() as stack:
        if con is None:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ejournal-build-")))
            con = stack.enter_context(duckdb.connect(str(scratch / "build.duckdb")))
            con.execute(f"set temp_directory = '{sql_path(scratch / 'spill')}'")
            con.execute("set preserve_insertion_order = false")  # the lake is sorted when written
        if memory_limit:
            con.execute("set memory_limit = $limit", {"limit": memory_limit})
        lake.attach_lake(con, lake_path)
        counts = db.build_models(con, models=models)
        written = [name for name in counts if name.startswith(write_prefixes)]
        lake.replace_tables(con, lake_path, written, written_by="сборка DuckDB")
        return counts


def read_marts(con: duckdb.DuckDBPyConnection, lake_path: Path, prefixes: Iterable[str] = MART_PREFIX) -> list[str]:
    """Views over the marts of the lake, whichever engine built them."""
    return sorted(lake.attach_lake(con, lake_path, tuple(prefixes)))
