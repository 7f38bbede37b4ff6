"""The contract rules, one small function each, named for the rule it enforces.

Each rule takes an Exchange (one request, its answer, and the operation the spec routes it to) and raises
ContractViolation, which carries the rule's name (`.rule`) and a message that starts with it. A rule is
registered with what it applies to: every answer of any API (the generic rules: documented status, schema,
content type, no HTML or stack trace, no echoed token), the answers of a spec that opts into a profile
(Ravan's envelope: `success`, `message`, the code per status), or the answers of one operation (its domain
rules: Get Appointment's echoes, time order, tenancy and identity), so that a rule never fires where it does
not belong. Adding a rule for a new operation is one small function with `@rule(operation=ID)`.
The rules in SCHEMATHESIS_RULES are also registered as schemathesis checks (contract_tests/generation/checks.py); the
property tests and the validating proxy run every rule that applies to each answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, unquote, urlsplit


from mock_server.contract.masking import mask_text
from mock_server.tokens import claims_of
from mock_server.contract.expected import undocumented_refusal_keeps_the_promise
from mock_server.contract.response_schemas import spec_openapi_validator
from mock_server.data import GET_APPOINTMENT
from mock_server.routing import Match, Routes
from mock_server.spec import RAVAN_PROFILE, ApiSpec, Operation, SpecError, is_json_media, load_spec

_LOADED: list[ApiSpec] = []
_ROUTES: list[Routes] = []


def _spec() -> ApiSpec:
    """The spec the rules judge by, loaded on first use (so that importing the rules never fails on a bad spec)."""
    if not _LOADED:
        _LOADED.append(load_spec())
    return _LOADED[0]


def current_spec() -> ApiSpec:
    """The spec the rules judge by now."""
    return _spec()


def use_spec(spec: ApiSpec) -> None:
    """Judge by this spec from now on (the run's CONTRACT_SPEC; by default the repository's openapi.yaml)."""
    _LOADED[:] = [spec]
    _ROUTES.clear()
    _VALIDATORS.clear()


def operation_for(method: str, path: str) -> Operation | None:
    """The operation the spec routes a request to (None: no documented path and method)."""
    if not _ROUTES:
        _ROUTES.append(Routes(_spec().operations.values()))
    found = _ROUTES[0].match(method.upper(), path)
    return found.operation if isinstance(found, Match) else None


def __getattr__(name: str) -> ApiSpec:
    """`rules.SPEC`: the spec, loaded on first use."""
    if name == "SPEC":
        return _spec()
    raise AttributeError(name)

STACK_TRACE_MARKERS = (
    "Traceback (most recent call last)",
    'File "/',
    "\tat java.",
    "\n    at ",
    "Exception in thread",
    "node_modules/",
    "panic: ",
    "goroutine ",
)
HTML_MARKERS = ("<!doctype html", "<html", "<body", "<head>", "<title>")


class ContractViolation(AssertionError):
    """A response broke a rule of the contract: `rule` names it, the message says what broke."""

    def __init__(self, message: str, rule: str = ""):
        super().__init__(message)
        self.rule = rule or (message[1:message.index("]")] if message.startswith("[") and "]" in message else "")


@dataclass
class Exchange:
    """One request and its answer, whatever client sent it."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    deliberately_invalid: bool = False  # the suite sent input the spec forbids (a broken value, no credential)
    _parsed: Any = field(default=None, init=False, repr=False)
    _parsed_done: bool = field(default=False, init=False, repr=False)
    _operation: Operation | None = field(default=None, init=False, repr=False)
    _operation_done: bool = field(default=False, init=False, repr=False)

    @classmethod
    def from_response(cls, response: Any) -> "Exchange":
        """From a requests.Response or a schemathesis Response (whose header values are lists)."""
        request = response.request
        return cls(
            method=request.method,
            url=request.url,
            request_headers=dict(request.headers),
            status=response.status_code,
            headers={k.lower(): ", ".join(v) if isinstance(v, list) else v for k, v in response.headers.items()},
            body=response.content,
        )

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        if not self._parsed_done:
            self._parsed_done = True
            try:
                self._parsed = json.loads(self.body)
            except (ValueError, UnicodeDecodeError):
                self._parsed = None
        return self._parsed

    @property
    def path(self) -> str:
        """The request path, URL-decoded."""
        return unquote(urlsplit(self.url).path)

    @property
    def query(self) -> dict[str, list[str]]:
        """The request's query parameters."""
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def bearer_token(self) -> str | None:
        """The token the request carried, if any."""
        value = next((v for k, v in self.request_headers.items() if k.lower() == "authorization"), "")
        parts = value.split(None, 1)
        return parts[1].strip() if len(parts) == 2 and parts[0].lower() == "bearer" else None

    @property
    def operation(self) -> Operation | None:
        """The documented operation the request was for (None: a path or method the spec does not describe)."""
        if not self._operation_done:
            self._operation_done = True
            self._operation = operation_for(self.method, self.path)
        return self._operation

    @property
    def is_operation(self) -> bool:
        """True when the request was a documented method on a documented path."""
        return self.operation is not None

    def path_param(self, name: str) -> str | None:
        """A path parameter's value as the request sent it (URL-decoded)."""
        operation = self.operation
        if operation is None:
            return None
        found = Routes([operation]).match(self.method.upper(), self.path)
        return found.path_params.get(name) if isinstance(found, Match) else None

    def describe(self) -> str:
        """The request, then the answer as it came (status line, the headers that matter, the body as text, JSON
        pretty-printed, a long one cut with how much was left), indented; tokens masked."""
        answer = answer_text(self.status, self.headers, self.body)
        return mask_text(f"{self.method} {self.url} -> {self.status}\n" + "\n".join(f"    {line}" for line in answer.splitlines()))


