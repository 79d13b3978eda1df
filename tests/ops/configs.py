"""Readers for the ops configuration (ops/, the compose files) shared by tests/ops.

Nothing here runs a tool (except the Alertmanager entrypoint, which renders its
template): it loads the files, pulls out what the tests compare (scrape
targets, PromQL and LogQL expressions, the log shippers' parsing settings) and converts
a Go time layout into something Python can parse with.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
OPS = ROOT / "ops"
PROMETHEUS_DIR = OPS / "prometheus"
PROMETHEUS_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RULES_DIR = PROMETHEUS_DIR / "rules"
RULE_TESTS = PROMETHEUS_DIR / "tests" / "timetracker_test.yml"
ALERTMANAGER_DIR = OPS / "alertmanager"
ALERTMANAGER_TEMPLATE = ALERTMANAGER_DIR / "alertmanager.yml"
ALERTMANAGER_ENTRYPOINT = ALERTMANAGER_DIR / "entrypoint.sh"
DASHBOARDS_DIR = OPS / "grafana" / "dashboards"
DATASOURCES = OPS / "grafana" / "provisioning" / "datasources" / "datasources.yml"
DASHBOARD_PROVIDERS = OPS / "grafana" / "provisioning" / "dashboards" / "dashboards.yml"
ALLOY_CONFIG = OPS / "alloy" / "config.alloy"
PROMTAIL_CONFIG = OPS / "promtail" / "config.yml"
LOKI_CONFIG = OPS / "loki" / "config.yml"
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_MONITORING = ROOT / "docker-compose.monitoring.yml"
COMPOSE_FILES = (COMPOSE, COMPOSE_MONITORING)
DOCS = ROOT / "docs" / "monitoring-stack.md"

# Every YAML file this part of the project owns (linted by test_lint.py).
YAML_FILES = (
    COMPOSE,
    COMPOSE_MONITORING,
    ROOT / ".yamllint.yml",
    *sorted(OPS.rglob("*.yml")),
)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- Prometheus ------------------------------------------------------------------------


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


def alert_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in rule_files():
        for group in load_yaml(path)["groups"]:
            rules.extend(rule for rule in group["rules"] if "alert" in rule)
    return rules


def scrape_configs() -> list[dict[str, Any]]:
    return list(load_yaml(PROMETHEUS_CONFIG)["scrape_configs"])


def scrape_targets() -> Iterator[tuple[str, str]]:
    """``(job_name, "host:port")`` for every static target."""
    for job in scrape_configs():
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                yield job["job_name"], target


def alertmanager_targets() -> list[str]:
    """``"host:port"`` of every Alertmanager prometheus.yml sends alerts to."""
    return [
        target
        for manager in load_yaml(PROMETHEUS_CONFIG).get("alerting", {}).get("alertmanagers", [])
        for static in manager.get("static_configs", [])
        for target in static["targets"]
    ]


def testable_prometheus_config(tmp: Path, *, token_file: Path, **changes: Any) -> Path:
    """A copy of prometheus.yml that works outside the container.

    The credentials file points at ``token_file`` and rule files are absolute paths into
    the checkout. ``changes`` may set ``targets={job: [...]}`` and ``global_={...}``;
    ``alertmanagers=["host:port", ...]`` replaces the Alertmanager addresses (without it
    no Alertmanager is configured), and ``rule_for="1s"`` uses copies of the rule files
    whose every ``for:`` is that short.
    """
    config = load_yaml(PROMETHEUS_CONFIG)
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config["rule_files"]]
    if changes.get("rule_for"):
        rules_dir = tmp / "rules"
        rules_dir.mkdir(exist_ok=True)
        for path in rule_files():
            content = load_yaml(path)
            for group in content["groups"]:
                for rule in group["rules"]:
                    if "for" in rule:
                        rule["for"] = changes["rule_for"]
            (rules_dir / path.name).write_text(yaml.safe_dump(content), encoding="utf-8")
        config["rule_files"] = [str(rules_dir / "*.yml")]
    if changes.get("alertmanagers"):
        config["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(changes["alertmanagers"])}]}]
        }
    else:
        config.pop("alerting", None)
    config.setdefault("global", {}).update(changes.get("global_", {}))
    for job in config["scrape_configs"]:
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(token_file)
        if job["job_name"] in changes.get("targets", {}):
            job["static_configs"] = [{"targets": changes["targets"][job["job_name"]]}]
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


# --- Alertmanager ----------------------------------------------------------------------


def render_alertmanager_config(
    tmp: Path, env: dict[str, str], *, name: str = "alertmanager.yml"
) -> subprocess.CompletedProcess[str]:
    """Run ops/alertmanager/entrypoint.sh as the container does (``sh``, then a command).

    The template is rendered into ``tmp / name`` with only ``env`` (plus PATH) in the
    environment; the command it then runs is ``true``.
    """
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ALERTMANAGER_TEMPLATE": str(ALERTMANAGER_TEMPLATE),
        "ALERTMANAGER_RENDERED": str(tmp / name),
        **env,
    }
    return subprocess.run(
        ["sh", str(ALERTMANAGER_ENTRYPOINT), "true"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def template_variables() -> set[str]:
    """Every ``ALERTMANAGER_*`` variable the template uses (substituted or tested)."""
    text = ALERTMANAGER_TEMPLATE.read_text(encoding="utf-8")
    content = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    used = set(re.findall(r"\$\{(ALERTMANAGER_\w+)\}", content))
    return used | set(re.findall(r"^\s*# @(?:if|unless) (ALERTMANAGER_\w+)", text, re.MULTILINE))


# --- Grafana ---------------------------------------------------------------------------

# Grafana's built-in interval variables, replaced by a fixed range so that a query can be
# checked or run outside Grafana.
GRAFANA_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "1h",
    "__auto": "1m",
}


def substitute_grafana_variables(expr: str, values: dict[str, str] | None = None) -> str:
    """Replace ``$__rate_interval``, ``${__interval}`` and friends (plus ``values``)."""
    table = {**GRAFANA_VARIABLES, **(values or {})}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name.isdigit():
            return match.group(0)  # a capture group of label_replace ("$1"), not a variable
        if name not in table:
            raise KeyError(f"unknown Grafana variable ${name} in {expr!r}")
        return table[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, expr)


@dataclass(frozen=True)
class Query:
    dashboard: str
    panel: str
    ref: str
    datasource: dict[str, Any]
    expr: str

    @property
    def kind(self) -> str:
        return str(self.datasource.get("type", ""))

    def __str__(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref}"


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS_DIR.glob("*.json"))


def load_dashboard(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, also those nested in rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries() -> list[Query]:
    queries = []
    for path in dashboard_files():
        dashboard = load_dashboard(path)
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                queries.append(
                    Query(
                        dashboard=path.name,
                        panel=panel.get("title", "?"),
                        ref=target.get("refId", "?"),
                        datasource=target.get("datasource") or panel.get("datasource") or {},
                        expr=target.get("expr", ""),
                    )
                )
    return queries


def prometheus_expressions() -> list[tuple[str, str]]:
    """``(where, PromQL)`` for every dashboard target on Prometheus and every rule."""
    found = [
        (str(query), substitute_grafana_variables(query.expr))
        for query in dashboard_queries()
        if query.kind == "prometheus"
    ]
    for path in rule_files():
        for group in load_yaml(path)["groups"]:
            for rule in group["rules"]:
                name = rule.get("alert") or rule.get("record")
                found.append((f"{path.name} / {name}", rule["expr"]))
    return found


def datasource_uids() -> dict[str, str]:
    """uid -> type of every provisioned data source."""
    return {ds["uid"]: ds["type"] for ds in load_yaml(DATASOURCES)["datasources"]}


def check_promql(expressions: list[tuple[str, str]], tmp: Path) -> subprocess.CompletedProcess[str]:
    """Run ``promtool check rules`` on the expressions as recording rules (parses them)."""
    rules = [
        {"record": f"check:expression_{index}", "expr": expr}
        for index, (_where, expr) in enumerate(expressions)
    ]
    path = tmp / "expressions.yml"
    path.write_text(
        yaml.safe_dump({"groups": [{"name": "expressions", "rules": rules}]}), encoding="utf-8"
    )
    return subprocess.run(
        ["promtool", "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- Log shipping ----------------------------------------------------------------------


def strip_alloy_comments(text: str) -> str:
    """Alloy source without ``//`` and ``/* */`` comments (strings are kept intact)."""
    out, position = [], 0
    while position < len(text):
        char = text[position]
        if char == '"':
            end = position + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[position : end + 1])
            position = end + 1
        elif text.startswith("//", position):
            position = text.find("\n", position)
            position = len(text) if position < 0 else position
        elif text.startswith("/*", position):
            position = text.index("*/", position) + 2
        else:
            out.append(char)
            position += 1
    return "".join(out)


