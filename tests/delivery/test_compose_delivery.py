"""docker-compose*.yml agree with the image they run (tests/ops checks them against ops/).

What the image defines (health check, volumes, port, entrypoint behaviour) and what the
compose files assume about it must not drift apart.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.delivery.helpers import (
    DOCKERFILE,
    REPO_ROOT,
    dockerfile_instructions,
    exec_form,
    final_stage,
)

COMPOSE = REPO_ROOT / "docker-compose.yml"
COMPOSE_MONITORING = REPO_ROOT / "docker-compose.monitoring.yml"
APP_IMAGE = "ghcr.io/timetracker/timetracker:"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|DSN", re.IGNORECASE)


def load(path: Any) -> dict[str, Any]:
    if not path.is_file():
        pytest.fail(f"{path.name} is missing", pytrace=False)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return load(COMPOSE)["services"]


def app_image_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in services().items()
        if str(service.get("image", "")).startswith(APP_IMAGE)
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "use the mapping form for environment"
    return {key: str(value) for key, value in env.items()}


def image_instruction(keyword: str) -> str:
    (instruction,) = [i for i in final_stage(dockerfile_instructions()) if i.keyword == keyword]
    return instruction.value


def test_the_app_is_built_from_this_dockerfile() -> None:
    app = services()["app"]
    assert app.get("build") in (".", {"context": "."})
    assert DOCKERFILE.is_file()
    assert app_image_services().keys() >= {"app", "telemetry-worker"}


def test_the_app_healthcheck_is_the_images_own() -> None:
    compose_test = services()["app"]["healthcheck"]["test"]
    image_test = exec_form(image_instruction("HEALTHCHECK"))
    assert compose_test == ["CMD", *image_test]


def test_the_app_mounts_a_volume_on_each_image_volume() -> None:
    mounts = {str(v).split(":")[1] for v in services()["app"]["volumes"]}
    assert set(exec_form(image_instruction("VOLUME"))) <= mounts


def test_the_app_publishes_the_port_the_image_exposes() -> None:
    container_ports = {str(p).rsplit(":", 1)[-1] for p in services()["app"]["ports"]}
    assert image_instruction("EXPOSE") in container_ports


def test_the_image_entrypoint_is_not_overridden() -> None:
    # The entrypoint waits for the database and migrates; a service that replaced it would
    # start against an unmigrated database.
    for name, service in app_image_services().items():
        assert "entrypoint" not in service, name


def test_someone_migrates_and_whoever_does_not_waits_for_them() -> None:
    image_services = app_image_services()
    migrating = {
        name
        for name, service in image_services.items()
        if environment(service).get("RUN_MIGRATIONS", "true") != "false"
    }
    assert migrating, "at least one service must apply migrations"
    for name, service in image_services.items():
        if name in migrating:
            continue
        healthy = {
            dep
            for dep, condition in service.get("depends_on", {}).items()
            if condition.get("condition") == "service_healthy"
        }
        assert healthy & migrating, f"{name} skips migrations: it must wait for {migrating}"


def test_services_without_an_http_server_disable_the_image_healthcheck() -> None:
    for name, service in app_image_services().items():
        if "command" in service and "gunicorn" not in " ".join(service["command"]):
            assert service.get("healthcheck") == {"disable": True}, name


def test_every_variable_compose_sets_for_the_app_is_documented() -> None:
    text = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`", text, flags=re.MULTILINE))
    overlay = load(COMPOSE_MONITORING)["services"]
    names: set[str] = set()
    for name, service in app_image_services().items():
        names |= environment(service).keys()
        names |= environment(overlay.get(name, {})).keys()
    assert sorted(names - documented) == []


@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_MONITORING], ids=lambda p: p.name)
def test_no_secret_is_written_into_a_compose_file(path: Any) -> None:
    for name, service in load(path)["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                # Required (${NAME:?...}) or optional with an empty default (${NAME:-}):
                # either way the value comes from the shell or .env, never from this file.
                assert re.fullmatch(r"\$\{\w+(?::\?[^}]*|:-)\}", value), (
                    f"{name}: {key} must come from the shell or .env (${{NAME:?...}} or "
                    "${NAME:-} for an optional one)"
                )
