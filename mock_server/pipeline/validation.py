"""Step 2 of the pipeline: validate every parameter of the operation against its own schema.

A plain string parameter (the common case, and every parameter of Get Appointment) is checked as it arrives
with a validator compiled once (jsonschema-rs). Any other is first deserialized by its `style` and `explode`
and cast to its schema's type by openapi-core's own deserializers and casters (imported only for a spec that
has such parameters), then checked the same way. A failure is the operation's documented 400 with the code
the spec designates for invalid input (`x-invalid-input-code`, or the 400's only code).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from mock_server.envelope import ApiError
from mock_server.imports import allow_optional_imports
from mock_server.pipeline.request import OperationRequest
from mock_server.schemas import draft4_validator, error_message
from mock_server.spec import ApiSpec, Operation, Parameter, SpecError


def describe_constraint(name: str, schema: dict[str, Any]) -> str:
    """A readable sentence of what a string parameter must look like, taken from its schema."""
    parts = []
    if "minLength" in schema or "maxLength" in schema:
        parts.append(f"{schema.get('minLength', 0)} to {schema.get('maxLength', 'any number of')} characters")
    if "pattern" in schema:
        parts.append(f"matching {schema['pattern']}")
    if "enum" in schema:
        parts.append("one of " + ", ".join(json.dumps(option) for option in schema["enum"]))
    return f"{name} must be " + ", ".join(parts or ["a string"])


def _deserializer(spec: ApiSpec, operation: Operation, parameter: Parameter) -> Callable[[Any], Any]:
    """openapi-core's deserializer and caster for one parameter: location mapping -> typed value.

    openapi-core's package imports its settings (pydantic-settings, python-dotenv) whatever part of it is used;
    the served mock marks python-dotenv absent to start faster (serving/lean_imports.py), so a spec with typed
    parameters lifts that mark first. Importing openapi-core costs about 0.3 s of the start, once.
    """
    allow_optional_imports()
    from jsonschema_path import SchemaPath
    from openapi_core.casting.schemas import oas30_write_schema_casters_factory
    from openapi_core.deserializing.styles import StyleDeserializersFactory, style_deserializers

    document = SchemaPath.from_dict(spec.raw)
    operation_path = document / "paths" / operation.path / operation.method.lower()
    schema = None
    for owner in (operation_path, document / "paths" / operation.path):
        if "parameters" not in owner:
            continue
        for candidate in owner / "parameters":
            if (candidate / "name").read_str() == parameter.name and (candidate / "in").read_str() == parameter.location:
                schema = candidate / "schema"
                break
        if schema is not None:
            break
    if schema is None:
        raise SpecError(f"{operation.label}: parameter {parameter.name!r} has no schema")
    factory = StyleDeserializersFactory(oas30_write_schema_casters_factory, style_deserializers=style_deserializers)
    return factory.create(document, schema, parameter.style, parameter.explode, parameter.name).deserialize


class ParameterValidator:
    """Checks one operation's parameters with validators compiled from the spec on the operation's first request.

    Compiling on first use keeps a spec's size off the mock's start: a spec of 600 operations starts as fast as
    one of a single operation, and openapi-core is imported only when an operation with typed parameters is
    first asked (the loader has already refused any style the deserializers do not support).
    """

    def __init__(self, spec: ApiSpec, operation: Operation):
        self.spec = spec
        self.operation = operation
        self.code = operation.invalid_input_code or spec.invalid_input_code
        self._compiled: list[tuple[Parameter, Any, str, Callable[[Any], Any] | None]] | None = None
        self._by_name: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @property
    def _checks(self) -> list[tuple[Parameter, Any, str, Callable[[Any], Any] | None]]:
        compiled = self._compiled
        if compiled is None:
            with self._lock:
                if self._compiled is None:
                    checks = []
                    for parameter in self.operation.parameters:
                        deserialize = _deserializer(self.spec, self.operation, parameter) if parameter.needs_deserializing else None
                        checks.append((parameter, draft4_validator(parameter.schema), describe_constraint(parameter.name, parameter.schema), deserialize))
                    self._by_name = {(p.name, p.location): i for i, (p, *_rest) in enumerate(checks)}
                    self._compiled = checks
                compiled = self._compiled
        return compiled

    def invalid(self, message: str) -> ApiError:
        """The documented answer to malformed input."""
        return ApiError(self.code, message)

    def check(self, name: str, location: str, value: str) -> None:
        """Raise the invalid-input error unless a plain string value satisfies the parameter's schema."""
        checks = self._checks
        parameter, validator, constraint, _ = checks[self._by_name[(name, location)]]
        if not validator.is_valid(value):
            raise self.invalid(f"Invalid {name}: {constraint}")

    def _typed(self, parameter: Parameter, raw: Any, deserialize: Callable[[Any], Any]) -> Any:
        from werkzeug.datastructures import ImmutableMultiDict

        location = ImmutableMultiDict([(parameter.name, v) for v in raw]) if isinstance(raw, list) else {parameter.name: raw}
        try:
            return deserialize(location)
        except Exception:  # noqa: BLE001 - openapi-core's DeserializeError and CastError: the value is malformed
            kind = parameter.schema.get("type", "value")
            shown = raw if not isinstance(raw, list) else ",".join(raw)
            raise self.invalid(f"Invalid {parameter.name}: {json.dumps(shown)[:100]} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind}") from None

    def validate(self, request: OperationRequest) -> dict[str, Any]:
        """Every documented parameter the request carries, typed; raise the invalid-input error on the first bad one."""
        values: dict[str, Any] = {}
        for parameter, validator, constraint, deserialize in self._checks:
            if parameter.location == "path":
                raw: Any = request.path_params.get(parameter.name)
            elif parameter.location == "query":
                given = list(request.query.get(parameter.name) or ())
                if parameter.schema.get("type") == "array":
                    raw = given or None
                elif len(given) > 1:
                    raise self.invalid(f"Invalid {parameter.name}: give the {parameter.name} query parameter at most once")
                else:
                    raw = given[0] if given else None
            else:
                raw = request.header(parameter.name)
            if raw is None:
                if parameter.required:
                    raise self.invalid(f"Missing {parameter.name}: the {parameter.location} parameter {parameter.name} is required")
                continue
            value = self._typed(parameter, raw, deserialize) if deserialize is not None else raw
            if not validator.is_valid(value):
                if isinstance(value, str) and parameter.schema.get("type", "string") == "string":
                    raise self.invalid(f"Invalid {parameter.name}: {constraint}")
                error = next(iter(validator.iter_errors(value)))
                raise self.invalid(f"Invalid {parameter.name}: {error_message(error)}")
            values[parameter.name] = value
        return values


class RequestValidator:
    """Get Appointment's validation step: `appointment_id` and the `org_id` query, through the operation's validator."""

    def __init__(self, spec: ApiSpec, operation: Operation):
        self.parameters = ParameterValidator(spec, operation)

    def check(self, name: str, value: str) -> None:
        """Raise 400 unless value satisfies the parameter's schema."""
        self.parameters.check(name, "path" if name == "appointment_id" else "query", value)

    def validate(self, appointment_id: str, org_values: list[str]) -> str | None:
        """Validate the request's inputs; return the `org_id` query value (None when absent)."""
        self.check("appointment_id", appointment_id)
        if len(org_values) > 1:
            raise self.parameters.invalid("Invalid org_id: give the org_id query parameter at most once")
        if not org_values:
            return None
        self.check("org_id", org_values[0])
        return org_values[0]
