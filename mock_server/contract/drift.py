"""Drift: what an answer carries that the spec does not document, though nothing in it is broken.

The spec's objects are open (no `additionalProperties: false`), so a property the server added breaks no rule;
but the spec has fallen behind the service, and someone should be told. For each answer the body is walked
along its documented schema (through `allOf`, `properties` and array `items`) and every property the schema does
not declare is reported by its JSON path (`data.appointment.location`); response headers that look like API
surface (rate limits, deprecation, links, tracing) and are not documented are reported too. Example values are
shown shortened, so that nothing personal or secret is printed whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from mock_server.contract.masking import mask_text

SURFACE_HEADERS = re.compile(
    r"^(x-ratelimit-.*|ratelimit(-.*)?|retry-after|deprecation|sunset|link|x-request-id|x-correlation-id|x-trace-id|"
    r"traceparent|x-api-version|api-version|x-deprecated.*|warning)$",
    re.IGNORECASE,
)


def _declared(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The properties an object schema declares (merged through allOf), and whether it says anything about them."""
    properties: dict[str, Any] = {}
    constrained = False
    for part in [schema, *schema.get("allOf", [])]:
        if not isinstance(part, dict):
            continue
        if "properties" in part or part.get("additionalProperties") is not None or part.get("type") == "object":
            constrained = constrained or "properties" in part
        for name, sub in part.get("properties", {}).items():
            properties.setdefault(name, sub)
    return properties, constrained


def undocumented_properties(schema: dict[str, Any], value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(JSON path, value) of each property the value has and the schema does not declare, outermost first."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        declared, constrained = _declared(schema)
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            where = f"{path}.{name}" if path else name
            if name in declared:
                yield from undocumented_properties(declared[name], item, where)
            elif constrained and not isinstance(extra, dict):
                yield where, item
            elif isinstance(extra, dict):
                yield from undocumented_properties(extra, item, where)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for item in value:
                yield from undocumented_properties(items, item, f"{path}[]")


def undocumented_headers(headers: dict[str, str], documented: set[str]) -> Iterator[tuple[str, str]]:
    """(header name, value) of each answer header that looks like API surface and the spec does not document."""
    for name, value in headers.items():
        if SURFACE_HEADERS.match(name) and name.lower() not in documented:
            yield name.lower(), value


def shown(value: Any) -> str:
    """An example value as a report shows it: its type, and only the start of a string (it may be personal)."""
    if isinstance(value, str):
        return mask_text(f'"{value[:4]}…" (a string of {len(value)})' if len(value) > 6 else f'"{value}"')
    if isinstance(value, (dict, list)):
        return f"an {'object' if isinstance(value, dict) else 'array'} of {len(value)}"
    return mask_text(repr(value))


@dataclass
class DriftItem:
    """One undocumented property or header of one operation's answers of one status."""

    operation_id: str
    status: int
    kind: str  # property | header
    name: str
    answers: int = 0
    example: str = ""


@dataclass
class DriftLog:
    """What the answers of a run (or of a proxy) had that the spec does not document."""

    items: dict[tuple[str, int, str, str], DriftItem] = field(default_factory=dict)

    def record(self, operation_id: str, status: int, schema: dict[str, Any] | None, body: Any, headers: dict[str, str],
               documented_headers: set[str]) -> None:
        """Look at one answer and count what it has that its documented response does not declare."""
        found: dict[tuple[str, str], Any] = {}
        if schema:
            for path, value in undocumented_properties(schema, body):
                found.setdefault(("property", path), value)
        for name, value in undocumented_headers(headers, documented_headers):
            found.setdefault(("header", name), value)
        for (kind, name), value in found.items():
            item = self.items.setdefault((operation_id, status, kind, name), DriftItem(operation_id, status, kind, name, 0, shown(value)))
            item.answers += 1

    def lines(self) -> list[str]:
        """One line per item, by operation, status and name."""
        return [
            f"{item.operation_id} {item.status}: {'header ' if item.kind == 'header' else ''}{item.name} "
            f"({item.answers} answer{'s' if item.answers != 1 else ''}; e.g. {item.example})"
            for item in sorted(self.items.values(), key=lambda i: (i.operation_id, i.status, i.kind, i.name))
        ]
