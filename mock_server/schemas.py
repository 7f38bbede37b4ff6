"""The mock's JSON Schema validators: jsonschema-rs, which reads `pattern` as OpenAPI means it (ECMA-262).

With Python's `re`, `^[a-z]+$` accepts "abc\\n" (`$` also matches before a trailing newline); with
ECMA-262, as OpenAPI specifies, and with jsonschema-rs's regex engine, it does not. jsonschema-rs
(the Rust validator behind schemathesis) is also quick to import, which keeps the mock's start fast.
The tests validate with another implementation (mock_server/contract/response_schemas.py), so a validator bug in one
cannot hide a contract bug in the other.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import jsonschema_rs


def draft4_validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema (draft 4) validator with ECMA patterns and format checks."""
    return jsonschema_rs.Draft4Validator(schema, validate_formats=True)


def error_message(error: Any) -> str:
    """The error's message, with every allowed value when an enum rejected it (not "or 3 other candidates")."""
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
        return "missing: a required field"
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Enum):
        return f"{json.dumps(error.instance)} is not one of {', '.join(json.dumps(option) for option in error.kind.options)}"
    return str(error.message)


def error_path(error: Any) -> list[str | int]:
    """Where in the instance a validation error is (a list of keys and indexes); a missing field names itself."""
    path = list(error.instance_path)
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
        path.append(error.kind.property)
    return path


def _registry(spec: Any) -> Any:
    """The spec's documents as a jsonschema-rs registry, for the recursive refs its schemas keep (built once per spec)."""
    registry = spec.__dict__.get("_schema_registry")
    if registry is None:
        draft = jsonschema_rs.Draft202012 if spec.is_31 else jsonschema_rs.Draft4
        registry = jsonschema_rs.Registry(list(spec.documents.items()), draft=draft)
        object.__setattr__(spec, "_schema_registry", registry)  # the spec is frozen; this is a cache, not a field
    return registry


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


# Formats OpenAPI 3.0 documents use that JSON Schema draft 4 does not define (jsonschema-rs' draft 4 ignores them).
OPENAPI_FORMATS = {"uuid": lambda value: bool(_UUID.match(value)), "date": _is_date}


def _shallow(spec: Any, node: Any, top: bool = True) -> Any:
    """A copy of a schema whose shared parts (those with a place in the document) are `$ref`s to that place."""
    if isinstance(node, dict):
        origin = None if top else spec.schema_origins.get(id(node))
        if origin is not None:
            return {"$ref": origin}
        return {key: _shallow(spec, value, False) for key, value in node.items()}
    if isinstance(node, list):
        return [_shallow(spec, item, False) for item in node]
    return node


def spec_validator(spec: Any, schema: dict[str, Any]) -> Any:
    """A validator of one (resolved) schema of the spec: JSON Schema draft 4 for OpenAPI 3.0 (its `nullable`
    already rewritten by the loader), 2020-12 for 3.1; compiled from the schema's place in the document where it
    has one, so that shared and recursive parts are compiled once, and memoized per schema."""
    cache = spec.__dict__.get("_validators")
    if cache is None:
        cache = {}
        object.__setattr__(spec, "_validators", cache)  # the spec is frozen; this is a cache, not a field
    key = id(schema)
    found = cache.get(key)
    if found is not None and found[0] is schema:
        return found[1]
    cls = jsonschema_rs.Draft202012Validator if spec.is_31 else jsonschema_rs.Draft4Validator
    formats = None if spec.is_31 else OPENAPI_FORMATS
    if not spec.schema_origins:
        validator = cls(schema, validate_formats=True, formats=formats)
    else:
        origin = spec.schema_origins.get(key)
        compiled = {"$ref": origin} if origin is not None else _shallow(spec, schema)
        validator = cls(compiled, validate_formats=True, registry=_registry(spec), formats=formats)
    cache[key] = (schema, validator)
    return validator


def pointer(path: list[str | int]) -> str:
    """A JSON pointer (RFC 6901) to a place in an instance: '/attendees/0/email', '' for the whole."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
