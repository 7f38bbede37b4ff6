"""The command line: serving under gunicorn, minting tokens, and clear start-up errors."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import jwt
import pytest

from mock_server.config import DEV_JWT_SECRET, MockConfig
from mock_server.serving.launcher import MockProcess

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_server", *args], capture_output=True, text=True, timeout=60)


def _get(url: str, token: str | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_token_command_mints_what_the_mock_accepts():
    result = _cli("token", "--org", "org_northwind_realty", "--expires-in", "120")
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), DEV_JWT_SECRET, algorithms=["HS256"])
    assert claims["org_id"] == "org_northwind_realty"
    assert 100 <= claims["exp"] - claims["iat"] <= 120


def test_token_command_without_org_and_expired():
    no_org = jwt.decode(_cli("token", "--no-org").stdout.strip(), DEV_JWT_SECRET, algorithms=["HS256"])
    assert "org_id" not in no_org
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(_cli("token", "--expires-in", "-5").stdout.strip(), DEV_JWT_SECRET, algorithms=["HS256"])


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_served_with_request_log_and_no_token_in_it(tmp_path, spec, server_name, get_appointment):
    token = _cli("token").stdout.strip()
    args = ("--server", server_name) if server_name != "granian" else ()  # granian is the default
    with MockProcess("--workers", "1", "--threads", "2", *args) as server:
        status, headers, body = _get(f"{server.base_url}/api/v1/calcom/appointments/{KNOWN}", token)
        assert status == 200 and body["data"]["appointment"]["id"] == KNOWN
        assert {k.lower(): v for k, v in headers.items()}["server"].startswith(server_name)
        status, _, body = _get(f"{server.base_url}/api/v1/calcom/appointments/{KNOWN}", "x" + token)
        assert (status, body["code"]) == get_appointment.outcome("UNAUTHORIZED")
    log = server.log_text()
    assert f"GET /api/v1/calcom/appointments/{KNOWN} 200 -" in log
    assert f"GET /api/v1/calcom/appointments/{KNOWN} 401 UNAUTHORIZED" in log
    assert token not in log and token[-20:] not in log


def test_environment_variables_configure_the_server(tmp_path):
    secret = "a-custom-secret-of-at-least-thirty-two-bytes"
    token = _cli("token", "--jwt-secret", secret).stdout.strip()
    with MockProcess(env={"MOCK_JWT_SECRET": secret, "MOCK_LOG_REQUESTS": "0", "MOCK_WORKERS": "1"}) as server:
        status, _, _ = _get(f"{server.base_url}/api/v1/calcom/appointments/{KNOWN}", token)
        assert status == 200
        status, _, _ = _get(f"{server.base_url}/api/v1/calcom/appointments/{KNOWN}", _cli("token").stdout.strip())
        assert status == 401
    assert f"{KNOWN} 200" not in server.log_text()


def test_a_malformed_fixtures_file_stops_the_server_with_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("organizations:\n  - id: org_a\n    calcom: sideways\n", encoding="utf-8")
    result = _cli("--fixtures", str(bad), "--port", "0")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}: organizations[0].calcom: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args,mentions", [(["--port", "70000"], "--port"), (["--workers", "0"], "--workers")])
def test_bad_flags_are_refused(args, mentions):
    result = _cli(*args)
    assert result.returncode == 2 and mentions in result.stderr


def test_a_bad_environment_value_is_refused():
    result = subprocess.run([sys.executable, "-m", "mock_server"], capture_output=True, text=True, env={**__import__("os").environ, "MOCK_PORT": "abc"}, timeout=60)
    assert result.returncode == 2 and "MOCK_PORT" in result.stderr


@pytest.mark.parametrize("cores,workers", [(1, 1), (2, 1), (8, 7)])
def test_default_workers_leave_a_core_for_the_client(monkeypatch, cores, workers):
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(cores)))
    assert MockConfig().workers == workers
