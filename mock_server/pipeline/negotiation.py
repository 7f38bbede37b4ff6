"""Step 3 of the pipeline: Prism-style forced responses, chosen with `Prefer` or `__code`/`__example`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.envelope import ApiError
from mock_server.spec import ApiSpec, SpecError
from mock_server.serving.wsgi import Query

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


def _catalogue(spec: ApiSpec) -> str:
    return "; ".join(f"{status}: {', '.join(names) or '(no examples)'}" for status, names in spec.example_names().items())


def forced_response(spec: ApiSpec, preference: Preference) -> tuple[int, Any]:
    """The status and example body that the preference selects, or a 400 listing what exists."""
    if preference.code is not None:
        if not preference.code.isdigit() or int(preference.code) not in spec.responses:
            raise ApiError(
                "INVALID_REQUEST",
                f"Prefer code={preference.code} is not a documented response. Documented examples by status: {_catalogue(spec)}",
            )
        response = spec.responses[int(preference.code)]
        if preference.example is None:
            if not response.examples:
                raise ApiError("INVALID_REQUEST", f"Response {response.status} has no example to serve")
            return response.status, next(iter(response.examples.values()))
        if preference.example in response.examples:
            return response.status, response.examples[preference.example]
        raise ApiError(
            "INVALID_REQUEST",
            f"Prefer example={preference.example} is not an example of response {response.status}. "
            f"Documented examples by status: {_catalogue(spec)}",
        )
    try:
        return spec.example(str(preference.example))
    except SpecError:
        pass
    raise ApiError(
        "INVALID_REQUEST",
        f"Prefer example={preference.example} is not a documented example. Documented examples by status: {_catalogue(spec)}",
    )
