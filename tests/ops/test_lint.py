"""yamllint on every ops YAML file and the compose spec's JSON schema on both compose
files (the same tools, pinned in requirements/dev.txt, that `make lint-config` runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ops import configs

BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=configs.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_yamllint() -> None:
    files = [str(path.relative_to(configs.ROOT)) for path in configs.YAML_FILES]
    assert len(files) >= 10
    result = run("yamllint", "--strict", "-c", ".yamllint.yml", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_config_is_used_and_strict_about_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("key: value\nkey: again\non: push\n", encoding="utf-8")
    result = run("yamllint", "--strict", "-c", ".yamllint.yml", str(bad))
    assert result.returncode != 0
    assert "key-duplicates" in result.stdout
    assert "truthy" not in result.stdout  # `on:` keys are allowed for GitHub workflows


def test_compose_files_match_the_compose_spec() -> None:
    files = [str(path.relative_to(configs.ROOT)) for path in configs.COMPOSE_FILES]
    result = run("check-jsonschema", "--builtin-schema", "vendor.compose-spec", *files)
    assert result.returncode == 0, result.stdout + result.stderr