ANSWER_LIMIT = 1500  # characters of a body shown; the rest is counted
SHOWN_HEADERS = ("content-type", "location", "allow", "www-authenticate", "retry-after")


def answer_text(status: int, headers: Mapping[str, str], body: bytes, limit: int = ANSWER_LIMIT) -> str:
    """An answer as a person reads it: `HTTP 401 Unauthorized`, the headers that matter, the body decoded (JSON
    pretty-printed), cut at `limit` characters with "(N more bytes)"."""
    from http import HTTPStatus

    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = [f"HTTP {status} {phrase}".rstrip()]
    lowered = {k.lower(): v for k, v in headers.items()}
    lines += [f"{name}: {lowered[name]}" for name in SHOWN_HEADERS if name in lowered]
    if body:
        try:
            text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except (ValueError, UnicodeDecodeError):
            text = body.decode("utf-8", "replace")
        if len(text) > limit:
            rest = len(text[limit:].encode("utf-8"))
            text = f"{text[:limit]}\n({rest} more bytes)"
        lines += ["", text]
    return "\n".join(lines)


Rule = Callable[[Exchange], None]
SCHEMATHESIS_RULES: list[Rule] = []
PROPERTY_ONLY_RULES: list[Rule] = []
RULE_OPERATION: dict[str, str] = {}  # rule name -> the operationId it is about (rules not in it: every answer)
RULE_PROFILE: dict[str, str | None] = {}  # rule name -> the profile whose specs it judges (None: every spec's)


def rule(*, schemathesis_check: bool = True, operation: str | None = None, profile: str | None = None) -> Callable[[Rule], Rule]:
    """Register a rule: for the property tests always, as a schemathesis check unless told not to, for the answers
    of one operation only when `operation` names it, and for the specs of one profile only when `profile` does."""

    def register(func: Rule) -> Rule:
        (SCHEMATHESIS_RULES if schemathesis_check else PROPERTY_ONLY_RULES).append(func)
        if operation is not None:
            RULE_OPERATION[func.__name__] = operation
        RULE_PROFILE[func.__name__] = profile
        return func

    return register


def applies(func: Rule, exchange: Exchange) -> bool:
    """True when the rule judges this spec's answers, and is about every answer or this answer's operation."""
    profile = RULE_PROFILE.get(func.__name__)
    if profile is not None and _spec().profile != profile:
        return False
    about = RULE_OPERATION.get(func.__name__)
    return about is None or (exchange.operation is not None and exchange.operation.operation_id == about)


def violation(func: Rule, exchange: Exchange, what: str) -> ContractViolation:
    """The failure of a rule: its name as an attribute, and first in the message so a report names it."""
    where = f" ({exchange.operation.operation_id})" if exchange.operation is not None else ""
    return ContractViolation(mask_text(f"[{func.__name__}] {what}{where}\n  {exchange.describe()}"), rule=func.__name__)


def _appointment(exchange: Exchange) -> dict[str, Any] | None:
    body = exchange.json
    if exchange.status != 200 or not isinstance(body, dict):
        return None
    data = body.get("data")
    appointment = data.get("appointment") if isinstance(data, dict) else None
    return appointment if isinstance(appointment, dict) else None


@rule(schemathesis_check=False)
def status_is_documented(exchange: Exchange) -> None:
    """A documented operation answers only with documented statuses (exactly, by range, or by `default`)."""
    operation = exchange.operation
    if operation is None or operation.documents(exchange.status):
        return
    if exchange.deliberately_invalid and undocumented_refusal_keeps_the_promise(operation, exchange.status):
        return  # the spec documents no answer to input it forbids of this kind: a client error keeps its promise
    documented = [*map(str, operation.statuses), *operation.ranges]
    raise violation(
        status_is_documented,
        exchange,
        f"status {exchange.status} is not documented for {operation.method} {operation.path}; documented: {', '.join(documented)}",
    )


