"""The limits every door shares: the supported time range and what text may contain.

Validators here are attached to model fields (so the Django admin's forms, DRF's model
serializers and ``full_clean`` in the services all apply them) and used by the query
forms and serializers. The render-time helpers at the bottom never raise: they make
whatever the database holds safe for a page or an export.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Stored times lie in [EARLIEST, LATEST); a CheckConstraint on TimeEntry enforces it. The
# bounds keep every conversion to a local time, in any zone, inside Python's datetime
# range (year 1 to 9999), so no page or export can overflow on a stored value.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# Whole days a query may name (entry list, reports, exports), in the viewer's time zone.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2199, 12, 31)
# The message of a day out of range, marked for translation (``_(RANGE_TEMPLATE) %
# RANGE_PARAMS`` in the reader's language); RANGE_MESSAGE is its English text.
RANGE_TEMPLATE = gettext_noop("Dates must be between %(earliest)s and %(latest)s.")
RANGE_PARAMS = {"earliest": MIN_DATE.isoformat(), "latest": MAX_DATE.isoformat()}
RANGE_MESSAGE = RANGE_TEMPLATE % RANGE_PARAMS

# Control characters (C0 but tab, line feed and carriage return; DEL; C1), surrogates and
# the two non-characters XML forbids. Line breaks stay: browsers send textarea lines as
# CRLF. Everything refused here is also what XLSX (XML 1.0) cannot hold.
FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def validate_date_in_range(value: date) -> None:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(_(RANGE_TEMPLATE), code="out_of_range", params=RANGE_PARAMS)


def validate_stored_time(value: datetime) -> None:
    """A time that may be stored: aware, and within [EARLIEST, LATEST)."""
    if value.tzinfo is None or value.utcoffset() is None:
        # A time without a zone could mean any of 27 hours; every door sends aware ones.
        raise ValidationError(_("A time needs a time zone (an offset)."), code="naive")
    if not EARLIEST <= value < LATEST:
        raise ValidationError(
            _("Times must be between %(earliest)s and %(latest)s (UTC)."),
            code="out_of_range",
            params={"earliest": f"{EARLIEST:%Y-%m-%d}", "latest": MAX_DATE.isoformat()},
        )


def validate_text(value: str) -> None:
    """Refuse control characters other than tab and line breaks, naming the first one."""
    match = FORBIDDEN_TEXT.search(value)
    if match is not None:
        raise ValidationError(
            _(
                "Remove the control character U+%(code)04X (position %(position)d); only "
                "tabs and line breaks are allowed."
            ),
            code="control_character",
            params={"code": ord(match.group()), "position": match.start() + 1},
        )


def printable(value: str) -> str:
    """``value`` without the characters :data:`FORBIDDEN_TEXT` matches (for rendering)."""
    return FORBIDDEN_TEXT.sub("", value)
