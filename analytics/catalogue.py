"""The event catalogue: every event the application can record, declared exactly once.

An event has a name (``resource.action``), a one-line description of when it fires, and
typed properties. Only five property types exist (integers, booleans, enums of short
code-like words, bucketed numbers and code identifiers); there is deliberately no
free-text type, so names, e-mail addresses, notes, URLs or IP addresses cannot be declared
and therefore cannot be sent.

The same declarations drive validation at emit time, the PostHog ``before_send`` filter,
``docs/events.md`` and the ``/privacy/events/`` page, so what the product says it collects
and what it does collect cannot drift apart.
"""

from __future__ import annotations

import math
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured

# What a cleaned property value can be: the JSON scalars PostHog and the log both store.
Value = int | bool | str | None

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Enum values are short code-like words: an e-mail address or a sentence cannot be one.
ENUM_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT_IDENTIFIER = r"^[a-z0-9_-]{1,50}$"
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
MAX_DESCRIPTION = 200


class CatalogueError(ImproperlyConfigured):
    """A declaration is malformed: raised at start-up, never at emit time."""


class EventError(ValueError):
    """An emitted event does not match the catalogue.

    Messages name events and properties but never include values, so they are safe to
    log: a value that fails validation may be exactly the personal data we refuse.
    """

    reason: ClassVar[str] = "invalid"


class UnknownEvent(EventError):
    reason = "unknown_event"


class InvalidProperties(EventError):
    reason = "invalid_properties"


def _check_description(description: object, *, what: str) -> None:
    if not isinstance(description, str) or not description.strip():
        raise CatalogueError(f"{what}: a description is required")
    if "\n" in description or len(description) > MAX_DESCRIPTION:
        raise CatalogueError(
            f"{what}: the description must be one line of at most {MAX_DESCRIPTION} characters"
        )


@dataclass(frozen=True)
class Property(ABC):
    """A declared property: what it means and which values it may take."""

    description: str
    optional: bool = field(default=False, kw_only=True)

    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        _check_description(self.description, what=f"{self.kind} property")

    @abstractmethod
    def clean(self, value: object) -> Value:
        """The value to record, or ``ValueError`` with a message that omits the value."""

    @abstractmethod
    def accepts(self, value: object) -> bool:
        """Whether ``value`` is something :meth:`clean` can have produced."""

    @abstractmethod
    def type_label(self) -> str:
        """How the documentation shows the type."""


@dataclass(frozen=True)
class Int(Property):
    """A whole number: an id or a count (at least ``minimum``, 0 by default)."""

    minimum: int = field(default=0, kw_only=True)
    maximum: int | None = field(default=None, kw_only=True)
    kind: ClassVar[str] = "int"

    def accepts(self, value: object) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        return value >= self.minimum and (self.maximum is None or value <= self.maximum)

    def clean(self, value: object) -> Value:
        if not self.accepts(value):
            raise ValueError(f"expected an {self.type_label()}")
        return value  # type: ignore[return-value]

    def type_label(self) -> str:
        if self.maximum is None:
            return f"integer ≥ {self.minimum}"
        return f"integer from {self.minimum} to {self.maximum}"


@dataclass(frozen=True)
class Bool(Property):
    kind: ClassVar[str] = "bool"

    def accepts(self, value: object) -> bool:
        return isinstance(value, bool)

    def clean(self, value: object) -> Value:
        if not self.accepts(value):
            raise ValueError("expected true or false")
        return value  # type: ignore[return-value]

    def type_label(self) -> str:
        return "boolean"


