"""The application factory: the mock's WSGI stack, with the Flask app around the documented operations.

Requests flow, outermost first:
    RequestRecorder  a log line and a journal entry per request
    Cors             preflights answered; CORS headers on every answer (--no-cors: absent)
    AdminRoutes      /__mock/... to the admin API (--no-admin: absent)
    FaultLayer       (--fault) deliberate violations
    OperationRouter  each documented operation to its handler (mock_server/handlers.py); anything else to
                     Flask (404 envelope)
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from mock_server.data.journal import Journal
from mock_server.config import MockConfig
from mock_server.data.dataset import Dataset, StoreSeeding, create_store, empty_store, load_dataset
from mock_server.data.store import SharedStore
from mock_server.data import GET_APPOINTMENT
from mock_server.handlers import Handler, HandlerContext, build_handlers
from mock_server.pipeline.bodies import BodyBook
from mock_server.pipeline.resilience import Resilience, parse_error_rate, parse_latency
from mock_server.profiles import Profile, profile_for
from mock_server.resources.model import ResourceModel, infer_resources
from mock_server.serving.cors import Cors
from mock_server.serving.request_log import RequestRecorder, configure_logging
from mock_server.serving.router import OperationRouter
from mock_server.serving.wsgi import LazyApp, WsgiApp
from mock_server.spec import ApiSpec, load_spec

if TYPE_CHECKING:
    from flask import Flask

    from mock_server.profiles.ravan.faults import Fault


@dataclass(frozen=True)
class MockParts:
    """What one mock is made of: settings, spec, start-up dataset, shared store, journal, handlers, fault."""

    config: MockConfig
    spec: ApiSpec
    dataset: Dataset | None  # the parsed start-up dataset (None for the served mock: only the store has it)
    store: SharedStore
    journal: Journal | None
    handlers: dict[str, Handler]  # by operationId
    fault: Fault | None
    profile: Profile
    book: BodyBook
    dataset_loaded: bool = True  # False: the spec's profile has no booking dataset (the store holds none)
    resources: ResourceModel | None = None  # the resources whose state the mock keeps (None: --stateless)

    @property
    def admin_enabled(self) -> bool:
        """True when the admin API is served."""
        return self.config.admin_refusal() is None

    def wsgi_stack(self, fallback: WsgiApp) -> WsgiApp:
        """The middlewares and the router in front of fallback, which answers off the operation's route."""
        stack: WsgiApp = OperationRouter(self.spec, self.handlers, fallback=fallback, profile=self.profile, book=self.book)
        if self.fault is not None and self.fault.rewrite is not None:
            from mock_server.profiles.ravan.faults import FaultLayer

            stack = FaultLayer(stack, self.fault)
        if self.admin_enabled:
            from mock_server.admin.api import AdminApi, AdminRoutes

            stack = AdminRoutes(stack, AdminApi(self.spec, self.store, self.journal, self.config.admin_token))
        if self.config.cors:
            stack = Cors(stack)
        if self.config.log_requests or self.journal is not None:
            stack = RequestRecorder(stack, log=self.config.log_requests, journal=self.journal)
        return stack

    def as_dict(self) -> dict[str, Any]:
        """The parts by name (what `app.extensions["mock"]` holds)."""
        return {
            "config": self.config, "spec": self.spec, "dataset": self.dataset, "store": self.store,
            "journal": self.journal, "fault": self.fault, "handlers": self.handlers, "profile": self.profile,
        }


def build_mock(config: MockConfig | None = None, *, keep_dataset: bool = True, meanwhile: Callable[[], Any] | None = None) -> MockParts:
    """Load (and check) the spec and dataset, seed the shared store, and build the pipeline.

    keep_dataset=False (the served mock) seeds the store from a child process, so that this process and
    its workers never hold the parsed dataset (MockParts.dataset is then None); this process builds the
    rest and runs `meanwhile` while the child works, then waits for it.
    """
    config = config or MockConfig()
    spec = load_spec(config.spec)
    profile = profile_for(spec)
    seeding = None
    has_dataset = profile.name == "ravan" and GET_APPOINTMENT in spec.operations  # the booking dataset is Ravan's
    if not has_dataset:
        dataset: Dataset | None = None
        store = empty_store(config.store)
    elif keep_dataset:
        dataset = load_dataset(config.fixtures, spec)
        store = create_store(dataset, store_url=config.store)
    else:
        seeding = StoreSeeding(config.fixtures, spec, config.store)
        dataset, store = None, seeding.store()  # the child fills it while this process builds the rest
    _remove_at_exit(store)
    journal: Any = None
    if config.admin_refusal() is None and config.journal_size > 0:
        if config.store:
            from mock_server.data.redis_store import RedisJournal

            journal = RedisJournal(store, config.journal_size)
        else:
            journal = Journal.create(store.folder, config.journal_size, config.workers)
    fault = None
    if config.fault:
        from mock_server.profiles.ravan.faults import find_fault  # only a faulty mock needs the fault catalogue

        fault = find_fault(config.fault)
    verify = profile.verifies_jwt if config.verify_jwt is None else config.verify_jwt
    verifier = profile.token_verifier(config.jwt_secret) if verify else None
    book = BodyBook(spec, profile)
    resources = infer_resources(spec) if config.stateful else None
    context = HandlerContext(spec, store, config.jwt_secret, verifier, store, fault, profile, book, config.api_keys, config.basic_credentials,
                             resources)
    handlers = build_handlers(
        context, Resilience(parse_latency(config.latency) if config.latency else None, parse_error_rate(str(config.error_rate)))
    )
    configure_logging()
    if seeding is not None:
        if meanwhile is not None:
            meanwhile()
        seeding.wait()
    return MockParts(config, spec, dataset, store, journal, handlers, fault, profile, book, has_dataset, resources)


def _remove_at_exit(store: SharedStore) -> None:
    """Delete the state folder when the process that made it exits (never when a forked worker does)."""
    owner = os.getpid()
    atexit.register(lambda: store.remove() if os.getpid() == owner else None)


def create_app(config: MockConfig | None = None) -> Flask:
    """Build a mock as a Flask app (for tests and embedding): spec and dataset are loaded here, once."""
    from mock_server.serving.fallback import create_flask_app

    parts = build_mock(config)
    app = create_flask_app(parts.spec, parts.profile)
    app.extensions["mock"] = parts.as_dict()
    app.wsgi_app = parts.wsgi_stack(app.wsgi_app)  # type: ignore[method-assign]
    return app


def create_served_app(config: MockConfig | None = None) -> tuple[WsgiApp, MockParts]:
    """The same mock as the server runs it: Flask is imported on the first request off the operation's route.

    Importing Flask takes about a fifth of a second here; deferring it lets the server answer the
    documented operation that much sooner after it starts.
    """
    from mock_server.serving.server import prepare

    config = config or MockConfig()
    parts = build_mock(config, keep_dataset=False, meanwhile=lambda: prepare(config))

    def flask_wsgi() -> WsgiApp:
        from mock_server.serving.fallback import create_flask_app

        return create_flask_app(parts.spec, parts.profile).wsgi_app

    return parts.wsgi_stack(LazyApp(flask_wsgi)), parts
