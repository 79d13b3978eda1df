"""Grafana dashboards: valid JSON that Grafana provisions, queries on existing data
sources, and PromQL that Prometheus parses (dashboards and alert rules alike)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.ops import configs
from tests.support import require_binary

DASHBOARDS = configs.dashboard_files()
PANEL_TYPES = {"timeseries", "stat", "logs", "row"}
APP_PANELS = {
    "Request rate by view",
    "Error ratio (5xx / all)",
    "Latency p50 / p95 / p99 by view",
    "Active timers",
    "Events by name",
    "Dropped events (per 5 minutes)",
    "Database query rate",
    "Workers",
    # The rows added for the spec's list (issue 17).
    "Error ratio by view",
    "Database connections (new per 5 minutes)",
    "Database query time p50 / p95 / p99",
    "Cache hit ratio",
    "Telemetry sender",
    "Telemetry failures in a row",
    "Outbound requests per stream (per 5 minutes)",
    "Timers started per day",
    "Entries created per day by channel",
    "Exports per day by format",
}
APP_ROWS = ["Errors by route", "Database and cache", "Telemetry and outbound", "Product usage"]


def panel_by_title(uid: str, title: str) -> dict[str, Any]:
    (path,) = [p for p in DASHBOARDS if configs.load_dashboard(p)["uid"] == uid]
    (panel,) = [p for p in configs.panels(configs.load_dashboard(path)) if p["title"] == title]
    return panel


def test_both_dashboards_exist() -> None:
    assert {path.name for path in DASHBOARDS} == {
        "timetracker-app.json",
        "timetracker-logs.json",
    }


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_dashboard_structure(path: Path) -> None:
    dashboard = configs.load_dashboard(path)
    assert isinstance(dashboard["schemaVersion"], int)
    assert re.fullmatch(r"[a-z0-9-]{1,40}", dashboard["uid"])
    assert dashboard["title"]
    # A provisioned dashboard must not carry an instance-specific numeric id.
    assert dashboard.get("id") is None
    ids = [panel["id"] for panel in configs.panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in configs.panels(dashboard):
        assert panel["type"] in PANEL_TYPES, panel["title"]
        grid = panel["gridPos"]
        assert {"h", "w", "x", "y"} <= set(grid), panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["targets"], panel["title"]


def test_dashboard_uids_are_unique() -> None:
    uids = [configs.load_dashboard(path)["uid"] for path in DASHBOARDS]
    assert len(uids) == len(set(uids))


@pytest.mark.parametrize("query", configs.dashboard_queries(), ids=str)
def test_query_has_an_expression_and_an_existing_datasource(query: configs.Query) -> None:
    assert query.expr.strip()
    uids = configs.datasource_uids()
    uid = query.datasource.get("uid")
    assert uid in uids, f"unknown data source uid {uid!r}"
    assert uids[uid] == query.kind


def test_app_dashboard_has_the_expected_panels() -> None:
    (path,) = [p for p in DASHBOARDS if p.name == "timetracker-app.json"]
    titles = {panel["title"] for panel in configs.panels(configs.load_dashboard(path))}
    assert titles >= APP_PANELS


def test_app_dashboard_rows() -> None:
    dashboard = configs.load_dashboard(configs.DASHBOARDS_DIR / "timetracker-app.json")
    rows = [panel for panel in dashboard["panels"] if panel["type"] == "row"]
    assert [row["title"] for row in rows] == APP_ROWS
    # Rows come after the overview, in order, and every panel below a row is under it.
    tops = [panel["gridPos"]["y"] for panel in dashboard["panels"]]
    assert tops == sorted(tops)


def rows_of(uid: str) -> dict[str, list[dict[str, Any]]]:
    """Row title -> the panels below it (until the next row), "" for those above all rows."""
    (path,) = [p for p in DASHBOARDS if configs.load_dashboard(p)["uid"] == uid]
    found: dict[str, list[dict[str, Any]]] = {"": []}
    current = ""
    for panel in configs.load_dashboard(path)["panels"]:
        if panel["type"] == "row":
            current = panel["title"]
            found[current] = list(panel.get("panels", []))
        else:
            found[current].append(panel)
    return found


def test_product_usage_uses_only_local_counters() -> None:
    panels = rows_of("timetracker-app")["Product usage"]
    assert {p["title"] for p in panels} == {
        "Timers started per day",
        "Entries created per day by channel",
        "Exports per day by format",
    }
    for panel in panels:
        for target in panel["targets"]:
            assert target["datasource"]["type"] == "prometheus"
            metrics = set(re.findall(r"\b([a-z_]+_total)\b", target["expr"]))
            assert metrics, target["expr"]
            assert all(name.startswith("timetracker_") for name in metrics), metrics
            assert "[1d]" in target["expr"], "per day"


def test_error_ratio_by_view_is_zero_not_empty_without_errors() -> None:
    (target,) = panel_by_title("timetracker-app", "Error ratio by view")["targets"]
    assert "sum by (view)" in target["expr"]
    assert ") * 0)) /" in target["expr"]


def test_error_ratio_is_zero_not_empty_without_errors() -> None:
    (target,) = panel_by_title("timetracker-app", "Error ratio (5xx / all)")["targets"]
    assert 'status=~"5.."' in target["expr"]
    assert "or vector(0)) /" in target["expr"]


def test_specific_queries() -> None:
    def expr(title: str) -> str:
        return str(panel_by_title("timetracker-app", title)["targets"][0]["expr"])

    assert expr("Workers") == 'sum(timetracker_workers{job="timetracker"})'
    assert expr("Events by name").startswith("sum by (event) (rate(timetracker_events_total")
    assert expr("Database query rate").startswith("sum by (vendor) (rate(django_db_execute_total")
    quantiles = [
        t["expr"]
        for t in panel_by_title("timetracker-app", "Latency p50 / p95 / p99 by view")["targets"]
    ]
    assert [re.match(r"histogram_quantile\(([\d.]+),", q).group(1) for q in quantiles] == [  # type: ignore[union-attr]
        "0.5",
        "0.95",
        "0.99",
    ]
    assert all("by (le, view)" in q for q in quantiles)


def test_counters_in_rate_and_increase_end_in_total() -> None:
    for where, expr in configs.prometheus_expressions():
        for metric in re.findall(r"\b(?:rate|increase)\(\s*([a-zA-Z_:][\w:]*)", expr):
            assert metric.endswith(("_total", "_bucket", "_count", "_sum")), (where, metric)


def test_every_promql_expression_parses(tmp_path: Path) -> None:
    require_binary("promtool", hint="apt-get install prometheus")
    expressions = configs.prometheus_expressions()
    assert len(expressions) > 10
    result = configs.check_promql(expressions, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_parse_check_catches_a_broken_expression(tmp_path: Path) -> None:
    require_binary("promtool", hint="apt-get install prometheus")
    result = configs.check_promql([("broken", "sum(rate(foo_total[5m])")], tmp_path)
    assert result.returncode != 0


def test_grafana_variables_are_substituted() -> None:
    assert configs.substitute_grafana_variables("rate(x[$__rate_interval])") == "rate(x[1m])"
    assert configs.substitute_grafana_variables("rate(x[${__interval}])") == "rate(x[1m])"
    with pytest.raises(KeyError):
        configs.substitute_grafana_variables('x{a="$unknown"}')


# --- Logs dashboard (LogQL) ----------------------------------------------------------------

SHIPPED_LABELS = configs.alloy_shipper().labels | set(configs.alloy_shipper().static_labels)


@pytest.mark.parametrize(
    "query", [q for q in configs.dashboard_queries() if q.kind == "loki"], ids=str
)
def test_logql_selects_only_labels_the_shippers_set(query: configs.Query) -> None:
    selectors = re.findall(r"\{([^}]*)\}", query.expr)
    assert selectors, query.expr
    for selector in selectors:
        names = set(re.findall(r"(\w+)\s*(?:=~|!=|!~|=)", selector))
        assert names, selector
        assert names <= SHIPPED_LABELS, f"{names - SHIPPED_LABELS} are not stream labels"
        assert 'app="timetracker"' in selector


def test_request_drill_down() -> None:
    dashboard = configs.load_dashboard(configs.DASHBOARDS_DIR / "timetracker-logs.json")
    (variable,) = [v for v in dashboard["templating"]["list"] if v["name"] == "request_id"]
    assert variable["type"] == "textbox"
    (target,) = panel_by_title("timetracker-logs", "Request drill-down")["targets"]
    assert target["expr"] == '{app="timetracker"} | json | request_id="$request_id"'
    assert panel_by_title("timetracker-logs", "Request drill-down")["type"] == "logs"


def test_logs_dashboard_panels() -> None:
    volume = panel_by_title("timetracker-logs", "Log volume by level")
    assert "sum by (level) (count_over_time(" in volume["targets"][0]["expr"]
    errors = panel_by_title("timetracker-logs", "Errors")
    assert errors["type"] == "logs"
    assert 'level=~"ERROR|CRITICAL"' in errors["targets"][0]["expr"]
