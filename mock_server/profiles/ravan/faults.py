"""Deliberate contract violations, as a layer beside the clean pipeline (`--fault NAME`).

Each fault is one realistic way a server drifts from openapi.yaml. It either rewrites the answer the
clean pipeline produced (`rewrite`), or swaps one pipeline step for a faulty one (`steps`). The clean
handlers never test for a fault. `make selftest` proves the contract suite catches every one of them;
client developers can use them to exercise their own error handling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import jwt

from mock_server.pipeline.auth import Identity, bearer_token, unauthorized
from mock_server.envelope import ApiError
from mock_server.profiles.ravan.pipeline import Pipeline
from mock_server.serving.wsgi import StartResponse, WsgiApp, collect, status_line


@dataclass
class Answer:
    """A response on its way out, open to rewriting."""

    status: int
    headers: dict[str, str]
    body: bytes
    authorization: str = ""
    path: str = ""

    @property
    def json(self) -> Any:
        """The body as JSON (None when it is not)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def set_json(self, value: Any) -> None:
        """Replace the body with this JSON value."""
        self.body = json.dumps(value, separators=(",", ":")).encode()


Rewrite = Callable[[Answer], None]
StepSwap = Callable[[Pipeline], dict[str, Callable[..., Any]]]


@dataclass(frozen=True)
class Fault:
    """One way to break the contract."""

    name: str
    area: str
    description: str
    rewrite: Rewrite | None = field(default=None, repr=False)
    steps: StepSwap | None = field(default=None, repr=False)

    def apply_to_pipeline(self, pipeline: Pipeline) -> Pipeline:
        """The pipeline with this fault's steps swapped in (unchanged for rewrite-only faults)."""
        return replace(pipeline, **self.steps(pipeline)) if self.steps else pipeline


FAULTS: dict[str, Fault] = {}


def fault(name: str, area: str, description: str) -> Callable[[Rewrite], Rewrite]:
    """Register a rewrite fault (decorator)."""

    def register(func: Rewrite) -> Rewrite:
        FAULTS[name] = Fault(name, area, description, rewrite=func)
        return func

    return register


def step_fault(name: str, area: str, description: str) -> Callable[[StepSwap], StepSwap]:
    """Register a fault that swaps pipeline steps (decorator)."""

    def register(func: StepSwap) -> StepSwap:
        FAULTS[name] = Fault(name, area, description, steps=func)
        return func

    return register


def find_fault(name: str) -> Fault:
    """The fault called name, or a ValueError that lists them all."""
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known faults: {', '.join(sorted(FAULTS))}")
    return FAULTS[name]


