"""Graceful shutdown on SIGTERM and SIGINT, under both servers: in-flight answers finish, state is removed."""

from __future__ import annotations

import re
import signal
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_gracefully(server_name, signum):
    process = MockProcess("--server", server_name, "--workers", "2").start()
    state = Path(re.search(r"state in (\S+)", process.log_text()).group(1))
    assert state.is_dir()
    answers: list[int] = []

    def slow_request() -> None:  # in flight when the signal arrives
        request = urllib.request.Request(f"{process.base_url}/api/v1/calcom/appointments/{KNOWN}",
                                         headers={"Authorization": f"Bearer {mint_token()}", "Prefer": "latency=700"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answers.append(answer.status)

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(0.3)
    assert process.process is not None
    process.process.send_signal(signum)  # the server's own process only, as a terminal or an orchestrator does
    exit_code = process.process.wait(timeout=15)
    client.join(timeout=15)
    assert answers == [200], "the request in flight did not finish"
    assert exit_code == 0, process.log_text()[-2000:]
    assert "Traceback" not in process.log_text()
    assert not state.exists(), "the state folder was left behind"
