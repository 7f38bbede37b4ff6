"""Reading an OpenAPI document's `$ref`s: local pointers, %-encoded ones, array indexes and other local files.

Each `$ref` is replaced by what it points to, each target resolved once and then shared. A recursive schema
(a `Node` whose `children` are `Node`s) cannot be inlined: where a reference would lead back into itself it is
kept, made absolute (`file:///.../spec.yaml#/components/schemas/Node`), and the validators resolve it lazily
through a registry of the documents (mock_server/schemas.py). A chain of references that only point at each
other, with no schema in between, is an error.

OpenAPI 3.0's `nullable: true` is not JSON Schema: before anything reads a 3.0 document, each schema that says
it is rewritten the JSON Schema way (`type: [string, "null"]`), so that one validator serves 3.0 and 3.1 alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit


class RefError(Exception):
    """A `$ref` that cannot be resolved: where it stands (JSON pointer parts) and what is wrong."""

    def __init__(self, where: tuple[str | int, ...], ref: str, what: str):
        super().__init__(what)
        self.where, self.ref, self.what = where, ref, what


def pointer_of(parts: tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) to where a value stands in the document."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _pointer_parts(fragment: str) -> list[str]:
    """The parts of a URI fragment's JSON pointer: %-decoded first (RFC 6901 section 6), then ~1 and ~0."""
    if not fragment or fragment == "/":
        return [] if not fragment else [""]
    if not fragment.startswith("/"):
        raise ValueError(f"the fragment {fragment!r} is not a JSON pointer")
    return [unquote(part).replace("~1", "/").replace("~0", "~") for part in fragment[1:].split("/")]


def _fragment(parts: tuple[str | int, ...] | list[str]) -> str:
    """A URI fragment for a JSON pointer: '#/paths/~1users~1%7Bid%7D/get' (RFC 6901 section 6)."""
    return "#" + quote("".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts), safe="/~!$&'()*+,;=:@")


INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def integer_formats_as_bounds(node: Any) -> Any:
    """A copy of a document where `format: int32` and `int64` integers carry the bounds they mean (JSON Schema
    validators ignore these OpenAPI formats; schemathesis sends 2**31 to an int32 and expects a refusal)."""
    if isinstance(node, list):
        return [integer_formats_as_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: integer_formats_as_bounds(value) for key, value in node.items()}
    bounds = INTEGER_FORMATS.get(converted.get("format")) if isinstance(converted.get("format"), str) else None
    kind = converted.get("type")
    if bounds is not None and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        low, high = bounds
        if not isinstance(converted.get("minimum"), (int, float)) or converted["minimum"] < low:
            converted["minimum"] = low
        if not isinstance(converted.get("maximum"), (int, float)) or converted["maximum"] > high:
            converted["maximum"] = high
    return converted


def nullable_to_json_schema(node: Any) -> Any:
    """A copy of an OpenAPI 3.0 document where every `nullable: true` schema also admits null, as JSON Schema says it."""
    if isinstance(node, list):
        return [nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: nullable_to_json_schema(value) for key, value in node.items()}
    if converted.get("nullable") is True and "$ref" not in converted:
        del converted["nullable"]
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]  # an enum without null still refuses it (OpenAPI 3.0.3's clarification)
        else:
            return {"anyOf": [converted, {"type": "null"}]}
    return converted


# Keys beside a `$ref` that only annotate it: dropped when the ref is inlined (OpenAPI 3.1 allows them).
_ANNOTATIONS = {"description", "summary", "title", "example", "examples", "deprecated", "$comment"}


