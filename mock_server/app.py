"""The application factory: the request pipeline authenticate → validate → negotiate → resolve → look up."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from mock_server.auth import authenticate
from mock_server.bookings import lookup_booking
from mock_server.config import MockConfig
from mock_server.dataset import load_dataset
from mock_server.envelope import ApiError, error_body, json_response
from mock_server.negotiation import forced_response, parse_preference
from mock_server.organization import resolve_organization
from mock_server.request_log import configure_logging, install_request_log
from mock_server.spec import load_spec
from mock_server.validation import RequestValidator

log = logging.getLogger("mock_server")


class RestOfPathConverter(PathConverter):
    """The rest of the path, newlines and slashes included, so any malformed ID reaches validation."""

    regex = "(?s:.+)"
    part_isolating = False  # werkzeug would infer True, as the regex has no '/'


def create_app(config: MockConfig | None = None) -> Flask:
    """Build a mock app from its settings: spec and dataset are loaded (and checked) here, once."""
    config = config or MockConfig()
    spec = load_spec(config.spec)
    dataset = load_dataset(config.fixtures, spec)
    validator = RequestValidator(spec)
    org_pattern = spec.parameter_pattern("org_id", "query")

    configure_logging()
    app = Flask("mock_server")
    app.url_map.converters["rest"] = RestOfPathConverter
    app.extensions["mock"] = {"config": config, "spec": spec, "dataset": dataset}
    if config.log_requests:
        install_request_log(app)

    def get_appointment(appointment_id: str = "") -> Response:
        identity = authenticate(request.headers.get("Authorization"), config.jwt_secret, org_pattern)
        query_org = validator.validate(appointment_id, request.args.getlist("org_id"))
        preference = parse_preference(request.headers.get("Prefer"), request.args)
        if preference is not None:
            status, body = forced_response(spec, preference)
            g.code = body.get("code", "-") if isinstance(body, dict) else "-"
            return json_response(status, body)
        org_id = resolve_organization(identity, query_org)
        return json_response(200, lookup_booking(dataset, org_id, appointment_id))

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
