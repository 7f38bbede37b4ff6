"""The router: each request to its operation's handler through the routing table; anything else to Flask.

Serving the operations as plain WSGI keeps the hot path small (Flask's request and response objects cost
more than a whole handler); Flask remains the application around them, answering paths the spec does not
document. Every error is answered as the spec's profile says (mock_server/profiles/).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

from mock_server.envelope import INTERNAL, METHOD_NOT_ALLOWED, ApiError, Reply
from mock_server.pipeline.bodies import BodyBook
from mock_server.pipeline.request import OperationRequest
from mock_server.profiles import Profile, profile_for
from mock_server.routing import Match, NotAllowed, Routes
from mock_server.spec import ApiSpec
from mock_server.serving.wsgi import (JSON_TYPE, MAX_BODY, OPERATION_KEY, StartResponse, WsgiApp, json_answer, parse_query, read_body,
                                      reply_answer, wsgi_text)

log = logging.getLogger("mock_server")


class OperationRouter:
    """WSGI app: a documented (method, path) runs its operation's handler; a documented path with another method
    is 405 with `Allow`; the rest goes to fallback."""

    def __init__(self, spec: ApiSpec, handlers: dict[str, Callable[[OperationRequest], Any]], fallback: WsgiApp,
                 profile: Profile | None = None, book: BodyBook | None = None):
        self.spec = spec
        self.routes = Routes(spec.operations.values())
        self.handlers = handlers
        self.fallback = fallback
        self.profile = profile or profile_for(spec)
        self.book = book or BodyBook(spec, self.profile)

    def _error(self, start_response: StartResponse, method: str, operation: Any, error: ApiError) -> list[bytes]:
        reply = self.profile.error_reply(operation, error, self.book.of(operation) if operation is not None else None)
        return reply_answer(start_response, method, reply.status, reply.body, reply.content_type, reply.headers)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        found = self.routes.match(method, path, _raw_segments(environ))
        if found is None:
            return self.fallback(environ, start_response)
        if isinstance(found, NotAllowed):
            message = f"Method {method} is not allowed here; use {' or '.join(found.allow)}"
            error = ApiError.of(METHOD_NOT_ALLOWED, message, status=405, headers={"Allow": ", ".join(found.allow)})
            return self._error(start_response, method, None, error)
        assert isinstance(found, Match)
        operation = found.operation
        environ[OPERATION_KEY] = operation.operation_id
        params = {name: value if value.isascii() else wsgi_text(value) for name, value in found.path_params.items()}
        try:
            body = read_body(environ) if operation.request_body is not None else b""
            if len(body) > MAX_BODY:
                raise ApiError.of("invalid_input", f"The body is larger than {MAX_BODY} bytes", field="")
            request = OperationRequest(
                operation, method, params, parse_query(environ.get("QUERY_STRING", "")),
                environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_PREFER"), environ, body,
            )
            answer = self.handlers[operation.operation_id](request)
            if isinstance(answer, Reply):
                return reply_answer(start_response, method, answer.status, answer.body, answer.content_type, answer.headers)
            status, payload = answer
            return json_answer(start_response, method, status, payload)
        except ApiError as error:
            return self._error(start_response, method, operation, error)
        except Exception as error:  # noqa: BLE001 - every fault must still answer with a documented error
            log.error("internal error on %s %s: %s: %s", method, path[:200], type(error).__name__, error)
            return self._error(start_response, method, operation, ApiError.of(INTERNAL, "Internal server error"))


def _raw_segments(environ: dict[str, Any]) -> list[str] | None:
    """The path's segments decoded one by one when it carries an encoded slash (%2F), which the server's PATH_INFO
    has already turned into a separator; None otherwise (the common case: PATH_INFO as it is)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if "%2f" not in raw.lower():
        return None
    from urllib.parse import unquote, urlsplit

    path = urlsplit(raw).path if raw.startswith(("http://", "https://")) else raw.split("?", 1)[0]
    return [unquote(segment, encoding="latin-1") for segment in path.split("/")[1:]]


__all__ = ["JSON_TYPE", "OperationRouter"]
