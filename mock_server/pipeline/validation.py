"""Step 2 of the pipeline: validate every parameter and the body of the operation against their own schemas.

A plain string parameter (the common case, and every parameter of Get Appointment) is checked as it arrives
with a validator compiled once (jsonschema-rs). Any other is first deserialized by its `style` and `explode`
(form, simple, label, matrix, spaceDelimited, pipeDelimited, deepObject; path, query, header and cookie) and
cast to its schema's type by openapi-core's own deserializers and casters (imported only for a spec that has
such parameters), then checked the same way; a parameter described by `content` is parsed as JSON. A body is
checked for a documented Content-Type, JSON that parses and its schema. A failure is an invalid-input error
naming the parameter, or the place in the body by its JSON pointer; the profile answers it (Ravan's: the
documented 400 with the code `x-invalid-input-code` designates; a spec without one: its 422, else 400).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from mock_server.envelope import ApiError, invalid_input
from mock_server.imports import allow_optional_imports
from mock_server.pipeline.auth import _cookies
from mock_server.pipeline.request import OperationRequest
from mock_server.schemas import error_message, error_path, pointer, spec_validator
from mock_server.spec import ApiSpec, Operation, Parameter, SpecError, is_json_media


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
    from openapi_core.casting.schemas import oas30_write_schema_casters_factory, oas31_schema_casters_factory
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
    casters = oas31_schema_casters_factory if spec.is_31 else oas30_write_schema_casters_factory
    factory = StyleDeserializersFactory(casters, style_deserializers=style_deserializers)
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
                        checks.append((parameter, spec_validator(self.spec, parameter.schema), describe_constraint(parameter.name, parameter.schema), deserialize))
                    self._by_name = {(p.name, p.location): i for i, (p, *_rest) in enumerate(checks)}
                    self._compiled = checks
                compiled = self._compiled
        return compiled

    @staticmethod
    def invalid(message: str, name: str | None = None) -> ApiError:
        """The documented answer to malformed input (the profile renders it)."""
        return invalid_input(message, field=name)

    def check(self, name: str, location: str, value: str) -> None:
        """Raise the invalid-input error unless a plain string value satisfies the parameter's schema."""
        checks = self._checks
        parameter, validator, constraint, _ = checks[self._by_name[(name, location)]]
        if not validator.is_valid(value):
            raise self.invalid(f"Invalid {name}: {constraint}", name)

    def _typed(self, parameter: Parameter, raw: Any, deserialize: Callable[[Any], Any]) -> Any:
        from werkzeug.datastructures import ImmutableMultiDict

        if parameter.style == "spaceDelimited":  # openapi-core splits the value as it stood in the URL
            raw = raw.replace(" ", "%20") if isinstance(raw, str) else [v.replace(" ", "%20") for v in raw] if isinstance(raw, list) else raw
        if isinstance(raw, ImmutableMultiDict):
            location: Any = raw
        else:
            location = ImmutableMultiDict([(parameter.name, v) for v in raw]) if isinstance(raw, list) else {parameter.name: raw}
        try:
            return deserialize(location)
        except Exception:  # noqa: BLE001 - openapi-core's DeserializeError and CastError: the value is malformed
            kind = str(parameter.schema.get("type", "value"))
            shown = raw if isinstance(raw, str) else ",".join(raw) if isinstance(raw, list) else str(dict(raw))
            raise self.invalid(f"Invalid {parameter.name}: {json.dumps(shown)[:100]} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind}",
                               parameter.name) from None

    def _raw(self, parameter: Parameter, request: OperationRequest) -> Any:
        """The parameter's value as the request carries it (None when absent)."""
        if parameter.location == "path":
            return request.path_params.get(parameter.name)
        if parameter.location == "header":
            return request.header(parameter.name)
        if parameter.location == "cookie":
            return _cookies(request.header("Cookie")).get(parameter.name)
        if parameter.style == "deepObject":
            prefix = parameter.name + "["
            pairs = [(key[len(parameter.name):], value) for key, values in request.query.items() for value in values if key.startswith(prefix)]
            return _DeepObject(pairs) if pairs else None
        if parameter.schema.get("type") == "object" and parameter.explode and parameter.style == "form":
            from werkzeug.datastructures import ImmutableMultiDict

            pairs = [(key, value) for key, values in request.query.items() for value in values if key in (parameter.schema.get("properties") or {})]
            return ImmutableMultiDict(pairs) if pairs else None
        given = list(request.query.get(parameter.name) or ())
        if _may_be_array(parameter.schema) and (len(given) > 1 or parameter.schema.get("type") == "array"):
            return given or None
        if len(given) > 1:
            raise self.invalid(f"Invalid {parameter.name}: give the {parameter.name} query parameter at most once", parameter.name)
        return given[0] if given else None

    def _parsed(self, parameter: Parameter, raw: Any) -> Any:
        """A `content` parameter's value, parsed as its media type (JSON)."""
        if not is_json_media(parameter.content_type or ""):
            return raw
        try:
            return json.loads(raw)
        except (ValueError, TypeError):
            raise self.invalid(f"Invalid {parameter.name}: not JSON ({str(raw)[:60]!r})", parameter.name) from None

    def validate(self, request: OperationRequest) -> dict[str, Any]:
        """Every documented parameter the request carries, typed; raise the invalid-input error on the first bad one."""
        values: dict[str, Any] = {}
        for parameter, validator, constraint, deserialize in self._checks:
            raw = self._raw(parameter, request)
            if raw is None:
                if parameter.required:
                    raise self.invalid(f"Missing {parameter.name}: the {parameter.location} parameter {parameter.name} is required", parameter.name)
                continue
            if parameter.content_type is not None:
                value = self._parsed(parameter, raw)
            elif parameter.schema.get("type") == "array" and raw in ("", [""]) and not parameter.explode:
                value = []  # `name=` is how an empty array is serialized
            elif isinstance(raw, _DeepObject):
                value = raw.value(parameter.schema)
            else:
                value = self._typed(parameter, raw, deserialize) if deserialize is not None else raw
            if not validator.is_valid(value):
                if isinstance(value, str) and parameter.schema.get("type", "string") == "string":
                    raise self.invalid(f"Invalid {parameter.name}: {constraint}", parameter.name)
                error = next(iter(validator.iter_errors(value)))
                raise self.invalid(f"Invalid {parameter.name}: {error_message(error)}", parameter.name)
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
            raise self.parameters.invalid("Invalid org_id: give the org_id query parameter at most once", "org_id")
        if not org_values:
            return None
        self.check("org_id", org_values[0])
        return org_values[0]


