"""Small WSGI helpers shared by the router and the middlewares."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Iterable

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
JSON_TYPE = "application/json"


def status_line(status: int) -> str:
    """'404 Not Found' for 404 (an unknown status gets a bare reason)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def wsgi_text(value: str) -> str:
    """A WSGI environ string (bytes decoded as latin-1) read as UTF-8, as Werkzeug reads it."""
    return value.encode("latin-1").decode("utf-8", "replace")


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
