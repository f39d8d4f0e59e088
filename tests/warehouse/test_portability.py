"""The checker of warehouse/portability.py: one test per construct that Spark would run wrongly.

Each construct is first shown to transpile *without an error* (so nothing but the checker would
catch it), then to be rejected under its rule; a near twin that is portable passes.
"""

from __future__ import annotations

import pytest
import sqlglot

from warehouse import db, portability

# construct, rule, portable twin (None: no twin needed)
REJECTED = {
    "list_order_by": ("select list(x order by y) from t", "ordered_aggregate", "select list(x) from t"),
    "array_agg_order_by": ("select array_agg(x order by y) from t", "ordered_aggregate", None),
    "first_order_by": ("select first(x order by y) from t", "ordered_aggregate", "select first(x) from t"),
    "isodow": ("select isodow(d) from t", "weekday", None),
    "dayofweek": ("select dayofweek(d) from t", "weekday", None),
    "date_part_isodow": ("select date_part('isodow', d) from t", "weekday", "select date_part('year', d) from t"),
    "extract_dow": ("select extract(dow from d) from t", "weekday", "select extract(month from d) from t"),
    "extract_doy": ("select extract(doy from d) from t", "date_part", None),
    "week": ("select week(d) from t", "week", None),
    "weekofyear": ("select weekofyear(d) from t", "week", None),
    "percentile_cont_within_group": (
        "select percentile_cont(0.5) within group (order by x) from t",
        "percentile",
        "select avg(x) from t",
    ),
    "quantile_cont": ("select quantile_cont(x, 0.5) from t", "percentile", None),
    "len_of_list": ("select len(l) from t", "list_length", "select length(s) from t"),
    "star_replace": ("select * replace (x + 1 as x) from t", "star_modifier", "select * from t"),
    "star_exclude": ("select * exclude (x) from t", "star_modifier", None),
    "pivot_statement": ("pivot t on k using sum(v)", "pivot", None),
    "pivot_clause": ("select * from t pivot (sum(v) for k in ('a', 'b'))", "pivot", None),
    "asof_join": (
        "select * from a asof join b on a.k = b.k and a.t >= b.t",
        "asof_join",
        "select * from a join b on a.k = b.k and a.t >= b.t",
    ),
    "generate_series": ("select * from generate_series(1, 10)", "series", None),
    "range": ("select * from range(10)", "series", None),
    "columns_star": ("select columns(*) from t", "columns", None),
    "subquery_in_join_condition": (
        "select * from a join b on a.k = b.k and a.d >= (select y.d from y where y.k = a.k)",
        "subquery_in_join",
        "select * from a join (select k from b) as b on a.k = b.k",
    ),
    "qualify": ("select x from t qualify row_number() over (order by x) = 1", "qualify", None),
    "strftime": ("select strftime(d, '%d.%m.%Y') from t", "strftime", None),
}


@pytest.mark.parametrize("name", REJECTED)
def test_checker_rejects(name):
    sql, rule, twin = REJECTED[name]
    sqlglot.transpile(sql, read="duckdb", write="spark")  # no error from sqlglot: only the checker stops it
    assert rule in {p.rule for p in portability.check_sql(sql)}, name
    if twin is not None:
        assert portability.check_sql(twin) == [], twin


def test_every_rule_has_a_test():
    assert {rule for _, rule, _ in REJECTED.values()} == set(portability.RULES_BY_CODE)


def test_window_order_by_and_query_order_by_pass():
    sql = (
        "select a, row_number() over (partition by a order by b nulls last) as n, "
        "date_diff('day', d, e) as days, extract(year from d) as y from t order by a"
    )
    assert portability.check_sql(sql) == []


def test_a_model_with_a_spark_variant_may_use_anything(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "dim_day.sql").write_text("-- Grain: x. Key: d.\nselect d, isodow(d) as n from t")
    models = db.load_models(tmp_path / "models")
    variants = tmp_path / "models" / "spark"
    assert set(portability.check_models(models, variants)) == {"dim_day"}
    with pytest.raises(ValueError, match="weekday"):
        portability.spark_sql(models[0], variants)
    variants.mkdir()
    (variants / "dim_day.sql").write_text("select d, (dayofweek(d) + 5) % 7 + 1 as n from t;\n")
    assert portability.check_models(models, variants) == {}
    assert portability.spark_sql(models[0], variants) == "select d, (dayofweek(d) + 5) % 7 + 1 as n from t"


def test_the_warehouse_models_pass():
    assert portability.check_models(db.load_models()) == {}
