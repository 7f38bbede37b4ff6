"""The mock's JSON Schema validators: jsonschema-rs, which reads `pattern` as OpenAPI means it (ECMA-262).

With Python's `re`, `^[a-z]+$` accepts "abc\\n" (`$` also matches before a trailing newline); with
ECMA-262, as OpenAPI specifies, and with jsonschema-rs's regex engine, it does not. jsonschema-rs
(the Rust validator behind schemathesis) is also quick to import, which keeps the mock's start fast.
The tests validate with another implementation (mock_server/contract/response_schemas.py), so a validator bug in one
cannot hide a contract bug in the other.
"""

from __future__ import annotations

import json
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
