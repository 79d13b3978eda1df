"""The ``installation`` group of product analytics (``ANALYTICS_GROUP_PROVIDER``).

Every event sent to the operator's PostHog carries ``$groups: {"installation": <install
id>}``, the random UUID of :class:`telemetry.models.Installation` (never a host name), and
the group's properties are the installation facts of the telemetry report
(:func:`telemetry.payload.facts`): one definition for both streams. Declared here with
:func:`analytics.catalogue.declare_group`, so ``docs/events.md`` and ``/privacy/events/``
list them; the analytics app imports this module through the setting.
"""

from __future__ import annotations

from analytics import identity
from analytics.catalogue import Enum, Identifier, Property, declare_group
from telemetry import payload
from telemetry.models import Installation

GROUP_TYPE = "installation"
VERSION = r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$"
BUCKET = "^(?:" + "|".join(label.replace("+", r"\+") for label in payload.BUCKET_LABELS) + ")$"


def _description(key: str) -> str:
    return payload.SCHEMA[f"properties.{key}"].description


def _property(key: str) -> Property:
    if key == "database":
        return Enum(_description(key), choices=(*payload.DATABASES, "other"))
    if key == "deployment":
        return Enum(_description(key), choices=payload.DEPLOYMENTS)
    if key in payload.COUNT_KEYS:
        return Identifier(_description(key), pattern=BUCKET)
    if key == "os":
        return Identifier(_description(key), pattern=r"^[A-Za-z0-9_-]{1,20}$")
    return Identifier(_description(key), pattern=VERSION)


INSTALLATION = declare_group(
    GROUP_TYPE,
    "This installation, known by a keyed hash of its random install id; the same facts "
    "as the "
    "installation-telemetry report.",
    properties={key: _property(key) for key in payload.FACT_KEYS},
)


def installation_group() -> tuple[dict[str, str], dict[str, str]]:
    """``({"installation": keyed hash of the install id}, facts)`` for the PostHog sink.

    Hashed, so the operator's PostHog and the project's telemetry reports (which carry
    the raw install id) cannot be joined by the id.
    """
    installation = Installation.objects.get_solo()
    return {GROUP_TYPE: identity.group_key(str(installation.install_id))}, payload.facts()
