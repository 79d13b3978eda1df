"""The API's JSON parser, with a bound on nesting so no body can exhaust the stack.

Python's ``json`` decoder recurses once per nesting level; a few kilobytes of ``[[[[...``
raise ``RecursionError`` inside DRF (a 500, also on the unauthenticated token endpoint).
The depth is measured first, in one pass that skips string contents, and a body nested
deeper than :data:`MAX_DEPTH` is refused with 400 before it is decoded. The body's size
is bounded by Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (over it: 400 as well).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# No request of this API nests deeper than 3; 32 leaves room without risk.
MAX_DEPTH = 32
# A JSON string (with its escapes) or one bracket: what the depth scan looks at.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (valid JSON or not)."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        piece = match.group()
        if piece in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif piece in ("]", "}"):
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth limit; both answer 400 (``ParseError``)."""

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        if stream is None:
            return None
        # DRF reads the request itself, past Django's own check of the body size.
        limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(
                _("The request body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from None
        if json_depth(text) > MAX_DEPTH:
            raise ParseError(
                _("JSON nested deeper than %(depth)d levels is not accepted.")
                % {"depth": MAX_DEPTH}
            )
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
