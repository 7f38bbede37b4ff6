"""The application factory: the Flask app, with the router, faults and request log in front of it."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from mock_server.config import MockConfig
from mock_server.dataset import load_dataset
from mock_server.envelope import error_body, json_response
from mock_server.pipeline import build_pipeline
from mock_server.request_log import RequestLog, configure_logging
from mock_server.resilience import Resilience, parse_error_rate, parse_latency, with_resilience
from mock_server.router import OperationRouter
from mock_server.spec import load_spec

log = logging.getLogger("mock_server")


def create_app(config: MockConfig | None = None) -> Flask:
    """Build a mock app from its settings: spec and dataset are loaded (and checked) here, once.

    Requests flow: RequestLog → FaultLayer (with --fault) → OperationRouter → the pipeline for the
    documented operation, or Flask for anything else (unknown routes get the 404 envelope).
    """
    config = config or MockConfig()
    spec = load_spec(config.spec)
    pipeline = build_pipeline(spec, load_dataset(config.fixtures, spec), config.jwt_secret)
    fault = None
    if config.fault:
        from mock_server.faults import FaultLayer, find_fault  # only a faulty mock needs the fault layer

        fault = find_fault(config.fault)
        pipeline = fault.apply_to_pipeline(pipeline)

    pipeline = with_resilience(
        pipeline, Resilience(parse_latency(config.latency) if config.latency else None, parse_error_rate(str(config.error_rate)))
    )

    configure_logging()
    app = Flask("mock_server")
    app.extensions["mock"] = {"config": config, "spec": spec, "dataset": pipeline.dataset, "fault": fault, "pipeline": pipeline}

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status >= 500:
            return _internal_error(error)
        if status == 404:
            message = f"No route for {request.method} {request.path[:200]}; the API serves GET {spec.route}"
        else:
            status, message = 400, f"Malformed request: {error.description or error.name}"
        return json_response(status, error_body("INVALID_REQUEST", message))

    @app.errorhandler(Exception)
    def _internal_error(error: Exception) -> Response:
        log.error("internal error on %s %s: %s: %s", request.method, request.path[:200], type(error).__name__, error)
        return json_response(spec.status_for_code("INTERNAL_ERROR"), error_body("INTERNAL_ERROR", "Internal server error"))

    stack = OperationRouter(pipeline, fallback=app.wsgi_app)
    if fault is not None and fault.rewrite is not None:
        stack = FaultLayer(stack, fault)
    if config.log_requests:
        stack = RequestLog(stack)
    app.wsgi_app = stack  # type: ignore[method-assign]
    return app
