"""Fixtures for the mock's own tests: an app per test session, a client that validates every answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from jsonschema import Draft4Validator
from openapi_core.templating.paths.exceptions import PathNotFound

from mock_server import MockConfig, create_app
from mock_server.contract.response_schemas import openapi_validator
from mock_server.data import GET_APPOINTMENT
from mock_server.routing import Match, Routes
from mock_server.spec import ApiSpec, Operation
from mock_server.tokens import mint_token

BASE_URL = "http://127.0.0.1:4010"


class ValidatingClient:
    """A Flask test client whose every response is checked against openapi.yaml by openapi-core."""

    def __init__(self, app: Flask, spec: ApiSpec):
        self._client = app.test_client()
        self._openapi = OpenAPI.from_dict(spec.raw)
        self._envelope = Draft4Validator(spec.raw["components"]["schemas"]["ErrorEnvelope"])
        self._routes = Routes(spec.operations.values())
        self.spec = spec

    def __repr__(self) -> str:
        return "ValidatingClient()"

    def get(self, path: str, *, token: str | None = None, headers: dict[str, str] | None = None, **kwargs: Any):
        """GET path and validate the answer; token adds `Authorization: Bearer <token>`."""
        return self.request("GET", path, token=token, headers=headers, **kwargs)

    def request(self, method: str, path: str, *, token: str | None = None, headers: dict[str, str] | None = None, **kwargs: Any):
        """Send any request and validate the answer (documented operation: openapi-core; others: the envelope)."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        response = self._client.open(path, method=method, headers=all_headers, base_url=BASE_URL, **kwargs)
        assert response.mimetype == "application/json", f"{method} {path}: content type {response.content_type}"
        body = response.get_json()
        found = self._routes.match(method, urlsplit(path).path)
        operation = found.operation if isinstance(found, Match) else None
        if method == "GET" and operation is not None and response.status_code in operation.responses:
            try:
                self._openapi.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
            except PathNotFound:  # an empty ID, or one with a slash: the route's own schema still applies
                openapi_validator(operation.responses[response.status_code].schema).validate(body)
        else:
            assert response.status_code in (404, 405), f"{method} {path}: undocumented status {response.status_code}"
            self._envelope.validate(body)
        return response


@pytest.fixture(scope="session")
def app(spec: ApiSpec) -> Flask:
    """The mock with its embedded dataset and the development secret, request logging off."""
    return create_app(MockConfig(log_requests=False))


@pytest.fixture(scope="session")
def client(app: Flask, spec: ApiSpec) -> ValidatingClient:
    """A validating client of the session's app."""
    return ValidatingClient(app, spec)


@pytest.fixture(scope="session")
def dataset(app: Flask):
    """The embedded dataset the app serves."""
    return app.extensions["mock"]["dataset"]


@pytest.fixture(scope="session")
def token() -> str:
    """A valid token of the connected organization org_sunrise_dental."""
    return mint_token("org_sunrise_dental", expires_in=24 * 3600)


@pytest.fixture(scope="session")
def get_appointment(spec: ApiSpec) -> Operation:
    """The Get Appointment operation of the spec (the operation these tests of the mock are about)."""
    return spec.operation(GET_APPOINTMENT)
