"""Properties that hold for every operation of the spec, generated from it: a new operation needs no new test.

- a documented request (each parameter's example, else a value derived from its schema; a body likewise; Get
  Appointment's from CONTRACT_APPOINTMENT_ID) gets a documented answer, and every rule that applies holds on it;
- a secured operation refuses every request without a valid credential with its documented 401 (a spec
  without a profile: 401 or 403), before it looks at the input: no credential at all, another scheme, and for a
  spec whose profile verifies JWTs (Ravan's) not a JWT, a tampered signature, an `alg: none` re-encoding and,
  where the suite can mint them, expired, not-yet-valid and wrongly signed tokens;
- an open operation (`security: []`) answers without a credential;
- a value that breaks a parameter's own schema gets the answer the spec promises for invalid input
  (mock_server/contract/expected.py: Ravan's 400 with the designated code; else the documented 422 or 400).
Against a live URL, operations other than GET run only with CONTRACT_ALLOW_UNSAFE=1, and are named as skipped.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from contract_tests.inputs.credentials import Sent
from contract_tests.transport.http import ContractSession
from contract_tests.transport.writer import Writer
from mock_server.resources.model import infer_resources
from contract_tests.generation.invalid_values import invalid_values
from mock_server.contract.expected import Expected, invalid_input_answer, unauthorized_answer
from mock_server.contract.masking import curl_command, mask_text, register_secret
from mock_server.contract.rules import SPEC as API, ContractViolation, Exchange, check_all
from contract_tests.inputs.scope import active_scope
from contract_tests.inputs.settings import active
from contract_tests.inputs.target import Target
from mock_server.data import GET_APPOINTMENT
from mock_server.pipeline.sampler import Sampler
from mock_server.schemas import spec_validator
from mock_server.spec import RAVAN_PROFILE, Operation, Parameter, SpecError, is_json_media

LIVE = active().sends_only_what_reaches_the_app
WRITES_BLOCKED = active().live and not active().allow_unsafe
OPERATIONS = list(active_scope(API).checked)  # at most CONTRACT_MAX_OPERATIONS of them (contract_tests/inputs/scope.py)
SECURED = [op for op in OPERATIONS if op.secured]
OPEN = [op for op in OPERATIONS if not op.secured]
BREAKABLE = [(op, p) for op in OPERATIONS for p in op.parameters if invalid_values(p, LIVE)]
VERIFIES_JWT = API.profile == RAVAN_PROFILE  # the profile's bearer tokens are JWTs the server verifies
NO_TOKEN: Any = object()
_SAMPLER = Sampler(API)
MODEL = infer_resources(API)


class OperationClient:
    """Sends one operation's request with chosen parameter values and token, and checks every rule on the answer."""

    def __init__(self, target: Target, session: ContractSession):
        self.target = target
        self.session = session
        self.writer = Writer(API, target, session, session.ledger)

    def samples(self, operation: Operation) -> dict[Parameter, Any] | None:
        """A value for every path parameter and every required one: its documented example when that is valid,
        else one derived from its schema (None: neither can be had)."""
        chosen: dict[Parameter, Any] = {}
        for parameter in operation.parameters:
            if not (parameter.location == "path" or parameter.required):
                continue
            value = parameter.sample()
            if operation.operation_id == GET_APPOINTMENT and parameter.name == "appointment_id" and self.target.appointment_id:
                value = self.target.appointment_id  # a booking the target has (else the example: an unknown one)
            elif value is None or (parameter.schema and not spec_validator(API, parameter.schema).is_valid(value)):
                try:
                    value = _SAMPLER.sample(parameter.schema, f"{operation.label} parameter {parameter.name}")
                except SpecError:
                    return None
            chosen[parameter] = value
        return chosen

    def body(self, operation: Operation) -> tuple[str, Any] | None:
        """(media type, value) of a documented JSON body to send: its first valid example, else a derived one."""
        request_body = operation.request_body
        if request_body is None:
            return None
        media = next((m for m in request_body.content.values() if is_json_media(m.media_type)), None)
        if media is None:
            return None
        validator = spec_validator(API, media.schema) if media.schema else None
        for value in media.examples.values():
            if validator is None or validator.is_valid(value):
                return media.media_type, value
        return media.media_type, _SAMPLER.sample(media.schema, f"{operation.label} request body") if media.schema else {}

    def send(self, operation: Operation, values: dict[Parameter, Any], *, authorization: Any = None,
             deliberately_invalid: bool = False) -> Exchange:
        """The operation's request with these values; authorization None: the run's credentials for it; a string:
        that Authorization header alone; NO_TOKEN: no credential."""
        path = operation.path_for(**{p.name: quote(_wire(v), safe="") for p, v in values.items() if p.location == "path"})
        sent = Sent()
        sent.params = [(p.name, _wire(v)) for p, v in values.items() if p.location == "query"]
        sent.headers = {p.name: _wire(v) for p, v in values.items() if p.location == "header"}
        sent.cookies = {p.name: _wire(v) for p, v in values.items() if p.location == "cookie"}
        if authorization is None:
            self.target.credentials.apply(operation, sent)
        elif authorization is not NO_TOKEN:
            sent.headers["Authorization"] = authorization
        sent.cookie_header()
        data = None
        body = self.body(operation)
        if body is not None:
            sent.headers["Content-Type"] = body[0]
            data = json.dumps(body[1]).encode()
        url = self.target.base_url + path
        response = self.session.request(operation.method, url, headers=sent.headers, params=sent.params, data=data)
        exchange = Exchange.from_response(response)
        exchange.deliberately_invalid = deliberately_invalid
        exchange.curl = curl_command(url, sent.headers, sent.params, method=operation.method, body=data)  # type: ignore[attr-defined]
        try:
            check_all(exchange)
        except ContractViolation as exc:
            raise ContractViolation(f"{exc}\n  Reproduce with: {exchange.curl}", rule=exc.rule) from None  # type: ignore[attr-defined]
        return exchange

    def expect(self, exchange: Exchange, rule: str, expected: Expected, what: str = "") -> None:
        """Assert the answer keeps the promise; the failure names the rule, and what was sent."""
        body = exchange.json if isinstance(exchange.json, dict) else {}
        code = body.get("code") if expected.code else None
        if not expected.matches(exchange.status, code):
            raise ContractViolation(mask_text(
                f"[{rule}] {what + ': ' if what else ''}expected {expected.describe()}, got {exchange.status} {code or ''}".rstrip()
                + f" ({exchange.operation.operation_id if exchange.operation else 'no operation'})"
                + f"\n  {exchange.describe()}\n  Reproduce with: {exchange.curl}"  # type: ignore[attr-defined]
            ), rule=rule)


