"""The routing table: (method, path) to one operation of the spec, as Prism's router does it.

Paths are matched segment by segment in a tree of the spec's path templates, so a lookup costs the depth of the
path, not the number of operations. Concrete segments beat templated ones (`/appointments/search` wins over
`/appointments/{id}`); a path that matches without its method is a 405 with the methods the path has; HEAD is
served where GET is documented. A path parameter matches one segment. When no template matches exactly, a
template that ends in a parameter still takes a path that starts with its fixed part, the rest (empty, or with
slashes) as that parameter's value, so that `/appointments/` or `/appointments/a/b` reach the operation and get
its documented 400 for a malformed value rather than a 404 (clients and fuzzers send such paths; the contract
documents the 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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


@dataclass
class _Node:
    literal: dict[str, "_Node"] = field(default_factory=dict)
    param: "_Node | None" = None
    param_name: str = ""
    methods: dict[str, Operation] | None = None  # templates end here (several of one shape: /a/{id} GET, /a/{key} DELETE)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per method: its template's parameter names


def _segments(path: str) -> list[str]:
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


class Routes:
    """Every operation of a spec by method and path template; match() finds the one a request is for."""

    def __init__(self, operations: Iterable[Operation]):
        self._root = _Node()
        self._lenient: list[tuple[str, str, tuple[str, ...], dict[str, Operation]]] = []  # (fixed prefix, last param)
        # templates with a parameter inside a segment (`/v1/{name}:stop`, Google's APIs): matched whole, a parameter
        # taking any characters (a resource name may hold slashes), after the segment tree
        self._patterns: list[tuple[re.Pattern[str], tuple[str, ...], dict[str, Operation]]] = []
        templates: dict[str, dict[str, Operation]] = {}
        for operation in operations:
            templates.setdefault(operation.path, {})[operation.method] = operation
        for template, methods in templates.items():
            if any("{" in segment and not (segment.startswith("{") and segment.endswith("}") and segment.count("{") == 1)
                   for segment in _segments(template)):
                parts = re.split(r"({[^{}]+})", template)
                names = tuple(part[1:-1] for part in parts if part.startswith("{") and part.endswith("}"))
                regex = "".join("(.+?)" if part.startswith("{") and part.endswith("}") else re.escape(part) for part in parts)
                self._patterns.append((re.compile(regex), names, methods))
                continue
            node = self._root
            names = []
            for segment in _segments(template):
                if segment.startswith("{") and segment.endswith("}"):
                    names.append(segment[1:-1])
                    if node.param is None:
                        node.param = _Node()
                    node = node.param
                else:
                    node = node.literal.setdefault(segment, _Node())
            node.methods = {**(node.methods or {}), **{m: op for m, op in methods.items() if m not in (node.methods or {})}}
            for method in methods:
                node.names.setdefault(method, tuple(names))
            last = re.fullmatch(r"(.*?)/?{([^{}/]+)}", template)
            if last and "{" not in last.group(1):
                self._lenient.append((last.group(1), last.group(2), tuple(names), methods))
        self._lenient.sort(key=lambda item: -len(item[0]))  # the longest fixed part first

    def _walk(self, node: _Node, segments: list[str], index: int, values: list[str]) -> _Node | None:
        if index == len(segments):
            return node if node.methods is not None else None
        segment = segments[index]
        child = node.literal.get(segment)
        if child is not None:
            found = self._walk(child, segments, index + 1, values)
            if found is not None:
                return found
        if node.param is not None and segment:
            values.append(segment)
            found = self._walk(node.param, segments, index + 1, values)
            if found is not None:
                return found
            values.pop()
        return None

    @staticmethod
    def _found(methods: dict[str, Operation], names: dict[str, tuple[str, ...]] | tuple[str, ...], values: list[str],
               method: str) -> Match | NotAllowed:
        chosen = method if method in methods else "GET" if method == "HEAD" and "GET" in methods else None
        if chosen is None:
            allow = list(methods)
            if "GET" in allow:
                allow.append("HEAD")
            return NotAllowed(tuple(allow))
        template_names = names.get(chosen, ()) if isinstance(names, dict) else names
        return Match(methods[chosen], dict(zip(template_names, values)))

    def match(self, method: str, path: str, segments: list[str] | None = None) -> Match | NotAllowed | None:
        """The operation for a request, a 405's allowed methods, or None (no documented path: a 404).

        segments: the path's segments, each decoded on its own (so that a %2F inside a parameter stays in it);
        by default the path split at its slashes."""
        values: list[str] = []
        node = self._walk(self._root, segments if segments is not None else _segments(path), 0, values)
        refused: NotAllowed | None = None
        if node is not None and node.methods is not None:
            found = self._found(node.methods, node.names, values, method)
            if isinstance(found, Match) or not self._patterns:
                return found
            refused = found  # a template with a parameter inside a segment may still take this method
        for pattern, names, methods in self._patterns:
            matched = pattern.fullmatch(path)
            if matched is not None:
                found = self._found(methods, names, list(matched.groups()), method)
                if isinstance(found, Match):
                    return found
                refused = NotAllowed(tuple(dict.fromkeys([*(refused.allow if refused else ()), *found.allow])))
        if refused is not None:
            return refused
        for fixed, _name, names, methods in self._lenient:
            if path == fixed or path.startswith(fixed + "/"):
                return self._found(methods, names, [path[len(fixed) + 1:]], method)
        return None

    def templates(self) -> list[str]:
        """The documented path templates."""
        found: list[str] = []

        def visit(node: _Node, prefix: str) -> None:
            if node.methods is not None:
                found.append(next(iter(node.methods.values())).path)
            for segment, child in node.literal.items():
                visit(child, f"{prefix}/{segment}")
            if node.param is not None:
                visit(node.param, prefix + "/{}")

        visit(self._root, "")
        return found
