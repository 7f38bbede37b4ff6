"""The application factory: routes, the error envelope for every failure, and the pipeline behind them."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from mock_server.config import MockConfig
from mock_server.dataset import load_dataset
from mock_server.envelope import ApiError, error_body, json_response
from mock_server.faults import find_fault, install_fault
from mock_server.pipeline import build_pipeline
from mock_server.request_log import configure_logging, install_request_log
from mock_server.spec import load_spec

log = logging.getLogger("mock_server")


class RestOfPathConverter(PathConverter):
    """The rest of the path, newlines and slashes included, so any malformed ID reaches validation."""

    regex = "(?s:.+)"
    part_isolating = False  # werkzeug would infer True, as the regex has no '/'


def create_app(config: MockConfig | None = None) -> Flask:
    """Build a mock app from its settings: spec and dataset are loaded (and checked) here, once."""
    config = config or MockConfig()
    spec = load_spec(config.spec)
    pipeline = build_pipeline(spec, load_dataset(config.fixtures, spec), config.jwt_secret)
    fault = find_fault(config.fault) if config.fault else None
    if fault is not None:
        pipeline = fault.apply_to_pipeline(pipeline)

    configure_logging()
    app = Flask("mock_server")
    app.url_map.converters["rest"] = RestOfPathConverter
    app.extensions["mock"] = {"config": config, "spec": spec, "dataset": pipeline.dataset, "fault": fault}
    if config.log_requests:
        install_request_log(app)
    if fault is not None:
        install_fault(app, fault)

    def get_appointment(appointment_id: str = "") -> Response:
        status, body = pipeline.handle(
            appointment_id, request.headers.get("Authorization"), request.args, request.headers.get("Prefer")
        )
        if isinstance(body, dict):
            g.code = body.get("code", "-")
        return json_response(status, body)

    prefix = spec.route_prefix()
    for rule in (prefix + "<rest:appointment_id>", prefix, prefix.rstrip("/")):
        app.add_url_rule(
            rule,
            endpoint=f"{spec.operation['operationId']}:{rule}",
            view_func=get_appointment,
            methods=[spec.method],
            strict_slashes=False,
            provide_automatic_options=False,
        )

    @app.errorhandler(ApiError)
    def _documented_error(error: ApiError) -> Response:
        g.code = error.code
        status = error.status or spec.status_for_code(error.code)
        return json_response(status, error_body(error.code, error.message), error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {}
        if status == 404:
            message = f"No route for {request.method} {request.path[:200]}; the API serves GET {spec.route}"
        elif status == 405:
            allowed = sorted(error.valid_methods or [spec.method])  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(allowed)
            message = f"Method {request.method} is not allowed here; use {' or '.join(allowed)}"
        elif status >= 500:
            return _internal_error(error)
        else:
            status, message = 400, f"Malformed request: {error.description or error.name}"
        g.code = "INVALID_REQUEST"
        return json_response(status, error_body("INVALID_REQUEST", message), headers)

    @app.errorhandler(Exception)
    def _internal_error(error: Exception) -> Response:
        log.error("internal error on %s %s: %s: %s", request.method, request.path[:200], type(error).__name__, error)
        g.code = "INTERNAL_ERROR"
        status = spec.status_for_code("INTERNAL_ERROR")
        return json_response(status, error_body("INTERNAL_ERROR", "Internal server error"))

    return app
