"""Properties that hold for every operation of the spec, generated from it: a new operation needs no new test.

- a documented request (each parameter's example; Get Appointment's from CONTRACT_APPOINTMENT_ID) gets a
  documented answer, and every rule that applies holds on it;
- a secured operation refuses every request without a valid token (none, another scheme, not a JWT, a tampered
  signature, an `alg: none` re-encoding, and, where the suite can mint them, expired, not-yet-valid and
  wrongly signed tokens) with its documented 401 and code, before it looks at the input;
- an open operation (`security: []`) answers without a token;
- a value that breaks a parameter's own schema gets the documented 400 with the code the spec designates for
  invalid input (`x-invalid-input-code`).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from contract_tests.http import ContractSession
from contract_tests.invalid_values import invalid_values
from mock_server.contract.masking import curl_command, mask_text, register_secret
from mock_server.contract.rules import SPEC as API, ContractViolation, Exchange, check_all
from contract_tests.settings import active
from contract_tests.target import Target
from contract_tests.tokens import claims_of
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import Operation, Parameter

LIVE = active().sends_only_what_reaches_the_app
OPERATIONS = list(API.operations.values())
SECURED = [op for op in OPERATIONS if op.secured]
OPEN = [op for op in OPERATIONS if not op.secured]
BREAKABLE = [(op, p) for op in OPERATIONS for p in op.parameters if invalid_values(p, LIVE)]
NO_TOKEN: Any = object()


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


class OperationClient:
    """Sends one operation's request with chosen parameter values and token, and checks every rule on the answer."""

    def __init__(self, target: Target, session: ContractSession):
        self.target = target
        self.session = session

    def samples(self, operation: Operation) -> dict[Parameter, Any] | None:
        """A documented value for every path parameter and every required one (None: the spec gives none)."""
        chosen: dict[Parameter, Any] = {}
        for parameter in operation.parameters:
            value = parameter.sample()
            if operation.operation_id == GET_APPOINTMENT and parameter.name == "appointment_id" and self.target.appointment_id:
                value = self.target.appointment_id  # a booking the target has (else the example: an unknown one)
            if parameter.location == "path" or parameter.required:
                if value is None:
                    return None
                chosen[parameter] = value
        return chosen

    def send(self, operation: Operation, values: dict[Parameter, Any], *, authorization: Any = None) -> Exchange:
        """GET (or the operation's method) with these values; authorization None: the target's token."""
        path = operation.path_for(**{p.name: quote(str(v), safe="") for p, v in values.items() if p.location == "path"})
        params = [(p.name, str(v).lower() if isinstance(v, bool) else str(v)) for p, v in values.items() if p.location == "query"]
        headers = {p.name: str(v) for p, v in values.items() if p.location == "header"}
        if authorization is None:
            headers["Authorization"] = f"Bearer {self.target.token}"
        elif authorization is not NO_TOKEN:
            headers["Authorization"] = authorization
        url = self.target.base_url + path
        response = self.session.request(operation.method, url, headers=headers, params=params)
        exchange = Exchange.from_response(response)
        exchange.curl = curl_command(url, headers, params)  # type: ignore[attr-defined]
        try:
            check_all(exchange)
        except ContractViolation as exc:
            raise ContractViolation(f"{exc}\n  Reproduce with: {exchange.curl}", rule=exc.rule) from None  # type: ignore[attr-defined]
        return exchange

    def expect(self, exchange: Exchange, rule: str, status: int, code: str | None, what: str = "") -> None:
        """Assert the answer's status and code; the failure names the rule, and what was sent."""
        body = exchange.json if isinstance(exchange.json, dict) else {}
        if (exchange.status, body.get("code") if code else None) != (status, code):
            wanted = f"{status} {code or ''}".strip()
            raise ContractViolation(mask_text(
                f"[{rule}] {what + ': ' if what else ''}expected {wanted}, got {exchange.status} {body.get('code') or ''}".rstrip()
                + f" ({exchange.operation.operation_id if exchange.operation else 'no operation'})"
                + f"\n  {exchange.describe()}\n  Reproduce with: {exchange.curl}"  # type: ignore[attr-defined]
            ), rule=rule)


