"""The application factory: the mock's WSGI stack, with the Flask app around the documented operation.

Requests flow: RequestLog → FaultLayer (with --fault) → OperationRouter → the pipeline for the
documented operation, or the Flask app for anything else (unknown routes get the 404 envelope).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.config import MockConfig
from mock_server.data.dataset import Dataset, load_dataset
from mock_server.pipeline import Pipeline, build_pipeline
from mock_server.serving.request_log import RequestLog, configure_logging
from mock_server.pipeline.resilience import Resilience, parse_error_rate, parse_latency, with_resilience
from mock_server.serving.router import OperationRouter
from mock_server.spec import ApiSpec, load_spec
from mock_server.serving.wsgi import LazyApp, WsgiApp

if TYPE_CHECKING:
    from flask import Flask

    from mock_server.faults import Fault


@dataclass(frozen=True)
class MockParts:
    """What one mock is made of: its settings, spec, dataset and pipeline (and fault, if any)."""

    config: MockConfig
    spec: ApiSpec
    pipeline: Pipeline
    fault: Fault | None

    @property
    def dataset(self) -> Dataset:
        """The dataset the pipeline serves."""
        return self.pipeline.dataset

    def wsgi_stack(self, fallback: WsgiApp) -> WsgiApp:
        """The middlewares and the router in front of fallback, which answers off the operation's route."""
        stack: WsgiApp = OperationRouter(self.pipeline, fallback=fallback)
        if self.fault is not None and self.fault.rewrite is not None:
            from mock_server.faults import FaultLayer

            stack = FaultLayer(stack, self.fault)
        if self.config.log_requests:
            stack = RequestLog(stack)
        return stack

    def as_dict(self) -> dict[str, Any]:
        """The parts by name (what `app.extensions["mock"]` holds)."""
        return {"config": self.config, "spec": self.spec, "dataset": self.dataset, "fault": self.fault, "pipeline": self.pipeline}


def build_mock(config: MockConfig | None = None) -> MockParts:
    """Load (and check) the spec and dataset, and build the pipeline, with any fault and resilience settings."""
    config = config or MockConfig()
    spec = load_spec(config.spec)
    pipeline = build_pipeline(spec, load_dataset(config.fixtures, spec), config.jwt_secret)
    fault = None
    if config.fault:
        from mock_server.faults import find_fault  # only a faulty mock needs the fault catalogue

        fault = find_fault(config.fault)
        pipeline = fault.apply_to_pipeline(pipeline)
    pipeline = with_resilience(
        pipeline, Resilience(parse_latency(config.latency) if config.latency else None, parse_error_rate(str(config.error_rate)))
    )
    configure_logging()
    return MockParts(config, spec, pipeline, fault)


def create_app(config: MockConfig | None = None) -> Flask:
    """Build a mock as a Flask app (for tests and embedding): spec and dataset are loaded here, once."""
    from mock_server.serving.fallback import create_flask_app

    parts = build_mock(config)
    app = create_flask_app(parts.spec)
    app.extensions["mock"] = parts.as_dict()
    app.wsgi_app = parts.wsgi_stack(app.wsgi_app)  # type: ignore[method-assign]
    return app


def create_served_app(config: MockConfig | None = None) -> tuple[WsgiApp, MockParts]:
    """The same mock as the server runs it: Flask is imported on the first request off the operation's route.

    Importing Flask takes about a fifth of a second here; deferring it lets the server answer the
    documented operation that much sooner after it starts.
    """
    parts = build_mock(config)

    def flask_wsgi() -> WsgiApp:
        from mock_server.serving.fallback import create_flask_app

        return create_flask_app(parts.spec).wsgi_app

    return parts.wsgi_stack(LazyApp(flask_wsgi)), parts
