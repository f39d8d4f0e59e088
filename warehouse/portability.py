"""One set of models, two engines: the DuckDB SQL of a model and its Spark SQL.

Models are written once in DuckDB SQL and run on Spark SQL through sqlglot. Some constructs
transpile without an error into Spark SQL that means something else (an aggregate's ORDER BY
silently dropped, weekdays counted from Sunday instead of Monday, an exact percentile turned
into an approximate one, DuckDB-only syntax passed through verbatim). :func:`check_sql` walks a
model's syntax tree and names every such construct; a model that needs one keeps a hand-written
Spark variant beside it in ``warehouse/models/spark/<name>.sql``, and :func:`spark_sql` then
takes the variant instead of transpiling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from warehouse.db import MODELS_DIR, Model

SPARK_VARIANTS_DIR = MODELS_DIR / "spark"

# Date parts that mean the same in DuckDB and Spark; dow, isodow, doy, week, isoyear do not.
PORTABLE_DATE_PARTS = {"year", "quarter", "month", "day", "hour", "minute", "second"}
UNPORTABLE_DATE_PARTS = {"dow", "isodow", "doy", "week", "isoyear", "weekday", "yearweek", "dayofweek", "dayofyear"}
# A place where ORDER BY keeps its meaning: a query, a window, a set operation.
ORDER_BY_HOMES = (exp.Select, exp.Window, exp.Union, exp.Intersect, exp.Except, exp.Subquery)


@dataclass(frozen=True)
class Problem:
    """A construct of a model that transpiles to Spark SQL wrongly without an error."""

    rule: str
    snippet: str
    why: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.snippet} — {self.why}"


@dataclass(frozen=True)
class Rule:
    code: str
    why: str
    matches: Callable[[exp.Expression], bool]


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return ""


def _first_literal(node: exp.Expression) -> str:
    arg = node.expressions[0] if node.expressions else None
    return str(arg.name).lower() if isinstance(arg, exp.Literal) else ""


def _is_ordered_aggregate(node: exp.Expression) -> bool:
    return isinstance(node, exp.Order) and not isinstance(node.parent, ORDER_BY_HOMES)


def _is_weekday_part(node: exp.Expression) -> bool:
    if isinstance(node, exp.DayOfWeekIso):
        return True
    if isinstance(node, exp.Extract):
        return str(node.this.name).lower() in {"isodow", "dow", "weekday", "dayofweek"}
    if _function_name(node) in {"date_part", "datepart"}:
        return _first_literal(node) in {"isodow", "dow", "weekday", "dayofweek"}
    return False


def _is_other_date_part(node: exp.Expression) -> bool:
    if isinstance(node, exp.Extract):
        part = str(node.this.name).lower()
    elif _function_name(node) in {"date_part", "datepart"}:
        part = _first_literal(node)
    else:
        return False
    return part not in PORTABLE_DATE_PARTS and part not in {"isodow", "dow", "weekday", "dayofweek"}


def _is_list_length(node: exp.Expression) -> bool:
    if isinstance(node, exp.ArraySize):
        return True
    if isinstance(node, exp.Length):
        # DuckDB's len() is the length of a list or a string; Spark's length() only of a string.
        # Only the explicit length(text) is portable: len(...) is refused whatever its argument.
        return node.meta.get("source_name") == "len" or isinstance(node.this, (exp.Array, exp.ArrayAgg, exp.Split))
    return _function_name(node) in {"len", "array_length", "list_length"}


def _is_star_modifier(node: exp.Expression) -> bool:
    return isinstance(node, exp.Star) and any(
        node.args.get(key) for key in ("replace", "except", "except_", "rename", "ilike")
    )


def _is_asof_join(node: exp.Expression) -> bool:
    if not isinstance(node, exp.Join):
        return False
    return any(str(node.args.get(key) or "").upper() in {"ASOF", "POSITIONAL"} for key in ("method", "kind", "side"))


def _has_subquery_in_join_condition(node: exp.Expression) -> bool:
    condition = node.args.get("on") if isinstance(node, exp.Join) else None
    return condition is not None and condition.find(exp.Subquery, exp.Exists) is not None


def _is_series(node: exp.Expression) -> bool:
    return isinstance(node, (exp.GenerateSeries, exp.GenerateDateArray)) or _function_name(node) in {
        "range",
        "generate_series",
        "unnest",
    }


RULES: tuple[Rule, ...] = (
    Rule(
        "ordered_aggregate",
        "ORDER BY inside an aggregate (list, array_agg, string_agg, first ... order by) is dropped or not "
        "supported by Spark: the collected order becomes arbitrary",
        _is_ordered_aggregate,
    ),
    Rule(
        "weekday",
        "weekday numbers differ: DuckDB isodow counts from Monday = 1, dow from Sunday = 0, Spark's "
        "dayofweek from Sunday = 1; count days from a known Monday instead",
        lambda n: _is_weekday_part(n) or isinstance(n, exp.DayOfWeek),
    ),
    Rule(
        "week",
        "week numbering differs between DuckDB week()/weekofyear and Spark; use the week's Monday",
        lambda n: isinstance(n, (exp.Week, exp.WeekOfYear, exp.YearOfWeek, exp.YearOfWeekIso)),
    ),
    Rule(
        "date_part",
        "only year, quarter, month, day and time parts mean the same in both engines",
        lambda n: _is_other_date_part(n) or isinstance(n, exp.DayOfYear),
    ),
    Rule(
        "percentile",
        "an exact percentile (quantile_cont, percentile_cont ... within group) becomes Spark's approximate "
        "percentile or swaps its arguments",
        lambda n: isinstance(n, (exp.WithinGroup, exp.PercentileCont, exp.PercentileDisc, exp.Quantile)),
    ),
    Rule(
        "list_length",
        "len() of a list transpiles to Spark length(), which is defined for strings only",
        _is_list_length,
    ),
    Rule(
        "star_modifier",
        "* REPLACE / * EXCLUDE / * RENAME pass through verbatim and Spark cannot read them",
        _is_star_modifier,
    ),
    Rule("pivot", "DuckDB PIVOT has no Spark equivalent of the same shape", lambda n: isinstance(n, exp.Pivot)),
    Rule("asof_join", "ASOF and POSITIONAL joins do not exist in Spark", _is_asof_join),
    Rule(
        "series",
        "generate_series/range become Spark sequence(), which includes the end and returns an array",
        _is_series,
    ),
    Rule("columns", "COLUMNS(*) is DuckDB-only", lambda n: isinstance(n, exp.Columns)),
    Rule(
        "subquery_in_join",
        "Spark refuses a correlated scalar subquery inside a join condition; join the table instead",
        _has_subquery_in_join_condition,
    ),
    Rule("qualify", "QUALIFY is not Spark SQL", lambda n: isinstance(n, exp.Qualify)),
    Rule(
        "strftime",
        "format strings of strftime/strptime differ between the engines",
        lambda n: isinstance(n, (exp.TimeToStr, exp.StrToTime, exp.StrToDate)),
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


def check_sql(sql: str) -> list[Problem]:
    """Every construct of a DuckDB SELECT that Spark would run wrongly, in tree order."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    problems: list[Problem] = []
    for node in tree.walk():
        if isinstance(node, exp.Length) and "start" in node.meta:  # len() and length() parse alike
            node.meta["source_name"] = sql[node.meta["start"] : node.meta["end"] + 1].lower()
        for rule in RULES:
            if rule.matches(node):
                snippet = (node.parent if isinstance(node, exp.Order) else node).sql("duckdb")
                problems.append(Problem(rule.code, snippet[:120], rule.why))
    try:
        sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as error:
        problems.append(Problem("unsupported", str(error)[:120], "sqlglot cannot write it in Spark SQL"))
    return problems