def alloy_blocks(text: str, name: str) -> list[str]:
    """Bodies of every ``name { ... }`` or ``name "label" { ... }`` block in Alloy syntax."""
    text = strip_alloy_comments(text)
    bodies = []
    for match in re.finditer(rf'(?<![\w.]){re.escape(name)}\s*(?:"[^"]*"\s*)?\{{', text):
        depth, position = 1, match.end()
        while depth:
            char = text[position]
            if char == '"':
                position = text.index('"', position + 1)
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            position += 1
        bodies.append(text[match.end() : position - 1])
    return bodies


def alloy_strings(body: str) -> dict[str, str]:
    """``key = "value"`` pairs of a block body (also inside nested maps)."""
    pairs = re.findall(r'(?:"([^"]+)"|(\w+))\s*=\s*"([^"]*)"', body)
    return {quoted or bare: value for quoted, bare, value in pairs}


def alloy_list(body: str, key: str) -> list[str]:
    match = re.search(rf"\b{key}\s*=\s*\[([^\]]*)\]", body)
    return re.findall(r'"([^"]*)"', match.group(1)) if match else []


@dataclass(frozen=True)
class Shipper:
    """What a log shipper's configuration says about our log lines."""

    name: str
    path: str
    json_fields: dict[str, str]  # extracted name -> JSON field
    timestamp_source: str
    timestamp_layout: str
    labels: frozenset[str]
    static_labels: dict[str, str]
    dropped_labels: frozenset[str]
    push_url: str


