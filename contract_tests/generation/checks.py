"""The contract rules of mock_server/contract/rules.py, registered as schemathesis checks."""

from __future__ import annotations

from typing import Any, Callable

import schemathesis

from mock_server.contract.rules import SCHEMATHESIS_RULES, Exchange, Rule, applies, status_is_documented


def _negative(case: Any) -> bool:
    """True when schemathesis generated the case to break the spec (negative data, or an unexpected method)."""
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return getattr(mode, "value", str(mode)).lower() == "negative"


def _as_schemathesis_check(func: Rule) -> Callable[..., None]:
    def check(ctx: Any, response: Any, case: Any) -> None:
        exchange = Exchange.from_response(response)
        exchange.deliberately_invalid = _negative(case)
        if applies(func, exchange):  # a rule about one operation never fires on another's answers
            func(exchange)

    check.__name__ = func.__name__
    check.__doc__ = func.__doc__
    return check


SCHEMATHESIS_CHECKS = [schemathesis.check(_as_schemathesis_check(func)) for func in SCHEMATHESIS_RULES]
# Where the spec documents no client error, schemathesis' status_code_conformance is off for that operation
# (contract_tests/generation/expectations.py) and this check judges statuses instead: negative data may get any 4xx.
DOCUMENTED_STATUS_CHECK = schemathesis.check(_as_schemathesis_check(status_is_documented))


def _refused_valid_body(ctx: Any, response: Any, case: Any) -> None:
    """A schema-valid body answered with the invalid-input answer: a finding (RED with CONTRACT_STRICT_INPUT=fail)."""
    import json

    from contract_tests.inputs.settings import active
    from contract_tests.reporting.input_findings import RULE, record_refusal
    from mock_server.contract.expected import invalid_input_answer
    from mock_server.contract.rules import ContractViolation, current_spec

    body = getattr(case, "body", None)
    if _negative(case) or body is None or type(body).__name__ == "NotSet" or response.status_code < 400:
        return
    exchange = Exchange.from_response(response)
    if exchange.operation is None or exchange.operation.request_body is None:
        return
    parsed = exchange.json if isinstance(exchange.json, dict) else {}
    if not invalid_input_answer(current_spec(), exchange.operation).matches(exchange.status, parsed.get("code")):
        return
    message = str(parsed.get("message") or parsed.get("detail") or parsed.get("title") or exchange.body[:200])
    try:
        shown = json.dumps(body)
    except (TypeError, ValueError):
        shown = repr(body)
    line = record_refusal(exchange.operation.operation_id, exchange.status, message, shown)
    if active().strict_input:
        raise ContractViolation(f"[{RULE}] {line}", rule=RULE)


_refused_valid_body.__name__ = "schema_admits_what_server_refuses"
SCHEMATHESIS_CHECKS.append(schemathesis.check(_refused_valid_body))