@dataclass(frozen=True)
class Enum(Property):
    """One of a fixed set of short lowercase words."""

    choices: tuple[str, ...] = field(default=(), kw_only=True)
    kind: ClassVar[str] = "enum"

    def __post_init__(self) -> None:
        super().__post_init__()
        choices = tuple(str(choice) for choice in self.choices)
        if not choices:
            raise CatalogueError("enum property: at least one choice is required")
        bad = [choice for choice in choices if not ENUM_VALUE.fullmatch(choice)]
        if bad:
            raise CatalogueError(f"enum property: choices must be short lowercase words, not {bad}")
        object.__setattr__(self, "choices", choices)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value in self.choices

    def clean(self, value: object) -> Value:
        if not self.accepts(value):
            raise ValueError(f"expected one of {', '.join(self.choices)}")
        # A TextChoices member becomes the plain string it stands for.
        return self.choices[self.choices.index(value)]  # type: ignore[arg-type]

    def type_label(self) -> str:
        return "one of " + ", ".join(self.choices)


_UNITS: dict[str, tuple[tuple[int, str], ...]] = {
    "seconds": ((86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")),
    "days": ((365, "y"), (1, "d")),
    "count": ((1, ""),),
}


def _humanise(number: float, unit: str) -> str:
    for size, suffix in _UNITS[unit]:
        if number >= size and number % size == 0:
            return f"{int(number // size)}{suffix}"
    return f"{number:g}{_UNITS[unit][-1][1]}"


@dataclass(frozen=True)
class Bucketed(Property):
    """A number recorded only as the range it falls in (``bounds`` split the ranges).

    With bounds ``(60, 300)`` and unit ``seconds`` the recorded values are ``<1m``,
    ``1m-5m`` and ``5m+``: the precise number never leaves the process.
    """

    bounds: tuple[float, ...] = field(default=(), kw_only=True)
    unit: str = field(default="count", kw_only=True)
    kind: ClassVar[str] = "bucketed"

    def __post_init__(self) -> None:
        super().__post_init__()
        bounds = tuple(self.bounds)
        if not bounds or any(b <= a for a, b in pairwise(bounds)):
            raise CatalogueError("bucketed property: bounds must be increasing and non-empty")
        if bounds[0] <= 0:
            raise CatalogueError("bucketed property: the first bound must be positive")
        if self.unit not in _UNITS:
            raise CatalogueError(f"bucketed property: unit must be one of {', '.join(_UNITS)}")
        object.__setattr__(self, "bounds", bounds)

    @property
    def labels(self) -> tuple[str, ...]:
        names = [_humanise(bound, self.unit) for bound in self.bounds]
        middle = [f"{a}-{b}" for a, b in pairwise(names)]
        return (f"<{names[0]}", *middle, f"{names[-1]}+")

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value in self.labels

    def clean(self, value: object) -> Value:
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or math.isnan(value)
            or value < 0
        ):
            raise ValueError("expected a number of at least 0")
        return self.labels[sum(1 for bound in self.bounds if value >= bound)]

    def type_label(self) -> str:
        return "bucket: " + ", ".join(self.labels)


@dataclass(frozen=True)
class Identifier(Property):
    """A name chosen by the code (a feature flag, a setting), never typed by a user."""

    pattern: str = field(default=DEFAULT_IDENTIFIER, kw_only=True)
    kind: ClassVar[str] = "identifier"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.pattern.startswith("^") and self.pattern.endswith("$")):
            raise CatalogueError("identifier property: the pattern must be anchored (^...$)")
        re.compile(self.pattern)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and re.fullmatch(self.pattern, value) is not None

    def clean(self, value: object) -> Value:
        if not self.accepts(value):
            raise ValueError(f"expected an identifier matching {self.pattern}")
        return value  # type: ignore[return-value]

    def type_label(self) -> str:
        return f"identifier matching {self.pattern}"


# Exactly these types: a subclass could smuggle free text past the catalogue.
PROPERTY_TYPES: tuple[type[Property], ...] = (Int, Bool, Enum, Bucketed, Identifier)


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


class Catalogue:
    """The registry of declared events and person properties."""

    def __init__(self) -> None:
        self._events: dict[str, EventType] = {}
        self._person: dict[str, Property] = {}
        self._person_provider: PersonProvider | None = None

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
        _check_description(description, what=name)
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
    "Identifier",
    "Int",
    "InvalidProperties",
    "Property",
    "UnknownEvent",
    "catalogue",
    "declare",
    "declare_person_property",
    "person_properties",
]
