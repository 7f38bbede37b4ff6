"""Client resilience options: added latency and a rate of injected documented errors.

Set for the whole server (--latency, --error-rate) or per request (`Prefer: latency=300`,
`Prefer: latency=100-500, error-rate=0.5`). They act where Prefer acts: after authentication and
validation, so a bad request still gets its own error. An explicit `Prefer: code=` or `example=` wins
over an injected error; latency applies to every answer of the pipeline.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from mock_server.envelope import Reply, invalid_input
from mock_server.pipeline.bodies import ResponseBodies
from mock_server.pipeline.request import Query

MAX_LATENCY_MS = 30_000
_LATENCY = re.compile(r"^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$")
_PREFER_ITEM = re.compile(r"\s*(latency|error-rate)\s*=\s*\"?([^\",;]*)\"?\s*", re.IGNORECASE)


def parse_latency(text: str) -> tuple[int, int]:
    """'250' or '100-500' (milliseconds) as (low, high); ValueError when malformed or above 30 s."""
    match = _LATENCY.match(text)
    if not match:
        raise ValueError(f"latency must be milliseconds, e.g. 250 or 100-500, got {text!r}")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if high < low or high > MAX_LATENCY_MS:
        raise ValueError(f"latency must be a range low-high of at most {MAX_LATENCY_MS} ms, got {text!r}")
    return low, high


def parse_error_rate(text: str) -> float:
    """A fraction from 0 to 1; ValueError otherwise."""
    try:
        rate = float(text)
    except ValueError:
        raise ValueError(f"error rate must be a number from 0 to 1, got {text!r}") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"error rate must be from 0 to 1, got {text!r}")
    return rate


@dataclass(frozen=True)
class Resilience:
    """The server-wide settings (per-request Prefer values override them)."""

    latency: tuple[int, int] | None = None
    error_rate: float = 0.0


def _preferences(prefer: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in re.split(r"[,;]", prefer or ""):
        match = _PREFER_ITEM.fullmatch(item)
        if match:
            found[match.group(1).lower()] = match.group(2).strip()
    return found


def injected_answers(bodies: ResponseBodies) -> list[Reply]:
    """The documented server errors an error rate may answer with: each 5xx code's first example (5XX: a 500)."""
    answers = []
    for key, named in bodies.by_status.items():
        status = key if isinstance(key, int) else (500 if key == "5XX" else None)
        if status is None or status < 500:
            continue
        seen: set[Any] = set()
        for name, body in named.items():
            code = body.get("code") if isinstance(body, dict) else None
            if code not in seen:
                seen.add(code)
                answers.append(bodies.reply(status, name))
    return answers


Handler = TypeVar("Handler")


def with_resilience(handler: Handler, settings: Resilience, rng: random.Random | None = None) -> Handler:
    """The handler (Get Appointment's pipeline, or a generic one) with its negotiate step able to delay answers
    and inject the operation's documented server errors."""
    clean = handler.negotiate  # type: ignore[attr-defined]
    chance = rng or random.Random()
    injected: list[Reply] = []  # built on the first request that may need them (bodies are built lazily)

    def negotiate(p: Any, prefer: str | None, query: Query) -> Reply | None:
        asked = _preferences(prefer) if prefer else {}
        latency, rate = settings.latency, settings.error_rate
        try:
            if "latency" in asked:
                latency = parse_latency(asked["latency"])
            if "error-rate" in asked:
                rate = parse_error_rate(asked["error-rate"])
        except ValueError as exc:
            raise invalid_input(f"Prefer: {exc}", "Prefer") from None
        if latency:
            time.sleep(chance.uniform(*latency) / 1000)
        forced = clean(p, prefer, query)
        if forced is None and rate:
            if not injected:
                injected.extend(injected_answers(handler.bodies) or [None])  # type: ignore[attr-defined, list-item]
            if injected[0] is not None and chance.random() < rate:
                return chance.choice(injected)
        return forced

    return replace(handler, negotiate=negotiate)  # type: ignore[type-var]

