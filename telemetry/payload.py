"""The installation report: one builder for the preview, the dry run and the real send.

:func:`report` returns the exact bytes that go over the wire; ``telemetry preview``, the
admin page, the setup page and ``telemetry send --dry-run`` all show those same bytes, so
what is shown is what is sent. :data:`SCHEMA` declares every field; a test compares it
with the report and ``docs/telemetry.md`` is generated from it.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from telemetry import conf

# Raise it whenever a field is added, removed or changes meaning: installations that
# agreed to an older version stop sending until someone agrees again.
SCHEMA_VERSION = 1
EVENT = "installation_report"
COUNT_KEYS = ("users", "projects", "entries_30d")
BUCKETS: tuple[tuple[int, str], ...] = ((0, "0"), (5, "1-5"), (25, "6-25"), (100, "26-100"))
TOP_BUCKET = "101+"
BUCKET_LABELS = (*(label for _, label in BUCKETS), TOP_BUCKET)
DATABASES = ("sqlite", "postgresql", "mysql", "oracle")
DEPLOYMENTS = ("docker", "other")


@dataclass(frozen=True)
class Field:
    type: str
    # A sentence in English, marked for extraction (gettext_noop), with %(name)s
    # placeholders filled from ``params``. The docs and the analytics catalogue use it in
    # English (:attr:`description`); the setup and admin pages translate it (:meth:`shown`).
    text: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def description(self) -> str:
        return self.text % dict(self.params)

    def shown(self) -> str:
        """The description in the active language, for the pages that explain a report."""
        return gettext(self.text) % dict(self.params)


_BUCKET_TYPE = "one of " + ", ".join(BUCKET_LABELS)

# Every field of the request body, in the order it is sent ("properties.x" is x inside
# "properties"). Nothing else is ever sent.
SCHEMA: dict[str, Field] = {
    "api_key": Field(
        "string",
        gettext_noop(
            "The public, write-only key of the receiving project (TELEMETRY_API_KEY). It "
            "says where the report goes, nothing about you."
        ),
    ),
    "event": Field("string", gettext_noop("Always %(event)s."), (("event", EVENT),)),
    "distinct_id": Field(
        "UUID",
        gettext_noop(
            "The install id: random (UUID4), created once, kept in the database, not "
            "derived from the machine, and replaced by a new one whenever telemetry is "
            "turned off."
        ),
    ),
    "properties.schema_version": Field(
        "integer",
        gettext_noop("Version of this list of fields, so the receiver can read the report."),
    ),
    "properties.app_version": Field(
        "string", gettext_noop("The application's version (TELEMETRY_VERSION).")
    ),
    "properties.python_version": Field(
        "string", gettext_noop("Python version, such as %(example)s."), (("example", "3.11.9"),)
    ),
    "properties.django_version": Field(
        "string", gettext_noop("Django version, such as %(example)s."), (("example", "5.2.1"),)
    ),
    "properties.database": Field(
        "one of " + ", ".join((*DATABASES, "other")),
        gettext_noop("Kind of database (not its address)."),
    ),
    "properties.os": Field(
        "string",
        gettext_noop("Operating system family as Python names it: Linux, Darwin or Windows."),
    ),
    "properties.deployment": Field(
        "one of " + ", ".join(DEPLOYMENTS), gettext_noop("Whether it runs in a Docker container.")
    ),
    "properties.users": Field(
        _BUCKET_TYPE, gettext_noop("Number of active user accounts, as a range.")
    ),
    "properties.projects": Field(_BUCKET_TYPE, gettext_noop("Number of projects, as a range.")),
    "properties.entries_30d": Field(
        _BUCKET_TYPE, gettext_noop("Time entries started in the last 30 days, as a range.")
    ),
    "properties.$process_person_profile": Field(
        "boolean", gettext_noop("Always false: tells PostHog not to build a person profile.")
    ),
    "properties.$geoip_disable": Field(
        "boolean",
        gettext_noop(
            "Always true: tells PostHog not to derive a location from the sender's IP address."
        ),
    ),
}

# Shown next to the field list: what no report ever contains (translated on the pages).
NEVER_SENT = (
    _("user names, e-mail addresses or any other account data"),
    _("client, project or task names, notes, or any time entry"),
    _("exact counts (only the ranges above)"),
    _("host names, IP addresses or URLs of your installation, in the report itself"),
    _("settings, secrets, API keys of your own, or anything from your requests and logs"),
)


def bucket(count: int) -> str:
    """A count as a range: 0, 1-5, 6-25, 26-100 or 101+."""
    for upper, label in BUCKETS:
        if count <= upper:
            return label
    return TOP_BUCKET


def default_counts() -> dict[str, int]:
    """Counts for a project that has no projects or time entries of its own."""
    users = get_user_model()._default_manager.filter(is_active=True).count()
    return {"users": users, "projects": 0, "entries_30d": 0}


def counts() -> dict[str, int]:
    found = conf.hook("COUNTS")()
    if not isinstance(found, Mapping) or set(found) != set(COUNT_KEYS):
        raise ImproperlyConfigured(
            f"TELEMETRY_COUNTS must return exactly the keys {', '.join(COUNT_KEYS)}"
        )
    values = {key: found[key] for key in COUNT_KEYS}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values.values()):
        raise ImproperlyConfigured("TELEMETRY_COUNTS must return non-negative integers")
    return values


def database_vendor() -> str:
    return connection.vendor if connection.vendor in DATABASES else "other"


def deployment() -> str:
    configured = conf.deployment()
    if configured in DEPLOYMENTS:
        return configured
    return "docker" if Path("/.dockerenv").exists() else "other"


# The facts about the installation, as the report sends them; the PostHog installation
# group of product analytics (telemetry.groups) carries exactly these too.
FACT_KEYS = (
    "app_version",
    "python_version",
    "django_version",
    "database",
    "os",
    "deployment",
    *COUNT_KEYS,
)


def facts() -> dict[str, str]:
    """Version, platform and bucketed counts: the report's properties that describe it."""
    found = counts()
    return {
        "app_version": conf.version(),
        "python_version": platform.python_version(),
        "django_version": django.get_version(),
        "database": database_vendor(),
        "os": platform.system() or "unknown",
        "deployment": deployment(),
        **{key: bucket(found[key]) for key in COUNT_KEYS},
    }


def body(*, install_id: str) -> dict[str, Any]:
    """The request body as a dict, fields in :data:`SCHEMA` order."""
    return {
        "api_key": conf.api_key(),
        "event": EVENT,
        "distinct_id": install_id,
        "properties": {
            "schema_version": SCHEMA_VERSION,
            **facts(),
            "$process_person_profile": False,
            "$geoip_disable": True,
        },
    }


def fields(data: Mapping[str, Any]) -> list[str]:
    """The field names of a body, in the notation of :data:`SCHEMA`."""
    names: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            names += [f"{key}.{inner}" for inner in value]
        else:
            names.append(key)
    return names


def render(data: Mapping[str, Any]) -> bytes:
    """The bytes on the wire: indented for people, ASCII so bytes and text are the same."""
    return (json.dumps(data, indent=2, ensure_ascii=True) + "\n").encode("ascii")


@dataclass(frozen=True)
class Report:
    data: dict[str, Any]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("ascii")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def report(*, install_id: str) -> Report:
    data = body(install_id=install_id)
    return Report(data=data, content=render(data))
