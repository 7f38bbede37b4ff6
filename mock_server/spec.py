"""The one loader of openapi.yaml, used by the mock server and by the contract tests alike."""

from __future__ import annotations

import copy
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml_rs

# The package's openapi.yaml: in a checkout a symlink to the one at the top of the repository, in an
# installed wheel a copy of it (the wheel carries everything the mock reads at run time).
DEFAULT_SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"
SPEC_ENV_VAR = "MOCK_SPEC"
OPERATION_ID = "getAppointment"


def read_yaml(text: str | bytes) -> Any:
    """Parse YAML 1.2 into plain data (values that look like dates stay strings); duplicate keys refused.

    YAML 1.2 is what OpenAPI recommends and what Prism, Spectral and Specmatic read (PyYAML reads 1.1, where
    `on` is a boolean and `2024-01-15` a date). The parser is yaml-rs, written in Rust: it reads a
    50,000-booking fixtures file in about 0.3 s where PyYAML's libyaml loader takes about 7 s, and not
    importing PyYAML takes about 7 ms off the mock's time to first answer.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return yaml_rs.loads(text, parse_datetime=False)


class SpecError(RuntimeError):
    """openapi.yaml is missing, unreadable or lacks something the project relies on."""


def _pointer(parts: tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) to where a value stands in the document."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class _RefError(Exception):
    """A `$ref` that cannot be resolved: where it stands (JSON pointer) and what is wrong."""

    def __init__(self, where: tuple[str | int, ...], ref: str, what: str):
        super().__init__(what)
        self.where, self.ref, self.what = where, ref, what


def _resolve_refs(node: Any, root: dict[str, Any], seen: tuple[str, ...] = (), where: tuple[str | int, ...] = ()) -> Any:
    """Return a copy of node with every local `$ref` replaced by what it points to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise _RefError(where, ref, f"$ref {ref!r} is not local: only refs within the file (#/...) are supported")
            if ref in seen:
                raise _RefError(where, ref, f"$ref {ref!r} is circular (through {' -> '.join(seen)})")
            target: Any = root
            parts = tuple(part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/"))
            for part in parts:
                if not isinstance(target, dict) or part not in target:
                    raise _RefError(where, ref, f"$ref {ref!r} points to nothing (no {part!r} there)")
                target = target[part]
            return _resolve_refs(target, root, seen + (ref,), parts)  # errors inside name the target's own place
        return {key: _resolve_refs(value, root, seen, where + (key,)) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(item, root, seen, where + (index,)) for index, item in enumerate(node)]
    return node


def _line_of(text: str, needle: str) -> str:
    """':line:column' of the only place needle stands in text, else ''."""
    first = text.find(needle)
    if first < 0 or text.find(needle, first + 1) >= 0:
        return ""
    line = text.count("\n", 0, first) + 1
    return f":{line}:{first - (text.rfind(chr(10), 0, first) + 1) + 1}"


def _yaml_error(path: Path, text: str, error: Exception) -> SpecError:
    """A YAML parse error in one line: file:line:column: what."""
    message = str(error)
    lines = [line for line in message.splitlines() if line.strip()]
    position = re.search(r"line (\d+), column (\d+)", lines[0]) if lines else None
    what = lines[-1].strip() if len(lines) > 1 else message
    where = f":{position.group(1)}:{position.group(2)}" if position else ""
    duplicate = re.fullmatch(r"duplicate mapping key: '(.+)'", what)
    if duplicate and not where:  # the parser gives no place for these: the key's second appearance
        places = [m for m in re.finditer(rf"^([ \t]*){re.escape(duplicate.group(1))}[ \t]*:", text, re.MULTILINE)]
        if len(places) >= 2:
            second = places[1]
            where = f":{text.count(chr(10), 0, second.start()) + 1}:{len(second.group(1)) + 1}"
    return SpecError(f"{path}{where}: not valid YAML: {what}")


def _code_enum(schema: dict[str, Any]) -> list[str]:
    """The narrowest `code` enum that a (resolved) error schema declares, looking through allOf."""
    found: list[str] | None = None
    for part in [schema, *schema.get("allOf", [])]:
        codes = part.get("properties", {}).get("code", {}).get("enum")
        if codes is not None:
            found = list(codes)  # later allOf members narrow the base envelope's enum
    return found or []


@dataclass(frozen=True)
class ResponseSpec:
    """One documented response of the operation."""

    status: int
    description: str
    schema: dict[str, Any]
    examples: dict[str, Any]
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ApiSpec:
    """openapi.yaml, read once, with the questions the project asks of it answered."""

    path: Path
    raw: dict[str, Any]
    sha256: str
    route: str
    method: str
    operation: dict[str, Any]
    responses: dict[int, ResponseSpec]
    parameters: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The spec's info.version."""
        return str(self.raw.get("info", {}).get("version", "unknown"))

    @property
    def statuses(self) -> list[int]:
        """Every documented status, in ascending order."""
        return sorted(self.responses)

    @property
    def error_codes(self) -> list[str]:
        """Every documented error code, in the order of their statuses."""
        return [code for status in self.statuses for code in self.responses[status].codes]

    def status_for_code(self, code: str) -> int:
        """The HTTP status that carries an error code."""
        for status in self.statuses:
            if code in self.responses[status].codes:
                return status
        raise SpecError(f"error code {code!r} is not documented in {self.path.name}")

    def outcome(self, code: str) -> tuple[int, str]:
        """(status, code): the answer the spec documents for an error code."""
        return self.status_for_code(code), code

    def parameter_schema(self, name: str, location: str) -> dict[str, Any]:
        """The schema of a parameter, e.g. ('appointment_id', 'path')."""
        try:
            return self.parameters[(name, location)]["schema"]
        except KeyError:
            raise SpecError(f"{location} parameter {name!r} is not documented") from None

    def parameter_pattern(self, name: str, location: str) -> re.Pattern[str]:
        """The compiled `pattern` of a parameter's schema."""
        return re.compile(self.parameter_schema(name, location)["pattern"])

    def example(self, name: str) -> tuple[int, Any]:
        """The status and body of a named response example."""
        for status in self.statuses:
            if name in self.responses[status].examples:
                return status, self.responses[status].examples[name]
        raise SpecError(f"no response example is named {name!r}")

    def example_names(self) -> dict[int, list[str]]:
        """Every named example, per status."""
        return {status: list(self.responses[status].examples) for status in self.statuses}

    def path_for(self, appointment_id: str) -> str:
        """The request path for an appointment ID (not URL-encoded)."""
        return self.route.replace("{appointment_id}", appointment_id)

    def route_prefix(self) -> str:
        """The path before the `{appointment_id}` segment."""
        return self.route.split("{appointment_id}")[0]


def _build(path: Path) -> ApiSpec:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the OpenAPI spec {path}: {exc.strerror}") from None
    try:
        raw = read_yaml(text)
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:  # yaml_rs.YAMLDecodeError is a ValueError
        raise _yaml_error(path, text.decode("utf-8"), exc) from None
    if not isinstance(raw, dict) or "paths" not in raw:
        raise SpecError(f"{path}: not an OpenAPI document (it has no 'paths')")
    try:
        resolved = _resolve_refs(copy.deepcopy(raw), raw)
    except _RefError as exc:
        at = _line_of(text.decode("utf-8", "replace"), exc.ref) if exc.what.endswith(")") else ""
        raise SpecError(f"{path}{at}: at {_pointer(exc.where)}: {exc.what}") from None
    for route, item in resolved["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == OPERATION_ID:
                break
        else:
            continue
        break
    else:
        raise SpecError(f"{path}: no operation has the operationId {OPERATION_ID!r}")
    responses: dict[int, ResponseSpec] = {}
    for status_text, response in operation.get("responses", {}).items():
        media = response.get("content", {}).get("application/json", {})
        schema = media.get("schema", {})
        examples = {name: ex.get("value") for name, ex in media.get("examples", {}).items()}
        status = int(status_text)
        codes = tuple(_code_enum(schema)) if status >= 300 else ()
        responses[status] = ResponseSpec(status, response.get("description", ""), schema, examples, codes)
    parameters = {(p["name"], p["in"]): p for p in operation.get("parameters", [])}
    return ApiSpec(
        path=path,
        raw=raw,
        sha256=hashlib.sha256(text).hexdigest(),
        route=route,
        method=method.upper(),
        operation=operation,
        responses=responses,
        parameters=parameters,
    )


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> ApiSpec:
    return _build(path)


def spec_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the spec is: the argument, else $MOCK_SPEC, else the repository's openapi.yaml."""
    chosen = path or os.environ.get(SPEC_ENV_VAR) or DEFAULT_SPEC_PATH
    return Path(chosen).resolve()


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load (once per path) and return the API spec."""
    return _load_cached(spec_path(path))
