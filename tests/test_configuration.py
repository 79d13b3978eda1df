"""Configuration: typed env helpers, safe defaults, and docs generated from one registry."""

from __future__ import annotations

import ast
import functools
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from apps.core.configuration import as_text, generated_files, system_checks
from timetracker import env
from timetracker.variables import BY_NAME, SECTIONS, TYPES, VARIABLES

ROOT = Path(__file__).resolve().parent.parent
# Names read by the process machinery rather than by TimeTracker's configuration.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}
HELPERS = {name for name in dir(env) if name.startswith("env_")}
SKIP_DIRS = {".venv", "node_modules", "tests", "data", "logs", ".git", "staticfiles", "bench"}


def _python_files() -> list[Path]:
    files = []
    # A walk that never enters the skipped folders (an rglob would walk the whole .venv).
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        files += [
            Path(folder, n) for n in sorted(names) if n.endswith(".py") and n != "conftest.py"
        ]
    return files


@functools.cache
def _trees() -> tuple[tuple[Path, ast.Module], ...]:
    # Parsed once for every scan of this module (the parse is most of their time).
    return tuple((p, ast.parse(p.read_text(encoding="utf-8"))) for p in _python_files())


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _part(path: Path) -> str:
    """Which part of the product a file belongs to, as ``Variable.used_by`` names it."""
    rel = path.relative_to(ROOT)
    if rel.as_posix() == "timetracker/settings.py":
        return "settings"
    if rel.name == "gunicorn.conf.py":
        return "gunicorn"
    if rel.parts[0] == "docker":
        return "entrypoint"
    return rel.parts[1] if rel.parts[0] == "apps" and len(rel.parts) > 2 else rel.parts[0]


@dataclass
class CodeRead:
    """One variable as the source reads it: where, whether as a secret, literal defaults."""

    parts: set[str] = field(default_factory=set)
    secret: bool = False
    defaults: set[str] = field(default_factory=set)


def reads_in_code() -> dict[str, CodeRead]:
    """Every environment variable name that appears as a literal in a read of the code."""
    reads: dict[str, CodeRead] = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                is_environ = isinstance(func, ast.Attribute) and (
                    ast.unparse(func.value) in {"os.environ", "environ"} or fname == "getenv"
                )
                name = _literal(node.args[0]) if fname in HELPERS or is_environ else None
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                name = _literal(node.slice)
            if name is None or name in NOT_CONFIGURATION:
                continue
            read = reads.setdefault(name, CodeRead())
            read.parts.add(_part(path))
            if isinstance(node, ast.Call):
                secret = any(
                    k.arg == "secret" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in node.keywords
                )
                read.secret |= secret or fname == "env_db"
                # gunicorn.conf.py and docker/ do not record in env.READ: their defaults
                # are checked from the source.
                if _part(path) != "settings" and len(node.args) > 1:
                    default = node.args[1]
                    if isinstance(default, ast.Constant):
                        read.defaults.add(as_text(default.value))
    return reads


def variables_in_code() -> set[str]:
    return set(reads_in_code())


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


# --- The registry (timetracker/variables.py) and the files generated from it ---------------

CHECK_ID = re.compile(r"^[a-z_]+\.[CEWID]\d{3}$")
# Defaults compared with the code's: types whose text is the value config show prints.
COMPARED_TYPES = {"bool", "int", "float", "str", "choice", "url", "list", "networks"}


def test_the_generated_files_are_up_to_date() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in generated_files(ROOT).items()
        if path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"run `python manage.py config docs` to regenerate {stale}"


def test_every_variable_the_code_reads_is_registered_and_the_reverse() -> None:
    in_code = variables_in_code()
    assert sorted(in_code - set(BY_NAME)) == [], "add these to timetracker/variables.py"
    assert sorted(set(BY_NAME) - in_code) == [], "nothing reads these registered variables"


def test_the_registry_says_which_part_reads_each_variable() -> None:
    wrong = {
        name: (sorted(BY_NAME[name].used_by), sorted(read.parts))
        for name, read in reads_in_code().items()
        if name in BY_NAME and set(BY_NAME[name].used_by) != read.parts
    }
    assert wrong == {}, "used_by (registry, code) differs"


def test_secret_in_the_registry_is_secret_in_the_code() -> None:
    wrong = {
        name: (BY_NAME[name].secret, read.secret)
        for name, read in reads_in_code().items()
        if name in BY_NAME and BY_NAME[name].secret != read.secret
    }
    assert wrong == {}, "secret (registry, code) differs"


def test_the_registry_is_well_formed() -> None:
    sections = {s.key for s in SECTIONS}
    assert len(BY_NAME) == len(VARIABLES), "a name is registered twice"
    for v in VARIABLES:
        assert v.type in TYPES, v.name
        assert v.section in sections, v.name
        assert v.used_by, v.name
        assert v.meaning.strip(), v.name
        assert "|" not in v.meaning + v.default, v.name
    assert {v.section for v in VARIABLES} == sections, "a section without variables"


