"""A client's currency: an ISO 4217 code that CLDR (through Babel) knows, or blank.

Blank means the installation's currency (``TIMETRACKER_CURRENCY``), which may also be a
symbol such as ``$``; a client's own currency is always a code, so that Babel can place
and write it in every language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from babel.numbers import list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CODE_LENGTH = 3
_CODE = re.compile(r"[A-Z]{3}")


# ISO 4217's "no currency" and "for testing" codes: no amount is in either (CLDR writes ¤).
NOT_MONEY = frozenset({"XXX", "XTS"})


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """The ISO 4217 codes Babel's CLDR data knows (current and historic), but NOT_MONEY."""
    return frozenset(list_currencies()) - NOT_MONEY


def normalise_currency(value: Any) -> Any:
    """``" eur "`` -> ``"EUR"``; anything that is no text is left for validation to refuse."""
    return value.strip().upper() if isinstance(value, str) else value


def is_currency_code(value: Any) -> bool:
    return isinstance(value, str) and bool(_CODE.fullmatch(value)) and value in known_codes()


def validate_currency(value: Any) -> None:
    """Blank, or an ISO 4217 code (lower case is accepted: the service writes upper case)."""
    if value == "":
        return
    if not is_currency_code(normalise_currency(value)):
        raise ValidationError(
            _(
                "Enter a currency as its three-letter ISO 4217 code, such as EUR, USD or "
                "CHF, or leave it empty for the installation's currency."
            ),
            code="invalid_currency",
        )


def installation_currency() -> str:
    """The installation's currency (a code or a symbol), from ``TIMETRACKER_CURRENCY``."""
    return str(getattr(settings, "TIMETRACKER_CURRENCY", "") or "")


def currency_of(stored: Any) -> str:
    """The currency amounts of a client's projects are in: its own, else the installation's.

    Whatever is stored is returned as it is (rendering escapes it); only blank falls back.
    """
    return stored if isinstance(stored, str) and stored != "" else installation_currency()
