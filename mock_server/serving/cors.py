"""CORS, as Prism does it: a browser app on another origin can call the mock (on by default, `--no-cors`).

A preflight (OPTIONS with Access-Control-Request-Method) is answered 204 at once, before authentication:
the request's origin, GET and HEAD, the headers the browser asked for (Authorization and Prefer always
among them), and a max age. Every other answer, errors included, carries Access-Control-Allow-Origin and
exposes WWW-Authenticate, so a client can read why it got a 401.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from mock_server.serving.wsgi import StartResponse, WsgiApp

ALLOWED_METHODS = "GET, HEAD"
ALWAYS_ALLOWED_HEADERS = ("Authorization", "Prefer")
EXPOSED_HEADERS = "WWW-Authenticate"
MAX_AGE_SECONDS = "86400"
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")  # an HTTP token (RFC 9110 5.6.2)


class Cors:
    """WSGI middleware: answers preflights, and adds CORS headers to every other answer."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        allow = [("Access-Control-Allow-Origin", origin or "*")]
        if origin:
            allow += [("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]
        if environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            start_response("204 No Content", [*allow, *preflight_headers(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""))])
            return []
        allow.append(("Access-Control-Expose-Headers", EXPOSED_HEADERS))

        def with_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, *allow], exc_info)

        return self.app(environ, with_cors)


def preflight_headers(requested: str) -> list[tuple[str, str]]:
    """The preflight answer's headers: the methods, the headers asked for plus the API's own, the max age."""
    asked = [name.strip() for name in requested.split(",")[:32] if _HEADER_NAME.fullmatch(name.strip())]
    known = {name.lower() for name in asked}
    headers = asked + [name for name in ALWAYS_ALLOWED_HEADERS if name.lower() not in known]
    return [
        ("Access-Control-Allow-Methods", ALLOWED_METHODS),
        ("Access-Control-Allow-Headers", ", ".join(headers)),
        ("Access-Control-Max-Age", MAX_AGE_SECONDS),
        ("Content-Length", "0"),
    ]