class Documents:
    """The spec and every local file its `$ref`s reach, each by its absolute URI, prepared as a loaded document."""

    def __init__(self, root_uri: str, root: Any, prepare: Callable[[Any], Any], read: Callable[[Path], Any]):
        self.root_uri = root_uri
        self._prepare = prepare
        self._read = read
        self.loaded: dict[str, Any] = {root_uri: prepare(root)}

    def get(self, uri: str, where: tuple[str | int, ...], ref: str) -> Any:
        """The prepared document at uri (a local file, read on first use)."""
        if uri not in self.loaded:
            parts = urlsplit(uri)
            if parts.scheme != "file":
                raise RefError(where, ref, f"$ref {ref!r} is not local: only this file and other local files can be read")
            path = Path(unquote(parts.path))  # a file URI's path (urllib.request would cost the start ~10 ms)
            try:
                self.loaded[uri] = self._prepare(self._read(path))
            except OSError as exc:
                raise RefError(where, ref, f"$ref {ref!r} names {path}, which cannot be read ({exc.strerror})") from None
            except ValueError as exc:
                raise RefError(where, ref, f"$ref {ref!r} names {path}, which is not valid YAML or JSON ({str(exc).splitlines()[0][:120]})") from None
        return self.loaded[uri]


class Resolver:
    """Replaces `$ref`s by their targets (shared, resolved once); recursive ones stay, made absolute."""

    def __init__(self, documents: Documents):
        self.documents = documents
        self._done: dict[str, Any] = {}
        self.recursive: set[str] = set()  # the absolute refs kept because they lead back into themselves
        # id(resolved node) -> the absolute URI of where it stands, for every ref target and every `schema`: a
        # validator compiles from that place (its refs resolved by the registry), never from the inlined tree,
        # which shares nodes and can be exponentially larger when walked (1.5 GB for one of Stripe's answers)
        self.origins: dict[int, str] = {}

    def targets_of(self, refs: set[str]) -> dict[str, Any]:
        """The resolved schema each of these (absolute) refs points to."""
        return {ref: self._done[ref] for ref in refs if ref in self._done}

    def target(self, absolute: str, where: tuple[str | int, ...], ref: str) -> tuple[Any, tuple[str, ...]]:
        """What an absolute ref points to, and its place in its document."""
        uri, fragment = urldefrag(absolute)
        node = self.documents.get(uri, where, ref)
        try:
            parts = _pointer_parts(fragment)
        except ValueError as exc:
            raise RefError(where, ref, f"$ref {ref!r}: {exc}") from None
        for part in parts:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise RefError(where, ref, f"$ref {ref!r} points to nothing (no {part!r} there)")
        return node, tuple(parts)

    def resolve(self, node: Any, base: str, where: tuple[str | int, ...] = (), seen: tuple[str, ...] = (),
                aliases: tuple[str, ...] = ()) -> Any:
        """node with every `$ref` inside it replaced (seen: the refs being resolved around it; aliases: those
        entered one straight after the other, with no schema between them)."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                absolute = urljoin(base, ref) if not ref.startswith("#") else base + ref
                if absolute in aliases:
                    raise RefError(where, ref, f"$ref {ref!r} is circular (through {' -> '.join(aliases)})")
                if absolute in seen:
                    self.recursive.add(absolute)
                    return {"$ref": absolute}
                if absolute in self._done:
                    resolved = self._done[absolute]
                else:
                    target, parts = self.target(absolute, where, ref)
                    target_base = urldefrag(absolute)[0]
                    resolved = self.resolve(target, target_base, parts, seen + (absolute,), aliases + (absolute,))
                    self._done[absolute] = resolved
                    if isinstance(resolved, dict):
                        self.origins.setdefault(id(resolved), target_base + _fragment(parts))
                extra = {key: value for key, value in node.items() if key != "$ref" and key not in _ANNOTATIONS}
                if extra and isinstance(resolved, dict):  # OpenAPI 3.1: constraints beside a $ref apply too
                    return {"allOf": [resolved, self.resolve(extra, base, where, seen)]}
                return resolved
            resolved_node = {key: self.resolve(value, base, where + (key,), seen) for key, value in node.items()}
            if where and where[-1] == "schema":
                self.origins.setdefault(id(resolved_node), base + _fragment(where))
            return resolved_node
        if isinstance(node, list):
            return [self.resolve(item, base, where + (index,), seen) for index, item in enumerate(node)]
        return node
