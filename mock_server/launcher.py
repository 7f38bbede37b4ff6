"""Start the mock as a real server process on a free port, for the contract suite and the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class MockProcess:
    """`python -m mock_server` in a child process; a context manager that waits until it answers."""

    def __init__(self, *args: str, host: str = "127.0.0.1", env: dict[str, str] | None = None, startup_timeout: float = 20.0):
        self.args = list(args)
        self.host = host
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0
        self._log = tempfile.NamedTemporaryFile(prefix="mock-server-", suffix=".log", delete=False)

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        """The file that receives the server's stdout and stderr."""
        return Path(self._log.name)

    def log_text(self) -> str:
        """What the server has printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> "MockProcess":
        """Start on a free port (retrying once on a port clash) and wait for the first answer."""
        for _attempt in range(3):
            self.port = free_port(self.host)
            command = [sys.executable, "-m", "mock_server", "--host", self.host, "--port", str(self.port), *self.args]
            started = time.perf_counter()
            self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
            if self._wait_until_ready():
                self.startup_seconds = time.perf_counter() - started
                return self
            self.stop()
            if "Address already in use" not in self.log_text():
                break
        raise RuntimeError(f"the mock server did not start; its output:\n{self.log_text()[-3000:]}")

    def _wait_until_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                urllib.request.urlopen(f"{self.base_url}/", timeout=1).close()
                return True
            except urllib.error.HTTPError:
                return True  # any HTTP answer (a 404 envelope) means it serves
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop the server and its workers."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=5)

    def __enter__(self) -> "MockProcess":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
