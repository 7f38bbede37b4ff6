"""Serve the mock under gunicorn (never Flask's development server)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from mock_server.config import MockConfig


class MockServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application that serves an already-built Flask app."""

    def __init__(self, app: Flask, config: MockConfig):
        self._app = app
        self._config = config
        super().__init__()

    def load_config(self) -> None:
        settings: dict[str, Any] = {
            "bind": f"{self._config.host}:{self._config.port}",
            "workers": self._config.workers,
            "threads": self._config.threads,
            "worker_class": "gthread" if self._config.threads > 1 else "sync",
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
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(app: Flask, config: MockConfig) -> None:
    """Run the app until interrupted."""
    MockServer(app, config).run()