def alloy_shipper() -> Shipper:
    text = ALLOY_CONFIG.read_text(encoding="utf-8")
    (process,) = alloy_blocks(text, "loki.process")
    (json_stage,) = alloy_blocks(process, "stage.json")
    (timestamp,) = alloy_blocks(process, "stage.timestamp")
    (labels,) = alloy_blocks(process, "stage.labels")
    (static,) = alloy_blocks(process, "stage.static_labels")
    (drop,) = alloy_blocks(process, "stage.label_drop")
    (write,) = alloy_blocks(text, "loki.write")
    (files,) = alloy_blocks(text, "local.file_match")
    timestamp_settings = alloy_strings(timestamp)
    return Shipper(
        name="alloy",
        path=alloy_strings(files)["__path__"],
        json_fields=alloy_strings(json_stage),
        timestamp_source=timestamp_settings["source"],
        timestamp_layout=timestamp_settings["format"],
        labels=frozenset(re.findall(r"(\w+)\s*=", labels.split("{", 1)[1])),
        static_labels=alloy_strings(static),
        dropped_labels=frozenset(alloy_list(drop, "values")),
        push_url=alloy_strings(write)["url"],
    )


def promtail_shipper() -> Shipper:
    config = load_yaml(PROMTAIL_CONFIG)
    (job,) = config["scrape_configs"]
    stages: dict[str, Any] = {}
    for stage in job["pipeline_stages"]:
        stages.update(stage)
    (static,) = job["static_configs"]
    labels = dict(static["labels"])
    path = labels.pop("__path__")
    return Shipper(
        name="promtail",
        path=path,
        json_fields={key: value or key for key, value in stages["json"]["expressions"].items()},
        timestamp_source=stages["timestamp"]["source"],
        timestamp_layout=stages["timestamp"]["format"],
        labels=frozenset(stages["labels"]),
        static_labels=labels,
        dropped_labels=frozenset(stages.get("labeldrop", [])),
        push_url=config["clients"][0]["url"],
    )


