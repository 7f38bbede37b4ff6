"""Step 3 of the pipeline: Prism-style forced responses, chosen with `Prefer` or `__code`/`__example`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.envelope import ApiError
from mock_server.pipeline.derived import derived_body
from mock_server.pipeline.request import Query
from mock_server.spec import Operation

_PREFERENCE = re.compile(r"\s*(code|example)\s*=\s*\"?([^\",;\s]*)\"?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Preference:
    """What the client asked to be served: a status, an example name, or both."""

    code: str | None = None
    example: str | None = None


def parse_preference(prefer_header: str | None, query: Query) -> Preference | None:
    """Read `Prefer: code=502, example=x` and the `__code` / `__example` query twins (which win)."""
    found: dict[str, str] = {}
    if prefer_header:
        for item in re.split(r"[,;]", prefer_header):
            match = _PREFERENCE.fullmatch(item)
            if match:
                found[match.group(1).lower()] = match.group(2)
    for name in ("code", "example"):
        values = query.get(f"__{name}")
        if values:
            found[name] = values[0]
    if not found:
        return None
    return Preference(code=found.get("code"), example=found.get("example"))


DERIVED = "derived_from_schema"  # the name a schema-derived body is served under (Prefer: example=derived_from_schema)


def servable_bodies(operation: Operation) -> dict[int, dict[str, Any]]:
    """What each documented response can be served with: its named examples, else a body derived from its schema."""
    bodies: dict[int, dict[str, Any]] = {}
    for status in operation.statuses:
        response = operation.responses[status]
        if response.examples:
            bodies[status] = dict(response.examples)
        elif response.schema:
            bodies[status] = {DERIVED: derived_body(response.schema, f"{operation.label} response {status}")}
        else:
            bodies[status] = {DERIVED: None}  # a response without content: no body
    return bodies


def _catalogue(bodies: dict[int, dict[str, Any]]) -> str:
    return "; ".join(f"{status}: {', '.join(names)}" for status, names in bodies.items())


def forced_response(bodies: dict[int, dict[str, Any]], preference: Preference, invalid_code: str) -> tuple[int, Any]:
    """The status and body that the preference selects, or the invalid-input error listing what exists."""
    if preference.code is not None:
        if not preference.code.isdigit() or int(preference.code) not in bodies:
            raise ApiError(
                invalid_code,
                f"Prefer code={preference.code} is not a documented response. Documented examples by status: {_catalogue(bodies)}",
            )
        status = int(preference.code)
        if preference.example is None:
            return status, next(iter(bodies[status].values()))
        if preference.example in bodies[status]:
            return status, bodies[status][preference.example]
        raise ApiError(
            invalid_code,
            f"Prefer example={preference.example} is not an example of response {status}. "
            f"Documented examples by status: {_catalogue(bodies)}",
        )
    for status, named in bodies.items():
        if preference.example in named:
            return status, named[str(preference.example)]
    raise ApiError(
        invalid_code,
        f"Prefer example={preference.example} is not a documented example. Documented examples by status: {_catalogue(bodies)}",
    )