class BodyValidator:
    """Checks a request's body against the operation's requestBody: presence, Content-Type, JSON, schema."""

    def __init__(self, spec: ApiSpec, operation: Operation):
        self.spec = spec
        self.operation = operation
        self.body = operation.request_body

    def validate(self, request: OperationRequest) -> Any:
        """The parsed body (None when there is none and none is required); the invalid-input error otherwise."""
        if self.body is None:
            return None
        data = request.body
        content_type = request.header("Content-Type") or request.environ.get("CONTENT_TYPE") or ""
        documented = ", ".join(self.body.content) or "none"
        if not data:
            if self.body.required:
                raise invalid_input(f"Missing request body: {self.operation.operation_id} requires one ({documented})", "")
            return None
        media = self.body.media(content_type)
        if media is None:
            shown = content_type.split(";")[0].strip() or "(none)"
            raise invalid_input(f"Unsupported Content-Type {shown}: the body must be {documented}", "")
        if is_json_media(media.media_type):
            try:
                value = json.loads(data)
            except UnicodeDecodeError:
                raise invalid_input("The body is not UTF-8 text", "") from None
            except ValueError as exc:
                raise invalid_input(f"The body is not valid JSON: {exc}", "") from None
        elif media.media_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qsl

            value = _coerce_form(parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True), media.schema)
        else:
            return data  # text, binary and multipart bodies: the documented type is all that is checked
        if media.schema:
            validator = spec_validator(self.spec, _request_schema(media.schema))
            if not validator.is_valid(value):
                errors = sorted(validator.iter_errors(value), key=lambda e: (len(error_path(e)), [str(p) for p in error_path(e)]))
                error = errors[0]
                where = pointer(error_path(error))
                what = "missing" if "required" in error_message(error) else f"invalid: {error_message(error)}"
                raise invalid_input(f"Invalid body at {where or '/'}: {what}", where)
        return value