@pytest.fixture(scope="module")
def client(target: Target, session: ContractSession) -> OperationClient:
    """The client of these properties."""
    return OperationClient(target, session)


def _samples(client: OperationClient, operation: Operation) -> dict[Parameter, Any]:
    values = client.samples(operation)
    if values is None:
        pytest.skip(f"{operation.operation_id}: a parameter has no example in the spec to send")
    return values


def _unauthorized(operation: Operation) -> tuple[int, str | None]:
    code = operation.unauthorized_code
    if code is None:
        code = next((c for c in API.error_codes if API.status_for_code(c) == 401), None)
    return 401, code


def bad_authorizations(target: Target) -> list[tuple[str, Any]]:
    """(what is wrong, the Authorization value) pairs that a secured operation must refuse."""
    head, payload, signature = (target.token.split(".") + ["", "", ""])[:3]
    flipped = ("A" if signature[:1] != "A" else "B") + signature[1:]
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims_of(target.token))}."
    bad: list[tuple[str, Any]] = [
        ("no Authorization header", NO_TOKEN),
        ("another scheme", "Basic dXNlcjpwYXNzd29yZA=="),
        ("not a JWT", "Bearer not.a.jwt"),
        ("a tampered signature", f"Bearer {head}.{payload}.{flipped}"),
        ("an alg: none re-encoding", f"Bearer {unsigned}"),
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
    if exchange.status not in operation.responses:
        raise ContractViolation(mask_text(
            f"[documented_request_is_answered] {operation.label} answered {exchange.status}, not one of {operation.statuses}"
            f"\n  {exchange.describe()}\n  Reproduce with: {exchange.curl}"  # type: ignore[attr-defined]
        ), rule="documented_request_is_answered")


if SECURED:

    @pytest.mark.parametrize("operation", SECURED, ids=lambda op: op.operation_id)
    def test_a_secured_operation_refuses_every_request_without_a_valid_token(client, target, operation):
        values = _samples(client, operation)
        for what, authorization in bad_authorizations(target):
            exchange = client.send(operation, values, authorization=authorization)
            client.expect(exchange, "auth_is_required", *_unauthorized(operation), what=what)


# Each property exists only for a spec that has what it is about: an empty parameter set would read as a
# skipped check in the verdict.
if OPEN:

    @pytest.mark.parametrize("operation", OPEN, ids=lambda op: op.operation_id)
    def test_an_open_operation_answers_without_a_token(client, operation):
        exchange = client.send(operation, _samples(client, operation), authorization=NO_TOKEN)
        if exchange.status == 401 or exchange.status not in operation.responses:
            raise ContractViolation(mask_text(
                f"[open_operation_needs_no_token] {operation.label} has security: [] but answered {exchange.status} without a token"
                f"\n  {exchange.describe()}"
            ), rule="open_operation_needs_no_token")


def _pair_id(item: Any) -> str:
    return item.operation_id if isinstance(item, Operation) else item.name


if BREAKABLE:

    @pytest.mark.parametrize("operation,parameter", BREAKABLE, ids=_pair_id)
    def test_a_value_that_breaks_a_parameters_schema_is_invalid_input(client, operation, parameter):
        code = operation.invalid_input_code or API.invalid_input_code
        status = operation.status_for_code(code) if code in operation.error_codes else API.status_for_code(code)
        for what, value in invalid_values(parameter, LIVE):
            values = {**_samples(client, operation), parameter: value}
            exchange = client.send(operation, values)
            client.expect(exchange, "invalid_input_is_rejected", status, code, what=f"{parameter.name} {what} ({value!r})")


if any(op.secured for op, _ in BREAKABLE):

    @pytest.mark.parametrize("operation,parameter", [(op, p) for op, p in BREAKABLE if op.secured], ids=_pair_id)
    def test_authentication_comes_before_input_validation(client, operation, parameter):
        _what, value = invalid_values(parameter, LIVE)[0]
        exchange = client.send(operation, {**_samples(client, operation), parameter: value}, authorization=NO_TOKEN)
        client.expect(exchange, "auth_is_checked_first", *_unauthorized(operation))
