"""The one loader of openapi.yaml, used by the mock server and by the contract tests alike."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml_rs

from mock_server.spec_refs import Documents, RefError, Resolver, integer_formats_as_bounds, nullable_to_json_schema, pointer_of

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
SUPPORTED_STYLES = {
    "path": ("simple", "label", "matrix"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}
DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
INVALID_INPUT_EXTENSION = "x-invalid-input-code"
PROFILE_EXTENSION = "x-contract-profile"
RAVAN_PROFILE = "ravan"
KNOWN_PROFILES = (RAVAN_PROFILE,)


def is_json_media(media_type: str) -> bool:
    """True for application/json and every `+json` or `json` media type (problem+json, vnd.api+json, x-ndjson excluded)."""
    essence = media_type.split(";")[0].strip().lower()
    return essence in ("application/json", "*/*", "application/*") or essence.endswith("+json") or essence == "text/json"


@dataclass(frozen=True)
class MediaSpec:
    """One documented media type of a body: its schema and its named examples."""

    media_type: str
    schema: dict[str, Any]
    examples: dict[str, Any]  # a lone `example` is named "example"


@dataclass(frozen=True)
class ResponseSpec:
    """One documented response of an operation: an exact status, a range (`4XX`) or `default`."""

    status: int  # the exact status; for a range its lowest (400 for 4XX); for default 0
    description: str
    schema: dict[str, Any]  # the schema of the media type served (JSON when documented), {} without content
    examples: dict[str, Any]
    codes: tuple[str, ...]
    key: str = ""  # as written in the spec: "200", "4XX", "default"
    media_type: str | None = None  # what the mock serves this response as (None: no body)
    content: dict[str, MediaSpec] = field(default_factory=dict)
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)  # documented response headers (resolved)

    @property
    def is_range(self) -> bool:
        """True for `4XX`-like ranges and `default`."""
        return not self.key.isdigit() if self.key else False

    def covers(self, status: int) -> bool:
        """True when an answer with this status is documented by this response."""
        if self.key == "default":
            return True
        if self.is_range:
            return status // 100 == int(self.key[0])
        return status == self.status


@dataclass(frozen=True)
class RequestBodySpec:
    """The documented request body of an operation."""

    required: bool
    content: dict[str, MediaSpec]

    def media(self, content_type: str | None) -> MediaSpec | None:
        """The documented media type that a request's Content-Type selects (wildcards as RFC 9110 reads them)."""
        essence = (content_type or "").split(";")[0].strip().lower()
        if essence in self.content:
            return self.content[essence]
        for name, media in self.content.items():
            kind = name.split(";")[0].strip().lower()
            if kind == "*/*" or (kind.endswith("/*") and essence.startswith(kind[:-1])):
                return media
        return None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each is one parameter of one operation
class Parameter:
    """One documented parameter of an operation, with its schema and examples."""

    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: dict[str, Any]
    style: str
    explode: bool
    examples: dict[str, Any]  # named examples' values; a lone `example` is named "example"
    content_type: str | None = None  # a parameter described by `content` (its value is that media type, e.g. JSON)

    @property
    def needs_deserializing(self) -> bool:
        """True unless the value is a plain string as it arrives (a string schema in the default style)."""
        if self.content_type is not None:
            return False  # parsed as its media type (JSON), not by style
        kind = self.schema.get("type", "string")
        return kind != "string" or self.style != DEFAULT_STYLE[self.location]

    def sample(self) -> Any | None:
        """A documented value to send: the first example, else the schema's example, default or first enum value."""
        if self.examples:
            return next(iter(self.examples.values()))
        for key in ("example", "default"):
            if key in self.schema:
                return self.schema[key]
        if self.schema.get("examples") and isinstance(self.schema["examples"], list):
            return self.schema["examples"][0]
        if "const" in self.schema:
            return self.schema["const"]
        return self.schema["enum"][0] if self.schema.get("enum") else None


