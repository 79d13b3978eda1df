"""The event catalogue: every event the application can record, declared exactly once.

An event has a name (``resource.action``), a one-line description of when it fires, and
typed properties (:mod:`analytics.properties`). There is deliberately no free-text type,
so names, e-mail addresses, notes, URLs or IP addresses cannot be declared and therefore
cannot be sent.

The same declarations drive validation at emit time, the PostHog ``before_send`` filter,
``docs/events.md`` and the ``/privacy/events/`` page, so what the product says it collects
and what it does collect cannot drift apart.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from analytics.properties import (
    PROPERTY_TYPES,
    Bool,
    Bucketed,
    CatalogueError,
    Enum,
    EventError,
    Identifier,
    Int,
    InvalidProperties,
    Property,
    UnknownEvent,
    Value,
    check_description,
)

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Field names of the JSON log line (a property must not overwrite them) and raw user ids
# (the pseudonymous distinct_id would be pointless next to them).
RESERVED_PROPERTY_NAMES = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
        "env",
        "event",
        "actor_id",
        "user_id",
        "route",
    }
)


def _check_properties(properties: Mapping[str, Property], *, what: str) -> dict[str, Property]:
    checked: dict[str, Property] = {}
    for name, prop in properties.items():
        if not isinstance(name, str) or not PROPERTY_NAME.fullmatch(name):
            raise CatalogueError(
                f"{what}: property name {name!r} must match {PROPERTY_NAME.pattern}"
            )
        if name in RESERVED_PROPERTY_NAMES:
            raise CatalogueError(f"{what}: {name!r} is reserved and cannot be a property")
        if type(prop) not in PROPERTY_TYPES:
            raise CatalogueError(
                f"{what}: property {name!r} must be an Int, Bool, Enum, Bucketed or "
                "Identifier; free-text properties cannot be declared"
            )
        checked[name] = prop
    return checked


def _clean(
    properties: Mapping[str, Property], values: Mapping[str, object], *, what: str
) -> dict[str, Value]:
    undeclared = sorted(set(values) - set(properties))
    missing = sorted(
        name for name, prop in properties.items() if name not in values and not prop.optional
    )
    invalid: list[str] = []
    cleaned: dict[str, Value] = {}
    for name, prop in properties.items():
        if name not in values:
            continue
        value = values[name]
        if value is None and prop.optional:
            cleaned[name] = None
            continue
        try:
            cleaned[name] = prop.clean(value)
        except ValueError as exc:
            invalid.append(f"{name} ({exc})")
    problems = [
        f"{label}: {', '.join(names)}"
        for label, names in (
            ("undeclared properties", undeclared),
            ("missing properties", missing),
            ("invalid properties", invalid),
        )
        if names
    ]
    if problems:
        raise InvalidProperties(f"{what}: {'; '.join(problems)}")
    return cleaned


@dataclass(frozen=True)
class EventType:
    """One declared event. ``outbound=False`` keeps it in the local log and metrics only."""

    name: str
    description: str
    properties: Mapping[str, Property]
    outbound: bool = True
    module: str = ""

    def clean(self, values: Mapping[str, object]) -> dict[str, Value]:
        """Validated properties in declaration order, or :class:`InvalidProperties`."""
        return _clean(self.properties, values, what=self.name)


PersonProvider = Callable[[int], Mapping[str, object]]

GROUP_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class GroupType:
    """A declared PostHog group type (``installation``) and the properties it may carry.

    Events carry the group as ``$groups: {name: key}``; the properties are sent with
    ``$groupidentify``. A provider must give exactly the declared properties.
    """

    name: str
    description: str
    properties: Mapping[str, Property]
    module: str = ""

    def clean(self, values: Mapping[str, object]) -> dict[str, Value]:
        return _clean(self.properties, values, what=f"group {self.name}")


class Catalogue:
    """The registry of declared events and person properties."""

    def __init__(self) -> None:
        self._events: dict[str, EventType] = {}
        self._person: dict[str, Property] = {}
        self._person_provider: PersonProvider | None = None
        self._groups: dict[str, GroupType] = {}

    # --- Events ----------------------------------------------------------------------------
    def declare(
        self,
        name: str,
        description: str,
        *,
        properties: Mapping[str, Property] | None = None,
        outbound: bool = True,
        module: str = "",
    ) -> EventType:
        if not isinstance(name, str) or not EVENT_NAME.fullmatch(name):
            raise CatalogueError(
                f"event name {name!r} must be resource.action in lowercase (e.g. timer.started)"
            )
        check_description(description, what=name)
        event = EventType(
            name=name,
            description=description,
            properties=_check_properties(properties or {}, what=name),
            outbound=outbound,
            module=module,
        )
        existing = self._events.get(name)
        if existing is not None:
            # Importing a declaring module twice is harmless; two meanings for one name not.
            if existing == event:
                return existing
            raise CatalogueError(f"event {name!r} is already declared in {existing.module}")
        self._events[name] = event
        return event

    def get(self, name: str) -> EventType:
        try:
            return self._events[name]
        except (KeyError, TypeError):
            shown = name if isinstance(name, str) and EVENT_NAME.fullmatch(name) else "(invalid)"
            raise UnknownEvent(f"event {shown} is not declared in the catalogue") from None

    def __contains__(self, name: object) -> bool:
        return name in self._events

    def __iter__(self) -> Iterator[EventType]:
        return iter(sorted(self._events.values(), key=lambda event: event.name))

    def __len__(self) -> int:
        return len(self._events)

    # --- Person properties -------------------------------------------------------------------
    def declare_person_property(self, name: str, prop: Property) -> None:
        checked = _check_properties({name: prop}, what="person property")
        existing = self._person.get(name)
        if existing is not None and existing != prop:
            raise CatalogueError(f"person property {name!r} is already declared")
        self._person.update(checked)

    @property
    def person_properties(self) -> Mapping[str, Property]:
        return dict(sorted(self._person.items()))

    def clean_person_properties(self, values: Mapping[str, object]) -> dict[str, Value]:
        # All optional: a provider sends what it knows, never more than is declared.
        optional = {name: replace(prop, optional=True) for name, prop in self._person.items()}
        return _clean(optional, values, what="person properties")

    def set_person_provider(self, provider: PersonProvider) -> PersonProvider:
        if self._person_provider is not None and self._person_provider is not provider:
            raise CatalogueError("a person-properties provider is already registered")
        self._person_provider = provider
        return provider

    @property
    def person_provider(self) -> PersonProvider | None:
        return self._person_provider

    # --- Groups --------------------------------------------------------------------------------
    def declare_group(
        self,
        name: str,
        description: str,
        *,
        properties: Mapping[str, Property],
        module: str = "",
    ) -> GroupType:
        if not isinstance(name, str) or not GROUP_TYPE.fullmatch(name):
            raise CatalogueError(f"group type {name!r} must match {GROUP_TYPE.pattern}")
        check_description(description, what=f"group {name}")
        group = GroupType(
            name=name,
            description=description,
            properties=_check_properties(properties, what=f"group {name}"),
            module=module,
        )
        existing = self._groups.get(name)
        if existing is not None:
            if existing == group:
                return existing
            raise CatalogueError(f"group {name!r} is already declared in {existing.module}")
        self._groups[name] = group
        return group

    @property
    def groups(self) -> Mapping[str, GroupType]:
        return dict(sorted(self._groups.items()))

    def get_group(self, name: object) -> GroupType | None:
        return self._groups.get(name) if isinstance(name, str) else None


catalogue = Catalogue()


def _caller_module() -> str:
    # declare() -> _caller_module(): the declaring module is two frames up.
    return str(sys._getframe(2).f_globals.get("__name__", ""))


def declare(
    name: str,
    description: str,
    *,
    properties: Mapping[str, Property] | None = None,
    outbound: bool = True,
) -> EventType:
    """Declare an event in the global catalogue (at module level in an ``events.py``)."""
    return catalogue.declare(
        name, description, properties=properties, outbound=outbound, module=_caller_module()
    )


def declare_person_property(name: str, prop: Property) -> None:
    """Allow ``name`` as a PostHog person property; a provider may set only these."""
    catalogue.declare_person_property(name, prop)


def declare_group(name: str, description: str, *, properties: Mapping[str, Property]) -> GroupType:
    """Declare a PostHog group type and its properties (see ``ANALYTICS_GROUP_PROVIDER``)."""
    return catalogue.declare_group(
        name, description, properties=properties, module=_caller_module()
    )


def channel_property(
    description: str = "The door it came through: the web UI, the API, the Django admin or a "
    "management command.",
) -> Enum:
    """The ``channel`` property of write events; its choices come from ``ANALYTICS_CHANNELS``.

    The value to send is :func:`analytics.context.channel`.
    """
    from analytics import conf

    return Enum(description, choices=conf.channel_choices())


def person_properties(provider: PersonProvider) -> PersonProvider:
    """Register the function that gives a user's person properties (a decorator).

    It receives the user's primary key and returns a mapping of declared person
    properties; anything undeclared makes the whole mapping be refused.
    """
    return catalogue.set_person_provider(provider)


__all__ = [
    "PROPERTY_TYPES",
    "Bool",
    "Bucketed",
    "Catalogue",
    "CatalogueError",
    "Enum",
    "EventError",
    "EventType",
    "GroupType",
    "Identifier",
    "Int",
    "InvalidProperties",
    "Property",
    "UnknownEvent",
    "catalogue",
    "channel_property",
    "declare",
    "declare_group",
    "declare_person_property",
    "person_properties",
]
