"""Schema-valid requests the target refused with its invalid-input answer: a rule the schema does not say.

Such a refusal (an end before its start, a time in the past, an agent the organization does not have) is not a
broken contract by itself: the schema admits what the server refuses. Each is listed with its request and the
server's message, like drift; CONTRACT_STRICT_INPUT=fail makes it RED (rule schema_admits_what_server_refuses).
Refusing the spec's own request example, or any 5xx, stays RED by the other rules.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from mock_server.contract.masking import mask_text

RULE = "schema_admits_what_server_refuses"
_FOUND: dict[tuple[str, int, str], list[Any]] = {}  # (operation, status, message shape) -> [count, message, body]
_LOCK = threading.Lock()
_VALUES = re.compile(r"\([^()]*\)|'[^']*'|\"[^\"]*\"|\d[\d:.TZ+-]*")


def record_refusal(operation_id: str, status: int, message: str, body: str) -> str:
    """Record one refusal (refusals with the same message but for its values are one finding); the line that names it."""
    key = (operation_id, status, _VALUES.sub("…", message))
    with _LOCK:
        found = _FOUND.setdefault(key, [0, message, body])
        found[0] += 1
    return _line(key, found)


def _line(key: tuple[str, int, str], found: list[Any]) -> str:
    count, message, body = found
    times = f"{count} schema-valid bodies were" if count > 1 else "a schema-valid body was"
    return mask_text(f"{key[0]}: {times} refused with {key[1]}: {message[:200]!r}; e.g. {body[:300]}")


def refusals() -> list[str]:
    """Every finding of this run, one line each."""
    with _LOCK:
        return [_line(key, found) for key, found in _FOUND.items()]
