"""The one loader of openapi.yaml, used by the mock server and by the contract tests alike."""

from __future__ import annotations

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


def _resolve_refs(node: Any, root: dict[str, Any], seen: tuple[str, ...] = (), where: tuple[str | int, ...] = (),
                  done: dict[str, Any] | None = None) -> Any:
    """Return node with every local `$ref` replaced by what it points to (each target resolved once, then shared)."""
    done = {} if done is None else done
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in done:
                return done[ref]
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
            resolved = _resolve_refs(target, root, seen + (ref,), parts, done)  # errors inside name the target's own place
            done[ref] = resolved
            return resolved
        return {key: _resolve_refs(value, root, seen, where + (key,), done) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(item, root, seen, where + (index,), done) for index, item in enumerate(node)]
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


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# How each location's parameters are serialized, among the styles the mock deserializes (with openapi-core's
# style deserializers): anything else is refused at start-up, never half served.
SUPPORTED_STYLES = {"path": ("simple", "label", "matrix"), "query": ("form", "spaceDelimited", "pipeDelimited"), "header": ("simple",)}
DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple"}
INVALID_INPUT_EXTENSION = "x-invalid-input-code"


@dataclass(frozen=True)
class ResponseSpec:
    """One documented response of an operation."""

    status: int
    description: str
    schema: dict[str, Any]
    examples: dict[str, Any]
    codes: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each is one parameter of one operation
class Parameter:
    """One documented parameter of an operation, with its schema and examples."""

    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    style: str
    explode: bool
    examples: dict[str, Any]  # named examples' values; a lone `example` is named "example"

    @property
    def needs_deserializing(self) -> bool:
        """True unless the value is a plain string as it arrives (a string schema in the default style)."""
        return self.schema.get("type", "string") != "string" or self.style != DEFAULT_STYLE[self.location]

    def sample(self) -> Any | None:
        """A documented value to send: the first example, else the schema's example, default or first enum value."""
        if self.examples:
            return next(iter(self.examples.values()))
        for key in ("example", "default"):
            if key in self.schema:
                return self.schema[key]
        return self.schema["enum"][0] if self.schema.get("enum") else None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per operation of the spec
class Operation:
    """One operation of the spec: method, path template, parameters, security and responses."""

    operation_id: str
    method: str  # upper case
    path: str  # the template, e.g. /api/v1/calcom/appointments/{appointment_id}
    parameters: tuple[Parameter, ...]
    security: tuple[str, ...]  # the bearer schemes that may authorize it; () is an open operation
    responses: dict[int, ResponseSpec]
    invalid_input_code: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """'getAppointment (GET /api/v1/...)': how reports name it."""
        return f"{self.operation_id} ({self.method} {self.path})"

    @property
    def secured(self) -> bool:
        """True when a bearer token is required."""
        return bool(self.security)

    @property
    def statuses(self) -> list[int]:
        """Every documented status, in ascending order."""
        return sorted(self.responses)

    @property
    def error_codes(self) -> list[str]:
        """Every documented error code, in the order of their statuses."""
        return [code for status in self.statuses for code in self.responses[status].codes]

    def status_for_code(self, code: str) -> int:
        """The HTTP status that carries an error code in this operation."""
        for status in self.statuses:
            if code in self.responses[status].codes:
                return status
        raise SpecError(f"error code {code!r} is not documented for {self.label}")

    def outcome(self, code: str) -> tuple[int, str]:
        """(status, code): the answer the spec documents for an error code."""
        return self.status_for_code(code), code

    @property
    def unauthorized_code(self) -> str | None:
        """The code of the documented 401 answer (the first, when it lists several)."""
        response = self.responses.get(401)
        return response.codes[0] if response and response.codes else None

    def parameter(self, name: str, location: str) -> Parameter:
        """A documented parameter, e.g. ('appointment_id', 'path')."""
        for parameter in self.parameters:
            if (parameter.name, parameter.location) == (name, location):
                return parameter
        raise SpecError(f"{location} parameter {name!r} is not documented for {self.label}")

    def parameter_schema(self, name: str, location: str) -> dict[str, Any]:
        """The schema of a parameter."""
        return self.parameter(name, location).schema

    def parameter_pattern(self, name: str, location: str) -> re.Pattern[str]:
        """The compiled `pattern` of a parameter's schema."""
        return re.compile(self.parameter_schema(name, location)["pattern"])

    def example(self, name: str) -> tuple[int, Any]:
        """The status and body of a named response example."""
        for status in self.statuses:
            if name in self.responses[status].examples:
                return status, self.responses[status].examples[name]
        raise SpecError(f"no response example of {self.label} is named {name!r}")

    def example_names(self) -> dict[int, list[str]]:
        """Every named example, per status."""
        return {status: list(self.responses[status].examples) for status in self.statuses}

    @property
    def path_parameters(self) -> list[str]:
        """The names in the path template, in order."""
        return re.findall(r"{([^{}]+)}", self.path)

    def path_for(self, *values: Any, **named: Any) -> str:
        """The request path with the template's parameters filled in (not URL-encoded), by position or name."""
        names = self.path_parameters
        given = dict(zip(names, values), **named)
        missing = [name for name in names if name not in given]
        if missing:
            raise SpecError(f"{self.label}: no value for path parameter {missing[0]!r}")
        return re.sub(r"{([^{}]+)}", lambda m: str(given[m.group(1)]), self.path)

    def route_prefix(self) -> str:
        """The path before its first templated segment."""
        return self.path.split("{", 1)[0]


