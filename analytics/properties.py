"""Property types of the catalogue, and the errors of declaring and emitting events.

Only five types exist: integers, booleans, enums of short code-like words, bucketed
numbers and code identifiers. There is deliberately no free-text type.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from itertools import pairwise
from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured

# What a cleaned property value can be: the JSON scalars PostHog and the log both store.
Value = int | bool | str | None

# Enum values are short code-like words: an e-mail address or a sentence cannot be one.
ENUM_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT_IDENTIFIER = r"^[a-z0-9_-]{1,50}$"
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


def check_description(description: object, *, what: str) -> None:
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
        check_description(self.description, what=f"{self.kind} property")

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
        return self.choices[self.choices.index(value)]

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