def _defaults_read_by_settings(tmp_path: Path, **variables: str) -> dict[str, list[str]]:
    """Each variable the settings read with nothing set, as [source, text], in a subprocess."""
    code = (
        "import json, timetracker.settings; "
        "from timetracker import env; from apps.core.configuration import as_text; "
        "print(json.dumps({n: [r.source, as_text(r.value)] for n, r in env.READ.items()}))"
    )
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    environ = {
        **keep,
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return values


def _same(variable_type: str, documented: str, actual: str) -> bool:
    if variable_type == "int":
        return int(documented) == int(actual)
    if variable_type == "float":
        return float(documented) == float(actual)
    return documented == actual


def test_the_documented_defaults_are_the_code_s(tmp_path: Path) -> None:
    # The PostgreSQL-only variables are read only with a PostgreSQL URL (never connected).
    url = "postgres://user:password@127.0.0.1:9/timetracker"
    with ThreadPoolExecutor(max_workers=2) as pool:
        plain_run = pool.submit(_defaults_read_by_settings, tmp_path / "a")
        postgres_run = pool.submit(_defaults_read_by_settings, tmp_path / "b", DATABASE_URL=url)
        read, postgres = plain_run.result(), postgres_run.result()
    assert "DATABASE_STATEMENT_TIMEOUT" in set(postgres) - set(read)
    read = {**postgres, **read}
    in_code = reads_in_code()
    wrong, unchecked = {}, []
    for v in VARIABLES:
        if v.default_computed or v.type not in COMPARED_TYPES:
            continue
        if v.name in read:
            source, actual = read[v.name]
            if source == ".env":
                continue  # a local .env file sets it: nothing to compare
            actual_values = {actual}
        else:
            actual_values = in_code[v.name].defaults if v.name in in_code else set()
        if not actual_values:
            unchecked.append(v.name)
        elif not all(_same(v.type, v.default, a) for a in actual_values):
            wrong[v.name] = (v.default, sorted(actual_values))
    assert wrong == {}, "default (registry, code) differs; or mark it default_computed"
    assert unchecked == [], "no default found in the code; mark it default_computed"


def _check_ids_in_code() -> set[str]:
    ids = set()
    for _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "id":
                value = _literal(node.value)
                if value is not None and CHECK_ID.match(value):
                    ids.add(value)
    return ids


def test_every_system_check_id_is_declared_and_documented() -> None:
    declared = [check_id for check_id, _ in system_checks()]
    assert len(declared) == len(set(declared))
    assert sorted(_check_ids_in_code() - set(declared)) == [], "add these to a CHECKS"
    assert sorted(set(declared) - _check_ids_in_code()) == [], "no check reports these"
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+\.[CEWID]\d{3})` \|", text, flags=re.MULTILINE))
    assert documented == set(declared)


class TestConfigDocsCommand:
    def _copy(self, tmp_path: Path) -> Path:
        (tmp_path / "docs").mkdir()
        for name in ("docs/configuration.md", ".env.example"):
            (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"))
        return tmp_path

    def test_check_passes_on_the_checkout(self) -> None:
        out = io.StringIO()
        call_command("config", "docs", "--check", stdout=out)
        assert "up to date" in out.getvalue()

    def test_check_fails_on_a_stale_file_and_docs_rewrites_it(self, tmp_path: Path) -> None:
        root = self._copy(tmp_path)
        env_example = root / ".env.example"
        env_example.write_text(env_example.read_text().replace("DEBUG=true", "DEBUG=maybe"))
        docs = root / "docs" / "configuration.md"
        prose = "Hand-written prose survives.\n"
        docs.write_text(docs.read_text().replace("## Core\n", f"## Core\n\n{prose}", 1))
        with override_settings(BASE_DIR=root):
            with pytest.raises(CommandError, match=r"out of date: \.env\.example"):
                call_command("config", "docs", "--check", stdout=io.StringIO())
            call_command("config", "docs", stdout=io.StringIO())
            call_command("config", "docs", "--check", stdout=io.StringIO())
        assert env_example.read_text() == (ROOT / ".env.example").read_text()
        assert prose in docs.read_text()

    def test_a_missing_marker_is_an_error(self, tmp_path: Path) -> None:
        root = self._copy(tmp_path)
        docs = root / "docs" / "configuration.md"
        docs.write_text(docs.read_text().replace("<!-- checks:end -->", ""))
        with override_settings(BASE_DIR=root), pytest.raises(CommandError, match="checks"):
            call_command("config", "docs", "--check", stdout=io.StringIO())


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
