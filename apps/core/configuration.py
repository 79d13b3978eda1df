"""The effective configuration as ``manage.py config show`` prints it: secrets masked;
and the files ``manage.py config docs`` generates from :mod:`timetracker.variables`.

Every variable the settings read is in :data:`timetracker.env.READ` with its value and
where it came from. A value is masked when it was read as a secret (``secret=True``, which
is also what allows ``NAME_FILE``) or when its name says it is one (``KEY``, ``TOKEN``,
``SECRET``, ``PASSWORD``, ``DSN``). Connection URLs read as secrets (``DATABASE_URL``,
``REDIS_URL``) keep their scheme, user, host, port and path, and lose the password and
any query string, which is what someone debugging a connection needs to see.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.apps import apps as django_apps

from timetracker.env import Read
from timetracker.variables import SECTIONS, VARIABLES, Variable

MASK = "********"
SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "DSN")


@dataclass(frozen=True)
class Shown:
    name: str
    value: str
    source: str
    masked: bool


def looks_secret(read: Read) -> bool:
    return read.secret or any(word in read.name.upper() for word in SECRET_WORDS)


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(as_text(item) for item in value)
    # Paths, networks, numbers.
    return str(value)


def _url_without_password(text: str) -> str | None:
    """``text`` with its password and query masked, or None when it is no such URL."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or ":" not in text:
        return None
    query = MASK if parts.query else ""
    if not parts.netloc:
        # sqlite:///path: no user information to hide.
        return text.split("?", 1)[0] + (f"?{query}" if query else "")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    if parts.password is not None:
        netloc = f"{parts.username or ''}:{MASK}@{netloc}"
    elif parts.username is not None:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def mask(read: Read) -> tuple[str, bool]:
    """The text to print for ``read`` and whether anything was hidden."""
    text = as_text(read.value)
    if not text or not looks_secret(read):
        return text, False
    named_secret = any(word in read.name.upper() for word in SECRET_WORDS)
    if not named_secret:
        url = _url_without_password(text)
        if url is not None:
            return url, url != text
    return MASK, True


def effective(reads: Mapping[str, Read] | Iterable[Read]) -> list[Shown]:
    """Every variable, by name, as it may be printed."""
    items = reads.values() if isinstance(reads, Mapping) else reads
    shown = []
    for read in sorted(items, key=lambda r: r.name):
        value, masked = mask(read)
        shown.append(Shown(name=read.name, value=value, source=read.source, masked=masked))
    return shown


# --- Generated documentation: `manage.py config docs` ---------------------------------------
# docs/configuration.md keeps its prose by hand; what lies between a pair of markers
# (<!-- variables:core:start --> ... <!-- variables:core:end -->, <!-- secrets:... -->,
# <!-- checks:... -->) is rewritten from timetracker.variables and the CHECKS of every
# checks module. .env.example is generated whole.

DOCS = Path("docs") / "configuration.md"
ENV_EXAMPLE = Path(".env.example")
MARKER = re.compile(r"(<!-- ([a-z:-]+):start -->\n).*?(<!-- \2:end -->)", re.DOTALL)
LEVELS = {"C": "critical", "E": "error", "W": "warning", "I": "info", "D": "debug"}
ENV_WIDTH = 92
ENV_HEADER = """\
# TimeTracker configuration. Copy to .env (never commit it) and adjust.
# Every variable is optional in development; docs/configuration.md explains each one.
# Any secret can also be read from a file: set NAME_FILE=/path/to/file instead of NAME.
# Generated from timetracker/variables.py by `python manage.py config docs`: edit that file.
"""


def default_text(variable: Variable) -> str:
    """The default as the docs show it (Markdown)."""
    if variable.default_computed:
        text = variable.default
    else:
        text = f"`{variable.default}`" if variable.default else "empty"
    return f"{text} {variable.default_note}" if variable.default_note else text


def variables_table(section: str) -> str:
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for v in VARIABLES:
        if v.section == section:
            rows.append(f"| `{v.name}` | {default_text(v)} | {v.meaning} |")
    return "\n".join(rows)


def secrets_paragraph() -> str:
    names = ", ".join(f"`{v.name}`" for v in VARIABLES if v.secret)
    return (
        f"Secrets ({names}) can also be read from a file: set `NAME_FILE=/run/secrets/name` "
        "instead of `NAME`."
    )


def system_checks() -> list[tuple[str, str]]:
    """(id, meaning) of every check the project's modules declare in their ``CHECKS``."""
    modules = ["timetracker.checks"]
    for config in django_apps.get_app_configs():
        name = f"{config.name}.checks"
        if importlib.util.find_spec(name) is not None:
            modules.append(name)
    found: list[tuple[str, str]] = []
    for name in modules:
        found.extend(getattr(importlib.import_module(name), "CHECKS", {}).items())
    return found


def checks_table() -> str:
    rows = ["| Id | Level | What it means |", "| --- | --- | --- |"]
    for check_id, meaning in system_checks():
        level = LEVELS[check_id.rsplit(".", 1)[1][0]]
        rows.append(f"| `{check_id}` | {level} | {meaning} |")
    return "\n".join(rows)


def render_docs(text: str) -> str:
    """``text`` (docs/configuration.md) with every generated block rewritten."""
    blocks = {f"variables:{s.key}": variables_table(s.key) for s in SECTIONS}
    blocks["secrets"] = secrets_paragraph()
    blocks["checks"] = checks_table()
    found = {m.group(2) for m in MARKER.finditer(text)}
    unknown = found - set(blocks)
    if unknown:
        raise ValueError(f"{DOCS}: unknown markers {sorted(unknown)}")
    missing = set(blocks) - found
    if missing:
        raise ValueError(f"{DOCS}: add the markers of {sorted(missing)}")
    return MARKER.sub(lambda m: f"{m.group(1)}{blocks[m.group(2)]}\n{m.group(3)}", text)


def _comment(text: str) -> list[str]:
    plain = text.replace("`", "")
    return textwrap.wrap(
        plain,
        width=ENV_WIDTH,
        initial_indent="# ",
        subsequent_indent="# ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def render_env_example() -> str:
    lines = [ENV_HEADER.rstrip("\n")]
    for section in SECTIONS:
        heading = f"# --- {section.title} "
        lines += ["", heading + "-" * max(3, ENV_WIDTH - len(heading))]
        if section.note:
            lines += _comment(section.note)
        for v in VARIABLES:
            if v.section != section.key:
                continue
            comment = v.meaning
            if v.default_computed or v.example != v.default:
                comment += f" Default: {default_text(v)}."
            if v.secret:
                comment += f" Secret: {v.name}_FILE works too."
            lines += _comment(comment)
            line = f"{v.name}={v.example}"
            lines.append(f"# {line}" if v.example_commented else line)
    return "\n".join(lines) + "\n"


def generated_files(root: Path) -> dict[Path, str]:
    """Each generated file under ``root`` with the text it should have."""
    docs = (root / DOCS).read_text(encoding="utf-8")
    return {root / DOCS: render_docs(docs), root / ENV_EXAMPLE: render_env_example()}
