"""One state for several mock hosts: `--store redis://...` (redis-py) against a real redis-server started here.

A booking created through one mock process is read, listed and cancelled through another; reset and the journal
work across them; a Redis that goes away is answered 500 INTERNAL_ERROR with one log line, no traceback, and the
mock recovers when Redis is back.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token
from tests.specs import spec_with_writes

BASE = "/api/v1/calcom/appointments"
BOOKING = {"agent_id": "agent_theo", "contact_name": "Priya Natarajan", "contact_email": "priya@example.org",
           "appointment_time": "2026-05-02T10:00:00Z", "end_time": "2026-05-02T10:45:00Z"}
HEADERS = {"Authorization": f"Bearer {mint_token('org_sunrise_dental')}"}
REDIS = shutil.which("redis-server")
if REDIS is None and os.environ.get("CI"):
    raise RuntimeError("redis-server is not installed: .ci/run installs Debian's redis-server package")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (apt-get install redis-server)")


class RedisServer:
    """A redis-server on a free port, its data in a folder of its own (so that a restart keeps it)."""

    def __init__(self, folder: Path):
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/2"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen([str(REDIS), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, *, save: bool) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "save" if save else "nosave"], capture_output=True, timeout=10)
        if self.process is not None:
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop(save=False)


@pytest.fixture(scope="module")
def writes_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return spec_with_writes(tmp_path_factory.mktemp("writes"))


def test_two_mock_hosts_serve_one_state(redis_server: RedisServer, writes_spec: Path):
    with MockProcess("--quiet", "--spec", str(writes_spec), "--store", redis_server.url) as first, \
            MockProcess("--quiet", "--spec", str(writes_spec), "--store", redis_server.url) as second:
        assert f"state in {redis_server.url}" in first.log_text()
        created = requests.post(first.base_url + BASE, json=BOOKING, headers=HEADERS, timeout=10)
        assert created.status_code == 201, created.text
        uid = created.json()["data"]["appointment"]["id"]
        read = requests.get(second.base_url + f"{BASE}/{uid}", headers=HEADERS, timeout=10)
        assert read.status_code == 200 and read.json()["data"]["appointment"]["agent_name"] == "Theo (scheduling)"
        listed = requests.get(second.base_url + BASE, params={"limit": 100}, headers=HEADERS, timeout=10).json()["data"]
        assert uid in [a["id"] for a in listed["appointments"]]
        moved = requests.patch(second.base_url + f"{BASE}/{uid}", json={"status": "pending"}, headers=HEADERS, timeout=10)
        assert moved.status_code == 200
        assert requests.get(first.base_url + f"{BASE}/{uid}", headers=HEADERS, timeout=10).json()["data"]["appointment"]["status"] == "pending"
        assert requests.delete(second.base_url + f"{BASE}/{uid}", headers=HEADERS, timeout=10).status_code == 204
        assert requests.get(first.base_url + f"{BASE}/{uid}", headers=HEADERS, timeout=10).status_code == 502
        journal = requests.get(second.base_url + "/__mock/requests", timeout=10).json()["requests"]
        assert [e["method"] for e in journal if e["path"].endswith(uid)][:1] == ["GET"]  # the first host's requests too
        assert any(e["method"] == "POST" and e["status"] == 201 for e in journal)
        assert requests.delete(first.base_url + f"{BASE}/kko1gv8tFZe8JjpCpct5tG", headers=HEADERS, timeout=10).status_code == 204
        assert requests.post(second.base_url + "/__mock/reset", timeout=10).status_code == 200
        assert requests.get(first.base_url + f"{BASE}/kko1gv8tFZe8JjpCpct5tG", headers=HEADERS, timeout=10).status_code == 200
        after_reset = requests.get(first.base_url + "/__mock/requests", timeout=10).json()["requests"]
        assert [e["path"] for e in after_reset] == [f"{BASE}/kko1gv8tFZe8JjpCpct5tG"]  # the journal was emptied by the reset


def test_a_redis_that_goes_away_is_a_500_with_one_log_line_and_the_mock_recovers(redis_server: RedisServer, writes_spec: Path):
    with MockProcess("--spec", str(writes_spec), "--store", redis_server.url) as mock:
        url = mock.base_url + f"{BASE}/kko1gv8tFZe8JjpCpct5tG"
        assert requests.get(url, headers=HEADERS, timeout=10).status_code == 200
        redis_server.stop(save=True)
        down = requests.get(url, headers=HEADERS, timeout=10)
        assert down.status_code == 500 and down.json() == {"success": False, "message": "Internal server error", "code": "INTERNAL_ERROR"}
        refused = requests.post(mock.base_url + BASE, json=BOOKING, headers=HEADERS, timeout=10)
        assert refused.status_code == 500 and refused.json()["code"] == "INTERNAL_ERROR"
        redis_server.start()
        assert requests.get(url, headers=HEADERS, timeout=10).status_code == 200
        log = mock.log_text()
        assert "Traceback" not in log and "StoreUnavailable: the store at redis://127.0.0.1" in log, log[-2000:]


def test_a_store_url_that_is_not_redis_is_refused_at_start():
    run = subprocess.run(["python", "-m", "mock_server", "--store", "postgres://db/1", "--port", "0", "--check"],
                         capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 2 and "--store must be a Redis URL such as redis://127.0.0.1:6379/0" in run.stderr
