"""The Dockerfile and .dockerignore: pinned, multi-stage, non-root, no secrets, healthy."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import resolve

from tests.delivery.helpers import (
    DOCKERFILE,
    DOCKERIGNORE,
    ENTRYPOINT,
    REPO_ROOT,
    Instruction,
    dockerfile_instructions,
    exec_form,
    final_stage,
    key_values,
)
from timetracker.settings import INSECURE_KEY_PREFIXES

PINNED_BASE = re.compile(r"^python:3\.11\.\d+-slim-bookworm$")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE|DSN|CREDENTIAL", re.IGNORECASE)
HEALTH_URL = "http://127.0.0.1:8000/healthz"


def instructions() -> list[Instruction]:
    return dockerfile_instructions(DOCKERFILE)


def runtime() -> list[Instruction]:
    return final_stage(instructions())


def runtime_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in runtime():
        if instruction.keyword == "ENV":
            env.update(key_values(instruction.value))
    return env


def one(stage: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in stage if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword} in the runtime stage, found {len(found)}"
    return found[0]


def collectstatic_line() -> Instruction:
    (line,) = [i for i in runtime() if i.keyword == "RUN" and "collectstatic" in i.value]
    return line


def inline_assignments(command: str) -> dict[str, str]:
    """The ``NAME=value`` words that prefix a shell command."""
    assignments: dict[str, str] = {}
    for word in shlex.split(command):
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", word)
        if not match:
            break
        assignments[match.group(1)] = match.group(2)
    return assignments


def test_it_builds_in_two_stages_from_the_same_pinned_slim_python() -> None:
    bases = [i.value.split()[0] for i in instructions() if i.keyword == "FROM"]
    assert len(bases) >= 2, "multi-stage: a build stage and a runtime stage"
    for base in bases:
        assert PINNED_BASE.match(base), f"pin the base image to a patch release: {base}"
    assert len(set(bases)) == 1, "build and runtime stages must use the same Python"


def test_the_build_stage_makes_wheels_and_the_runtime_installs_only_those() -> None:
    runs = [i for i in instructions() if i.keyword == "RUN"]
    wheel = [i for i in runs if "pip wheel" in i.value]
    assert wheel, "the build stage builds wheels"
    assert "-r requirements/prod.txt" in wheel[0].value
    assert wheel[0].stage != runtime()[0].stage
    installs = [i for i in runtime() if i.keyword == "RUN" and "pip install" in i.value]
    assert len(installs) == 1
    for flag in ("--no-index", "--find-links", "--no-cache-dir", "-r requirements/prod.txt"):
        assert flag in installs[0].value


def test_it_runs_as_a_numeric_non_root_user_created_for_it() -> None:
    stage = runtime()
    user = [i for i in stage if i.keyword == "USER"][-1].value
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), "numeric, so runtimes can check runAsNonRoot"
    assert int(uid) != 0
    assert not gid or int(gid) != 0
    assert any(i.keyword == "RUN" and f"--uid {uid}" in i.value for i in stage)
    keywords = [i.keyword for i in stage]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    assert keywords.index("USER") < keywords.index("CMD")


def test_the_runtime_environment() -> None:
    env = runtime_env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["DEBUG"] == "false"
    assert env["DATA_DIR"] == "/app/data"
    assert env["LOG_DIR"] == "/app/logs"


def test_app_version_is_a_build_argument_that_reaches_the_environment() -> None:
    stage = runtime()
    args = [i for i in stage if i.keyword == "ARG" and i.value.startswith("APP_VERSION")]
    assert args, "ARG APP_VERSION in the runtime stage"
    assert runtime_env()["APP_VERSION"] == "${APP_VERSION}"
    env_index = next(
        n for n, i in enumerate(stage) if "APP_VERSION=" in i.value and i.keyword == "ENV"
    )
    assert stage.index(args[0]) < env_index
    # After the dependency layers, so that a new version does not rebuild them.
    last_install = max(n for n, i in enumerate(stage) if "pip install" in i.value)
    assert stage.index(args[0]) > last_install


def test_no_secret_is_declared_in_env_arg_or_label() -> None:
    for instruction in instructions():
        if instruction.keyword in {"ENV", "ARG", "LABEL"}:
            for name, value in key_values(instruction.value).items():
                assert not SECRET_NAME.search(name), f"{instruction.keyword} {name}: no secrets"
                assert "build-only" not in value


def test_the_throwaway_build_key_satisfies_the_settings_and_stays_on_its_line() -> None:
    assignments = inline_assignments(collectstatic_line().value)
    key = assignments["SECRET_KEY"]
    # The same rules settings.py applies when DEBUG=false.
    assert len(key) >= 50
    assert len(set(key)) >= 5
    assert not key.lower().startswith(INSECURE_KEY_PREFIXES)
    assert assignments["DEBUG"] == "false"
    assert assignments["ALLOWED_HOSTS"]
    # State and logs of this one command do not land in the volumes.
    assert not assignments["DATA_DIR"].startswith("/app")
    assert not assignments["LOG_DIR"].startswith("/app")
    mentions = [i for i in instructions() if key in i.value]
    assert mentions == [collectstatic_line()]


def test_data_and_log_directories_are_volumes_owned_by_the_app_user() -> None:
    stage = runtime()
    volumes = exec_form(one(stage, "VOLUME").value)
    assert set(volumes) == {"/app/data", "/app/logs"}
    assert re.search(
        r"chown timetracker:timetracker /app/data /app/logs", collectstatic_line().value
    )
    keywords = [i.keyword for i in stage]
    # Docker copies the image's ownership into a new named volume only when the directory
    # exists with that owner before VOLUME.
    assert keywords.index("VOLUME") > stage.index(collectstatic_line())
    assert one(stage, "WORKDIR").value == "/app"


def test_the_healthcheck_asks_healthz_with_python() -> None:
    value = one(runtime(), "HEALTHCHECK").value
    command = exec_form(value)
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2]
    assert HEALTH_URL in command[2]
    for option in ("--interval=", "--timeout=", "--start-period=", "--retries="):
        assert option in value
    assert resolve("/healthz").url_name == "healthz"


def test_it_serves_with_gunicorn_through_the_entrypoint() -> None:
    stage = runtime()
    assert exec_form(one(stage, "CMD").value) == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert exec_form(one(stage, "ENTRYPOINT").value) == ["/app/docker/entrypoint.sh"]
    assert ENTRYPOINT.stat().st_mode & stat.S_IXUSR, "the entrypoint must be executable"


def test_gunicorn_listens_where_the_image_expects() -> None:
    assert one(runtime(), "EXPOSE").value == "8000"
    conf = (REPO_ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    assert re.search(r"""os\.environ\.get\("GUNICORN_BIND", "0\.0\.0\.0:8000"\)""", conf)
    assert re.search(r"""wsgi_app = "timetracker\.wsgi:application\"""", conf)


@pytest.mark.parametrize("entry", [".venv", "data/", "logs/", ".git", ".env"])
def test_dockerignore_keeps_local_state_out(entry: str) -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert entry.rstrip("/") in patterns


@pytest.mark.slow
def test_collectstatic_works_with_the_build_time_settings(tmp_path: Path) -> None:
    """Run the Dockerfile's collectstatic line (its variables, DEBUG=false) into tmp_path."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "timetracker.settings"}
    env.update(inline_assignments(collectstatic_line().value))
    env["DATA_DIR"] = str(tmp_path / "data")
    env["LOG_DIR"] = str(tmp_path / "logs")
    static_root = tmp_path / "static"
    code = (
        "import sys, django\n"
        "from django.conf import settings\n"
        "settings.STATIC_ROOT = sys.argv[1]\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(static_root)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # The manifest that CompressedManifestStaticFilesStorage serves from when DEBUG=false.
    assert (static_root / "staticfiles.json").is_file()
