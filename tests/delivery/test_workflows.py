"""The GitHub Actions workflows: triggers, permissions, pins, tags, caches, concurrency.

zizmor and check-jsonschema (``make lint-config``) check them generically; these tests
check what this project promises about them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.delivery.helpers import DOCKERFILE, REPO_ROOT, WORKFLOWS, load_workflow

WORKFLOW_FILES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
# owner/repo[/path]@<40 hex> # vX.Y.Z
PINNED_USE = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>\s+#.*)?$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
IMAGE = "ghcr.io/${{ github.repository }}"
PLATFORMS = "linux/amd64,linux/arm64"


def jobs(name: str) -> dict[str, dict[str, Any]]:
    return load_workflow(name)["jobs"]


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in steps(job) if s.get("uses", "").startswith(f"{action}@")]
    assert len(found) == 1, f"expected one {action} step, found {len(found)}"
    return found[0]


def tag_rules(step: dict[str, Any]) -> list[str]:
    return [line.strip() for line in step["with"]["tags"].splitlines() if line.strip()]


def test_the_three_pipelines_exist() -> None:
    assert {"ci.yml", "docker-dev.yml", "docker-release.yml"} <= set(WORKFLOW_FILES)


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_action_is_pinned_to_a_commit_with_a_version_comment(name: str) -> None:
    for line in (WORKFLOWS / name).read_text(encoding="utf-8").splitlines():
        match = USES_LINE.match(line)
        if not match:
            continue
        ref = match.group("ref")
        if ref.startswith("$/"):
            continue  # a workflow of this repository, at the running commit
        assert PINNED_USE.match(ref), f"{name}: pin {ref} to a full commit SHA"
        assert VERSION_COMMENT.search(match.group("comment") or ""), (
            f"{name}: say which release {ref} is, e.g. '# v1.2.3'"
        )


def test_each_action_is_pinned_to_the_same_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for name in WORKFLOW_FILES:
        for line in (WORKFLOWS / name).read_text(encoding="utf-8").splitlines():
            match = USES_LINE.match(line)
            if match and "@" in match.group("ref"):
                action, _, sha = match.group("ref").partition("@")
                pins.setdefault(action, set()).add(sha)
    assert {a: s for a, s in pins.items() if len(s) > 1} == {}


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_permissions_are_empty_at_the_top_and_granted_per_job(name: str) -> None:
    workflow = load_workflow(name)
    assert workflow["permissions"] == {}
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_name} must state its permissions"
        assert set(job["permissions"].values()) <= {"read", "write"}


def test_write_permissions_only_where_something_is_published() -> None:
    writes = {
        (name, job_name, scope)
        for name in WORKFLOW_FILES
        for job_name, job in jobs(name).items()
        for scope, level in job["permissions"].items()
        if level == "write"
    }
    assert writes == {
        ("docker-dev.yml", "publish", "packages"),
        ("docker-release.yml", "image", "packages"),
        ("docker-release.yml", "github-release", "contents"),
    }


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_checkouts_do_not_persist_credentials(name: str) -> None:
    for job in jobs(name).values():
        for step in steps(job):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize(
    ("name", "cancels"),
    [("ci.yml", True), ("docker-dev.yml", True), ("docker-release.yml", False)],
)
def test_concurrency(name: str, cancels: bool) -> None:
    concurrency = load_workflow(name)["concurrency"]
    assert "${{ github.ref }}" in concurrency["group"]
    # A newer push cancels an older run; a release is never cancelled half-way.
    assert concurrency["cancel-in-progress"] is cancels


def test_group_names_differ_so_a_called_workflow_cannot_wait_for_its_caller() -> None:
    groups = [load_workflow(name)["concurrency"]["group"] for name in WORKFLOW_FILES]
    prefixes = [group.split("${{")[0] for group in groups]
    assert len(set(prefixes)) == len(prefixes)


def test_ci_triggers_and_jobs() -> None:
    workflow = load_workflow("ci.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "pull_request" in workflow["on"]
    assert "workflow_call" in workflow["on"], "the release workflow runs it first"
    assert {"lint", "test", "promtool"} <= set(workflow["jobs"])
    assert "make lint" in steps(workflow["jobs"]["lint"])[-1]["run"]
    promtool = " ".join(s.get("run", "") for s in steps(workflow["jobs"]["promtool"]))
    assert "promtool check rules" in promtool
    assert "promtool test rules" in promtool


def test_ci_tests_run_on_sqlite_and_on_a_postgresql_service() -> None:
    test = jobs("ci.yml")["test"]
    legs = {leg["database"]: leg["database-url"] for leg in test["strategy"]["matrix"]["include"]}
    assert legs["sqlite"] == ""
    assert legs["postgresql"].startswith("postgres://postgres@127.0.0.1:5432/")
    assert test["env"]["DATABASE_URL"] == "${{ matrix.database-url }}"
    assert test["env"]["TIMETRACKER_REQUIRE_ALL"] == "1"
    service = test["services"]["postgres"]
    assert service["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert "5432:5432" in service["ports"]
    assert "pg_isready" in service["options"]
    assert "make test" in steps(test)[-1]["run"]
    assert "prometheus" in " ".join(s.get("run", "") for s in steps(test)), "promtool"


def test_ci_caches_pip() -> None:
    for job_name in ("lint", "test"):
        setup = step_using(jobs("ci.yml")[job_name], "actions/setup-python")
        assert setup["with"]["cache"] == "pip"
        assert setup["with"]["cache-dependency-path"] == "requirements/*.txt"


def test_ci_uses_the_python_of_the_image() -> None:
    python = load_workflow("ci.yml")["env"]["PYTHON_VERSION"]
    base = DOCKERFILE.read_text(encoding="utf-8")
    assert f"FROM python:{python}." in base


def test_ci_postgresql_is_the_version_compose_runs() -> None:
    compose = REPO_ROOT / "docker-compose.yml"
    image = jobs("ci.yml")["test"]["services"]["postgres"]["image"]
    assert f"image: {image}\n" in compose.read_text(encoding="utf-8")


def test_dev_images_are_pushed_from_main_and_only_built_for_pull_requests() -> None:
    workflow = load_workflow("docker-dev.yml")
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "pull_request" in workflow["on"]
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["if"] == "github.event_name == 'pull_request'"
    assert publish["if"] == "github.event_name == 'push'"
    assert step_using(build, "docker/build-push-action")["with"]["push"] is False
    assert not [s for s in steps(build) if s.get("uses", "").startswith("docker/login-action@")]
    assert step_using(publish, "docker/build-push-action")["with"]["push"] is True


@pytest.mark.parametrize("job_name", ["build", "publish"])
def test_dev_images_are_multi_platform_and_cached(job_name: str) -> None:
    job = jobs("docker-dev.yml")[job_name]
    build = step_using(job, "docker/build-push-action")["with"]
    assert build["platforms"] == PLATFORMS
    assert build["context"] == "."
    assert build["cache-from"] == "type=gha"
    assert build["cache-to"] == "type=gha,mode=max"
    assert build["build-args"].startswith("APP_VERSION=")
    step_using(job, "docker/setup-qemu-action")
    step_using(job, "docker/setup-buildx-action")


def test_dev_tags() -> None:
    publish = jobs("docker-dev.yml")["publish"]
    meta = step_using(publish, "docker/metadata-action")
    assert meta["with"]["images"] == IMAGE
    assert tag_rules(meta) == ["type=raw,value=dev", "type=sha,prefix=sha-"]
    login = step_using(publish, "docker/login-action")["with"]
    assert login == {
        "registry": "ghcr.io",
        "username": "${{ github.actor }}",
        "password": "${{ secrets.GITHUB_TOKEN }}",
    }


def test_release_runs_on_version_tags_only() -> None:
    assert load_workflow("docker-release.yml")["on"] == {"push": {"tags": ["v*.*.*"]}}


def test_release_checks_the_version_and_runs_ci_before_publishing() -> None:
    release = jobs("docker-release.yml")
    check = " ".join(s.get("run", "") for s in steps(release["version"]))
    assert 'scripts/check_version.py "$GITHUB_REF_NAME"' in check
    assert "scripts/changelog_section.py" in check
    assert release["test"]["uses"] == "$/.github/workflows/ci.yml"
    assert set(release["image"]["needs"]) == {"version", "test"}
    assert set(release["github-release"]["needs"]) == {"version", "image"}


def test_release_tags_sbom_and_provenance() -> None:
    image = jobs("docker-release.yml")["image"]
    meta = step_using(image, "docker/metadata-action")["with"]
    assert meta["images"] == IMAGE
    assert meta["flavor"].strip() == "latest=${{ needs.version.outputs.latest }}"
    assert tag_rules(step_using(image, "docker/metadata-action")) == [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}},enable=${{ needs.version.outputs.minor }}",
        "type=semver,pattern={{major}},enable=${{ needs.version.outputs.major }}",
    ]
    version = jobs("docker-release.yml")["version"]
    assert set(version["outputs"]) >= {"version", "latest", "minor", "major"}
    channels = " ".join(s.get("run", "") for s in steps(version))
    assert "git tag --list 'v*.*.*' | python3 scripts/release_channels.py" in channels
    assert step_using(version, "actions/checkout")["with"]["fetch-depth"] == 0
    build = step_using(image, "docker/build-push-action")["with"]
    assert build["push"] is True
    assert build["platforms"] == PLATFORMS
    assert build["sbom"] is True
    assert build["provenance"] == "mode=max"
    assert build["build-args"] == "APP_VERSION=${{ needs.version.outputs.version }}"
    # Release images are built without the shared layer cache (no cache poisoning).
    assert "cache-from" not in build
    assert "cache-to" not in build


def test_the_github_release_carries_the_changelog_section() -> None:
    release = jobs("docker-release.yml")["github-release"]
    script = steps(release)[-1]["run"]
    assert 'scripts/changelog_section.py "$VERSION"' in script
    assert "gh release create" in script
    assert "--notes-file" in script
    assert steps(release)[-1]["env"]["GH_TOKEN"] == "${{ github.token }}"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_run_scripts_take_context_values_from_the_environment(name: str) -> None:
    # ${{ ... }} inside a shell script is a template-injection risk; env: is not.
    for job in jobs(name).values():
        for step in steps(job):
            assert "${{" not in step.get("run", ""), f"{name}: {step.get('name')}"


def test_no_secret_is_passed_to_an_image_build() -> None:
    for name in WORKFLOW_FILES:
        for job in jobs(name).values():
            for step in steps(job):
                if step.get("uses", "").startswith("docker/build-push-action@"):
                    assert "secrets" not in step["with"]
                    assert "secrets." not in step["with"].get("build-args", "")


def test_ci_starts_every_service_the_suite_needs() -> None:
    # The shared-cache tests need Redis; a runner with nothing preinstalled must get it.
    services = jobs("ci.yml")["test"]["services"]
    assert {"postgres", "redis"} <= set(services)
    assert services["redis"]["ports"] == ["6379:6379"]
    ci_run = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "redis-server --bind 127.0.0.1 --port 6379" in ci_run
    assert "pg_ctlcluster" in ci_run


def test_ci_puts_a_chromium_on_path_for_the_browser_tests() -> None:
    steps = jobs("ci.yml")["test"]["steps"]
    script = "\n".join(step.get("run", "") for step in steps)
    assert "playwright install --with-deps chromium" in script
    assert "/usr/local/bin/chromium" in script
