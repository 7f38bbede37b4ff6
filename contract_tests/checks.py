"""The contract rules of mock_server/contract/rules.py, registered as schemathesis checks."""

from __future__ import annotations

from typing import Any, Callable

import schemathesis

from mock_server.contract.rules import SCHEMATHESIS_RULES, Exchange, Rule, applies


def _as_schemathesis_check(func: Rule) -> Callable[..., None]:
    def check(ctx: Any, response: Any, case: Any) -> None:
        exchange = Exchange.from_response(response)
        if applies(func, exchange):  # a rule about one operation never fires on another's answers
            func(exchange)

    check.__name__ = func.__name__
    check.__doc__ = func.__doc__
    return check


SCHEMATHESIS_CHECKS = [schemathesis.check(_as_schemathesis_check(func)) for func in SCHEMATHESIS_RULES]
