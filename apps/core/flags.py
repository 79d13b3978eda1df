"""Every feature flag and switch the code uses, declared once: name, kind, default, owner.

django-waffle stores the operator's choices (Django admin, Waffle); this module says
which names exist and what each one means. The data migration ``core.0001`` and
``manage.py flags sync`` create a row for every declaration that has none, with its
default, so a fresh installation shows them all in the admin; existing rows are never
changed. ``manage.py flags list`` prints them with their current state.

Read them only through :func:`flag_is_active` and :func:`switch_is_active`: both refuse a
name that is not declared here (an exception in tests and with ``DEBUG``, a logged error
and "off" in production), so a typo cannot silently switch a feature off. A declared
name whose row is missing (deleted in the admin, or a database reset by a test) counts
as its declared default.

A **flag** is decided per request (everyone, a percentage, groups, single users); a
**switch** is on or off for the whole installation.

A flag declared with ``experiment=True``, or any declared flag whose row has a percentage
(a gradual rollout), is reported to product analytics: :func:`analytics_features`
(``ANALYTICS_FEATURE_PROVIDER``) gives its state for the user of an event, which the
PostHog sink sends as ``$feature/<flag>`` (docs/analytics.md, "Experiments").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest

logger = logging.getLogger("timetracker.flags")


class Kind(StrEnum):
    FLAG = "flag"
    SWITCH = "switch"


class UndeclaredFlag(LookupError):
    """A flag or switch name that :mod:`apps.core.flags` does not declare."""


@dataclass(frozen=True)
class Toggle:
    """One declared flag or switch."""

    name: str
    kind: Kind
    description: str
    default: bool
    owner: str  # app label of the code the toggle gates
    # A rollout or A/B test: events of a user carry $feature/<name> (flags only).
    experiment: bool = False


_REGISTRY: dict[str, Toggle] = {}


def _declare(
    name: str, *, kind: Kind, description: str, default: bool, owner: str, experiment: bool = False
) -> str:
    if name in _REGISTRY:
        raise ValueError(f"{kind} {name!r} is already declared")
    _REGISTRY[name] = Toggle(
        name=name,
        kind=kind,
        description=description,
        default=default,
        owner=owner,
        experiment=experiment,
    )
    return name


def flag(
    name: str, *, description: str, default: bool, owner: str, experiment: bool = False
) -> str:
    """Declare a flag; ``experiment=True`` reports its per-user state to product analytics."""
    return _declare(
        name,
        kind=Kind.FLAG,
        description=description,
        default=default,
        owner=owner,
        experiment=experiment,
    )


def switch(name: str, *, description: str, default: bool, owner: str) -> str:
    return _declare(name, kind=Kind.SWITCH, description=description, default=default, owner=owner)


# --- The declarations -------------------------------------------------------------------------
# Features that existed before flags default to on: a flag lets an operator take them away
# (a slow export on a small server, say), not hide them from a fresh installation.
EXPORT_XLSX = flag(
    "export-xlsx",
    description="Excel (XLSX) export of time entries, on the report and entry pages and in "
    "the API. Off: the link is hidden and the endpoint answers 404.",
    default=True,
    owner="reports",
)
EXPORT_ICS = flag(
    "export-ics",
    description="Calendar (ICS) export of time entries, on the report and entry pages and in "
    "the API. Off: the link is hidden and the endpoint answers 404.",
    default=True,
    owner="reports",
)
REPORT_CHARTS = flag(
    "report-charts",
    description="Bar charts on the report page. Off: the page shows the same numbers as "
    "tables only.",
    default=True,
    owner="reports",
)
IDLE_TIMER = flag(
    "idle-timer",
    description="Flag a timer running longer than IDLE_TIMER_HOURS on the dashboard and "
    "offer to stop it at an earlier time.",
    default=True,
    owner="timers",
)
MAINTENANCE_MODE = switch(
    "maintenance-mode",
    description="Read-only mode: every change answers 503 while pages and the API keep "
    "reading. The Django admin and logging in keep working.",
    default=False,
    owner="core",
)
# Read by analytics.consent under the name in ANALYTICS_POSTHOG_SWITCH; declared here so
# that it is created and listed like the others (the reusable app knows nothing of this).
ANALYTICS_POSTHOG = switch(
    "analytics-posthog",
    description="Kill switch of product analytics: events go to your PostHog only while it "
    "is on (and POSTHOG_API_KEY is set).",
    default=False,
    owner="analytics",
)


# --- Reading ----------------------------------------------------------------------------------
def declared() -> list[Toggle]:
    """Every declaration, by name."""
    return sorted(_REGISTRY.values(), key=lambda toggle: toggle.name)


def find(name: str, kind: Kind | None = None) -> Toggle | None:
    """The declaration of ``name`` (of ``kind``, when given), or None."""
    toggle = _REGISTRY.get(name)
    return toggle if toggle is not None and kind in (None, toggle.kind) else None


def get(name: str) -> Toggle:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UndeclaredFlag(f"{name!r} is not declared in apps.core.flags") from None


def strict() -> bool:
    """Undeclared names raise (tests, development) instead of reading as off."""
    return bool(settings.DEBUG or getattr(settings, "FLAGS_STRICT", False))


def _declaration(name: str, kind: Kind) -> Toggle | None:
    toggle = _REGISTRY.get(name)
    if toggle is not None and toggle.kind == kind:
        return toggle
    problem = (
        f"{name!r} is declared as a {toggle.kind}, not a {kind}"
        if toggle is not None
        else f"{kind} {name!r} is not declared in apps.core.flags"
    )
    if strict():
        raise UndeclaredFlag(problem)
    logger.error("feature %s; treating it as off", problem)
    return None


def _row(model: Any, name: str) -> Any:
    # One cached list of all rows (one query on a cold cache, whatever the page reads)
    # rather than one cache entry and one query per name.
    for row in model.get_all():
        if row.name == name:
            return row
    return None


def _plain(request: Any) -> HttpRequest:
    """Django's request under a REST framework one (waffle keeps rollout cookies on it)."""
    inner = getattr(request, "_request", None)
    if inner is None:
        return request
    request.user  # noqa: B018 (REST framework authenticates lazily, then copies the user)
    return inner


