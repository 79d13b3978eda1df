"""The compose files agree with the ops configuration: every address Prometheus,
Grafana and the log shippers use names a compose service and a port it listens on,
images are pinned, secrets and volumes line up."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.ops import configs

SERVICES = configs.compose_services()
# Prometheus scrapes itself on localhost; that target is the prometheus service.
SELF_TARGETS = {"prometheus": "prometheus"}


def service_listening(host: str, port: int) -> None:
    assert host in SERVICES, f"no compose service named {host!r}"
    ports = configs.container_ports(SERVICES[host])
    assert port in ports, f"service {host!r} listens on {sorted(ports)}, not {port}"


def env(service: str) -> dict[str, Any]:
    environment = SERVICES[service].get("environment", {})
    assert isinstance(environment, dict), "use the mapping form for environment"
    return environment


def default_of(value: str) -> str:
    """The default of a ``${NAME:-default}`` interpolation."""
    match = re.fullmatch(r"\$\{\w+:?-(.*)\}", value)
    assert match, f"{value!r} has no default"
    return match.group(1)


def test_core_services_exist() -> None:
    assert {"app", "db", "telemetry-worker"} <= set(SERVICES)
    assert {"prometheus", "alertmanager", "grafana", "loki", "alloy", "promtail"} <= set(SERVICES)


@pytest.mark.parametrize(("job", "target"), list(configs.scrape_targets()))
def test_scrape_target_is_a_compose_service_port(job: str, target: str) -> None:
    host, _, port = target.rpartition(":")
    if host == "localhost":
        host = SELF_TARGETS[job]
    service_listening(host, int(port))


def test_prometheus_sends_alerts_to_the_alertmanager_service() -> None:
    targets = configs.alertmanager_targets()
    assert targets == ["alertmanager:9093"]
    for target in targets:
        host, _, port = target.rpartition(":")
        service_listening(host, int(port))
    assert "alertmanager" in SERVICES["prometheus"]["depends_on"]


def test_alertmanager_renders_its_template_and_runs_without_a_cluster() -> None:
    alertmanager = SERVICES["alertmanager"]
    assert alertmanager["image"].startswith("prom/alertmanager:v0.")
    assert "./ops/alertmanager:/etc/alertmanager:ro" in alertmanager["volumes"]
    assert alertmanager["entrypoint"] == ["/bin/sh", "/etc/alertmanager/entrypoint.sh"]
    command = alertmanager["command"]
    assert command[0] == "/bin/alertmanager"
    # The file entrypoint.sh writes by default (ALERTMANAGER_RENDERED is not set).
    assert "ALERTMANAGER_RENDERED" not in env("alertmanager")
    assert "rendered=${ALERTMANAGER_RENDERED:-/tmp/alertmanager.yml}" in (
        configs.ALERTMANAGER_ENTRYPOINT.read_text(encoding="utf-8")
    )
    assert "--config.file=/tmp/alertmanager.yml" in command
    assert "--cluster.listen-address=" in command
    assert any(volume.endswith(":/alertmanager") for volume in alertmanager["volumes"])
    assert "--storage.path=/alertmanager" in command
    assert alertmanager["ports"] == ["127.0.0.1:9093:9093"]


def test_grafana_datasources_point_at_compose_services() -> None:
    for datasource in configs.load_yaml(configs.DATASOURCES)["datasources"]:
        url = urlsplit(datasource["url"])
        assert url.hostname, datasource["url"]
        assert url.port, datasource["url"]
        service_listening(url.hostname, url.port)


@pytest.mark.parametrize("shipper", [configs.alloy_shipper(), configs.promtail_shipper()])
def test_log_shipper_pushes_to_loki_and_reads_the_app_log_volume(
    shipper: configs.Shipper,
) -> None:
    url = urlsplit(shipper.push_url)
    assert url.hostname
    assert url.port
    service_listening(url.hostname, url.port)
    assert url.path == "/loki/api/v1/push"
    # The app's log volume, read-only, where the shipper looks for app.jsonl.
    volumes = SERVICES[shipper.name]["volumes"]
    assert "app-logs:/var/log/timetracker:ro" in volumes
    assert shipper.path.startswith("/var/log/timetracker/")
    assert "app-logs:/app/logs" in SERVICES["app"]["volumes"]


def test_every_image_is_pinned_to_a_tag() -> None:
    for name, service in SERVICES.items():
        image = service.get("image")
        assert image, f"{name} has no image"
        if "${" in image:
            # The app's own image: the tag is TIMETRACKER_VERSION (checked below).
            assert name in {"app", "telemetry-worker", "worker"}, f"{name}: {image}"
            continue
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image}"
        assert re.fullmatch(r"v?\d+\.\d+(\.\d+)?", tag), f"{name}: {image} is not a version"


def test_app_and_worker_share_the_image_and_settings() -> None:
    app, worker = SERVICES["app"], SERVICES["telemetry-worker"]
    assert app["image"] == worker["image"]
    assert app["image"].startswith("ghcr.io/timetracker/timetracker:${TIMETRACKER_VERSION:-")
    assert app["build"] == "."
    assert app["env_file"] == worker["env_file"] == [{"path": ".env", "required": False}]
    for key in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert env("app")[key] == env("telemetry-worker")[key], key
    assert env("app")["DEBUG"] == "false"
    assert "@db:5432/" in env("app")["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in env("app")["DATABASE_URL"]


def test_app_healthcheck_uses_healthz_without_curl() -> None:
    test = SERVICES["app"]["healthcheck"]["test"]
    command = " ".join(test)
    assert "http://127.0.0.1:8000/healthz" in command
    assert test[:3] == ["CMD", "python", "-c"]
    assert "curl" not in command
    assert "wget" not in command
    assert SERVICES["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert {"app-data:/app/data", "app-logs:/app/logs"} <= set(SERVICES["app"]["volumes"])
    assert "8000:8000" in SERVICES["app"]["ports"]


def test_allowed_hosts_admit_the_healthcheck_and_the_scraper() -> None:
    hosts = default_of(env("app")["ALLOWED_HOSTS"]).split(",")
    scraped = {target.rpartition(":")[0] for job, target in configs.scrape_targets()}
    assert "127.0.0.1" in hosts
    assert scraped - {"localhost"} <= set(hosts)


def test_telemetry_worker() -> None:
    worker = SERVICES["telemetry-worker"]
    assert worker["command"] == ["python", "manage.py", "telemetry", "worker"]
    assert env("telemetry-worker")["RUN_MIGRATIONS"] == "false"
    assert worker["healthcheck"] == {"disable": True}
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_job_worker_runs_the_database_queue_on_the_apps_image_and_files() -> None:
    worker, app = SERVICES["worker"], SERVICES["app"]
    assert worker["image"] == app["image"]
    assert worker["command"] == ["python", "manage.py", "db_worker", "--queue-name", "default"]
    assert env("worker")["RUN_MIGRATIONS"] == "false"
    for key in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert env("worker")[key] == env("app")[key], key
    # Uploads waiting for it and the files it writes live on the app's data volume.
    assert "app-data:/app/data" in worker["volumes"]
    assert worker["depends_on"]["app"]["condition"] == "service_healthy"


def test_database() -> None:
    db = SERVICES["db"]
    assert db["image"].startswith("postgres:17.")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert env("db")["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_metrics_token_reaches_both_sides() -> None:
    overlay = configs.load_yaml(configs.COMPOSE_MONITORING)
    assert overlay["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    assert "metrics_token" in SERVICES["prometheus"]["secrets"]
    (job,) = [job for job in configs.scrape_configs() if job["job_name"] == "timetracker"]
    assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert overlay["services"]["app"]["environment"]["METRICS_TOKEN"].startswith(
        "${METRICS_TOKEN:?"
    )


def test_prometheus_reads_the_ops_directory() -> None:
    prometheus = SERVICES["prometheus"]
    assert "./ops/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert prometheus["image"].startswith("prom/prometheus:v3.")


def test_grafana_is_locked_down_and_provisioned() -> None:
    grafana = SERVICES["grafana"]
    environment = env("grafana")
    assert environment["GF_SECURITY_ADMIN_PASSWORD"] == "${GRAFANA_ADMIN_PASSWORD:?set it}"
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert environment["GF_ANALYTICS_REPORTING_ENABLED"] == "false"
    assert "./ops/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    (provider,) = configs.load_yaml(configs.DASHBOARD_PROVIDERS)["providers"]
    assert provider["type"] == "file"
    path = provider["options"]["path"]
    assert path == "/var/lib/grafana/dashboards"
    assert f"./ops/grafana/dashboards:{path}:ro" in grafana["volumes"]


def test_usage_reporting_is_off() -> None:
    assert configs.load_yaml(configs.LOKI_CONFIG)["analytics"]["reporting_enabled"] is False
    assert "--disable-reporting" in SERVICES["alloy"]["command"]
    assert env("grafana")["GF_ANALYTICS_REPORTING_ENABLED"] == "false"


def test_promtail_only_on_request() -> None:
    assert SERVICES["promtail"]["profiles"] == ["promtail"]
    assert "profiles" not in SERVICES["alloy"]


def test_config_files_are_mounted_read_only() -> None:
    mounts = {
        "loki": "./ops/loki/config.yml:",
        "alloy": "./ops/alloy/config.alloy:",
        "promtail": "./ops/promtail/config.yml:",
        "alertmanager": "./ops/alertmanager:",
    }
    for service, prefix in mounts.items():
        (volume,) = [v for v in SERVICES[service]["volumes"] if v.startswith(prefix)]
        assert volume.endswith(":ro"), volume


def test_named_volumes_are_declared() -> None:
    declared: set[str] = set()
    for path in configs.COMPOSE_FILES:
        declared |= set(configs.load_yaml(path).get("volumes") or {})
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"