@dataclass(frozen=True)
class ApiSpec:
    """openapi.yaml, read once: every operation, keyed by operationId, and the questions asked of the whole API."""

    path: Path
    raw: dict[str, Any]
    sha256: str
    operations: dict[str, Operation]

    @property
    def version(self) -> str:
        """The spec's info.version."""
        return str(self.raw.get("info", {}).get("version", "unknown"))

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId."""
        try:
            return self.operations[operation_id]
        except KeyError:
            raise SpecError(f"{self.path.name} has no operation {operation_id!r}; it has {', '.join(self.operations)}") from None

    @property
    def error_codes(self) -> list[str]:
        """Every error code any operation documents, first appearance first."""
        return list(dict.fromkeys(code for op in self.operations.values() for code in op.error_codes))

    def status_for_code(self, code: str) -> int:
        """The status the API answers an error code with (the first operation that documents it decides)."""
        for op in self.operations.values():
            if code in op.error_codes:
                return op.status_for_code(code)
        raise SpecError(f"error code {code!r} is not documented in {self.path.name}")

    def outcome(self, code: str) -> tuple[int, str]:
        """(status, code) for an error code, API-wide."""
        return self.status_for_code(code), code

    @property
    def invalid_input_code(self) -> str:
        """The code the API answers malformed input with (unknown routes and methods use it too)."""
        for op in self.operations.values():
            if op.invalid_input_code:
                return op.invalid_input_code
        declared = self.raw.get(INVALID_INPUT_EXTENSION)
        if isinstance(declared, str):
            return declared
        raise SpecError(f"{self.path.name}: no code is designated for invalid input (set {INVALID_INPUT_EXTENSION})")

    @property
    def internal_error_code(self) -> str | None:
        """The code of a documented 500 answer, if any (what an unexpected fault is answered with)."""
        for op in self.operations.values():
            response = op.responses.get(500)
            if response is not None and response.codes:
                return response.codes[0]
        return None


def _fail(path: Path, where: str, why: str) -> SpecError:
    return SpecError(f"{path}: {where}: {why}")


def _parameters(path: Path, where: str, item: dict[str, Any], operation: dict[str, Any]) -> tuple[Parameter, ...]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        merged[(raw.get("name"), raw.get("in"))] = raw  # the operation's own win over the path's
    found = []
    for (name, location), raw in merged.items():
        if location not in SUPPORTED_STYLES:
            raise _fail(path, where, f"parameter {name!r} is in {location!r}: the mock serves path, query and header parameters")
        style = raw.get("style", DEFAULT_STYLE[location])
        if style not in SUPPORTED_STYLES[location]:
            raise _fail(path, where, f"parameter {name!r} has style {style!r}, which the mock does not deserialize in the {location} "
                                     f"(it does: {', '.join(SUPPORTED_STYLES[location])})")
        if "content" in raw and "schema" not in raw:
            raise _fail(path, where, f"parameter {name!r} is described by 'content': the mock needs a 'schema'")
        examples = {key: value.get("value") for key, value in raw.get("examples", {}).items() if isinstance(value, dict)}
        if "example" in raw:
            examples = {"example": raw["example"], **examples}
        found.append(Parameter(
            name=name, location=location, required=bool(raw.get("required", location == "path")),
            schema=raw.get("schema", {}), style=style, explode=bool(raw.get("explode", style == "form")), examples=examples,
        ))
    return tuple(found)


def _security(path: Path, where: str, raw: dict[str, Any], operation: dict[str, Any]) -> tuple[str, ...]:
    requirements = operation.get("security", raw.get("security", []))
    schemes = raw.get("components", {}).get("securitySchemes", {})
    names: list[str] = []
    for requirement in requirements:
        if not requirement:
            return ()  # an empty requirement: anonymous access is allowed
        for name in requirement:
            scheme = schemes.get(name)
            if scheme is None:
                raise _fail(path, where, f"security scheme {name!r} is not declared in components.securitySchemes")
            if (scheme.get("type"), str(scheme.get("scheme", "")).lower()) != ("http", "bearer"):
                raise _fail(path, where, f"security scheme {name!r} is {scheme.get('type')} {scheme.get('scheme', '')}".rstrip()
                                         + ": the mock verifies HTTP bearer JWTs only")
            names.append(name)
    return tuple(dict.fromkeys(names))


def _responses(operation: dict[str, Any]) -> dict[int, ResponseSpec]:
    responses: dict[int, ResponseSpec] = {}
    for status_text, response in operation.get("responses", {}).items():
        if not str(status_text).isdigit():
            continue  # 'default' and ranges: nothing the mock would choose to serve
        media = response.get("content", {}).get("application/json", {})
        schema = media.get("schema", {})
        examples = {name: ex.get("value") for name, ex in media.get("examples", {}).items()}
        if not examples and "example" in media:
            examples = {"example": media["example"]}
        status = int(status_text)
        codes = tuple(_code_enum(schema)) if status >= 300 else ()
        responses[status] = ResponseSpec(status, response.get("description", ""), schema, examples, codes)
    return responses


def _invalid_input_code(raw: dict[str, Any], operation: dict[str, Any], responses: dict[int, ResponseSpec]) -> str | None:
    declared = operation.get(INVALID_INPUT_EXTENSION, raw.get(INVALID_INPUT_EXTENSION))
    if isinstance(declared, str):
        return declared
    bad_request = responses.get(400)
    return bad_request.codes[0] if bad_request is not None and len(bad_request.codes) == 1 else None


def _template_key(template: str) -> str:
    return re.sub(r"{[^{}]+}", "{}", template.rstrip("/") or "/")


def _operations(path: Path, raw: dict[str, Any], resolved: dict[str, Any]) -> dict[str, Operation]:
    operations: dict[str, Operation] = {}
    shapes: dict[tuple[str, str], str] = {}
    for template, item in resolved["paths"].items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {template}"
            operation_id = operation.get("operationId")
            if not isinstance(operation_id, str) or not operation_id:
                raise _fail(path, where, "has no operationId: the mock and the suite know operations by it")
            where = f"operation {operation_id} ({where})"
            if operation_id in operations:
                raise _fail(path, where, f"the operationId is used twice (also by {operations[operation_id].method} {operations[operation_id].path})")
            shape = (method, _template_key(template))
            if shape in shapes:
                raise _fail(path, where, f"its path template clashes with {shapes[shape]}'s: one request would match both")
            shapes[shape] = operation_id
            parameters = _parameters(path, where, item, operation)
            in_template = set(re.findall(r"{([^{}]+)}", template))
            declared = {p.name for p in parameters if p.location == "path"}
            if in_template != declared:
                odd = sorted(in_template ^ declared)[0]
                raise _fail(path, where, f"path parameter {odd!r} is in the template or among the parameters, not both")
            responses = _responses(operation)
            if not responses:
                raise _fail(path, where, "documents no response with a numeric status")
            operations[operation_id] = Operation(
                operation_id=operation_id,
                method=method.upper(),
                path=template,
                parameters=parameters,
                security=_security(path, where, raw, operation),
                responses=responses,
                invalid_input_code=_invalid_input_code(raw, operation, responses),
                raw=operation,
            )
    if not operations:
        raise SpecError(f"{path}: documents no operation")
    return operations


def build_spec(path: Path) -> ApiSpec:
    """Read, resolve and check a spec file (load_spec caches this per path)."""
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
    if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict):
        raise SpecError(f"{path}: not an OpenAPI document (it has no 'paths')")
    try:
        resolved = _resolve_refs(raw, raw)  # builds new containers: raw itself is left as it was read
    except _RefError as exc:
        at = _line_of(text.decode("utf-8", "replace"), exc.ref) if exc.what.endswith(")") else ""
        raise SpecError(f"{path}{at}: at {_pointer(exc.where)}: {exc.what}") from None
    return ApiSpec(path=path, raw=raw, sha256=hashlib.sha256(text).hexdigest(), operations=_operations(path, raw, resolved))


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> ApiSpec:
    return build_spec(path)


def spec_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the spec is: the argument, else $MOCK_SPEC, else the repository's openapi.yaml."""
    chosen = path or os.environ.get(SPEC_ENV_VAR) or DEFAULT_SPEC_PATH
    return Path(chosen).resolve()


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load (once per path) and return the API spec."""
    return _load_cached(spec_path(path))