def _request_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a request body must follow: readOnly properties are the server's to send, never required of a client."""
    required = schema.get("required")
    properties = schema.get("properties")
    if isinstance(required, list) and isinstance(properties, dict):
        read_only = {name for name, sub in properties.items() if isinstance(sub, dict) and sub.get("readOnly") is True}
        if read_only & set(required):
            return {**schema, "required": [name for name in required if name not in read_only]}
    return schema


def _coerce_form(pairs: list[tuple[str, str]], schema: dict[str, Any]) -> dict[str, Any]:
    """Form fields as the types their schema gives them (a form carries only text; an array is its key repeated, a
    lone empty value or, for a required array, no key at all is an empty array)."""
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    grouped: dict[str, list[str]] = {}
    for name, text in pairs:
        grouped.setdefault(name, []).append(text)
    coerced: dict[str, Any] = {}
    for name, texts in grouped.items():
        field_schema = properties.get(name) if isinstance(properties.get(name), dict) else {}
        if field_schema.get("type") == "array":
            items = field_schema.get("items") if isinstance(field_schema.get("items"), dict) else {}
            coerced[name] = [] if texts == [""] else [_cast(items, text) for text in texts]
        else:
            coerced[name] = _cast(field_schema, texts[-1])
    for name in schema.get("required") or []:  # an empty array has no key in a form: absent means empty
        field_schema = properties.get(name) if isinstance(properties.get(name), dict) else {}
        if name not in coerced and field_schema.get("type") == "array":
            coerced[name] = []
    return coerced


def _may_be_array(schema: dict[str, Any]) -> bool:
    """True when a value of the schema may be an array (its type, or one of its oneOf/anyOf alternatives)."""
    kind = schema.get("type")
    if kind == "array" or (isinstance(kind, list) and "array" in kind):
        return True
    return any(isinstance(option, dict) and _may_be_array(option) for key in ("oneOf", "anyOf") for option in schema.get(key) or ())


class _DeepObject:
    """A deepObject query parameter's `name[key][sub]=value` pairs, read into an object (OpenAPI leaves nesting
    undefined; clients send it, so `[a][b]` is read as {a: {b: ...}}), its leaves cast by their schemas."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = pairs

    def value(self, schema: dict[str, Any]) -> Any:
        """The object the pairs describe (a repeated key: a list of its values)."""
        import re as regex

        found: dict[str, Any] = {}
        for brackets, text in self.pairs:
            keys = regex.findall(r"\[([^\[\]]*)\]", brackets)
            if not keys or "".join(f"[{k}]" for k in keys) != brackets:
                keys = [brackets[1:-1]]  # a name with brackets in it: one key, from the first [ to the last ]
            node, node_schema = found, schema
            for key in keys[:-1]:
                node_schema = _property_schema(node_schema, key)
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
            leaf = keys[-1]
            cast = _cast(_property_schema(node_schema, leaf), text)
            if leaf in node:
                node[leaf] = [*(node[leaf] if isinstance(node[leaf], list) else [node[leaf]]), cast]
            else:
                node[leaf] = cast
        return found


def _property_schema(schema: Any, key: str) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    if key in properties and isinstance(properties[key], dict):
        return properties[key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def _cast(schema: dict[str, Any], text: str) -> Any:
    """A text as the type its schema gives (text again when it is not of that type: the validator then says so)."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    try:
        if "integer" in kinds and text.lstrip("-").isdigit():
            return int(text)
        if "number" in kinds:
            return float(text) if any(c in text for c in ".eE") else int(text)
        if "boolean" in kinds and text in ("true", "false"):
            return text == "true"
        if "null" in kinds and text in ("", "null"):
            return None
    except ValueError:
        pass
    return text
