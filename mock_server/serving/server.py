"""Run a built WSGI app under the server the config names: Granian (default) or gunicorn."""

from __future__ import annotations

import gc
import socket
from typing import Any

from mock_server.config import MockConfig
from mock_server.serving.request_log import lighten_logging


def prepare(config: MockConfig) -> None:
    """Import the chosen server (Granian takes a fifth of the start): done while the dataset is seeded."""
    if config.server == "gunicorn":
        import mock_server.serving.gunicorn_server  # noqa: F401
    else:
        import granian.server  # noqa: F401

        import mock_server.serving.granian_server  # noqa: F401


def serve(app: Any, config: MockConfig, listener: socket.socket) -> None:
    """Serve on the listening socket (see mock_server.serving.listener) until interrupted."""
    lighten_logging()
    # What the start built (spec, pipeline, modules) lives as long as the server: frozen, the workers'
    # collector never walks it, so its pages stay shared with them instead of being copied into each
    # (2 MB less private memory per server here, measured with smaps).
    gc.freeze()
    if config.server == "gunicorn":
        from mock_server.serving.gunicorn_server import serve_gunicorn

        serve_gunicorn(app, config, listener)
    else:
        from mock_server.serving.granian_server import serve_granian

        serve_granian(app, config, listener)
