"""The effective configuration as ``manage.py config show`` prints it: secrets masked.

Every variable the settings read is in :data:`timetracker.env.READ` with its value and
where it came from. A value is masked when it was read as a secret (``secret=True``, which
is also what allows ``NAME_FILE``) or when its name says it is one (``KEY``, ``TOKEN``,
``SECRET``, ``PASSWORD``, ``DSN``). Connection URLs read as secrets (``DATABASE_URL``,
``REDIS_URL``) keep their scheme, user, host, port and path, and lose the password and
any query string, which is what someone debugging a connection needs to see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from timetracker.env import Read

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
