"""The contract suite in live mode, run as a user would (a subprocess), against a local mock server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent


def run_suite(env: dict[str, str], *args: str, tmp_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=600)


def test_a_live_run_without_a_token_stops_with_one_clear_message():
    result = run_suite({"CONTRACT_BASE_URL": "http://127.0.0.1:9"})
    assert result.returncode == 78  # configuration error
    assert "CONTRACT_TOKEN is required" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("env,mentions", [
    ({"CONTRACT_BASE_URL": "staging.example.com", "CONTRACT_TOKEN": "x"}, "CONTRACT_BASE_URL must be an http(s) URL"),
    ({"CONTRACT_RATE_LIMIT": "fast"}, "CONTRACT_RATE_LIMIT must be a plain number"),
    ({"CONTRACT_SEED": "abc"}, "CONTRACT_SEED must be a whole number"),
])
def test_malformed_settings_are_named(env, mentions):
    result = run_suite(env)
    assert result.returncode == 78 and mentions in result.stderr


def test_live_mode_against_a_real_server_sends_only_gets_skips_by_name_and_masks_the_token(tmp_path):
    token = mint_token("org_sunrise_dental")
    junit = tmp_path / "junit.xml"
    with MockProcess("--workers", "1") as server:
        result = run_suite(
            {"CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": token, "CONTRACT_RATE_LIMIT": "0", "CONTRACT_MAX_EXAMPLES": "10", "CONTRACT_SEED": "7"},
            f"--junitxml={junit}",
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert f"contract target: {server.base_url}" in output and "CONTRACT_SEED=7" in output
    assert "GREEN" in output
    for variable in ("CONTRACT_APPOINTMENT_ID", "CONTRACT_NOT_CONNECTED_TOKEN", "CONTRACT_TOKEN_WITHOUT_ORG"):
        assert f"needs {variable}" in output
    methods = set(re.findall(r"^\S+ \S+ (GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|TRACE|QUERY) /", server.log_text(), re.MULTILINE))
    assert methods and methods <= {"GET", "HEAD"}, methods
    assert token not in output and token not in junit.read_text()


class _Hanging(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(20)


def test_a_hanging_server_is_inconclusive_quickly_not_waited_on():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        result = run_suite({
            "CONTRACT_BASE_URL": f"http://127.0.0.1:{httpd.server_address[1]}",
            "CONTRACT_TOKEN": mint_token(),
            "CONTRACT_TIMEOUT": "0.5",
            "CONTRACT_MAX_EXAMPLES": "5",
        })
        elapsed = time.monotonic() - started
    finally:
        httpd.shutdown()
    output = result.stdout + result.stderr
    assert result.returncode == 75, output[-2000:]
    assert "INCONCLUSIVE:" in output and "no answer within 0.5 s" in output and "RED" not in output
    assert elapsed < 60, f"the suite took {elapsed:.0f}s against a hanging server"


def test_an_expired_token_that_has_not_expired_is_refused_by_name():
    result = run_suite({"CONTRACT_BASE_URL": "http://127.0.0.1:9", "CONTRACT_TOKEN": mint_token(), "CONTRACT_EXPIRED_TOKEN": mint_token(expires_in=600)})
    assert result.returncode == 78 and "CONTRACT_EXPIRED_TOKEN has not expired yet" in result.stderr


def test_a_signing_secret_needs_an_hs256_token():
    rs256_like = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJvcmdfaWQiOiJvcmdfYSJ9.c2lnbmF0dXJl"
    result = run_suite({"CONTRACT_BASE_URL": "http://127.0.0.1:9", "CONTRACT_TOKEN": rs256_like, "CONTRACT_JWT_SECRET": "x" * 40})
    assert result.returncode == 78 and "CONTRACT_JWT_SECRET works only with HS256 tokens" in result.stderr


def test_a_wrong_signing_secret_is_inconclusive_not_trusted(tmp_path):
    wrong = "this-is-not-the-mock-secret-0123456789abcdef"
    with MockProcess("--workers", "1", "--quiet") as server:
        result = run_suite({
            "CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": mint_token(), "CONTRACT_JWT_SECRET": wrong,
            "CONTRACT_RATE_LIMIT": "0", "CONTRACT_MAX_EXAMPLES": "5", "CONTRACT_SEED": "3",
        }, "-k", "not_valid_yet or another_key or expired")
    output = result.stdout + result.stderr
    assert result.returncode == 75 and "CONTRACT_JWT_SECRET does not verify CONTRACT_TOKEN's signature" in output, output[-2000:]
    assert wrong[:12] not in output


def test_an_expired_token_lets_a_live_run_check_expiry_without_the_secret():
    with MockProcess("--workers", "1", "--quiet") as server:
        result = run_suite({
            "CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": mint_token(), "CONTRACT_EXPIRED_TOKEN": mint_token(expires_in=-60),
            "CONTRACT_RATE_LIMIT": "0", "CONTRACT_SEED": "3",
        }, "-k", "expired", "-rA")
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "PASSED contract_tests/test_properties.py::test_an_expired_token_is_unauthorized" in output, output[-2000:]


def test_schemathesis_toml_says_what_the_spec_implies():
    from contract_tests.generation.expectations import toml_is_current

    assert toml_is_current(), "schemathesis.toml is stale: run `.venv/bin/python -m contract_tests.generation.expectations --write`"
