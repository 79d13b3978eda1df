"""Typed readers for environment variables.

Every variable the application reads goes through one of these helpers, so that:

* a bad value fails at start-up with ``ImproperlyConfigured`` naming the variable;
* ``SECRET``-like values can come from ``NAME_FILE`` (Docker/Kubernetes secrets);
* the names read are recorded in :data:`READ`, which a test compares against
  ``.env.example`` and ``docs/configuration.md`` so the docs cannot drift;
* the source of each value (default, ``.env``, environment, file) is known.

A ``.env`` file at the project root is read when present; real environment variables win
over it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
SUPPORTED_DATABASES = frozenset({"django.db.backends.sqlite3", "django.db.backends.postgresql"})


@dataclass(frozen=True)
class Read:
    """One variable as the settings saw it."""

    name: str
    value: Any
    source: str  # "default" | ".env" | "environment" | "file"
    secret: bool = False


READ: dict[str, Read] = {}
DOTENV_KEYS: set[str] = set()


def load_dotenv(path: Path) -> None:
    """Read ``path`` into ``os.environ`` without overriding real environment variables."""
    if not path.is_file():
        return
    before = set(os.environ)
    environ.Env.read_env(str(path), overwrite=False)
    DOTENV_KEYS.update(set(os.environ) - before)


def _raw(name: str, *, secret: bool = False) -> tuple[str | None, str]:
    """The raw string and where it came from; ``NAME_FILE`` is honoured for secrets."""
    if secret:
        file_name = os.environ.get(f"{name}_FILE", "")
        if file_name:
            try:
                return Path(file_name).read_text(encoding="utf-8").strip(), "file"
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE: cannot read {file_name!r}: {exc.strerror}"
                ) from exc
    if name in os.environ:
        return os.environ[name], ".env" if name in DOTENV_KEYS else "environment"
    return None, "default"


def _record(name: str, value: Any, source: str, *, secret: bool = False) -> Any:
    READ[name] = Read(name=name, value=value, source=source, secret=secret)
    return value


def env_str(name: str, default: str = "", *, secret: bool = False) -> str:
    raw, source = _raw(name, secret=secret)
    return _record(name, default if raw is None else raw, source, secret=secret)


def env_bool(name: str, default: bool) -> bool:
    raw, source = _raw(name)
    if raw is None or raw.strip() == "":
        return _record(name, default, "default" if raw is None else source)
    value = raw.strip().lower()
    if value in TRUE:
        return _record(name, True, source)
    if value in FALSE:
        return _record(name, False, source)
    raise ImproperlyConfigured(f"{name}: expected true or false, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw, source = _raw(name)
    if raw is None or raw.strip() == "":
        return _record(name, default, source)
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {value}")
    return _record(name, value, source)


def env_float(name: str, default: float, *, minimum: float = 0.0, maximum: float = 1.0) -> float:
    raw, source = _raw(name)
    if raw is None or raw.strip() == "":
        return _record(name, default, source)
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}: must be between {minimum} and {maximum}, got {value}")
    return _record(name, value, source)


def env_list(name: str, default: list[str]) -> list[str]:
    raw, source = _raw(name)
    if raw is None:
        return _record(name, list(default), source)
    return _record(name, [item.strip() for item in raw.split(",") if item.strip()], source)


def env_networks(
    name: str, default: list[str]
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated CIDR networks (``10.0.0.0/8,::1/128``); a single address is a /32."""
    raw, source = _raw(name)
    items = default if raw is None else [i.strip() for i in raw.split(",") if i.strip()]
    try:
        networks = [ipaddress.ip_network(item, strict=False) for item in items]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return _record(name, networks, source)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw, source = _raw(name)
    value = default if raw is None or raw.strip() == "" else raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: expected one of {', '.join(choices)}, got {raw!r}")
    return _record(name, value, source)


def env_path(name: str, default: Path) -> Path:
    raw, source = _raw(name)
    return _record(name, Path(raw).expanduser() if raw else default, source)


def env_db(name: str, default: str) -> dict[str, Any]:
    raw, source = _raw(name, secret=True)
    url = raw or default
    try:
        config = environ.Env.db_url_config(url)
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(f"{name}: not a supported database URL ({exc})") from None
    if config.get("ENGINE") not in SUPPORTED_DATABASES:
        raise ImproperlyConfigured(
            f"{name}: unsupported database {url.split(':')[0]!r}; "
            "use sqlite:///path or postgres://user:password@host:5432/name"
        )
    _record(name, url, source if raw else "default", secret=True)
    return config
