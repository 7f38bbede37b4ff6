"""Step 3 of the pipeline: Prism-style forced responses, chosen with `Prefer` or `__code`/`__example`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mock_server.envelope import Reply, invalid_input
from mock_server.pipeline.bodies import DERIVED, ResponseBodies
from mock_server.pipeline.request import Query

__all__ = ["DERIVED", "Preference", "forced_response", "parse_preference"]

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
            return bodies.reply(status)
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
