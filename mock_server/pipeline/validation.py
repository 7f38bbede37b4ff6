"""Step 2 of the pipeline: validate the path and query parameters against the spec's own schemas."""

from __future__ import annotations

from typing import Any

from mock_server.envelope import ApiError
from mock_server.schemas import draft4_validator
from mock_server.spec import ApiSpec


def describe_constraint(name: str, schema: dict[str, Any]) -> str:
    """A readable sentence of what a string parameter must look like, taken from its schema."""
    parts = []
    if "minLength" in schema or "maxLength" in schema:
        parts.append(f"{schema.get('minLength', 0)} to {schema.get('maxLength', 'any number of')} characters")
    if "pattern" in schema:
        parts.append(f"matching {schema['pattern']}")
    return f"{name} must be " + ", ".join(parts or ["a string"])


class RequestValidator:
    """Checks `appointment_id` and `org_id` with validators compiled once from openapi.yaml."""

    def __init__(self, spec: ApiSpec):
        self._checks: dict[str, tuple[Any, str]] = {}
        for name, location in (("appointment_id", "path"), ("org_id", "query")):
            schema = spec.parameter_schema(name, location)
            self._checks[name] = (draft4_validator(schema), describe_constraint(name, schema))

    def check(self, name: str, value: str) -> None:
        """Raise 400 INVALID_REQUEST unless value satisfies the parameter's schema."""
        validator, constraint = self._checks[name]
        if not validator.is_valid(value):
            raise ApiError("INVALID_REQUEST", f"Invalid {name}: {constraint}")

    def validate(self, appointment_id: str, org_values: list[str]) -> str | None:
        """Validate the request's inputs; return the `org_id` query value (None when absent)."""
        self.check("appointment_id", appointment_id)
        if len(org_values) > 1:
            raise ApiError("INVALID_REQUEST", "Invalid org_id: give the org_id query parameter at most once")
        if not org_values:
            return None
        self.check("org_id", org_values[0])
        return org_values[0]
