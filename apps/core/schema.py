"""The OpenAPI document, told as the API behaves (drf-spectacular's ``AutoSchema``).

drf-spectacular describes the success answers of each view. This schema class adds what
every operation can also answer (the JSON errors of DRF and of ``apps.core.drf``) and the
limits that the views and models enforce but a serializer field does not show: ids are
whole numbers of a 64-bit key, text refuses control characters, stored times and query
days lie in the supported range, optional query parameters may be sent empty.

Which errors an operation documents follows from the view itself (its parameters,
request body, authentication, permissions and throttles), so a new view is covered
without decorating it. Conflicts (409) are the exception: only the view knows that a
state can refuse it, so it declares them with :func:`conflict`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.generators import SchemaGenerator as SpectacularSchemaGenerator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

from apps.core.limits import (
    MAX_DATE,
    MIN_DATE,
    validate_date_in_range,
    validate_stored_time,
    validate_text,
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# What validate_text refuses, as an ECMA/Python pattern of the whole string. Surrogates are
# refused too but left out here: no JSON Schema regex engine can name them.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]*$"
TEXT_RULE = "Control characters are refused, except tab, line feed and carriage return."
# Days from 1970-01-01 to 2199-12-31 (the format rules out the 30th of February).
DATE_PATTERN = r"^(?:19[7-9][0-9]|2[01][0-9]{2})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
DATE_RULE = f"A day from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}."
TIME_RULE = (
    f"ISO 8601 with a time zone, from {MIN_DATE.isoformat()}T00:00:00Z to before "
    f"{MAX_DATE.year + 1}-01-01T00:00:00Z."
)

ERROR_SCHEMA = "Error"
FIELD_ERRORS_SCHEMA = "FieldErrors"
COMPONENTS: dict[str, dict[str, Any]] = {
    ERROR_SCHEMA: {
        "type": "object",
        "description": "A problem with the request as a whole (DRF's error shape).",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS_SCHEMA: {
        "type": "object",
        "description": (
            "Messages per field, for example "
            '`{"ended_at": ["The end must be after the start."]}`; problems with no single '
            "field are under `non_field_errors`, and a body that is not valid JSON (or is "
            'too large or too deeply nested) answers `{"detail": "..."}`.'
        ),
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string"},
                {"type": "object"},
            ]
        },
    },
}


# ``?archived=`` as apps.core.api.bool_param reads it.
ARCHIVED_PARAM = OpenApiParameter(
    "archived",
    bool,
    description="Only archived (true) or only active (false); also 1/0, yes/no.",
)


def id_parameter(name: str, description: str) -> OpenApiParameter:
    """An id query parameter as apps.core.api.id_param reads it: a whole number."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
        description=description,
    )


def conflict(description: str) -> OpenApiResponse:
    """A 409 for ``extend_schema(responses=...)``: the state does not allow the action.

    The body is given by :class:`AutoSchema`, as for every error it documents.
    """
    return OpenApiResponse(description=description)


