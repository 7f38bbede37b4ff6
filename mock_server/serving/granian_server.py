"""Serve the mock under Granian (the default): a Rust HTTP server with a WSGI interface.

Under the same load Granian serves the mock about ten times as fast as gunicorn here (docs/performance.md). The app is built once, before the workers are forked, so they share it. What Granian
does not do: a request its HTTP parser refuses (a broken request line, a control character in a header)
gets Granian's own empty 400, not the JSON envelope; `--server gunicorn` keeps the envelope for those too.
"""

from __future__ import annotations

import socket
from typing import Any

from granian.constants import Interfaces
from granian.log import LogLevels
from granian.net import SocketHolder
from granian.server import Server
from granian.server.mp import MPServer

from mock_server.config import MockConfig
from mock_server.serving.listener import BACKLOG


class ListenerServer(Server):  # type: ignore[misc,valid-type]
    """Granian's server, serving a socket that was bound and listening before the app was built.

    On Linux Granian binds its own socket in each worker once the workers run; it shares one socket
    between them on the other platforms. This takes that second way with the mock's early socket
    (granian/server/common.py and mp.py, `_init_shared_socket`; pinned to Granian 2.8 in pyproject.toml,
    and covered by tests/test_listener.py). It also skips building a memory collector the mock never uses.
    """

    def __init__(self, *args: Any, listener: socket.socket, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._listener = listener

    def _init_shared_socket(self) -> None:
        self._listener.set_inheritable(True)
        self._ssp = None
        self._shd = SocketHolder(self._listener.fileno(), False, self.backlog)
        self._sfd = self._listener.fileno()
        self._sso = self._listener  # closed by Granian at shutdown

    def _write_pidfile(self) -> None:
        if self.workers_rss is None and isinstance(self, MPServer):
            # MPServer also builds its process-memory collector here: 2.5 ms of the start (it reads /proc),
            # used only by `workers_max_rss`, which the mock does not set
            super(MPServer, self)._write_pidfile()
            self._rss_collector = None
        else:
            super()._write_pidfile()


def granian_server(app: Any, config: MockConfig, listener: socket.socket) -> Any:
    """The Granian server for the app on the listening socket (not started)."""
    host, port = listener.getsockname()[:2]
    return ListenerServer(
        "mock_server:served_app",  # a label: the app itself is handed over below, already built
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=config.workers,
        blocking_threads=config.worker_threads,
        websockets=False,
        log_enabled=True,
        log_level=LogLevels.warning,
        log_access=False,  # the app logs one line per request itself, without headers
        workers_kill_timeout=5,
        backlog=BACKLOG,
        listener=listener,
    )


def serve_granian(app: Any, config: MockConfig, listener: socket.socket) -> None:
    """Run the app under Granian until SIGINT or SIGTERM (Granian shuts its workers down gracefully)."""
    granian_server(app, config, listener).serve(target_loader=lambda _target: app)
