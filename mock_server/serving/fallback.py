"""Everything outside the documented operation: a Flask app that answers with the error envelope.

The served mock imports this module (and Flask with it) only when a request first needs it, so that
the documented operation is served as soon as the process is up.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from mock_server.envelope import error_body
from mock_server.spec import ApiSpec
from mock_server.serving.wsgi import JSON_TYPE, status_line

log = logging.getLogger("mock_server")


def json_response(status: int, body: dict[str, Any]) -> Response:
    """A compact JSON response, its status line worded as the router words it ("404 Not Found")."""
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(payload, status=status_line(status), mimetype=JSON_TYPE)


def create_flask_app(spec: ApiSpec) -> Flask:
    """The Flask app around the operations: unknown routes get 404, anything unexpected the 500 envelope."""
    app = Flask("mock_server")
    invalid, internal = spec.invalid_input_code, spec.internal_error_code or "INTERNAL_ERROR"
    listed = [f"{op.method} {op.path}" for op in spec.operations.values()]
    served = ", ".join(listed[:5]) + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status >= 500:
            return _internal_error(error)
        if status == 404:
            message = f"No route for {request.method} {request.path[:200]}; the API serves {served}"
        else:
            status, message = spec.status_for_code(invalid), f"Malformed request: {error.description or error.name}"
        return json_response(status, error_body(invalid, message))

    @app.errorhandler(Exception)
    def _internal_error(error: Exception) -> Response:
        log.error("internal error on %s %s: %s: %s", request.method, request.path[:200], type(error).__name__, error)
        return json_response(spec.status_for_code(internal), error_body(internal, "Internal server error"))

    return app