# Go's reference time is Mon Jan 2 15:04:05 MST 2006. Only the tokens that a numeric
# ISO-8601-like layout uses are supported; anything else is refused rather than guessed.
GO_TOKENS: tuple[tuple[str, str, str], ...] = (
    ("2006", "%Y", r"\d{4}"),
    ("Z07:00", "%z", r"(?:Z|[+-]\d{2}:\d{2})"),
    ("-07:00", "%z", r"[+-]\d{2}:\d{2}"),
    ("-0700", "%z", r"[+-]\d{4}"),
    (".000000000", ".%f", r"\.\d{9}"),
    (".000000", ".%f", r"\.\d{6}"),
    (".000", ".%f", r"\.\d{3}"),
    ("01", "%m", r"\d{2}"),
    ("02", "%d", r"\d{2}"),
    ("15", "%H", r"\d{2}"),
    ("04", "%M", r"\d{2}"),
    ("05", "%S", r"\d{2}"),
)


@dataclass(frozen=True)
class PythonLayout:
    strptime: str
    pattern: re.Pattern[str]

    def parse(self, value: str) -> datetime:
        """Parse like Go's time.Parse would: exact widths, no zone in the layout = UTC."""
        if not self.pattern.fullmatch(value):
            raise ValueError(f"{value!r} does not match the layout {self.pattern.pattern}")
        parsed = datetime.strptime(value, self.strptime)  # noqa: DTZ007 (zone handled below)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def go_layout_to_python(layout: str) -> PythonLayout:
    """Convert a Go time layout (``2006-01-02T15:04:05.000Z``) to strptime and a regex."""
    fmt, regex, position = [], [], 0
    while position < len(layout):
        for token, directive, token_regex in GO_TOKENS:
            if layout.startswith(token, position):
                fmt.append(directive)
                regex.append(token_regex)
                position += len(token)
                break
        else:
            char = layout[position]
            if char.isdigit() or layout.startswith(("Jan", "Mon", "MST", "PM", "pm"), position):
                raise ValueError(f"unsupported Go layout element at {layout[position:]!r}")
            fmt.append("%%" if char == "%" else char)
            regex.append(re.escape(char))
            position += 1
    return PythonLayout("".join(fmt), re.compile("".join(regex)))


# --- Compose ---------------------------------------------------------------------------


def compose_services() -> dict[str, dict[str, Any]]:
    """Services of the base file with the overlay's keys merged in (shallowly)."""
    merged: dict[str, dict[str, Any]] = {}
    for path in COMPOSE_FILES:
        for name, service in (load_yaml(path).get("services") or {}).items():
            target = merged.setdefault(name, {})
            for key, value in service.items():
                if isinstance(value, dict) and isinstance(target.get(key), dict):
                    target[key] = {**target[key], **value}
                else:
                    target[key] = value
    return merged


def container_ports(service: dict[str, Any]) -> set[int]:
    """Container-side ports of a service, from ``ports`` and ``expose``."""
    ports: set[int] = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    for entry in service.get("expose", []):
        ports.add(int(str(entry).split("/")[0]))
    return ports