@dataclass(frozen=True)
class SecurityScheme:
    """One security scheme of the spec, as the mock checks it."""

    name: str
    type: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    scheme: str = ""  # for http: bearer, basic, digest... (lower case)
    location: str = ""  # for apiKey: header | query | cookie
    key_name: str = ""  # for apiKey: the header, query or cookie name

    @property
    def is_bearer(self) -> bool:
        """True when the credential is a bearer token (http bearer, OAuth2, OpenID Connect)."""
        return (self.type == "http" and self.scheme == "bearer") or self.type in ("oauth2", "openIdConnect")

    def describe(self) -> str:
        """How a client gives this credential, e.g. 'an API key in the X-API-Key header'."""
        if self.type == "apiKey":
            return f"an API key in the {self.key_name} {self.location}{' parameter' if self.location == 'query' else ''}"
        if self.type == "http":
            return "HTTP basic credentials" if self.scheme == "basic" else f"an Authorization: {self.scheme.capitalize()} header"
        if self.is_bearer:
            return f"a bearer token ({self.type})"
        return f"a {self.type} credential"


Requirement = tuple[SecurityScheme, ...]  # every scheme of one requirement object (AND)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per operation of the spec
class Operation:
    """One operation of the spec: method, path template, parameters, security and responses."""

    operation_id: str
    method: str  # upper case
    path: str  # the template, e.g. /api/v1/calcom/appointments/{appointment_id}
    parameters: tuple[Parameter, ...]
    requirements: tuple[Requirement, ...]  # alternatives (OR) of requirements (AND); () is an open operation
    responses: dict[int, ResponseSpec]  # exact statuses
    invalid_input_code: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)
    ranges: dict[str, ResponseSpec] = field(default_factory=dict)  # "4XX"-like ranges and "default"
    request_body: RequestBodySpec | None = None
    derived_id: bool = False  # the spec gives no operationId: it is derived from the method and path

    @property
    def label(self) -> str:
        """'getAppointment (GET /api/v1/...)': how reports name it."""
        return f"{self.operation_id} ({self.method} {self.path})"

    @property
    def security(self) -> tuple[str, ...]:
        """The names of every scheme that may take part in authorizing it; () is an open operation."""
        return tuple(dict.fromkeys(scheme.name for requirement in self.requirements for scheme in requirement))

    @property
    def secured(self) -> bool:
        """True when a credential is required."""
        return bool(self.requirements)

    @property
    def statuses(self) -> list[int]:
        """Every documented exact status, in ascending order."""
        return sorted(self.responses)

    def response_for(self, status: int) -> ResponseSpec | None:
        """The response that documents an answer's status: the exact one, else its range, else `default`."""
        exact = self.responses.get(status)
        if exact is not None:
            return exact
        ranged = self.ranges.get(f"{status // 100}XX")
        return ranged if ranged is not None else self.ranges.get("default")

    def documents(self, status: int) -> bool:
        """True when the spec documents this status for the operation (exactly, by range or by default)."""
        return self.response_for(status) is not None

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
    """An OpenAPI document, read once: every operation, keyed by operationId, and the questions asked of the whole API."""

    path: Path
    raw: dict[str, Any]
    sha256: str
    operations: dict[str, Operation]
    openapi_version: str = "3.0.3"
    documents: dict[str, Any] = field(default_factory=dict, repr=False)  # absolute URI -> prepared document (for $ref)
    recursive_refs: frozenset[str] = frozenset()  # refs kept in schemas because they are recursive
    ref_targets: dict[str, Any] = field(default_factory=dict, repr=False)  # each recursive ref -> its resolved schema
    schema_origins: dict[int, str] = field(default_factory=dict, repr=False)  # id(shared schema) -> its absolute URI
    warnings: tuple[str, ...] = ()  # what the loader served differently from how it is written, one line each
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The spec's info.version."""
        return str(self.raw.get("info", {}).get("version", "unknown"))

    @property
    def is_31(self) -> bool:
        """True for an OpenAPI 3.1 document (JSON Schema 2020-12)."""
        return self.openapi_version.startswith("3.1")

    @property
    def profile(self) -> str | None:
        """The profile the spec opts into (`x-contract-profile`, or `x-invalid-input-code` for Ravan's), else None."""
        named = self.raw.get(PROFILE_EXTENSION)
        if isinstance(named, str):
            return named
        if isinstance(self.raw.get(INVALID_INPUT_EXTENSION), str) or any(
            isinstance(op.raw.get(INVALID_INPUT_EXTENSION), str) for op in self.operations.values()
        ):
            return RAVAN_PROFILE
        return None

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


