"""The router: each request to its operation's handler through the routing table; anything else to Flask.

Serving the operations as plain WSGI keeps the hot path small (Flask's request and response objects cost
more than a whole handler); Flask remains the application around them, answering paths the spec does not
document with the error envelope.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

from mock_server.envelope import ApiError, error_body
from mock_server.pipeline.request import OperationRequest
from mock_server.routing import Match, NotAllowed, Routes
from mock_server.spec import ApiSpec, Operation, SpecError
from mock_server.serving.wsgi import OPERATION_KEY, StartResponse, WsgiApp, json_answer, parse_query, wsgi_text

log = logging.getLogger("mock_server")


class OperationRouter:
    """WSGI app: a documented (method, path) runs its operation's handler; a documented path with another method
    is 405 with `Allow`; the rest goes to fallback."""

    def __init__(self, spec: ApiSpec, handlers: dict[str, Callable[[OperationRequest], tuple[int, Any]]], fallback: WsgiApp):
        self.spec = spec
        self.routes = Routes(spec.operations.values())
        self.handlers = handlers
        self.fallback = fallback
        self.invalid_code = spec.invalid_input_code
        self.internal_code = spec.internal_error_code or "INTERNAL_ERROR"

    def _status(self, operation: Operation | None, code: str) -> int:
        if operation is not None and code in operation.error_codes:
            return operation.status_for_code(code)
        try:
            return self.spec.status_for_code(code)
        except SpecError:
            return 500

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        found = self.routes.match(method, path)
        if found is None:
            return self.fallback(environ, start_response)
        if isinstance(found, NotAllowed):
            allow = ", ".join(found.allow)
            message = f"Method {method} is not allowed here; use {' or '.join(found.allow)}"
            return json_answer(start_response, method, 405, error_body(self.invalid_code, message), [("Allow", allow)])
        assert isinstance(found, Match)
        operation = found.operation
        environ[OPERATION_KEY] = operation.operation_id
        params = {name: value if value.isascii() else wsgi_text(value) for name, value in found.path_params.items()}
        request = OperationRequest(
            operation, method, params, parse_query(environ.get("QUERY_STRING", "")),
            environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_PREFER"), environ,
        )
        try:
            status, body = self.handlers[operation.operation_id](request)
            return json_answer(start_response, method, status, body)
        except ApiError as error:
            status = error.status or self._status(operation, error.code)
            return json_answer(start_response, method, status, error_body(error.code, error.message), error.headers.items())
        except Exception as error:  # noqa: BLE001 - every fault must still answer with the envelope
            log.error("internal error on %s %s: %s: %s", method, path[:200], type(error).__name__, error)
            status = self._status(operation, self.internal_code)
            return json_answer(start_response, method, status, error_body(self.internal_code, "Internal server error"))
