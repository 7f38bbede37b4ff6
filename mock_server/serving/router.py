"""The router: the documented operation goes straight to the pipeline; every other request to Flask.

Serving the operation as plain WSGI keeps the hot path small (Flask's request and response objects cost
more than the whole pipeline); Flask remains the application around it, answering unknown routes and
anything else with the error envelope.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

from mock_server.envelope import ApiError, error_body
from mock_server.pipeline import Pipeline
from mock_server.serving.wsgi import StartResponse, WsgiApp, json_answer, parse_query, wsgi_text

log = logging.getLogger("mock_server")
SAFE_METHODS = ("GET", "HEAD")


class OperationRouter:
    """WSGI app: `GET|HEAD {route}` runs the pipeline, other methods there are 405, the rest goes to fallback."""

    def __init__(self, pipeline: Pipeline, fallback: WsgiApp):
        self.pipeline = pipeline
        self.fallback = fallback
        self.prefix = pipeline.spec.route_prefix()
        self.bare = self.prefix.rstrip("/")
        self.allow = ", ".join(SAFE_METHODS)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(self.prefix):
            appointment_id = path[len(self.prefix):]
            if not appointment_id.isascii():
                appointment_id = wsgi_text(appointment_id)
        elif path == self.bare:
            appointment_id = ""
        else:
            return self.fallback(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in SAFE_METHODS:
            error = ApiError("INVALID_REQUEST", f"Method {method} is not allowed here; use GET or HEAD", status=405, headers={"Allow": self.allow})
            return self._answer(start_response, method, 405, error_body(error.code, error.message), error.headers)
        try:
            status, body = self.pipeline.handle(
                appointment_id,
                environ.get("HTTP_AUTHORIZATION"),
                parse_query(environ.get("QUERY_STRING", "")),
                environ.get("HTTP_PREFER"),
            )
            return self._answer(start_response, method, status, body)
        except ApiError as error:
            status = error.status or self.pipeline.spec.status_for_code(error.code)
            return self._answer(start_response, method, status, error_body(error.code, error.message), error.headers)
        except Exception as error:  # noqa: BLE001 - every fault must still answer with the envelope
            log.error("internal error on %s %s: %s: %s", method, path[:200], type(error).__name__, error)
            status = self.pipeline.spec.status_for_code("INTERNAL_ERROR")
            return self._answer(start_response, method, status, error_body("INTERNAL_ERROR", "Internal server error"))

    @staticmethod
    def _answer(start_response: StartResponse, method: str, status: int, body: Any, extra: dict[str, str] | None = None) -> list[bytes]:
        return json_answer(start_response, method, status, body, (extra or {}).items())

