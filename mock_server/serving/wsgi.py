"""Small WSGI helpers shared by the router and the middlewares."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from mock_server.pipeline.request import Query

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
JSON_TYPE = "application/json"
OPERATION_KEY = "ravan.operation_id"  # the environ key the router sets: the operation a request was routed to
__all__ = ["Query", "JSON_TYPE", "OPERATION_KEY", "StartResponse", "WsgiApp", "collect", "json_answer", "parse_query", "read_body",
           "reply_answer", "status_line", "wsgi_text"]


_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def status_line(status: int) -> str:
    """'404 Not Found' for 404 (an unknown status gets a bare reason)."""
    return _STATUS_LINES.get(status) or f"{status} Unknown"


def json_answer(start_response: StartResponse, method: str, status: int, body: Any, extra: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    """Answer with a JSON body (bytes as they are, else serialized compactly); None: no body. HEAD: no payload."""
    if body is None:
        start_response(status_line(status), [("Content-Length", "0"), *extra])
        return []
    payload = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    start_response(status_line(status), [("Content-Type", JSON_TYPE), ("Content-Length", str(len(payload))), *extra])
    return [] if method == "HEAD" else [payload]


def reply_answer(start_response: StartResponse, method: str, status: int, body: Any, content_type: str | None,
                 extra: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    """Answer with a body of its media type: JSON values serialized, text encoded as UTF-8, bytes as they are (204 and
    304 never carry one, whatever the spec documents for them: RFC 9110)."""
    if status in (204, 304):
        start_response(status_line(status), list(extra))
        return []
    if body is None or content_type is None:
        start_response(status_line(status), [("Content-Length", "0"), *extra])
        return []
    if isinstance(body, bytes):
        payload = body
    elif isinstance(body, str) and not _is_json(content_type):
        payload = body.encode("utf-8")
    else:
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    start_response(status_line(status), [("Content-Type", content_type), ("Content-Length", str(len(payload))), *extra])
    return [] if method == "HEAD" else [payload]


def _is_json(content_type: str) -> bool:
    essence = content_type.split(";")[0].strip().lower()
    return essence == JSON_TYPE or essence.endswith("+json")


MAX_BODY = 10 * 1024 * 1024  # bytes of a request body the mock reads; a larger one is refused


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body (at most MAX_BODY bytes; chunked bodies read to their end)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length_text = environ.get("CONTENT_LENGTH") or ""
    if length_text.strip().isdigit():
        length = int(length_text)
        return stream.read(min(length, MAX_BODY + 1)) if length else b""
    if "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower():
        return stream.read(MAX_BODY + 1)
    return b""


def wsgi_text(value: str) -> str:
    """A WSGI environ string (bytes decoded as latin-1) read as UTF-8, as Werkzeug reads it."""
    return value.encode("latin-1").decode("utf-8", "replace")


def parse_query(query_string: str) -> dict[str, list[str]]:
    """The query parameters of a WSGI QUERY_STRING, blank values kept, decoded as UTF-8."""
    return parse_qs(wsgi_text(query_string), keep_blank_values=True) if query_string else {}


def collect(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run a WSGI app to completion and return its status line, headers and whole body."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, list(headers)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body


class LazyApp:
    """A WSGI app built by its first request (once, even under threads): for parts that are slow to import."""

    def __init__(self, build: Callable[[], WsgiApp]):
        self._build = build
        self._app: WsgiApp | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        app = self._app
        if app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._build()
                app = self._app
        return app(environ, start_response)
