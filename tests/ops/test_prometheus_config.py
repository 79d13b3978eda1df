"""Prometheus configuration and alert rules: promtool accepts them, the unit tests pass,
and every alert is complete (for, severity, summary, description, runbook) and tested
both ways."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.ops import configs
from tests.support import require_binary

PROMTOOL_HINT = "apt-get install prometheus"
EXPECTED_SEVERITIES = {
    "TimetrackerDown": "critical",
    "TimetrackerHigh5xxRatio": "critical",
    "TimetrackerNotReady": "critical",
    "TimetrackerHighLatencyP95": "warning",
    "TimetrackerAnalyticsEventsDropped": "warning",
    "TimetrackerTelemetrySendFailing": "warning",
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    require_binary("promtool", hint=PROMTOOL_HINT)
    return subprocess.run(
        ["promtool", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_check_config(tmp_path: Path) -> None:
    # promtool insists that the credentials file exists: point it at a temporary one.
    token = tmp_path / "metrics_token"
    token.write_text("x" * 40, encoding="utf-8")
    config = configs.testable_prometheus_config(tmp_path, token_file=token)
    result = promtool("check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", *map(str, configs.rule_files()))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", str(configs.RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_scrape_config_targets_the_app_with_the_token_secret() -> None:
    config = configs.load_yaml(configs.PROMETHEUS_CONFIG)
    assert config["rule_files"] == ["rules/*.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    app = jobs["timetracker"]
    assert app.get("metrics_path", "/metrics") == "/metrics"
    assert app["authorization"] == {
        "type": "Bearer",
        "credentials_file": "/run/secrets/metrics_token",
    }
    assert [t for s in app["static_configs"] for t in s["targets"]] == ["app:8000"]
    assert "prometheus" in jobs, "Prometheus should scrape itself"


def test_every_expected_alert_exists_with_its_severity() -> None:
    alerts = {rule["alert"]: rule for rule in configs.alert_rules()}
    assert set(alerts) == set(EXPECTED_SEVERITIES)
    for name, severity in EXPECTED_SEVERITIES.items():
        assert alerts[name]["labels"]["severity"] == severity, name


@pytest.mark.parametrize("rule", configs.alert_rules(), ids=lambda rule: rule["alert"])
def test_alert_is_complete(rule: dict[str, object]) -> None:
    assert re.fullmatch(r"\d+[smh]", str(rule.get("for", ""))), "every alert needs a for:"
    annotations = rule["annotations"]
    assert isinstance(annotations, dict)
    for key in ("summary", "description", "runbook"):
        assert str(annotations.get(key, "")).strip(), f"missing annotation {key}"


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.MULTILINE):
        text = re.sub(r"[`*_]", "", heading).strip().lower()
        anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("rule", configs.alert_rules(), ids=lambda rule: rule["alert"])
def test_runbook_links_to_a_section_of_the_monitoring_docs(rule: dict[str, object]) -> None:
    annotations = rule["annotations"]
    assert isinstance(annotations, dict)
    document, _, anchor = str(annotations["runbook"]).partition("#")
    assert document == "docs/monitoring-stack.md"
    assert anchor in github_anchors(configs.DOCS.read_text(encoding="utf-8")), anchor


def test_every_alert_is_tested_firing_and_silent() -> None:
    tests = configs.load_yaml(configs.RULE_TESTS)["tests"]
    firing: set[str] = set()
    silent: set[str] = set()
    for case in tests:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = set(EXPECTED_SEVERITIES)
    assert names - firing == set(), "alerts never shown firing"
    assert names - silent == set(), "alerts never shown silent on healthy input"
