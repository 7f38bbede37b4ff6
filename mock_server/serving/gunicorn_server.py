"""Serve the mock under gunicorn (`--server gunicorn`), with JSON protocol errors."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from mock_server.config import MockConfig
from mock_server.spec import load_spec
from mock_server.serving.wsgi import status_line

_failing = threading.local()
# How a request the HTTP layer refused is answered: the spec's profile, set by serve_gunicorn().
_profile: list[Any] = []


def write_envelope_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error writer, answering with the JSON error envelope instead of an HTML page."""
    exc = getattr(_failing, "exc", None)
    why = type(exc).__name__ if exc is not None else reason
    from mock_server.envelope import INTERNAL, INVALID_INPUT, ApiError

    if status_int == 500:
        error = ApiError.of(INTERNAL, "Internal server error")
    else:  # 400, 431, 501...: a request the HTTP layer refused is malformed input
        error = ApiError.of(INVALID_INPUT, f"Malformed HTTP request: the server could not accept it ({why})")
    if _profile:
        reply = _profile[0].route_error_reply(error)
        status_int, content_type, payload = reply.status, reply.content_type or "application/json", reply.body
    else:
        status_int, content_type, payload = status_int, "application/json", {"message": error.message}
    reason = status_line(status_int).split(" ", 1)[1]
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


class _EnvelopeErrors:
    """Mixin for gunicorn workers: requests refused before the app sees them still get the envelope."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        _failing.exc = exc
        try:
            super().handle_error(req, client, addr, exc)  # type: ignore[misc]
        finally:
            _failing.exc = None


class EnvelopeThreadWorker(_EnvelopeErrors, ThreadWorker):
    """gunicorn's threaded worker with JSON protocol errors."""


class EnvelopeSyncWorker(_EnvelopeErrors, SyncWorker):
    """gunicorn's sync worker with JSON protocol errors."""


util.write_error = write_envelope_error  # the workers call it through the module


class MockServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application that serves an already-built WSGI app (the mock, or the proxy)."""

    def __init__(self, app: Any, config: MockConfig, listener: socket.socket):
        self._app = app
        self._config = config
        # gunicorn takes the socket over and closes this descriptor: the socket object lets go of it
        self._bind = f"fd://{listener.detach()}"
        super().__init__()

    def load_config(self) -> None:
        for key, value in {**gunicorn_settings(self._config), "bind": self._bind}.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._app


def gunicorn_settings(config: MockConfig) -> dict[str, Any]:
    """The production server settings (the benchmark serves its baseline with the very same ones)."""
    threaded = config.worker_threads > 1
    return {
        "workers": config.workers,
        "threads": config.worker_threads,
        "worker_class": f"mock_server.serving.gunicorn_server.{'EnvelopeThreadWorker' if threaded else 'EnvelopeSyncWorker'}",
        "accesslog": None,  # the app logs one line per request itself, without headers
        "errorlog": "-",
        "loglevel": "warning",
        "keepalive": 5,
        "timeout": 30,
        "graceful_timeout": 5,
        "limit_request_line": 8190,
        "limit_request_field_size": 16384 + 64,
        "proc_name": "ravan-mock",
    }


def serve_gunicorn(app: Any, config: MockConfig, listener: socket.socket) -> None:
    """Run the app under gunicorn on the listening socket until interrupted."""
    from mock_server.profiles import profile_for

    _profile[:] = [profile_for(load_spec(config.spec))]
    MockServer(app, config, listener).run()