@pytest.fixture(scope="module")
def client(target: Target, session: ContractSession) -> OperationClient:
    """The client of these properties."""
    return OperationClient(target, session)


def _wire(value: Any) -> str:
    """A parameter value as the wire carries it (booleans in lower case, arrays comma-separated)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(_wire(item) for item in value)
    return str(value)


def _samples(client: OperationClient, operation: Operation) -> dict[Parameter, Any]:
    if WRITES_BLOCKED and operation.method not in ("GET", "HEAD"):
        pytest.skip(f"{operation.operation_id} is a {operation.method}: writes reach a live URL only with CONTRACT_ALLOW_UNSAFE=1 (writes skipped)")
    missing = client.target.credentials.missing_for(operation)
    if missing:
        pytest.skip(f"{operation.operation_id}: needs {' or '.join(missing)} (optional input not set)")
    values = client.samples(operation)
    if values is None:
        pytest.skip(f"{operation.operation_id}: a parameter has no example in the spec, and none can be derived from its schema")
    resource = MODEL.resource_of(operation)
    if resource is not None and operation.method not in ("GET", "HEAD") and resource.action_of(operation) not in ("create", "list"):
        item_id = client.writer.owned(resource)  # a write changes only an item this run created
        if item_id is None:
            pytest.skip(f"{operation.operation_id}: no item of {resource.name} could be created to send it to")
        for parameter in values:
            if parameter.location == "path" and parameter.name == resource.id_param:
                values[parameter] = int(item_id) if parameter.schema.get("type") == "integer" and item_id.isdigit() else item_id
    return values


def bad_authorizations(target: Target, operation: Operation) -> list[tuple[str, Any]]:
    """(what is wrong, the Authorization value) pairs that a secured operation must refuse."""
    if not VERIFIES_JWT:
        schemes = {scheme.type + scheme.scheme for requirement in operation.requirements for scheme in requirement}
        bad: list[tuple[str, Any]] = [("no credential at all", NO_TOKEN)]
        if "httpbasic" not in schemes:
            bad.append(("another scheme", "Basic dXNlcjpwYXNzd29yZA=="))
        elif len(schemes) == 1:
            bad.append(("basic credentials that are not base64", "Basic !!not-base64!!"))
        return bad
    from contract_tests.tokens import alg_none, command_for, tampered

    embedded = not target.live
    register_secret(tampered(target.token), command_for("tampered", embedded=embedded))  # shown as the command that makes it
    register_secret(alg_none(target.token), command_for("alg-none", embedded=embedded))
    bad: list[tuple[str, Any]] = [
        ("no Authorization header", NO_TOKEN),
        ("another scheme", "Basic dXNlcjpwYXNzd29yZA=="),
        ("not a JWT", "Bearer not.a.jwt"),
        ("a tampered signature", f"Bearer {tampered(target.token)}"),
        ("an alg: none re-encoding", f"Bearer {alg_none(target.token)}"),
    ]
    if target.tokens is not None:
        bad += [
            ("an expired token", f"Bearer {target.tokens.expired()}"),
            ("a token not valid yet", f"Bearer {target.tokens.not_yet_valid()}"),
            ("a token signed with another key", f"Bearer {target.tokens.wrongly_signed()}"),
        ]
    elif target.expired_token is not None:
        bad.append(("an expired token", f"Bearer {target.expired_token}"))
    for _, value in bad:
        if isinstance(value, str):
            register_secret(value.removeprefix("Bearer "))  # derived from the target's token: masked like it
    return bad


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.operation_id)
def test_a_documented_request_gets_a_documented_answer(client, operation):
    exchange = client.send(operation, _samples(client, operation))
    sent = client.body(operation)
    media = operation.request_body.media(sent[0]) if sent is not None and operation.request_body is not None else None
    if media is not None and media.examples and exchange.status >= 400 and exchange.status not in (401, 403):
        body = exchange.json if isinstance(exchange.json, dict) else {}
        if invalid_input_answer(API, operation).matches(exchange.status, body.get("code")) and sent[1] in media.examples.values():
            raise ContractViolation(mask_text(
                f"[request_example_is_accepted] {operation.label}: the spec's own request example was refused with {exchange.status}"
                f"\n  {exchange.describe()}\n  Reproduce with: {exchange.curl}"), rule="request_example_is_accepted")  # type: ignore[attr-defined]
    if not operation.documents(exchange.status):
        raise ContractViolation(mask_text(
            f"[documented_request_is_answered] {operation.label} answered {exchange.status}, not one of {[*operation.statuses, *operation.ranges]}"
            f"\n  {exchange.describe()}\n  Reproduce with: {exchange.curl}"  # type: ignore[attr-defined]
        ), rule="documented_request_is_answered")


if SECURED:

    @pytest.mark.parametrize("operation", SECURED, ids=lambda op: op.operation_id)
    def test_a_secured_operation_refuses_every_request_without_a_valid_token(client, target, operation):
        values = _samples(client, operation)
        for what, authorization in bad_authorizations(target, operation):
            exchange = client.send(operation, values, authorization=authorization, deliberately_invalid=True)
            client.expect(exchange, "auth_is_required", unauthorized_answer(API, operation), what=what)


# Each property exists only for a spec that has what it is about: an empty parameter set would read as a
# skipped check in the verdict.
if OPEN:

    @pytest.mark.parametrize("operation", OPEN, ids=lambda op: op.operation_id)
    def test_an_open_operation_answers_without_a_token(client, operation):
        exchange = client.send(operation, _samples(client, operation), authorization=NO_TOKEN)
        if exchange.status == 401 or not operation.documents(exchange.status):
            raise ContractViolation(mask_text(
                f"[open_operation_needs_no_token] {operation.label} has security: [] but answered {exchange.status} without a token"
                f"\n  {exchange.describe()}"
            ), rule="open_operation_needs_no_token")


def _pair_id(item: Any) -> str:
    return item.operation_id if isinstance(item, Operation) else item.name


if BREAKABLE:

    @pytest.mark.parametrize("operation,parameter", BREAKABLE, ids=_pair_id)
    def test_a_value_that_breaks_a_parameters_schema_is_invalid_input(client, operation, parameter):
        expected = invalid_input_answer(API, operation)
        for what, value in invalid_values(parameter, LIVE):
            values = {**_samples(client, operation), parameter: value}
            exchange = client.send(operation, values, deliberately_invalid=True)
            client.expect(exchange, "invalid_input_is_rejected", expected, what=f"{parameter.name} {what} ({value!r})")


if any(op.secured for op, _ in BREAKABLE):

    @pytest.mark.parametrize("operation,parameter", [(op, p) for op, p in BREAKABLE if op.secured], ids=_pair_id)
    def test_authentication_comes_before_input_validation(client, operation, parameter):
        _what, value = invalid_values(parameter, LIVE)[0]
        exchange = client.send(operation, {**_samples(client, operation), parameter: value}, authorization=NO_TOKEN, deliberately_invalid=True)
        client.expect(exchange, "auth_is_checked_first", unauthorized_answer(API, operation))
