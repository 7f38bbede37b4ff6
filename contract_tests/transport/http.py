"""The only way the suite talks to a server: GET-only unless opted in, throttled, bounded, never redirected."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from mock_server.contract.observations import Observations
from requests.adapters import HTTPAdapter

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # RFC 9110's safe methods
MAX_BODY_BYTES = 1024 * 1024
MAX_RETRY_AFTER = 60.0
NETWORK_RETRIES = 2
RATE_LIMIT_RETRIES = 3


class UnsafeRequestBlocked(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """A write was about to reach a live server without CONTRACT_ALLOW_UNSAFE=1, or one that would change what the run
    did not create: it is not sent, and the check that wanted it is skipped, saying why (never a verdict on the target)."""


class ResponseTooLarge(RuntimeError):
    """The server sent more than the suite is willing to read."""


class TargetUnreachable(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """A request got no answer (refused, reset, timed out): the check could not be made, so it is not a verdict.

    It is pytest's skip outcome, which hypothesis and schemathesis pass straight through, so a property test
    stops at once with a one-line reason instead of shrinking a traceback; the run counts these and its
    verdict is INCONCLUSIVE unless a rule broke. Outside pytest (calibrate) it is caught by name.
    """

    def __init__(self, reason: str, why: str | None = None):
        super().__init__(f"inconclusive: {reason}")
        self.reason = reason
        self.why = why or reason  # the failure alone, without the request


UNAVAILABLE_AFTER = 3  # consecutive timeouts or connection failures


class Throttle:
    """Spaces requests at least 1/rate seconds apart, across threads; rate 0 means no spacing."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request may go."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


def retry_after_seconds(value: str | None) -> float:
    """Seconds from a Retry-After header (delta-seconds only; dates and junk mean 1 s), capped."""
    try:
        return min(max(float(value or "1"), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 1.0


class ContractSession(requests.Session):
    """A requests session with the suite's safety rules built in."""

    def __init__(self, *, rate_limit: float, timeout: float, allow_unsafe: bool, live: bool):
        super().__init__()
        self.throttle = Throttle(rate_limit)
        self.timeout = timeout
        self.allow_unsafe = allow_unsafe
        self.live = live
        self.requests_sent = 0
        self.consecutive_failures = 0
        self.unavailable: str | None = None
        self.no_answer: dict[str, int] = {}  # why requests got no answer: how many
        self.statuses: dict[int, int] = {}
        self.observations: Observations | None = None  # set by the suite: outcomes, drift and coverage of the answers
        self.ledger: Any = None  # set by the suite: what the run created (contract_tests/transport/ledger.py)
        self.trust_env = False  # no proxies or netrc credentials picked up from the environment
        self.mount("http://", HTTPAdapter(max_retries=0))
        self.mount("https://", HTTPAdapter(max_retries=0))

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send one request under the safety rules; retry network errors and 429s, nothing else."""
        verb = (method.decode() if isinstance(method, bytes) else method).upper()
        if self.unavailable:
            self.no_answer["not sent: the server had stopped answering"] = self.no_answer.get("not sent: the server had stopped answering", 0) + 1
            raise TargetUnreachable(self.unavailable)
        if self.live and verb not in SAFE_METHODS:
            if not self.allow_unsafe:
                raise UnsafeRequestBlocked(f"{verb} is not sent to a live server without CONTRACT_ALLOW_UNSAFE=1 (writes skipped)")
            why = self.ledger.refusal(verb, url if isinstance(url, str) else url.decode()) if self.ledger is not None else None
            if why is not None:
                raise UnsafeRequestBlocked(f"{why} (writes skipped)")
        kwargs.setdefault("timeout", self.timeout)
        kwargs["allow_redirects"] = False  # a redirect is the answer under test; the token never follows it
        kwargs["stream"] = True
        network_tries = rate_limit_tries = 0
        while True:
            self.throttle.wait()
            self.requests_sent += 1
            try:
                response = super().request(verb, url, *args, **kwargs)
            except requests.Timeout as exc:
                self._transport_failed(f"no answer within {kwargs['timeout']:g} s", exc)
                why = f"no answer within {kwargs['timeout']:g} s"
                raise TargetUnreachable(f"{verb} {_where(url)}: {why}", why) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                if network_tries >= NETWORK_RETRIES:
                    why = transport_failure(exc)
                    self._transport_failed(why, exc)
                    why = f"{why} (tried {network_tries + 1} times)"
                    raise TargetUnreachable(f"{verb} {_where(url)}: {why}", why) from None
                network_tries += 1
                time.sleep(0.2 * 2**network_tries)
                continue
            self.consecutive_failures = 0
            if response.status_code == 429 and rate_limit_tries < RATE_LIMIT_RETRIES:
                rate_limit_tries += 1
                delay = retry_after_seconds(response.headers.get("Retry-After"))
                response.close()
                time.sleep(delay)
                continue
            _read_capped(response)
            self._count(response)
            return response

    def _count(self, response: requests.Response) -> None:
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if self.observations is None and self.ledger is None:
            return
        try:
            body: Any = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            body = None
        if self.ledger is not None:
            self.ledger.observe(response.request.method or "GET", response.request.url or "", status, response.headers, body)
        if self.observations is not None:
            url = urlsplit(response.request.url or "")
            self.observations.record(response.request.method or "GET", unquote(url.path), parse_qs(url.query, keep_blank_values=True),
                                     status, dict(response.headers), body)

    @property
    def unanswered(self) -> int:
        """Requests that got no answer (refused, reset, timed out, or not sent once the server had stopped answering)."""
        return sum(self.no_answer.values())

    def _transport_failed(self, what: str, exc: Exception) -> None:
        self.no_answer[what] = self.no_answer.get(what, 0) + 1
        self.consecutive_failures += 1
        if self.consecutive_failures >= UNAVAILABLE_AFTER:
            self.unavailable = (
                f"the server stopped answering ({what}, {self.consecutive_failures} requests in a row); "
                "the suite sends nothing more"
            )


def _where(url: str | bytes) -> str:
    text = url.decode("latin-1") if isinstance(url, bytes) else url
    return text.split("?", 1)[0][:200]


def transport_failure(exc: BaseException) -> str:
    """A transport error in a few words: connection refused, connection reset, name not resolved, TLS, closed."""
    seen: set[int] = set()
    texts = []
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(f"{type(current).__name__} {current}")
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException):
                texts.append(f"{type(arg).__name__} {arg}")
        current = current.__cause__ or current.__context__
    text = " ".join(texts).lower()
    for needle, words in (
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("name or service not known", "host name not resolved"),
        ("nodename nor servname", "host name not resolved"),
        ("temporary failure in name resolution", "host name not resolved"),
        ("certificate", "TLS certificate refused"),
        ("ssl", "TLS handshake failed"),
        ("remotedisconnected", "connection closed without an answer"),
        ("aborted", "connection closed without an answer"),
        ("chunkedencodingerror", "connection closed mid-answer"),
        ("timed out", "connection timed out"),
    ):
        if needle in text:
            return words
    return "the connection failed"


def _read_capped(response: requests.Response) -> None:
    """Read the body into response.content, refusing more than MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ResponseTooLarge(
                    f"{response.request.method} {response.url}: the body exceeds {MAX_BODY_BYTES // 1024} KiB; stopped reading"
                )
            chunks.append(chunk)
    finally:
        response.close()
    response._content = b"".join(chunks)  # noqa: SLF001 - how requests itself stores a read body
    response._content_consumed = True  # noqa: SLF001