def flag_is_active(request: HttpRequest | Any, name: str) -> bool:
    """Whether the declared flag ``name`` is on for this request."""
    from waffle import get_waffle_flag_model

    toggle = _declaration(name, Kind.FLAG)
    if toggle is None:
        return False
    row = _row(get_waffle_flag_model(), name)
    if row is None:
        return toggle.default
    return bool(row.is_active(_plain(request)))


def switch_is_active(name: str) -> bool:
    """Whether the declared switch ``name`` is on."""
    from waffle import get_waffle_switch_model

    toggle = _declaration(name, Kind.SWITCH)
    if toggle is None:
        return False
    row = _row(get_waffle_switch_model(), name)
    return toggle.default if row is None else bool(row.active)


# --- Experiments, for product analytics (ANALYTICS_FEATURE_PROVIDER) ---------------------------
def is_experiment(toggle: Toggle, row: Any) -> bool:
    """A declared flag that is an experiment, or a rollout (its row has a percentage)."""
    if toggle.kind != Kind.FLAG:
        return False
    return toggle.experiment or bool(row is not None and getattr(row, "percent", None))


def _experiment_rows() -> list[tuple[Toggle, Any]]:
    """The declared experiment and rollout flags with their rows, from one read of the
    cached list of flags (an event of a user asks for them: one cache read, not one per
    declared flag)."""
    from waffle import get_waffle_flag_model

    rows = {row.name: row for row in get_waffle_flag_model().get_all()}
    found = []
    for toggle in declared():
        if toggle.kind == Kind.FLAG and is_experiment(toggle, rows.get(toggle.name)):
            found.append((toggle, rows.get(toggle.name)))
    return found


def experiments() -> list[str]:
    """Names of the declared flags that are experiments or rollouts right now."""
    return [toggle.name for toggle, _row_ in _experiment_rows()]


