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