def _first_media(content: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The media type a body is served as: JSON when documented, else the first one."""
    if not isinstance(content, dict) or not content:
        return None, {}
    for name, media in content.items():
        if is_json_media(name) and isinstance(media, dict):
            return name, media
    name, media = next(iter(content.items()))
    return name, media if isinstance(media, dict) else {}


def _examples(media: dict[str, Any]) -> dict[str, Any]:
    examples = {name: ex.get("value") for name, ex in (media.get("examples") or {}).items() if isinstance(ex, dict) and "value" in ex}
    if not examples and "example" in media:
        examples = {"example": media["example"]}
    return examples


def _media_specs(content: Any) -> dict[str, MediaSpec]:
    if not isinstance(content, dict):
        return {}
    return {
        name: MediaSpec(name, media.get("schema") if isinstance(media.get("schema"), dict) else {}, _examples(media))
        for name, media in content.items() if isinstance(media, dict)
    }


def _parameters(path: Path, where: str, item: dict[str, Any], operation: dict[str, Any], warnings: list[str]) -> list[Parameter]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            merged[(raw["name"], raw.get("in"))] = raw  # the operation's own win over the path's
    found = []
    for (name, location), raw in merged.items():
        if location not in SUPPORTED_STYLES:
            raise _fail(path, where, f"parameter {name!r} is in {location!r}: OpenAPI has path, query, header and cookie parameters")
        if location == "header" and name.lower() in ("accept", "content-type", "authorization"):
            continue  # OpenAPI: such a header parameter is ignored (the spec's content and security say it)
        style = raw.get("style", DEFAULT_STYLE[location])
        if style not in SUPPORTED_STYLES[location]:
            raise _fail(path, where, f"parameter {name!r} has style {style!r}, which the mock does not deserialize in the {location} "
                                     f"(it does: {', '.join(SUPPORTED_STYLES[location])})")
        schema = raw.get("schema")
        content_type = None
        if not isinstance(schema, dict):
            content_type, media = _first_media(raw.get("content") or {})
            schema = media.get("schema") if isinstance(media.get("schema"), dict) else {}
        examples = {key: value.get("value") for key, value in (raw.get("examples") or {}).items() if isinstance(value, dict) and "value" in value}
        if "example" in raw:
            examples = {"example": raw["example"], **examples}
        found.append(Parameter(
            name=name, location=location, required=bool(raw.get("required", location == "path")) or location == "path",
            schema=schema, style=style, explode=bool(raw.get("explode", style == "form")), examples=examples,
            content_type=content_type,
        ))
    return found


def _security_schemes(path: Path, raw: dict[str, Any]) -> dict[str, SecurityScheme]:
    schemes: dict[str, SecurityScheme] = {}
    for name, scheme in ((raw.get("components") or {}).get("securitySchemes") or {}).items():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey":
            location = scheme.get("in")
            if location not in ("header", "query", "cookie") or not isinstance(scheme.get("name"), str):
                raise _fail(path, f"security scheme {name}", "an apiKey scheme needs 'in' (header, query or cookie) and a 'name'")
            schemes[name] = SecurityScheme(name, kind, location=location, key_name=scheme["name"])
        elif kind == "http":
            schemes[name] = SecurityScheme(name, kind, scheme=str(scheme.get("scheme", "")).lower())
        elif kind in ("oauth2", "openIdConnect", "mutualTLS"):
            schemes[name] = SecurityScheme(name, kind)
        else:
            raise _fail(path, f"security scheme {name}", f"its type {kind!r} is not an OpenAPI security scheme type")
    return schemes


def _requirements(path: Path, where: str, raw: dict[str, Any], operation: dict[str, Any],
                  schemes: dict[str, SecurityScheme]) -> tuple[Requirement, ...]:
    requirements = operation.get("security", raw.get("security")) or []
    alternatives: list[Requirement] = []
    for requirement in requirements:
        if not requirement:
            return ()  # an empty requirement: anonymous access is allowed
        names = []
        for name in requirement:
            if name not in schemes:
                raise _fail(path, where, f"security scheme {name!r} is not declared in components.securitySchemes")
            names.append(schemes[name])
        alternatives.append(tuple(names))
    return tuple(alternatives)


def _responses(operation: dict[str, Any]) -> tuple[dict[int, ResponseSpec], dict[str, ResponseSpec]]:
    exact: dict[int, ResponseSpec] = {}
    ranges: dict[str, ResponseSpec] = {}
    for key, response in (operation.get("responses") or {}).items():
        key = str(key)
        if not isinstance(response, dict):
            continue
        media_type, media = _first_media(response.get("content") or {})
        schema = media.get("schema") if isinstance(media.get("schema"), dict) else {}
        headers = {name: header for name, header in (response.get("headers") or {}).items() if isinstance(header, dict)}
        if key.isdigit():
            status = int(key)
        elif re.fullmatch(r"[1-5]XX", key.upper()):
            key, status = key.upper(), int(key[0]) * 100
        elif key == "default":
            status = 0
        else:
            continue
        codes = tuple(_code_enum(schema)) if status >= 300 and is_json_media(media_type or "") else ()
        spec = ResponseSpec(status, response.get("description", ""), schema, _examples(media), codes, key, media_type,
                            _media_specs(response.get("content")), headers)
        if key.isdigit():
            exact[status] = spec
        else:
            ranges[key] = spec
    return exact, ranges


def _invalid_input_code(raw: dict[str, Any], operation: dict[str, Any], responses: dict[int, ResponseSpec]) -> str | None:
    declared = operation.get(INVALID_INPUT_EXTENSION, raw.get(INVALID_INPUT_EXTENSION))
    if isinstance(declared, str):
        return declared
    bad_request = responses.get(400)
    return bad_request.codes[0] if bad_request is not None and len(bad_request.codes) == 1 else None


def _template_key(template: str) -> str:
    return re.sub(r"{[^{}]+}", "{}", template.rstrip("/") or "/")


def derive_operation_id(method: str, template: str) -> str:
    """A stable ID for an operation without operationId: `get_users_by_user_id` for GET /users/{user_id}."""
    words = [method.lower()]
    for segment in template.strip("/").split("/"):
        if not segment:
            continue
        if segment.startswith("{") and segment.endswith("}"):
            words += ["by", segment[1:-1]]
        else:
            words.append(segment)
    slug = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(words)).strip("_")
    return slug or method.lower()


def _operations(path: Path, raw: dict[str, Any], resolved: dict[str, Any], schemes: dict[str, SecurityScheme],
                warnings: list[str]) -> dict[str, Operation]:
    operations: dict[str, Operation] = {}
    shapes: dict[tuple[str, str], str] = {}
    for template, item in (resolved.get("paths") or {}).items():
        if not isinstance(item, dict) or not isinstance(template, str):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {template}"
            operation_id = operation.get("operationId")
            derived = not isinstance(operation_id, str) or not operation_id.strip()
            if derived:
                operation_id = derive_operation_id(method, template)
            if operation_id in operations:
                other = operations[operation_id]
                unique = next(f"{operation_id}_{n}" for n in range(2, 10_000) if f"{operation_id}_{n}" not in operations)
                warnings.append(f"{where}: operationId {operation_id!r} is also {other.method} {other.path}'s: this one is known as {unique!r}")
                operation_id = unique
            shape = (method, _template_key(template))
            if shape in shapes:
                warnings.append(f"{where} ({operation_id}): its path template matches the same requests as {shapes[shape]}'s, "
                                f"which serves them; this operation is not served")
                continue
            label = f"operation {operation_id} ({where})"
            parameters = _parameters(path, label, item, operation, warnings)
            in_template = list(dict.fromkeys(re.findall(r"{([^{}]+)}", template)))
            declared = {p.name for p in parameters if p.location == "path"}
            for name in in_template:
                if name not in declared:
                    warnings.append(f"{label}: path parameter {name!r} is in the template but not documented: served as any string")
                    parameters.append(Parameter(name, "path", True, {"type": "string"}, "simple", False, {}))
            for name in sorted(declared - set(in_template)):
                warnings.append(f"{label}: path parameter {name!r} is documented but not in the template: ignored")
                parameters = [p for p in parameters if not (p.location == "path" and p.name == name)]
            responses, ranges = _responses(operation)
            if not responses and not ranges:
                raise _fail(path, label, "documents no response: the mock cannot know what to answer")
            body = operation.get("requestBody")
            request_body = None
            if isinstance(body, dict) and isinstance(body.get("content"), dict):
                request_body = RequestBodySpec(bool(body.get("required", False)), _media_specs(body["content"]))
            shapes[shape] = operation_id
            operations[operation_id] = Operation(
                operation_id=operation_id,
                method=method.upper(),
                path=template,
                parameters=tuple(parameters),
                requirements=_requirements(path, label, raw, operation, schemes),
                responses=responses,
                invalid_input_code=_invalid_input_code(raw, operation, responses),
                raw=operation,
                ranges=ranges,
                request_body=request_body,
                derived_id=derived,
            )
    if not operations:
        raise SpecError(f"{path}: documents no operation")
    return operations


def _parse(text: bytes, path: Path) -> Any:
    """The document as data: JSON when it is JSON (much faster for large specs), else YAML 1.2."""
    decoded = text.decode("utf-8")
    if decoded.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(decoded)
        except ValueError:
            pass  # YAML's flow style also starts so: read it as YAML
    return read_yaml(decoded)


def build_spec(path: Path) -> ApiSpec:
    """Read, resolve and check a spec file (load_spec caches this per path)."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the OpenAPI spec {path}: {exc.strerror}") from None
    try:
        raw = _parse(text, path)
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:  # yaml_rs.YAMLDecodeError is a ValueError
        raise _yaml_error(path, text.decode("utf-8"), exc) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict):
        raise SpecError(f"{path}: not an OpenAPI document (it has no 'paths')")
    version = str(raw.get("openapi", ""))
    if "swagger" in raw and not version:
        raise SpecError(f"{path}: a Swagger 2.0 document: the mock reads OpenAPI 3.0 and 3.1 (convert it first, e.g. with swagger2openapi)")
    if version and not version.startswith("3."):
        raise SpecError(f"{path}: OpenAPI {version}: the mock reads OpenAPI 3.0 and 3.1")
    if version.startswith("3.1"):
        prepare = integer_formats_as_bounds
    else:
        def prepare(doc: Any) -> Any:
            return integer_formats_as_bounds(nullable_to_json_schema(doc))
    documents = Documents(path.resolve().as_uri(), raw, prepare, lambda other: _parse(other.read_bytes(), other))
    resolver = Resolver(documents)
    try:
        resolved = resolver.resolve(documents.loaded[documents.root_uri], documents.root_uri)
    except RefError as exc:
        at = _line_of(text.decode("utf-8", "replace"), exc.ref)
        raise SpecError(f"{path}{at}: at {pointer_of(exc.where)}: {exc.what}") from None
    profile = raw.get(PROFILE_EXTENSION)
    if profile is not None and profile not in KNOWN_PROFILES:
        raise SpecError(f"{path}: {PROFILE_EXTENSION} is {profile!r}: the profiles are {', '.join(KNOWN_PROFILES)}")
    warnings: list[str] = []
    schemes = _security_schemes(path, raw if not isinstance(resolved.get("components"), dict) else resolved)
    operations = _operations(path, raw, resolved, schemes, warnings)
    return ApiSpec(path=path, raw=raw, sha256=hashlib.sha256(text).hexdigest(), operations=operations,
                   openapi_version=version or "3.0.0", documents=documents.loaded, recursive_refs=frozenset(resolver.recursive),
                   ref_targets=resolver.targets_of(resolver.recursive), schema_origins=resolver.origins,
                   warnings=tuple(warnings), security_schemes=schemes)


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