def analytics_features(request: Any, actor_id: Any) -> dict[str, bool]:
    """``{flag: on}`` for the declared experiment and rollout flags, as this user sees them.

    Evaluated with waffle on the user's own request (so a percentage rollout reads the
    same cookie that decided what the page showed). Outside a request, or for an event
    whose actor is not the request's user, nothing is claimed: the empty mapping.
    """
    if request is None or actor_id is None:
        return {}
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) != actor_id:
        return {}
    plain = _plain(request)
    return {
        toggle.name: toggle.default if row is None else bool(row.is_active(plain))
        for toggle, row in _experiment_rows()
    }


# --- State, as the admin and `flags list` describe it -----------------------------------------
def row_state(row: Model | None, toggle: Toggle | None = None) -> bool:
    """Whether a flag is on for everyone or a switch is on; a missing row is its default.

    A flag that is decided by rules (percentage, groups, users) counts as off here: it is
    not on for everyone.
    """
    if row is None:
        return toggle.default if toggle is not None else False
    if hasattr(row, "everyone"):
        return row.everyone is True
    return bool(getattr(row, "active", False))


def describe(row: Any, toggle: Toggle) -> str:
    """``on``, ``off``, ``rules (...)`` or ``missing (default on|off)``."""
    if row is None:
        return f"missing (default {'on' if toggle.default else 'off'})"
    if toggle.kind == Kind.SWITCH:
        return "on" if getattr(row, "active", False) else "off"
    everyone = getattr(row, "everyone", None)
    if everyone is not None:
        return "on" if everyone else "off"
    rules = [
        label
        for label, present in (
            (f"{row.percent}%", bool(getattr(row, "percent", None))),
            ("authenticated", getattr(row, "authenticated", False)),
            ("staff", getattr(row, "staff", False)),
            ("superusers", getattr(row, "superusers", False)),
            ("languages", bool(getattr(row, "languages", ""))),
            ("testing", getattr(row, "testing", False)),
        )
        if present
    ]
    if row.pk is not None and (row.users.exists() or row.groups.exists()):
        rules.append("users or groups")
    return f"rules ({', '.join(rules)})" if rules else "off (no rule matches anyone)"


# --- Creating the rows ------------------------------------------------------------------------
@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    # Rows in the database that no declaration names (created by hand, or left behind).
    unknown: list[str] = field(default_factory=list)


def _initial(toggle: Toggle) -> dict[str, Any]:
    if toggle.kind == Kind.SWITCH:
        return {"active": toggle.default, "note": toggle.description}
    # "Everyone: yes/no" states the default outright; superusers get no silent exception.
    return {"everyone": toggle.default, "superusers": False, "note": toggle.description}


def sync(
    *,
    flag_model: Any,
    switch_model: Any,
    using: str = "default",
    toggles: Iterable[Toggle] | None = None,
) -> SyncResult:
    """Create the rows of declared toggles that have none; never change an existing row.

    Takes the models so that the data migration can pass its historical ones.
    """
    result = SyncResult()
    toggles = list(declared() if toggles is None else toggles)
    models = {Kind.FLAG: flag_model, Kind.SWITCH: switch_model}
    for toggle in toggles:
        row, created = (
            models[toggle.kind]
            ._default_manager.db_manager(using)
            .get_or_create(name=toggle.name, defaults=_initial(toggle))
        )
        (result.created if created else result.kept).append(toggle.name)
        if created and hasattr(row, "flush"):
            # get_or_create bypasses waffle's manager, which would drop the cached list
            # of all rows (historical models in a migration have no cache to drop).
            row.flush()
    names = {toggle.name for toggle in toggles}
    for model in models.values():
        result.unknown.extend(
            sorted(
                set(model._default_manager.db_manager(using).values_list("name", flat=True)) - names
            )
        )
    return result


def markdown_table() -> str:
    """The declarations as the table in docs/configuration.md (a test keeps them equal)."""
    lines = [
        "| Name | Kind | Default | Owner | What it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for toggle in declared():
        default = "on" if toggle.default else "off"
        lines.append(
            f"| `{toggle.name}` | {toggle.kind} | {default} | {toggle.owner} | "
            f"{toggle.description} |"
        )
    return "\n".join(lines) + "\n"
