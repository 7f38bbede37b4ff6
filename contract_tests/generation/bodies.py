"""Request bodies the suite sends: a valid one a real server can accept, and ones that break the schema.

A valid body is the operation's first request example that validates, else one derived from the schema; either way
date-times are real ones a month ahead, on the hour, an end after its start where the names pair like that
(`start`/`end`, `appointment_time`/`end_time`, `from`/`to`), and, for what the suite creates, a name-like text
field starts with `contract-test` where the schema allows it, so that a person can tell the suite's items apart.
Invalid bodies each break one thing: a required field missing, a wrong type, a property the schema forbids, a
broken pattern or length, a value outside an enum, not JSON, another content type, no body at all.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from mock_server.pipeline.sampler import Sampler
from mock_server.resources.model import _properties
from mock_server.schemas import spec_validator
from mock_server.spec import ApiSpec, Operation, SpecError, is_json_media

MARK = "contract-test"
_TIME_PATTERN_PROBE = "2026-01-01T09:00:00Z"
_START = re.compile(r"(^|_)(start|begin|from)|^(appointment|booking|event|meeting)_?time$|start(s)?_?at$|^starts?$", re.IGNORECASE)
_END = re.compile(r"(^|_)(end|finish|until|to)($|_)|ends?_?at$|end_?time$", re.IGNORECASE)
_NAME = re.compile(r"(^|_)(name|title|label|summary|contact_name|display_name)$", re.IGNORECASE)


@dataclass(frozen=True)
class Body:
    """A body to send: its media type, its value and whether it is the spec's own example."""

    media_type: str
    value: Any
    from_example: bool


@dataclass(frozen=True)
class BadBody:
    """A body that breaks the operation's request body: what is wrong, its Content-Type and its bytes (None: no body)."""

    what: str
    content_type: str | None
    data: bytes | None
    wrong_media: bool = False  # another content type (a 415 answers it too)


def json_media(operation: Operation) -> tuple[str, dict[str, Any]] | None:
    """(media type, schema) of the operation's JSON request body."""
    if operation.request_body is None:
        return None
    media = next((m for m in operation.request_body.content.values() if is_json_media(m.media_type)), None)
    return (media.media_type, media.schema or {}) if media is not None else None


def _is_time(schema: Any) -> bool:
    if not isinstance(schema, dict) or schema.get("type") not in (None, "string"):
        return False
    if schema.get("format") == "date-time":
        return True
    pattern = schema.get("pattern")
    return isinstance(pattern, str) and "T" in pattern and bool(_safe_search(pattern, _TIME_PATTERN_PROBE))


def _safe_search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def realistic(spec: ApiSpec, schema: dict[str, Any], value: Any, *, mark: bool, slot: int = 0) -> Any:
    """The value with real future times (an end after its start) and, when mark, a name marked as the suite's."""
    if not isinstance(value, dict):
        return value
    properties = _properties(schema)
    times = [name for name in value if _is_time(properties.get(name))]
    result = dict(value)
    if times:
        day = dt.datetime.now(dt.timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=30 + slot)
        starts = [n for n in times if _START.search(n) and not _END.search(n)]
        ends = [n for n in times if _END.search(n)]
        for name in times:
            moment = day + dt.timedelta(minutes=30) if name in ends and (starts or len(times) > 1) else day
            candidate = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            if spec_validator(spec, properties[name]).is_valid(candidate):
                result[name] = candidate
    if mark:
        for name, sub in properties.items():
            if name in result and isinstance(result[name], str) and _NAME.search(name) and isinstance(sub, dict):
                candidate = f"{MARK} {result[name]}".strip()[: int(sub.get("maxLength", 200))]
                if spec_validator(spec, sub).is_valid(candidate):
                    result[name] = candidate
    validator = spec_validator(spec, schema)
    return result if validator.is_valid(result) else value


def valid_body(spec: ApiSpec, operation: Operation, sampler: Sampler, *, mark: bool = False, slot: int = 0,
               example_first: bool = True) -> Body | None:
    """A body the schema admits and a real server can accept (None: the operation takes no JSON body)."""
    found = json_media(operation)
    if found is None:
        return None
    media_type, schema = found
    media = next(m for m in operation.request_body.content.values() if m.media_type == media_type)  # type: ignore[union-attr]
    validator = spec_validator(spec, schema) if schema else None
    if example_first:
        for value in media.examples.values():
            if validator is None or validator.is_valid(value):
                return Body(media_type, realistic(spec, schema, copy.deepcopy(value), mark=mark, slot=slot) if mark else value, True)
    try:
        derived = sampler.sample(schema, f"{operation.label} request body") if schema else {}
    except SpecError:
        return None
    return Body(media_type, realistic(spec, schema, derived, mark=mark, slot=slot), False)


def _wrong_type(schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return {"string": 12345, "integer": "not a number", "number": "not a number", "boolean": "not a boolean",
            "array": {"not": "an array"}, "object": ["not", "an", "object"]}.get(kind or "", None)


def invalid_bodies(spec: ApiSpec, operation: Operation, base: Any, limit: int = 12) -> list[BadBody]:
    """Bodies that each break the operation's JSON request body in one way (checked to be invalid)."""
    found = json_media(operation)
    if found is None:
        return []
    media_type, schema = found
    validator = spec_validator(spec, schema) if schema else None
    out: list[BadBody] = [BadBody("not JSON", media_type, b"{not json"),
                          BadBody("another content type (text/plain)", "text/plain", json.dumps(base).encode(), wrong_media=True)]
    if operation.request_body is not None and operation.request_body.required:
        out.append(BadBody("no body", media_type, None))
    candidates: list[tuple[str, Any]] = []
    properties = _properties(schema)
    if isinstance(base, dict):
        for name in schema.get("required") or ():
            if name in base:
                candidates.append((f"required /{name} missing", {k: v for k, v in base.items() if k != name}))
        for name, sub in properties.items():
            wrong = _wrong_type(sub)
            if wrong is not None:
                candidates.append((f"/{name} of the wrong type", {**base, name: wrong}))
            if not isinstance(sub, dict):
                continue
            if isinstance(sub.get("pattern"), str):
                candidates.append((f"/{name} breaks its pattern", {**base, name: "\u00a7 not valid \u00a7"}))
            if isinstance(sub.get("maxLength"), int):
                candidates.append((f"/{name} longer than maxLength {sub['maxLength']}", {**base, name: "a" * (sub["maxLength"] + 1)}))
            if isinstance(sub.get("minLength"), int) and sub["minLength"] > 0:
                candidates.append((f"/{name} shorter than minLength {sub['minLength']}", {**base, name: ""}))
            if isinstance(sub.get("enum"), list) and all(isinstance(v, str) for v in sub["enum"]):
                candidates.append((f"/{name} not one of its enum", {**base, name: "not-one-of-the-enum"}))
        if schema.get("additionalProperties") is False:
            candidates.append(("a property the schema forbids (/contract_test_extra)", {**base, "contract_test_extra": "x"}))
        candidates.append(("an array instead of an object", [base]))
    for what, value in candidates:
        if validator is not None and not validator.is_valid(value):
            out.append(BadBody(what, media_type, json.dumps(value).encode()))
    return out[:limit]
