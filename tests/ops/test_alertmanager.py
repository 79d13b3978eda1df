"""ops/alertmanager with Debian's prometheus-alertmanager package: the template renders
from the environment into a configuration `amtool check-config` accepts, every alert
rule's labels route to the receiver its severity calls for (`amtool config routes
test`), and a real Alertmanager mutes a warning while the matching critical fires."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.ops import configs
from tests.ops.alerting import alertmanager, api
from tests.support import require_binary

WEBHOOK = {"ALERTMANAGER_WEBHOOK_URL": "https://hooks.example.net/alerts?token=abc"}
EMAIL = {
    "ALERTMANAGER_EMAIL_TO": "ops@example.net",
    "ALERTMANAGER_EMAIL_FROM": "alertmanager@example.net",
    "ALERTMANAGER_SMTP_SMARTHOST": "smtp.example.net:587",
}
SMTP_AUTH = {"ALERTMANAGER_SMTP_USERNAME": "alerts", "ALERTMANAGER_SMTP_PASSWORD": 'p"a\\ss'}
# The receiver each severity must reach.
RECEIVER_OF = {"critical": "critical", "warning": "warning"}


def amtool() -> str:
    return require_binary("amtool", hint="apt-get install prometheus-alertmanager")


def render(tmp: Path, env: dict[str, str]) -> dict[str, Any]:
    result = configs.render_alertmanager_config(tmp, env)
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [amtool(), "check-config", str(tmp / "alertmanager.yml")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    rendered: dict[str, Any] = configs.load_yaml(tmp / "alertmanager.yml")
    return rendered


def receivers(config: dict[str, Any]) -> dict[str, set[str]]:
    """receiver name -> the kinds of notifier it has (webhook_configs, email_configs)."""
    return {
        receiver["name"]: {key for key in receiver if key.endswith("_configs")}
        for receiver in config["receivers"]
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({**WEBHOOK, **EMAIL}, {"critical": {"webhook_configs", "email_configs"},
                                "warning": {"webhook_configs"}}),
        (WEBHOOK, {"critical": {"webhook_configs"}, "warning": {"webhook_configs"}}),
        (EMAIL, {"critical": {"email_configs"}, "warning": {"email_configs"}}),
        ({}, {"critical": set(), "warning": set()}),
    ],
    ids=["webhook-and-email", "webhook-only", "email-only", "nothing"],
)  # fmt: skip
def test_rendered_config_passes_amtool(
    tmp_path: Path, env: dict[str, str], expected: dict[str, set[str]]
) -> None:
    config = render(tmp_path, env)
    assert receivers(config) == expected
    if "ALERTMANAGER_WEBHOOK_URL" in env:
        (hook,) = config["receivers"][0]["webhook_configs"]
        assert hook == {"url": WEBHOOK["ALERTMANAGER_WEBHOOK_URL"], "send_resolved": True}


def test_smtp_credentials_are_rendered_verbatim_and_only_when_set(tmp_path: Path) -> None:
    (email,) = render(tmp_path, EMAIL)["receivers"][0]["email_configs"]
    assert email["to"] == EMAIL["ALERTMANAGER_EMAIL_TO"]
    assert email["smarthost"] == EMAIL["ALERTMANAGER_SMTP_SMARTHOST"]
    assert "auth_username" not in email
    (email,) = render(tmp_path, {**EMAIL, **SMTP_AUTH})["receivers"][0]["email_configs"]
    # A quote and a backslash survive the trip through the double-quoted YAML string.
    assert email["auth_password"] == SMTP_AUTH["ALERTMANAGER_SMTP_PASSWORD"]
    assert email["auth_username"] == "alerts"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALERTMANAGER_EMAIL_TO": "ops@example.net"}, "ALERTMANAGER_EMAIL_FROM"),
        ({**EMAIL, "ALERTMANAGER_SMTP_SMARTHOST": ""}, "ALERTMANAGER_SMTP_SMARTHOST"),
        ({"ALERTMANAGER_WEBHOOK_URL": "https://a.example/\nroute: {}"}, "single line"),
    ],
    ids=["no-sender", "no-smarthost", "line-break"],
)
def test_incomplete_or_hostile_settings_are_refused(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = configs.render_alertmanager_config(tmp_path, env)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "alertmanager.yml").exists()


def test_template_variables_are_all_passed_by_compose() -> None:
    service = configs.compose_services()["alertmanager"]
    assert configs.template_variables() == set(service["environment"])
    for name, value in service["environment"].items():
        assert value == f"${{{name}:-}}", name  # optional, empty by default


def test_grouping_and_inhibition() -> None:
    template = configs.load_yaml(configs.ALERTMANAGER_TEMPLATE)
    assert template["route"]["group_by"] == ["alertname", "severity"]
    (inhibit,) = template["inhibit_rules"]
    assert inhibit["source_matchers"] == ['severity = "critical"']
    assert inhibit["target_matchers"] == ['severity = "warning"']
    assert inhibit["equal"] == ["instance"]


def test_every_rule_severity_has_a_receiver() -> None:
    severities = {rule["labels"]["severity"] for rule in configs.alert_rules()}
    assert severities == set(RECEIVER_OF)


@pytest.mark.parametrize("rule", configs.alert_rules(), ids=lambda rule: rule["alert"])
def test_amtool_routes_each_alert_to_its_receiver(tmp_path: Path, rule: dict[str, Any]) -> None:
    render(tmp_path, {**WEBHOOK, **EMAIL})
    labels = {"alertname": rule["alert"], **rule["labels"]}
    expected = RECEIVER_OF[rule["labels"]["severity"]]
    result = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={tmp_path / 'alertmanager.yml'}",
         f"--verify.receivers={expected}", *(f"{k}={v}" for k, v in labels.items())],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == expected


# --- A real Alertmanager ----------------------------------------------------------------


def test_a_critical_alert_mutes_the_warnings_of_its_instance(tmp_path: Path) -> None:
    render(tmp_path, WEBHOOK)
    severity = {rule["alert"]: rule["labels"]["severity"] for rule in configs.alert_rules()}
    critical, warning = "TimetrackerDown", "TimetrackerTelemetrySendFailing"
    assert (severity[critical], severity[warning]) == ("critical", "warning")
    now = datetime.now(tz=UTC)
    window = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=5)).isoformat()}

    def alert(name: str, instance: str) -> dict[str, Any]:
        labels = {"alertname": name, "severity": severity[name], "instance": instance}
        return {"labels": {**labels, "job": "timetracker"}, **window}

    with alertmanager(tmp_path, tmp_path / "alertmanager.yml") as url:
        api(url + "/api/v2/alerts", [
            alert(critical, "app:8000"),
            alert(warning, "app:8000"),
            alert(warning, "other:8000"),
        ])  # fmt: skip
        expected = {
            (critical, "app:8000"): "active",
            (warning, "app:8000"): "suppressed",
            (warning, "other:8000"): "active",
        }
        # Alertmanager marks an alert suppressed a moment after it holds all three: wait
        # for the states themselves, not only for the alerts (it failed once under load).
        deadline = time.monotonic() + 10
        while True:
            states = {
                (a["labels"]["alertname"], a["labels"]["instance"]): a["status"]["state"]
                for a in api(url + "/api/v2/alerts")
            }
            if states == expected or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert states == expected
