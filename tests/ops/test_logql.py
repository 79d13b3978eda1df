"""The logs dashboard's LogQL parses with Grafana's own grammar (@grafana/lezer-logql).

tests/ops/logql/check.mjs parses each expression with the lezer grammar that Grafana's
Loki query editor uses and reports the error nodes of the tree. Grafana variables are
substituted first, as Grafana does before a query reaches Loki. The npm packages are the
ones package-lock.json pins: used in place when tests/ops/logql/node_modules exists,
otherwise ``npm ci`` installs them into a temporary directory for the session.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.ops import configs
from tests.support import require_binary

CHECKER = Path(__file__).resolve().parent / "logql"
FILES = ("package.json", "package-lock.json", "check.mjs")
# Values for the dashboards' own template variables.
VARIABLES = {"request_id": "0123456789abcdef"}


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding check.mjs with its pinned node_modules."""
    require_binary("node", hint="apt-get install nodejs")
    if (CHECKER / "node_modules" / "@grafana" / "lezer-logql").is_dir():
        return CHECKER
    npm = require_binary("npm", hint="apt-get install npm")
    target = tmp_path_factory.mktemp("logql")
    for name in FILES:
        shutil.copy(CHECKER / name, target / name)
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def parse(directory: Path, expressions: list[str]) -> tuple[int, list[dict[str, Any]]]:
    result = subprocess.run(
        ["node", str(directory / "check.mjs")],
        input=json.dumps(expressions),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def loki_queries() -> list[configs.Query]:
    return [query for query in configs.dashboard_queries() if query.kind == "loki"]


def test_the_lock_file_pins_the_grammar() -> None:
    lock = json.loads((CHECKER / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/@grafana/lezer-logql"]["version"]
    assert version.startswith("0.4.")
    package = json.loads((CHECKER / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["@grafana/lezer-logql"] == version


def test_every_logs_panel_query_parses(checker: Path) -> None:
    queries = loki_queries()
    assert len(queries) >= 5
    expressions = [configs.substitute_grafana_variables(q.expr, VARIABLES) for q in queries]
    status, results = parse(checker, expressions)
    failures = [
        f"{query}: {result['expr']!r} errors at {result['errors']}"
        for query, result in zip(queries, results, strict=True)
        if result["errors"]
    ]
    assert not failures, "\n".join(failures)
    assert status == 0


@pytest.mark.parametrize(
    "broken",
    [
        'sum(count_over_time({app="timetracker"}[1m])',  # unbalanced parenthesis
        '{app="timetracker"} |= ',  # a line filter without its string
        '{app="timetracker"} | json | level=',  # a label filter without a value
        'count_over_time({app="timetracker"}[$__interval])',  # a variable left in place
    ],
)
def test_the_checker_reports_a_broken_expression(checker: Path, broken: str) -> None:
    status, results = parse(checker, ['{app="timetracker"}', broken])
    assert status == 1
    assert results[0]["errors"] == []
    assert results[1]["errors"], results[1]
