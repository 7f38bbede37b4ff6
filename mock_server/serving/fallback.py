"""Everything outside the documented operations: a Flask app that answers as the spec's profile says.

The served mock imports this module (and Flask with it) only when a request first needs it, so that
the documented operation is served as soon as the process is up.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from mock_server.envelope import INTERNAL, INVALID_INPUT, NOT_FOUND, ApiError
from mock_server.profiles import Profile, profile_for
from mock_server.spec import ApiSpec
from mock_server.serving.wsgi import JSON_TYPE, status_line

log = logging.getLogger("mock_server")


def json_response(status: int, body: dict[str, Any], content_type: str = JSON_TYPE, headers: Any = ()) -> Response:
    """A compact JSON response, its status line worded as the router words it ("404 Not Found")."""
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    response = Response(payload, status=status_line(status), content_type=content_type)
    for name, value in headers:
        response.headers[name] = value
    return response


def create_flask_app(spec: ApiSpec, profile: Profile | None = None) -> Flask:
    """The Flask app around the operations: unknown routes get 404, anything unexpected the 500 error."""
    app = Flask("mock_server")
    profile = profile or profile_for(spec)

    def answer(error: ApiError) -> Response:
        reply = profile.route_error_reply(error)
        return json_response(reply.status, reply.body, reply.content_type or JSON_TYPE, reply.headers)

    listed = [f"{op.method} {op.path}" for op in spec.operations.values()]
    served = ", ".join(listed[:5]) + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status >= 500:
            return _internal_error(error)
        if status == 404:
            return answer(ApiError.of(NOT_FOUND, f"No route for {request.method} {request.path[:200]}; the API serves {served}", status=404))
        return answer(ApiError.of(INVALID_INPUT, f"Malformed request: {error.description or error.name}"))

    @app.errorhandler(Exception)
    def _internal_error(error: Exception) -> Response:
        log.error("internal error on %s %s: %s: %s", request.method, request.path[:200], type(error).__name__, error)
        return answer(ApiError.of(INTERNAL, "Internal server error"))

    return app