def spark_variant(model: Model, variants_dir: Path = SPARK_VARIANTS_DIR) -> Path | None:
    """The hand-written Spark SQL beside a model, if there is one."""
    path = variants_dir / f"{model.name}.sql"
    return path if path.is_file() else None


def check_models(models: Iterable[Model], variants_dir: Path = SPARK_VARIANTS_DIR) -> dict[str, list[Problem]]:
    """Problems of each model that has no Spark variant (a model with a variant may use anything)."""
    found = {}
    for model in models:
        if spark_variant(model, variants_dir) is None and (problems := check_sql(model.sql)):
            found[model.name] = problems
    return found


def transpile(sql: str) -> str:
    """DuckDB SQL as Spark SQL (raises on what sqlglot cannot write)."""
    (spark,) = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    return spark


def spark_sql(model: Model, variants_dir: Path = SPARK_VARIANTS_DIR) -> str:
    """The Spark SQL of a model: its hand-written variant, else the checked transpilation."""
    variant = spark_variant(model, variants_dir)
    if variant is not None:
        return variant.read_text(encoding="utf-8").strip().rstrip(";")
    problems = check_sql(model.sql)
    if problems:
        raise ValueError(f"{model.name}: " + "; ".join(str(p) for p in problems))
    return transpile(model.sql)
