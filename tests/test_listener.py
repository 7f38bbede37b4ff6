"""The listening socket is opened first: clients that connect during the start wait and are answered."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from mock_server.config import DEFAULT_FIXTURES
from mock_server.serving.launcher import free_port
from mock_server.serving.listener import ListenError, bound_port, open_listener

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def _token() -> str:
    return subprocess.run([sys.executable, "-m", "mock_server", "token"], capture_output=True, text=True, timeout=60).stdout.strip()


def _connect(port: int, deadline_s: float = 20.0) -> socket.socket:
    """A connection to the port, retried until something listens there."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _request(token: str) -> bytes:
    return (f"GET /api/v1/calcom/appointments/{KNOWN} HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n").encode()


def test_a_listener_on_a_free_port_and_its_port():
    with open_listener("127.0.0.1", 0) as listener:
        port = bound_port(listener)
        assert port > 0
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the kernel completes the handshake: nothing needs to accept yet


def test_a_taken_port_is_a_clear_error():
    with open_listener("127.0.0.1", 0) as taken:
        with pytest.raises(ListenError, match=r"cannot listen on 127\.0\.0\.1:\d+: address already in use; .*--port"):
            open_listener("127.0.0.1", bound_port(taken))


def test_a_host_that_does_not_resolve_is_a_clear_error(monkeypatch):
    def no_such_name(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)  # no DNS query from a test
    with pytest.raises(ListenError, match=r"cannot listen on mock\.example:4010: the host does not resolve \(Name or service not known\)"):
        open_listener("mock.example", 4010)


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_a_client_connecting_during_the_start_is_answered_once_the_mock_is_ready(tmp_path, server_name):
    # The dataset comes through a FIFO: the mock cannot finish starting until the test writes it, so the
    # connection below is made, deterministically, while the mock is still loading.
    fixtures = tmp_path / "fixtures.yaml"
    os.mkfifo(fixtures)
    token, port = _token(), free_port()
    command = [sys.executable, "-m", "mock_server", "--port", str(port), "--fixtures", str(fixtures), "--server", server_name, "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        with _connect(port) as client:
            client.sendall(_request(token))
            client.settimeout(0.5)
            with pytest.raises(TimeoutError):
                client.recv(1)  # accepted by the kernel, not answered: the mock is still waiting for its dataset
            writer = threading.Thread(target=lambda: fixtures.write_bytes(DEFAULT_FIXTURES.read_bytes()))
            writer.start()
            client.settimeout(30)
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
            writer.join(timeout=10)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
        assert f'"id":"{KNOWN}"'.encode() in answer.replace(b" ", b"")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")


def test_a_taken_port_stops_the_mock_at_once_with_a_clear_error():
    with open_listener("127.0.0.1", 0) as taken:
        port = bound_port(taken)
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "mock_server", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: address already in use;"), result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 10  # no retries (gunicorn alone would retry for 5 s)


def test_port_zero_serves_on_the_port_the_system_chose_and_says_which():
    process = subprocess.Popen([sys.executable, "-m", "mock_server", "--port", "0", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        banner = process.stderr.readline()  # type: ignore[union-attr]
        match = re.search(r"on http://127\.0\.0\.1:(\d+) under granian", banner)
        assert match, banner
        port = int(match.group(1))
        assert port != 0
        with _connect(port) as client:
            client.sendall(_request(_token()))
            assert client.recv(12) == b"HTTP/1.1 200"
    finally:
        process.terminate()
        process.communicate(timeout=30)
