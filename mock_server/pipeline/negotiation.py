"""Step 3 of the pipeline: Prism-style forced responses, chosen with `Prefer` or `__code`/`__example`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.envelope import Reply, invalid_input
from mock_server.pipeline.bodies import DERIVED, ResponseBodies
from mock_server.pipeline.request import Query

__all__ = ["DERIVED", "Preference", "forced_response", "negotiate_by_preference", "parse_preference"]

_PREFERENCE = re.compile(r"\s*(code|example)\s*=\s*\"?([^\",;\s]*)\"?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Preference:
    """What the client asked to be served: a status, an example name, or both."""

    code: str | None = None
    example: str | None = None
    source: str = "Prefer"  # how it was asked: "Prefer", or "__code" / "__example" in the query


def parse_preference(prefer_header: str | None, query: Query) -> Preference | None:
    """Read `Prefer: code=502, example=x` and the `__code` / `__example` query twins (which win)."""
    found: dict[str, str] = {}
    source = "Prefer"
    if prefer_header:
        for item in re.split(r"[,;]", prefer_header):
            match = _PREFERENCE.fullmatch(item)
            if match:
                found[match.group(1).lower()] = match.group(2)
    for name in ("code", "example"):
        values = query.get(f"__{name}")
        if values:
            found[name] = values[0]
            source = f"__{name}"
    if not found:
        return None
    return Preference(code=found.get("code"), example=found.get("example"), source=source)


MESSAGE_FIELDS = ("message", "detail", "error_description", "error_message", "errorMessage", "description", "error", "title")


def _said_forced(bodies: ResponseBodies, reply: Reply, preference: Preference) -> Reply:
    """A forced error answer says it was forced (its message field, where the schema allows), so that nobody reads a
    forced 401's example message ("Missing bearer token") as what their request did."""
    body = reply.body
    if not isinstance(body, dict) or reply.status < 400:
        return reply
    field = next((name for name in MESSAGE_FIELDS if isinstance(body.get(name), str)), None)
    if field is None:
        return reply
    how = f"Prefer: code={preference.code}" if preference.source == "Prefer" else f"{preference.source}={preference.code}"
    changed = {**body, field: f"Forced by {how}: the documented {reply.status} answer, not the outcome of this request's checks"}
    response = bodies.operation.response_for(reply.status)
    if response is not None and response.schema:
        from mock_server.schemas import spec_validator

        if not spec_validator(bodies.spec, response.schema).is_valid(changed):
            return reply
    return Reply(reply.status, changed, reply.content_type, reply.headers)


def _catalogue(bodies: ResponseBodies) -> str:
    return "; ".join(f"{status}: {', '.join(names)}" for status, names in bodies.by_status.items())


def forced_response(bodies: ResponseBodies, preference: Preference) -> Reply:
    """The answer the preference selects, or the invalid-input error listing what exists."""
    operation = bodies.operation
    if preference.code is not None:
        status = int(preference.code) if preference.code.isdigit() else None
        if status is None or not operation.documents(status):
            raise invalid_input(f"Prefer code={preference.code} is not a documented response. Documented examples by status: {_catalogue(bodies)}")
        if preference.example is None:
            return _said_forced(bodies, bodies.reply(status), preference)
        response = operation.response_for(status)
        key = status if status in operation.responses else response.key  # type: ignore[union-attr]
        if preference.example in bodies.by_status[key]:
            return bodies.reply(status, preference.example)
        raise invalid_input(
            f"Prefer example={preference.example} is not an example of response {status}. "
            f"Documented examples by status: {_catalogue(bodies)}"
        )
    for key, named in bodies.by_status.items():
        if preference.example in named:
            status = key if isinstance(key, int) else _range_status(key)
            return bodies.reply(status, str(preference.example))
    raise invalid_input(f"Prefer example={preference.example} is not a documented example. Documented examples by status: {_catalogue(bodies)}")


def _range_status(key: str) -> int:
    return 200 if key == "default" else int(key[0]) * 100


def negotiate_by_preference(handler: Any, prefer: str | None, query: Query) -> Reply | None:
    """A handler's negotiate step: the answer `Prefer` / `__code` / `__example` selects among its `bodies`, or None."""
    preference = parse_preference(prefer, query)
    return None if preference is None else forced_response(handler.bodies, preference)
