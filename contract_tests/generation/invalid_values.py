"""Values that break a parameter's own schema, derived from its keywords: what the suite sends every parameter.

Each value is one broken constraint (not a number, below `minimum`, above `maximum`, outside `enum`, not
matching `pattern`, longer than `maxLength`), as it goes on the wire. String values are kept only when the
schema really refuses them; live, only those a correct HTTP stack hands to the API (contract_tests/transport/reachable.py).
"""

from __future__ import annotations

from typing import Any

from contract_tests.transport.reachable import path_segment_reaches_app, query_text_reaches_app
from mock_server.contract.response_schemas import openapi_validator
from mock_server.spec import Parameter


def _numbers(schema: dict[str, Any]) -> list[tuple[str, str]]:
    values = [("not a number", "not-a-number")]
    if schema.get("type") == "integer":
        values.append(("not an integer", "1.5"))
    if isinstance(schema.get("minimum"), (int, float)):
        low = schema["minimum"] if schema.get("exclusiveMinimum") is True else schema["minimum"] - 1
        values.append((f"below the minimum of {schema['minimum']}", str(low)))
    if isinstance(schema.get("maximum"), (int, float)):
        high = schema["maximum"] if schema.get("exclusiveMaximum") is True else schema["maximum"] + 1
        values.append((f"above the maximum of {schema['maximum']}", str(high)))
    return values


def _strings(schema: dict[str, Any], location: str) -> list[tuple[str, str]]:
    candidates = []
    if "enum" in schema:
        candidates.append(("not one of the enum", "not_one_of_them"))
    if "pattern" in schema:
        candidates += [("not matching the pattern", "not a valid value!"), ("not matching the pattern", "a.b")]
    if isinstance(schema.get("maxLength"), int):
        candidates.append((f"longer than {schema['maxLength']} characters", "a" * (schema["maxLength"] + 1)))
    if schema.get("minLength", 0) > 0 and location != "path":
        candidates.append(("empty", ""))
    validator = openapi_validator(schema)
    seen: set[str] = set()
    kept = []
    for why, value in candidates:
        if value not in seen and not validator.is_valid(value):
            seen.add(value)
            kept.append((why, value))
    return kept


def invalid_values(parameter: Parameter, live: bool) -> list[tuple[str, str]]:
    """(what is wrong, the value as sent) pairs that break the parameter's schema."""
    kind = parameter.schema.get("type", "string")
    if kind in ("integer", "number"):
        values = _numbers(parameter.schema)
    elif kind == "boolean":
        values = [("not a boolean", "maybe")]
    elif kind == "string":
        values = _strings(parameter.schema, parameter.location)
    else:
        values = []  # arrays and objects: schemathesis' negative phase covers them
    reaches = path_segment_reaches_app if parameter.location == "path" else query_text_reaches_app
    return [(why, value) for why, value in values if not live or reaches(value)]
