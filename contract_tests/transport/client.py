"""A small client for the property tests: one GET, every contract rule checked, a curl on failure."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mock_server.contract.rules import ContractViolation, Exchange, check_all
from mock_server.spec import Operation
from contract_tests.transport.http import ContractSession
from mock_server.contract.masking import curl_command, mask_text, register_secret
from contract_tests.inputs.target import Target

NO_TOKEN = object()


class ApiClient:
    """Sends GET requests for an appointment ID (Get Appointment) and checks every answer against all the rules."""

    def __init__(self, target: Target, session: ContractSession, operation: Operation):
        self.target = target
        self.session = session
        self.operation = operation

    def get(
        self,
        appointment_id: str,
        *,
        token: Any = None,
        authorization: str | None = None,
        org_id: str | list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """GET the appointment; token=None uses the target's main token, NO_TOKEN sends none."""
        url = self.target.base_url + self.operation.path_for(quote(appointment_id, safe=""))
        all_headers = dict(headers or {})
        if authorization is not None:
            all_headers["Authorization"] = authorization
        elif token is not NO_TOKEN:
            if isinstance(token, str):
                register_secret(token)  # a token derived from the target's (tampered, re-encoded): masked too
            all_headers["Authorization"] = f"Bearer {token or self.target.token}"
        params = [("org_id", value) for value in ([org_id] if isinstance(org_id, str) else org_id or [])]
        response = self.session.get(url, headers=all_headers, params=params)
        exchange = Exchange.from_response(response)
        try:
            check_all(exchange)
        except ContractViolation as exc:
            raise ContractViolation(f"{exc}\n  Reproduce with: {curl_command(url, all_headers, params)}") from None
        exchange.curl = curl_command(url, all_headers, params)  # type: ignore[attr-defined]
        return exchange

    def expect(self, exchange: Exchange, rule: str, *, code: str | None = None, status: int | None = None) -> dict[str, Any]:
        """Assert the documented outcome (status from the spec's pairing of code); the failure names the rule."""
        expected_status = status if status is not None else self.operation.status_for_code(code) if code else 200
        body = exchange.json if isinstance(exchange.json, dict) else {}
        actual = (exchange.status, body.get("code"))
        if actual != (expected_status, code):
            wanted = f"{expected_status} {code}" if code else f"{expected_status}"
            raise ContractViolation(
                mask_text(
                    f"[{rule}] expected {wanted}, got {exchange.status} {body.get('code') or ''}".rstrip()
                    + f"\n  {exchange.describe()}\n  Reproduce with: {exchange.curl}"  # type: ignore[attr-defined]
                )
            )
        return body