class ApiSchemaMixin:
    """The error answers and the limits of this API, over drf-spectacular's ``AutoSchema``."""

    view: Any
    method: str
    registry: Any

    def get_request_serializer(self) -> Any:
        # Archive and restore are POSTs without a body, on viewsets whose serializer
        # drf-spectacular would otherwise offer as the request.
        if getattr(self.view, "action", None) in {"archive", "restore"}:
            return None
        return super().get_request_serializer()  # type: ignore[misc]

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(  # type: ignore[misc]
            field, direction, bypass_extensions
        )
        if direction != "request" or field.read_only:
            return schema
        target = schema["oneOf"][0] if "oneOf" in schema else schema
        if isinstance(field, serializers.PrimaryKeyRelatedField) and target.get("type") in {
            "integer",
            None,
        }:
            from apps.core.api import MAX_ID  # imports DRF's views, which import this class

            # StrictPrimaryKeyRelatedField: a whole number, or a string of its digits.
            number: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            digits = {"type": "string", "pattern": r"^[1-9][0-9]{0,18}$"}
            for key in ("type", "minimum", "maximum"):
                target.pop(key, None)
            target["oneOf"] = [number, digits]
        validators = list(getattr(field, "validators", []))
        if validate_text in validators and target.get("type") == "string":
            target.setdefault("pattern", TEXT_PATTERN)
            _describe(schema, TEXT_RULE)
        if validate_stored_time in validators:
            _describe(schema, TIME_RULE)
        if validate_date_in_range in validators:
            target.setdefault("pattern", DATE_PATTERN)
            _describe(schema, DATE_RULE)
        if isinstance(field, serializers.DecimalField) and target.get("type") == "string":
            # Answers carry decimal strings; a request may also send a JSON number.
            outer: dict[str, Any] = {
                k: schema.pop(k) for k in ("description", "nullable") if k in schema
            }
            number = {"type": "number"}
            if field.min_value is not None:
                number["minimum"] = float(field.min_value)
                if field.min_value >= 0:
                    schema["pattern"] = schema.get("pattern", "").replace("^-?", "^")
            if field.max_value is not None:
                number["maximum"] = float(field.max_value)
            schema = {"oneOf": [schema, number], **outer}
        return schema

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: Any,
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(  # type: ignore[misc]
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # Every optional query parameter treats ``?name=`` as absent.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        errors = self._error_codes(operation)
        responses = operation["responses"]
        for code, description in errors.items():
            responses.setdefault(str(code), {"description": description})
        for code, response in responses.items():
            # Errors a view declares itself (a 409) get the same JSON body as the others.
            if code.startswith(("4", "5")):
                response.setdefault(
                    "content", {"application/json": {"schema": self._error_ref(int(code))}}
                )
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> dict[int, str]:
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        has_path_id = any(p["in"] == "path" for p in parameters)
        has_body = "requestBody" in operation
        security = operation.get("security", [])
        authenticated = bool(security) and {} not in security
        unsafe = self.method in UNSAFE_METHODS
        errors: dict[int, str] = {}
        if has_body or query:
            errors[400] = "Invalid input: messages per field (or `detail` for a malformed body)."
        if authenticated:
            errors[401] = "No valid credentials (token or session)."
        from apps.core.api import IsAdminRole

        admin_only = any(isinstance(p, IsAdminRole) for p in self.view.get_permissions())
        csrf = unsafe and any(
            isinstance(a, SessionAuthentication) for a in self.view.get_authenticators()
        )
        if authenticated and (admin_only or csrf):
            errors[403] = (
                "Only admins can do this."
                if admin_only
                else "A session request without a valid CSRF token (tokens need none)."
            )
        if has_path_id or "page" in query or "format" in query:
            errors[404] = (
                "Not found: "
                + ", ".join(
                    reason
                    for reason, applies in [
                        ("no such object, or not yours to see", has_path_id),
                        ("a page past the last one", "page" in query),
                        ("an unknown or switched-off export format", "format" in query),
                    ]
                    if applies
                )
                + "."
            )
        if has_body:
            errors[415] = "The body's content type is not JSON, form or multipart."
        if self.view.get_throttles():
            errors[429] = "Too many requests; retry after the time in `Retry-After`."
        # Logging in stays open in maintenance mode (apps.core.maintenance).
        maintenance = unsafe and authenticated
        errors[503] = (
            "The database cannot be reached"
            + (", or the site is in maintenance mode (changes are refused)" if maintenance else "")
            + "; retry after `Retry-After` seconds."
        )
        return errors

    def _error_ref(self, code: int) -> dict[str, str]:
        name = FIELD_ERRORS_SCHEMA if code in (400, 409) else ERROR_SCHEMA
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema=COMPONENTS[name],
        )
        self.registry.register_on_missing(component)
        return component.ref


class AutoSchema(ApiSchemaMixin, SpectacularAutoSchema):
    """drf-spectacular's ``AutoSchema`` with :class:`ApiSchemaMixin`."""


class SchemaGenerator(SpectacularSchemaGenerator):
    """Gives every view :class:`ApiSchemaMixin`, also views with their own schema class.

    drf-spectacular builds an ``@extend_schema`` view's schema class from DRF's
    ``DEFAULT_SCHEMA_CLASS``; mixing in here covers those and the rest alike, set in
    ``SPECTACULAR_SETTINGS`` alone.
    """

    def create_view(self, callback: Any, method: str, request: Any = None) -> Any:
        view = super().create_view(callback, method, request)
        schema_class = view.schema.__class__
        if not issubclass(schema_class, ApiSchemaMixin):
            combined = type(f"Api{schema_class.__name__}", (ApiSchemaMixin, schema_class), {})
            self._set_schema_to_view(view, combined())
        return view


def _describe(schema: dict[str, Any], rule: str) -> None:
    current = schema.get("description")
    if not current:
        schema["description"] = rule
    elif MIN_DATE.isoformat() not in current and TEXT_RULE not in current:
        schema["description"] = f"{current} {rule}"
