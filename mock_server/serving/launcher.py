"""Start a server (the mock, or Prism for comparison) as a real process on a free port and wait for it."""

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


ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """A server in a child process on a free port; a context manager that waits until it answers."""

    name = "server"

    def __init__(self, *args: str, host: str = "127.0.0.1", env: dict[str, str] | None = None, startup_timeout: float = 20.0):
        self.args = list(args)
        self.host = host
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0
        # what "ready" means: any HTTP answer to this request (the benchmark asks the operation itself)
        self.ready_path = "/"
        self.ready_headers: dict[str, str] = {}
        self.poll_interval = 0.05
        self.cwd: Path | None = None  # the folder the server runs in (default: this process's)
        self._log = tempfile.NamedTemporaryFile(prefix=f"{self.name}-", suffix=".log", delete=False)

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
        """Start on a free port (up to three tries when another process takes the port meanwhile) and wait for the first answer."""
        for _attempt in range(3):
            self.port = free_port(self.host)
            command = self.command()
            started = time.perf_counter()
            self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd, start_new_session=True)
            if self._wait_until_ready():
                self.startup_seconds = time.perf_counter() - started
                return self
            self.stop()
            if "in use" not in self.log_text():
                break
        raise RuntimeError(f"{self.name} did not start; its output:\n{self.log_text()[-3000:]}")

    def command(self) -> list[str]:
        """The command line that starts the server on self.host:self.port."""
        raise NotImplementedError

    def _wait_until_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                probe = urllib.request.Request(self.base_url + self.ready_path, headers=self.ready_headers)
                urllib.request.urlopen(probe, timeout=1).close()
                return True
            except urllib.error.HTTPError:
                return True  # any HTTP answer (a 404 envelope) means it serves
            except OSError:
                time.sleep(self.poll_interval)
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


class MockProcess(ServerProcess):
    """`python -m mock_server` (under Granian, unless its arguments say --server gunicorn)."""

    name = "mock-server"

    def command(self) -> list[str]:
        """python -m mock_server --host H --port P, plus the given flags."""
        return [sys.executable, "-m", "mock_server", "--host", self.host, "--port", str(self.port), *self.args]


class PrismProcess(ServerProcess):
    """`prism mock openapi.yaml` from the project's node_modules (installed by `make install`)."""

    name = "prism"
    binary = ROOT / "node_modules" / ".bin" / "prism"

    def command(self) -> list[str]:
        """prism mock SPEC -h H -p P, plus the given flags."""
        if not self.binary.exists():
            raise FileNotFoundError(f"{self.binary} is missing: run `make install` (it installs the pinned Node tools)")
        spec = str(ROOT / "openapi.yaml")
        return [str(self.binary), "mock", spec, "-h", self.host, "-p", str(self.port), *self.args]
