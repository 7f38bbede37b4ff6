"""The routing table: (method, path) to one operation of the spec, as Prism's router does it.

Concrete segments beat templated ones (`/appointments/search` wins over `/appointments/{id}`); a path that
matches without its method is a 405 with the methods the path has; HEAD is served where GET is documented.
A path parameter matches one segment. When no template matches exactly, a template that ends in a parameter
still takes a path that starts with its fixed part, the rest (empty, or with slashes) as that parameter's
value, so that `/appointments/` or `/appointments/a/b` reach the operation and get its documented 400 for a
malformed value rather than a 404 (clients and fuzzers send such paths; the contract documents the 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from mock_server.spec import Operation


@dataclass(frozen=True)
class Match:
    """The operation a request is for, and its path parameters (as they arrived, not yet validated)."""

    operation: Operation
    path_params: dict[str, str]


@dataclass(frozen=True)
class NotAllowed:
    """The path is documented, the method is not: a 405 with these methods in `Allow`."""

    allow: tuple[str, ...]


@dataclass(frozen=True)
class _Path:
    template: str
    exact: re.Pattern[str]
    lenient: re.Pattern[str] | None
    names: tuple[str, ...]
    methods: dict[str, Operation]
    rank: tuple[int, int]


def _patterns(template: str) -> tuple[re.Pattern[str], re.Pattern[str] | None, tuple[str, ...]]:
    names: list[str] = []
    parts = re.split(r"({[^{}]+})", template)
    regex = ""
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            names.append(part[1:-1])
            regex += f"(?P<p{len(names) - 1}>[^/]+)"
        else:
            regex += re.escape(part)
    exact = re.compile(f"^{regex}$")
    lenient = None
    last = parts[-2] if len(parts) >= 2 and parts[-1] == "" else ""
    if last.startswith("{") and template.endswith(last):
        head = regex[: regex.rindex("(?P<")]
        fixed = head[:-1] if head.endswith("/") else head  # the slash before the parameter may be missing too
        lenient = re.compile(f"^{fixed}(?:/(?P<p{len(names) - 1}>.*))?$")
    return exact, lenient, tuple(names)


class Routes:
    """Every operation of a spec by method and path template; match() finds the one a request is for."""

    def __init__(self, operations: Iterable[Operation]):
        by_template: dict[str, dict[str, Operation]] = {}
        for operation in operations:
            by_template.setdefault(operation.path, {})[operation.method] = operation
        paths = []
        for template, methods in by_template.items():
            exact, lenient, names = _patterns(template)
            literal = re.sub(r"{[^{}]+}", "", template)
            concrete_segments = sum(1 for segment in template.split("/") if segment and "{" not in segment)
            paths.append(_Path(template, exact, lenient, names, methods, (-concrete_segments, -len(literal))))
        self._paths = sorted(paths, key=lambda p: p.rank)

    def _found(self, path: _Path, match: re.Match[str], method: str) -> Match | NotAllowed:
        operation = path.methods.get(method) or (path.methods.get("GET") if method == "HEAD" else None)
        if operation is None:
            allow = list(path.methods)
            if "GET" in allow:
                allow.append("HEAD")
            return NotAllowed(tuple(allow))
        return Match(operation, {name: match.group(f"p{i}") or "" for i, name in enumerate(path.names)})

    def match(self, method: str, path: str) -> Match | NotAllowed | None:
        """The operation for a request, a 405's allowed methods, or None (no documented path: a 404)."""
        for candidate in self._paths:
            found = candidate.exact.match(path)
            if found is not None:
                return self._found(candidate, found, method)
        for candidate in self._paths:
            if candidate.lenient is not None:
                found = candidate.lenient.match(path)
                if found is not None:
                    return self._found(candidate, found, method)
        return None

    def templates(self) -> list[str]:
        """The documented path templates, most concrete first."""
        return [p.template for p in self._paths]
