"""Model helpers shared by the domain apps."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

NAME_TAKEN = "name_taken"


class UniqueNameErrorMixin:
    """Report a violated case-insensitive unique-name constraint on the ``name`` field.

    Django reports expression constraints (``UniqueConstraint(Lower("name"))``) as errors
    of the whole form; every door (the API, the web, the admin) should say which field.
    """

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)  # type: ignore[misc]
        except ValidationError as exc:
            errors: dict[str, Any] = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == NAME_TAKEN]
            rest = [e for e in general if getattr(e, "code", None) != NAME_TAKEN]
            if taken:
                errors.setdefault("name", []).extend(taken)
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None
