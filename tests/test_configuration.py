"""Configuration: typed env helpers, safe defaults, and docs that cannot drift."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from timetracker import env

ROOT = Path(__file__).resolve().parent.parent
# Names read by the process machinery rather than by TimeTracker's configuration.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}
HELPERS = {name for name in dir(env) if name.startswith("env_")}
SKIP_DIRS = {".venv", "node_modules", "tests", "data", "logs", ".git", "staticfiles", "bench"}


def _python_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or path.name == "conftest.py":
            continue
        files.append(path)
    return files


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def variables_in_code() -> set[str]:
    """Every environment variable name that appears as a literal in a read of the code."""
    names: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                is_environ = isinstance(func, ast.Attribute) and (
                    ast.unparse(func.value) in {"os.environ", "environ"} or fname == "getenv"
                )
                name = _literal(node.args[0])
                if (fname in HELPERS or is_environ) and name is not None:
                    names.add(name)
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                name = _literal(node.slice)
                if name is not None:
                    names.add(name)
    return names - NOT_CONFIGURATION


def test_the_scan_finds_the_variables_settings_read() -> None:
    # Guards the scanner itself: everything settings.py read at start-up is found.
    assert set(env.READ) <= variables_in_code()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"} <= variables_in_code()


def test_every_variable_is_in_env_example() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    missing = sorted(variables_in_code() - listed)
    assert missing == [], f"add these to .env.example: {missing}"


def test_every_variable_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`", text, flags=re.MULTILINE))
    missing = sorted(variables_in_code() - documented)
    assert missing == [], f"add these to docs/configuration.md: {missing}"


class TestHelpers:
    @pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
    def test_a_bad_boolean_names_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, raw: str
    ) -> None:
        monkeypatch.setenv("TT_FLAG", raw)
        with pytest.raises(ImproperlyConfigured, match=r"^TT_FLAG: expected true or false"):
            env.env_bool("TT_FLAG", False)

    @pytest.mark.parametrize(("raw", "value"), [("TRUE", True), ("off", False), ("", True)])
    def test_booleans_accept_common_spellings(
        self, monkeypatch: pytest.MonkeyPatch, raw: str, value: bool
    ) -> None:
        monkeypatch.setenv("TT_FLAG", raw)
        assert env.env_bool("TT_FLAG", True) is value

    def test_a_bad_integer_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TT_NUM", "ten")
        with pytest.raises(ImproperlyConfigured, match=r"^TT_NUM: expected an integer"):
            env.env_int("TT_NUM", 1)
        monkeypatch.setenv("TT_NUM", "-3")
        with pytest.raises(ImproperlyConfigured, match=r"^TT_NUM: must be at least 0"):
            env.env_int("TT_NUM", 1, minimum=0)

    def test_a_bad_float_and_choice_name_the_variable(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TT_RATE", "2.5")
        with pytest.raises(ImproperlyConfigured, match=r"^TT_RATE: must be between"):
            env.env_float("TT_RATE", 0.1)
        monkeypatch.setenv("TT_MODE", "loud")
        with pytest.raises(ImproperlyConfigured, match=r"^TT_MODE: expected one of a, b"):
            env.env_choice("TT_MODE", "a", ("a", "b"))

    def test_a_bad_network_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TT_NETS", "10.0.0.0/8,not-a-net")
        with pytest.raises(ImproperlyConfigured, match=r"^TT_NETS: "):
            env.env_networks("TT_NETS", [])

    def test_a_bad_database_url_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TT_DB", "nosuchdb://x/y")
        with pytest.raises(ImproperlyConfigured, match=r"^TT_DB: "):
            env.env_db("TT_DB", "sqlite:///x.db")

    def test_secrets_can_come_from_a_file(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        (tmp_path / "key").write_text("from-a-file\n")
        monkeypatch.setenv("TT_SECRET_FILE", str(tmp_path / "key"))
        assert env.env_str("TT_SECRET", "", secret=True) == "from-a-file"
        assert env.READ["TT_SECRET"].source == "file"

    def test_an_unreadable_secret_file_names_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("TT_SECRET_FILE", str(tmp_path / "missing"))
        with pytest.raises(ImproperlyConfigured, match=r"^TT_SECRET_FILE: cannot read"):
            env.env_str("TT_SECRET", "", secret=True)

    def test_lists_are_comma_separated(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TT_HOSTS", " a.example , b.example,, ")
        assert env.env_list("TT_HOSTS", []) == ["a.example", "b.example"]


# --- Start-up behaviour, in a fresh interpreter with a controlled environment ----------------

GOOD_KEY = "k3Jx9-" + "aZ8qP2vL7mN4rT6wY1bC5dF0gH3jK8sU2xE9iO4pQ7" + "zz"


def _manage(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    environ = {**keep, "DATA_DIR": str(tmp_path / "data"), **variables}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def no_dotenv() -> None:
    # A .env file in the checkout would change the start-up environment of these tests.
    if (ROOT / ".env").exists():
        pytest.skip("a local .env file would change the start-up environment")


@pytest.mark.usefixtures("no_dotenv")
class TestStartup:
    def test_with_no_environment_it_uses_sqlite_and_a_generated_secret(
        self, tmp_path: Path
    ) -> None:
        code = (
            "from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.DEBUG)"
        )
        first = _manage(tmp_path, "shell", "-c", code)
        assert first.returncode == 0, first.stderr
        engine, name, debug = first.stdout.splitlines()[-1].split()
        assert engine.endswith(".sqlite3")
        assert name == str(tmp_path / "data" / "db.sqlite3")
        assert debug == "True"
        key = (tmp_path / "data" / "secret_key").read_text()
        assert len(key) >= 50
        # Generated once: the second start keeps the same secret.
        assert _manage(tmp_path, "check").returncode == 0
        assert (tmp_path / "data" / "secret_key").read_text() == key

    def test_production_refuses_to_start_without_a_secret_key(self, tmp_path: Path) -> None:
        result = _manage(tmp_path, "check", DEBUG="false", ALLOWED_HOSTS="time.example.com")
        assert result.returncode != 0
        assert "SECRET_KEY: required when DEBUG=false" in result.stderr

    def test_production_refuses_a_placeholder_secret_key(self, tmp_path: Path) -> None:
        result = _manage(
            tmp_path, "check", DEBUG="false", ALLOWED_HOSTS="x.example", SECRET_KEY="change-me"
        )
        assert result.returncode != 0
        assert "SECRET_KEY: looks like a placeholder" in result.stderr

    def test_production_refuses_to_start_without_allowed_hosts(self, tmp_path: Path) -> None:
        result = _manage(tmp_path, "check", DEBUG="false", SECRET_KEY=GOOD_KEY)
        assert result.returncode != 0
        assert "ALLOWED_HOSTS: required when DEBUG=false" in result.stderr

    def test_a_bad_value_stops_start_up_naming_the_variable(self, tmp_path: Path) -> None:
        result = _manage(tmp_path, "check", DEBUG="perhaps")
        assert result.returncode != 0
        assert "DEBUG: expected true or false, got 'perhaps'" in result.stderr

    def test_the_deployment_checklist_reports_nothing_in_production(self, tmp_path: Path) -> None:
        result = _manage(
            tmp_path,
            "check",
            "--deploy",
            "--fail-level",
            "DEBUG",
            DEBUG="false",
            SECRET_KEY=GOOD_KEY,
            ALLOWED_HOSTS="time.example.com",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues (0 silenced)." in result.stdout

    def test_a_dotenv_file_is_read_and_the_environment_wins(self, tmp_path: Path) -> None:
        dotenv = tmp_path / ".env"
        dotenv.write_text("TT_A=from-file\nTT_B=from-file\n")
        code = (
            "from pathlib import Path; from timetracker import env; "
            f"env.load_dotenv(Path({str(dotenv)!r})); "
            "print(env.env_str('TT_A'), env.env_str('TT_B'), env.READ['TT_A'].source)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={"PATH": os.environ.get("PATH", ""), "TT_B": "from-env"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.stdout.split() == ["from-file", "from-env", ".env"], result.stderr
