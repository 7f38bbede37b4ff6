"""The mocker: what each documented response of an operation is served with, as Prism's static mode does.

A response's named examples, each checked against its schema first: an example that breaks its own schema is
reported once (a warning line naming the operation, response and example) and replaced by a derived body, so
the mock never serves what its spec forbids. A response without examples gets a body derived from its schema
(pipeline/sampler.py), shaped by the spec's profile (Ravan's: `success` agrees with the status). A response
documented without content has no body; one whose media type is not JSON gets a text body of that type.
Bodies are built on an operation's first request, so a spec of 1,200 operations starts as fast as one of one.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable

from mock_server.envelope import Reply
from mock_server.pipeline.sampler import Sampler
from mock_server.schemas import error_message, spec_validator
from mock_server.spec import ApiSpec, Operation, ResponseSpec, SpecError, is_json_media

if TYPE_CHECKING:
    from mock_server.profiles.base import Profile

log = logging.getLogger("mock_server")
DERIVED = "derived_from_schema"  # the name a schema-derived body is served under (Prefer: example=derived_from_schema)


def _is_text(media_type: str | None) -> bool:
    essence = (media_type or "").split(";")[0].strip().lower()
    return essence.startswith("text/") or essence.endswith(("/xml", "+xml", "/yaml", "/csv", "/javascript"))


class ResponseBodies:
    """The bodies of one operation's responses, by status (ranges and `default` by their key), built once."""

    def __init__(self, spec: ApiSpec, operation: Operation, sampler: Sampler, shape: Callable[[Operation, int, Any], Any],
                 said: set[tuple[str, str, str]] | None = None):
        self.spec = spec
        self.operation = operation
        self._sampler = sampler
        self._shape = shape
        self._said = said if said is not None else set()  # (operation, response, example) already reported at start
        self._built: dict[int | str, dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self.unsatisfiable: list[str] = []  # responses whose schema admits no value (served the closest one)

    @property
    def by_status(self) -> dict[int | str, dict[str, Any]]:
        """Every documented response's bodies by name: exact statuses as ints, ranges and default as their key."""
        built = self._built
        if built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
                built = self._built
        return built

    def _build(self) -> dict[int | str, dict[str, Any]]:
        bodies: dict[int | str, dict[str, Any]] = {}
        for status in self.operation.statuses:
            bodies[status] = self._bodies(self.operation.responses[status], status)
        for key, response in self.operation.ranges.items():
            bodies[key] = self._bodies(response, _representative(key))
        return bodies

    def _bodies(self, response: ResponseSpec, status: int) -> dict[str, Any]:
        where = f"{self.operation.label} response {response.key or status}"
        if response.media_type is None:
            return {DERIVED: None}  # documented without content: no body
        json_body = is_json_media(response.media_type)
        if not json_body:
            return self._text_bodies(response, where)
        named: dict[str, Any] = {}
        if response.examples:
            validator = spec_validator(self.spec, response.schema) if response.schema else None
            for name, value in response.examples.items():
                if validator is not None and not validator.is_valid(value):
                    if (self.operation.operation_id, response.key, name) not in self._said:
                        log.warning("spec: %s", example_problem(where, name, validator, value))
                    continue
                named[name] = value
            if named:
                return named
        if not response.schema:
            return {DERIVED: named or {}}
        return {DERIVED: self._derive(response, status, where)}

    def _derive(self, response: ResponseSpec, status: int, where: str) -> Any:
        try:
            body = self._sampler.sample(response.schema, where)
        except SpecError as exc:
            self.unsatisfiable.append(str(exc))
            log.warning("spec: %s: served anyway, the closest value found", exc)
            return self._sampler.closest(response.schema)
        shaped = self._shape(self.operation, status, body)
        return shaped if shaped is body or self._sampler.valid(response.schema, shaped) else body

    def _text_bodies(self, response: ResponseSpec, where: str) -> dict[str, Any]:
        media = response.content.get(response.media_type or "")
        named = {name: value for name, value in (media.examples if media else {}).items() if isinstance(value, (str, bytes))}
        if named:
            return named
        if _is_text(response.media_type):
            schema = response.schema if response.schema.get("type") == "string" else {"type": "string"}
            try:
                return {DERIVED: self._sampler.sample(schema, where)}
            except SpecError:
                return {DERIVED: "string"}
        return {DERIVED: b""}  # binary media (images, PDFs, octet streams): an empty body of that type

    def reply(self, status: int, name: str | None = None) -> Reply:
        """The answer for a documented status (exact, else its range, else default): its first or named body."""
        response = self.operation.response_for(status)
        if response is None:
            raise SpecError(f"{self.operation.label} documents no response {status}")
        key: int | str = status if status in self.operation.responses else response.key
        named = self.by_status[key]
        body = named[name] if name is not None else next(iter(named.values()))
        return Reply(status, body, response.media_type, default_headers(response, status))


def example_problem(where: str, name: str, validator: Any, value: Any) -> str:
    """One line: which example breaks its schema, where in it, and what the mock serves instead."""
    error = next(iter(validator.iter_errors(value)))
    at = "/".join(map(str, error.instance_path)) or "the top"
    return f"{where}: example {name!r} breaks its own schema (at {at}: {error_message(error)[:160]}): served a value derived from the schema instead"


def _representative(key: str) -> int:
    """The status a range or `default` is served with when nothing asks for one: 200 for default and 2XX."""
    if key == "default":
        return 200
    return int(key[0]) * 100


def default_headers(response: ResponseSpec, status: int) -> tuple[tuple[str, str], ...]:
    """Values for the response's required headers (a `Location` for a redirect or a creation)."""
    found = []
    for name, header in response.headers.items():
        if name.lower() in ("content-type", "content-length"):
            continue
        schema = header.get("schema") if isinstance(header.get("schema"), dict) else {}
        required = bool(header.get("required")) or name.lower() == "location"
        if not required:
            continue
        example = header.get("example", schema.get("example", schema.get("default")))
        if example is None and name.lower() == "location":
            example = "/"
        if example is None:
            example = {"integer": 1, "number": 1, "boolean": "true"}.get(str(schema.get("type")), "string")
        value = example if isinstance(example, str) else json.dumps(example)
        found.append((name, value))
    return tuple(found)


class BodyBook:
    """Every operation's ResponseBodies, made on first use, with one sampler for the spec."""

    def __init__(self, spec: ApiSpec, profile: "Profile"):
        self.spec = spec
        self.profile = profile
        self.sampler = Sampler(spec)
        self._bodies: dict[str, ResponseBodies] = {}
        self._lock = threading.Lock()
        self._said: set[tuple[str, str, str]] = set()

    def check_examples(self) -> list[str]:
        """Every JSON response example that breaks its own schema, one line each (said at start, then not again):
        0.2 s for GitHub's 1,042 examples."""
        lines = []
        for operation in self.spec.operations.values():
            for response in [*operation.responses.values(), *operation.ranges.values()]:
                if not response.examples or not response.schema or not is_json_media(response.media_type or ""):
                    continue
                validator = spec_validator(self.spec, response.schema)
                for name, value in response.examples.items():
                    if not validator.is_valid(value):
                        self._said.add((operation.operation_id, response.key, name))
                        lines.append(example_problem(f"{operation.label} response {response.key}", name, validator, value))
        return lines

    def of(self, operation: Operation) -> ResponseBodies:
        """The operation's bodies."""
        found = self._bodies.get(operation.operation_id)
        if found is None:
            with self._lock:
                found = self._bodies.setdefault(
                    operation.operation_id, ResponseBodies(self.spec, operation, self.sampler, self.profile.shape_body, self._said))
        return found