class FaultLayer:
    """WSGI middleware: every answer, from the router or from Flask, goes through the fault's rewrite."""

    def __init__(self, app: WsgiApp, chosen: Fault):
        assert chosen.rewrite is not None
        self.app = app
        self.rewrite = chosen.rewrite

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        status, headers, body = collect(self.app, environ)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        answer = Answer(
            status=int(status.split(" ", 1)[0]),
            headers={"Content-Type": content_type},
            body=body,
            authorization=environ.get("HTTP_AUTHORIZATION", ""),
            path=environ.get("PATH_INFO", ""),
        )
        self.rewrite(answer)
        kept = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
        new_headers = [*kept, *answer.headers.items(), ("Content-Length", str(len(answer.body)))]
        start_response(status_line(answer.status), new_headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [answer.body]


# --- helpers for rewrites ---------------------------------------------------------------------------


def on_appointment(func: Callable[[dict[str, Any], dict[str, Any]], None]) -> Rewrite:
    """A rewrite of 200 bodies: func(data, appointment) edits them in place."""

    def rewrite(answer: Answer) -> None:
        body = answer.json
        if answer.status == 200 and isinstance(body, dict) and isinstance(body.get("data"), dict):
            func(body["data"], body["data"]["appointment"])
            answer.set_json(body)

    return rewrite


def on_error(func: Callable[[Answer, dict[str, Any]], None]) -> Rewrite:
    """A rewrite of error envelopes: func(answer, body) edits them in place."""

    def rewrite(answer: Answer) -> None:
        body = answer.json
        if answer.status >= 400 and isinstance(body, dict):
            func(answer, body)
            answer.set_json(body)

    return rewrite


def _register_appointment_fault(name: str, description: str, edit: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
    FAULTS[name] = Fault(name, "success body", description, rewrite=on_appointment(edit))


def _register_error_fault(name: str, description: str, edit: Callable[[Answer, dict[str, Any]], None]) -> None:
    FAULTS[name] = Fault(name, "error envelope", description, rewrite=on_error(edit))


# --- the success body -------------------------------------------------------------------------------

_register_appointment_fault("missing_field", "contact_email is left out of the appointment", lambda d, a: a.pop("contact_email"))
_register_appointment_fault(
    "renamed_field", "appointment_time is renamed start_time", lambda d, a: a.__setitem__("start_time", a.pop("appointment_time"))
)
_register_appointment_fault(
    "retyped_field", "contact_phone is a JSON number, not a string", lambda d, a: a.__setitem__("contact_phone", 14155550100)
)
_register_appointment_fault("null_field", "ghl_appointment_id is null instead of an empty string", lambda d, a: a.__setitem__("ghl_appointment_id", None))
_register_appointment_fault(
    "time_not_rfc3339", "appointment_time is '03/14/2026 12:00 PM'", lambda d, a: a.__setitem__("appointment_time", "03/14/2026 12:00 PM")
)
_register_appointment_fault(
    "time_not_utc", "end_time carries a +02:00 offset instead of Z", lambda d, a: a.__setitem__("end_time", a["end_time"].replace("Z", "+02:00"))
)
_register_appointment_fault("status_outside_enum", "status is 'confirmed', not a Cal.com status", lambda d, a: a.__setitem__("status", "confirmed"))
_register_appointment_fault("email_malformed", "contact_email is 'alex at example.com'", lambda d, a: a.__setitem__("contact_email", "alex at example.com"))
_register_appointment_fault("phone_not_e164", "contact_phone is '(415) 555-0100'", lambda d, a: a.__setitem__("contact_phone", "(415) 555-0100"))
_register_appointment_fault("org_id_echo_mismatch", "data.org_id differs from appointment.organization_id", lambda d, a: d.__setitem__("org_id", "org_somewhere_else"))
_register_appointment_fault("agent_id_echo_mismatch", "data.agent_id differs from appointment.agent_id", lambda d, a: d.__setitem__("agent_id", "agent_nobody"))
_register_appointment_fault(
    "times_out_of_order",
    "end_time is before appointment_time",
    lambda d, a: a.update(appointment_time=a["end_time"], end_time=a["appointment_time"]),
)
_register_appointment_fault("wrong_booking_returned", "the appointment's id is not the UID asked for", lambda d, a: a.__setitem__("id", a["id"][::-1]))


@fault("success_flag_false", "success body", "a 200 answer says success: false")
def _success_flag_false(answer: Answer) -> None:
    body = answer.json
    if answer.status == 200 and isinstance(body, dict):
        body["success"] = False
        answer.set_json(body)


# --- error envelopes --------------------------------------------------------------------------------

_register_error_fault("error_without_code", "error envelopes leave out `code`", lambda ans, b: b.pop("code", None))
_register_error_fault("error_code_renamed", "CALCOM_API_ERROR is sent as NOT_FOUND", lambda ans, b: b.update(code="NOT_FOUND") if b.get("code") == "CALCOM_API_ERROR" else None)
_register_error_fault("error_message_empty", "error envelopes carry an empty message", lambda ans, b: b.__setitem__("message", ""))
_register_error_fault("error_success_true", "error envelopes say success: true", lambda ans, b: b.__setitem__("success", True))
_register_error_fault(
    "token_echoed_in_error",
    "401 messages repeat the token they refused",
    lambda ans, b: b.__setitem__("message", f"invalid token {ans.authorization.split(' ', 1)[-1]}") if ans.status == 401 and ans.authorization else None,
)
_register_error_fault(
    "stack_trace_in_error",
    "error messages carry a Python traceback",
    lambda ans, b: b.__setitem__(
        "message", b.get("message", "") + '\nTraceback (most recent call last):\n  File "/srv/app/handlers.py", line 88, in get_appointment'
    ),
)


@fault("wrong_status_for_code", "error envelope", "NOT_CONNECTED and INVALID_REQUEST are sent with status 422")
def _wrong_status_for_code(answer: Answer) -> None:
    body = answer.json
    if isinstance(body, dict) and body.get("code") in ("NOT_CONNECTED", "INVALID_REQUEST") and answer.status == 400:
        answer.status = 422


@fault("code_status_swapped", "error envelope", "CALCOM_API_ERROR is sent with status 400")
def _code_status_swapped(answer: Answer) -> None:
    body = answer.json
    if isinstance(body, dict) and body.get("code") == "CALCOM_API_ERROR":
        answer.status = 400


@fault("unknown_booking_is_404", "input handling", "a booking Cal.com does not know is answered 404, an undocumented status")
def _unknown_booking_is_404(answer: Answer) -> None:
    body = answer.json
    if isinstance(body, dict) and body.get("code") == "CALCOM_API_ERROR":
        answer.status = 404


# --- transport --------------------------------------------------------------------------------------


@fault("content_type_text_plain", "transport", "JSON bodies are labelled text/plain")
def _content_type_text_plain(answer: Answer) -> None:
    answer.headers["Content-Type"] = "text/plain; charset=utf-8"


@fault("html_error_pages", "transport", "errors are served as an HTML page, as a default proxy or framework page would")
def _html_error_pages(answer: Answer) -> None:
    if answer.status >= 400:
        answer.headers["Content-Type"] = "text/html; charset=utf-8"
        answer.body = f"<!DOCTYPE html><html><head><title>{answer.status}</title></head><body><h1>Error {answer.status}</h1></body></html>".encode()


@fault("truncated_json", "transport", "every body is cut off halfway, as a dropped connection would leave it")
def _truncated_json(answer: Answer) -> None:
    answer.body = answer.body[: max(1, len(answer.body) // 2)]


# --- authentication ---------------------------------------------------------------------------------


@step_fault("auth_ignored", "authentication", "the token is not checked at all; every caller is org_sunrise_dental")
def _auth_ignored(p: Pipeline) -> dict[str, Callable[..., Any]]:
    return {"authenticate": lambda pipeline, header: Identity(subject=None, org_id="org_sunrise_dental")}


def _decode_with(options: dict[str, bool], algorithms: list[str]) -> Callable[..., Identity]:
    def authenticate_loosely(p: Pipeline, header: str | None) -> Identity:
        token = bearer_token(header)
        try:
            claims = jwt.decode(token, p.secret, algorithms=algorithms, options=options)
        except jwt.InvalidTokenError:
            raise unauthorized("The token is invalid") from None
        org = claims.get("org_id")
        return Identity(subject=None, org_id=org if isinstance(org, str) else None)

    return authenticate_loosely


@step_fault("signature_not_verified", "authentication", "the token's signature is never verified")
def _signature_not_verified(p: Pipeline) -> dict[str, Callable[..., Any]]:
    return {"authenticate": _decode_with({"verify_signature": False}, ["HS256", "none"])}


@step_fault("expired_token_accepted", "authentication", "exp is not enforced: expired tokens pass")
def _expired_token_accepted(p: Pipeline) -> dict[str, Callable[..., Any]]:
    return {"authenticate": _decode_with({"verify_exp": False}, ["HS256"])}


@step_fault("alg_none_accepted", "authentication", "unsigned tokens (alg: none) are accepted")
def _alg_none_accepted(p: Pipeline) -> dict[str, Callable[..., Any]]:
    verify = _decode_with({}, ["HS256"])
    unsigned = _decode_with({"verify_signature": False}, ["none", "None", "NONE"])

    def authenticate_or_trust_none(pipeline: Pipeline, header: str | None) -> Identity:
        token = bearer_token(header)
        try:
            alg = str(jwt.get_unverified_header(token).get("alg", ""))
        except jwt.InvalidTokenError:
            alg = ""
        return unsigned(pipeline, header) if alg.lower() == "none" else verify(pipeline, header)

    return {"authenticate": authenticate_or_trust_none}


# --- input handling ---------------------------------------------------------------------------------


@step_fault("malformed_id_accepted", "input handling", "appointment_id is not validated: malformed IDs go to Cal.com")
def _malformed_id_accepted(p: Pipeline) -> dict[str, Callable[..., Any]]:
    clean = p.validate

    def validate_org_only(pipeline: Pipeline, appointment_id: str, org_values: list[str]) -> str | None:
        return clean(pipeline, "placeholder", org_values)

    return {"validate": validate_org_only}


@step_fault("malformed_id_crashes", "input handling", "a malformed appointment_id crashes the handler (500)")
def _malformed_id_crashes(p: Pipeline) -> dict[str, Callable[..., Any]]:
    clean = p.validate

    def validate_or_crash(pipeline: Pipeline, appointment_id: str, org_values: list[str]) -> str | None:
        try:
            return clean(pipeline, appointment_id, org_values)
        except ApiError as error:
            raise RuntimeError(f"unhandled: {error.message}") from None

    return {"validate": validate_or_crash}


@step_fault("malformed_org_id_ignored", "input handling", "a malformed org_id query is ignored when the token has an organization")
def _malformed_org_id_ignored(p: Pipeline) -> dict[str, Callable[..., Any]]:
    clean = p.validate

    def validate_id_only(pipeline: Pipeline, appointment_id: str, org_values: list[str]) -> str | None:
        valid = [v for v in org_values[:1] if pipeline.org_pattern.fullmatch(v)]
        return clean(pipeline, appointment_id, valid)

    return {"validate": validate_id_only}


# --- tenant isolation -------------------------------------------------------------------------------


@step_fault("org_query_overrides_token", "tenant isolation", "the org_id query wins over the token's organization")
def _org_query_overrides_token(p: Pipeline) -> dict[str, Callable[..., Any]]:
    clean = p.resolve_organization
    return {"resolve_organization": lambda pipeline, identity, query_org: query_org or clean(pipeline, identity, query_org)}


@step_fault("missing_org_defaults", "tenant isolation", "no organization anywhere falls back to a default organization")
def _missing_org_defaults(p: Pipeline) -> dict[str, Callable[..., Any]]:
    return {"resolve_organization": lambda pipeline, identity, query_org: identity.org_id or query_org or "org_sunrise_dental"}


@step_fault("not_connected_as_calcom_error", "error envelope", "an organization without Cal.com gets 502 CALCOM_API_ERROR")
def _not_connected_as_calcom_error(p: Pipeline) -> dict[str, Callable[..., Any]]:
    clean = p.lookup

    def lookup(pipeline: Pipeline, org_id: str, appointment_id: str) -> bytes:
        try:
            return clean(pipeline, org_id, appointment_id)
        except ApiError as error:
            if error.code == "NOT_CONNECTED":
                raise ApiError("CALCOM_API_ERROR", "Cal.com API error: no credentials") from None
            raise

    return {"lookup": lookup}


def describe_faults() -> list[str]:
    """One line per fault: name, area, what it breaks."""
    width = max(len(name) for name in FAULTS)
    return [f"{f.name:<{width}}  [{f.area}] {f.description}" for f in FAULTS.values()]
