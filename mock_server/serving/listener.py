"""The listening socket, opened first: before the spec, the dataset and the server are loaded.

A client that connects while the mock starts (a test harness polling the port, a load test started at
the same moment) then waits in the socket's backlog and is answered the moment the mock is ready,
instead of being refused and trying again at its next poll. A port that is taken is reported at once.
Both servers take this socket over instead of binding their own (systemd's socket activation works the
same way).
"""

from __future__ import annotations

import errno
import socket

BACKLOG = 1024  # Granian's default, and gunicorn's 2048 would not be used by a mock


class ListenError(Exception):
    """The mock cannot listen on the address asked for; the message says why and what to do."""


def open_listener(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A TCP socket bound to host:port and listening (port 0: a free port, read it back with bound_port)."""
    # an ASCII host is passed as bytes: as a str it goes through the IDNA codec, a 1.5 ms import
    name: str | bytes = host.encode("ascii") if host.isascii() else host
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}:{port}: the host does not resolve ({exc.strerror})") from None
    family, _type, _proto, _name, address = infos[0]
    try:
        return socket.create_server(address, family=family, backlog=backlog)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            hint = "another process is listening there (a mock still running?): stop it or pick another --port"
            raise ListenError(f"cannot listen on {host}:{port}: address already in use; {hint}") from None
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def bound_port(listener: socket.socket) -> int:
    """The port the socket listens on."""
    return int(listener.getsockname()[1])