def _essence(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _media_matches(actual: str, documented: str) -> bool:
    actual, documented = _essence(actual), _essence(documented)
    if documented in ("*/*", actual):
        return True
    return documented.endswith("/*") and actual.startswith(documented[:-1])


@rule(schemathesis_check=False, profile=RAVAN_PROFILE)
def content_type_is_json(exchange: Exchange) -> None:
    """Every answer with a body is application/json (Ravan's API answers nothing else; a documented 204 has no body)."""
    operation = exchange.operation
    response = operation.response_for(exchange.status) if operation is not None else None
    if not exchange.body and response is not None and not response.content:
        return
    content_type = exchange.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise violation(content_type_is_json, exchange, f"Content-Type is {content_type or '(none)'!r}, not application/json")


@rule(schemathesis_check=False)
def content_type_is_documented(exchange: Exchange) -> None:
    """An answer with a body has a Content-Type its documented response lists."""
    operation = exchange.operation
    response = operation.response_for(exchange.status) if operation is not None else None
    if response is None or not response.content or not exchange.body or exchange.method.upper() == "HEAD":
        return
    content_type = exchange.headers.get("content-type", "")
    if not any(_media_matches(content_type, media) for media in response.content):
        raise violation(content_type_is_documented, exchange,
                        f"Content-Type is {content_type or '(none)'!r}; the spec documents {', '.join(response.content)} for {exchange.status}")


@rule(schemathesis_check=False)
def body_matches_response_schema(exchange: Exchange) -> None:
    """The body validates against the schema the spec gives its operation for its status."""
    operation = exchange.operation
    response = operation.response_for(exchange.status) if operation is not None else None
    if response is None or operation is None or exchange.method.upper() == "HEAD":
        return
    if exchange.status in (204, 304) and not exchange.body:
        return  # HTTP gives these no body, whatever a spec documents for them (RFC 9110)
    if not response.media_type or not is_json_media(response.media_type) or not response.schema:
        return  # no content, or content that is not JSON: content_type_is_documented judges it
    content_type = exchange.headers.get("content-type", "")
    if content_type and not is_json_media(_essence(content_type)) and any(_media_matches(content_type, m) for m in response.content):
        return  # another documented media type of the same response (XML beside JSON)
    if exchange.json is None and exchange.body.strip() != b"null":
        raise violation(body_matches_response_schema, exchange, "the body is not JSON")
    errors = sorted(_validator(operation, response).iter_errors(exchange.json), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = ".".join(map(str, errors[0].absolute_path)) or "(body)"
        raise violation(body_matches_response_schema, exchange, f"{where}: {errors[0].message}")


_VALIDATORS: dict[tuple[str, str], Any] = {}


def _validator(operation: Operation, response: Any) -> Any:
    key = (operation.operation_id, response.key or str(response.status))
    if key not in _VALIDATORS:
        _VALIDATORS[key] = spec_openapi_validator(_spec(), response.schema)
    return _VALIDATORS[key]


@rule()
def no_html_or_stack_trace(exchange: Exchange) -> None:
    """No answer is an HTML page (unless the spec documents one) or carries a stack trace."""
    operation = exchange.operation
    response = operation.response_for(exchange.status) if operation is not None else None
    if response is not None and any("html" in media for media in response.content):
        return
    text = exchange.body[:65536].decode("utf-8", "replace")
    lowered = text.lower()
    for marker in HTML_MARKERS:
        if marker in lowered:
            raise violation(no_html_or_stack_trace, exchange, f"the body is HTML (found {marker!r})")
    for marker in STACK_TRACE_MARKERS:
        if marker in text:
            raise violation(no_html_or_stack_trace, exchange, f"the body carries a stack trace (found {marker.strip()!r})")


@rule()
def token_is_not_echoed(exchange: Exchange) -> None:
    """No answer repeats the bearer token, or its signature."""
    token = exchange.bearer_token
    if not token or len(token) < 16:
        return
    text = exchange.body.decode("utf-8", "replace") + " ".join(exchange.headers.values())
    signature = token.rsplit(".", 1)[-1]
    if token in text or (len(signature) >= 16 and signature in text):
        raise violation(token_is_not_echoed, exchange, "the answer repeats the bearer token")


@rule(profile=RAVAN_PROFILE)
def success_flag_matches_status(exchange: Exchange) -> None:
    """`success` is true exactly on 2xx answers."""
    body = exchange.json
    if not isinstance(body, dict) or "success" not in body:
        return  # a missing field is the schema check's to report
    expected = 200 <= exchange.status < 300
    if body["success"] is not expected:
        raise violation(success_flag_matches_status, exchange, f"success is {body['success']!r} on a {exchange.status} answer; expected {expected}")


@rule(profile=RAVAN_PROFILE)
def status_matches_error_code(exchange: Exchange) -> None:
    """An error's `code` is one the spec pairs with the answer's HTTP status."""
    body = exchange.json
    if exchange.status < 300 or not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return
    code = body["code"]
    operation = exchange.operation
    documented = operation.responses.get(exchange.status) if operation is not None else None
    if documented is None or operation is None:
        return  # undocumented statuses are status_is_documented's (and schemathesis') to report
    if code not in documented.codes:
        try:
            paired = operation.status_for_code(code) if code in operation.error_codes else _spec().status_for_code(code)
            if paired == exchange.status:  # the API pairs them, this operation does not document that answer
                where = f"{operation.operation_id} does not document {code} for {exchange.status}"
            else:
                where = f"the spec pairs {code} with status {paired}"
        except SpecError:
            where = f"{code} is not a documented code"
        raise violation(
            status_matches_error_code,
            exchange,
            f"status {exchange.status} carries code {code}, but {where}; {operation.operation_id}'s {exchange.status} carries "
            f"{', '.join(documented.codes) or 'no code'}",
        )


@rule(profile=RAVAN_PROFILE)
def message_is_not_empty(exchange: Exchange) -> None:
    """Every JSON answer has a non-empty human-readable `message`."""
    body = exchange.json
    if isinstance(body, dict) and "message" in body:
        message = body["message"]
        if not isinstance(message, str) or not message.strip():
            raise violation(message_is_not_empty, exchange, f"message is {message!r}")


@rule(operation=GET_APPOINTMENT, profile=RAVAN_PROFILE)
def data_echoes_the_appointment(exchange: Exchange) -> None:
    """`data.org_id` and `data.agent_id` equal the appointment's organization_id and agent_id."""
    appointment = _appointment(exchange)
    if appointment is None:
        return
    data = exchange.json["data"]
    for outer, inner in (("org_id", "organization_id"), ("agent_id", "agent_id")):
        if data.get(outer) != appointment.get(inner):
            raise violation(
                data_echoes_the_appointment,
                exchange,
                f"data.{outer} is {data.get(outer)!r} but data.appointment.{inner} is {appointment.get(inner)!r}",
            )


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@rule(operation=GET_APPOINTMENT, profile=RAVAN_PROFILE)
def end_time_is_after_appointment_time(exchange: Exchange) -> None:
    """An appointment ends after it starts."""
    appointment = _appointment(exchange)
    if appointment is None:
        return
    start, end = _time(appointment.get("appointment_time")), _time(appointment.get("end_time"))
    if start and end and end <= start:
        raise violation(
            end_time_is_after_appointment_time,
            exchange,
            f"end_time {appointment['end_time']} is not after appointment_time {appointment['appointment_time']}",
        )


@rule(operation=GET_APPOINTMENT, profile=RAVAN_PROFILE)
def appointment_is_the_one_asked_for(exchange: Exchange) -> None:
    """A 200 answer returns the booking whose UID was in the path."""
    appointment = _appointment(exchange)
    if appointment is None:
        return
    asked = exchange.path_param("appointment_id")
    if appointment.get("id") != asked:  # exact: an ID that differs by case or by one character is another booking
        raise violation(appointment_is_the_one_asked_for, exchange, f"asked for {asked!r}, got appointment {appointment.get('id')!r}")


@rule(operation=GET_APPOINTMENT, profile=RAVAN_PROFILE)
def organization_is_the_callers(exchange: Exchange) -> None:
    """A 200 answer belongs to the token's organization, or, for a token without one, to the org_id query."""
    appointment = _appointment(exchange)
    token = exchange.bearer_token
    if appointment is None or token is None:
        return
    claim = claims_of(token).get("org_id")
    expected = claim if isinstance(claim, str) else (exchange.query.get("org_id") or [None])[0]
    if expected is not None and appointment.get("organization_id") != expected:
        source = "the token's org_id claim" if isinstance(claim, str) else "the org_id query"
        raise violation(
            organization_is_the_callers,
            exchange,
            f"returned organization {appointment.get('organization_id')!r}, but {source} is {expected!r}",
        )


ALL_RULES: list[Rule] = [*PROPERTY_ONLY_RULES, *SCHEMATHESIS_RULES]


def check_all(exchange: Exchange, rules: list[Rule] | None = None) -> None:
    """Run every rule that applies to one exchange; the first broken rule raises."""
    for func in rules or ALL_RULES:
        if applies(func, exchange):
            func(exchange)


def violations(exchange: Exchange, rules: list[Rule] | None = None) -> list[ContractViolation]:
    """Every rule the exchange breaks (the proxy reports them all, not only the first)."""
    found = []
    for func in rules or ALL_RULES:
        if not applies(func, exchange):
            continue
        try:
            func(exchange)
        except ContractViolation as exc:
            found.append(exc)
    return found
