"""`make calibrate`: one GET per situation, each inferred decision confirmed or contradicted, with where to edit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from contract_tests.tools.calibrate import _schema_of_code
from mock_server.config import DEV_JWT_SECRET
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec, spec_path
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token
from tests.local_http import closed_port
from tests.spec_edits import drill_statuses, drilled_spec

ROOT = Path(__file__).resolve().parent.parent


def calibrate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    command = [sys.executable, "-m", "contract_tests.tools.calibrate"]
    # judged by the spec under test (openapi.yaml, or MOCK_SPEC), the one the mocks here serve
    given = {"CONTRACT_RATE_LIMIT": "0", "CONTRACT_SPEC": str(spec_path())}
    return subprocess.run(command, cwd=ROOT, env={**clean, **given, **env}, capture_output=True, text=True, timeout=120)


def live(server: MockProcess, **extra: str) -> dict[str, str]:
    return {
        "CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": mint_token(), "CONTRACT_APPOINTMENT_ID": "kko1gv8tFZe8JjpCpct5tG",
        "CONTRACT_ORG_ID": "org_sunrise_dental", "CONTRACT_JWT_SECRET": DEV_JWT_SECRET, **extra,
    }


def requests_sent(output: str) -> int:
    return int(re.search(r"\((\d+) GET requests sent\)", output).group(1))


def test_the_embedded_mock_confirms_every_decision():
    result = calibrate({})
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"13 confirmed, 0 contradicted, 0 not checked", result.stdout)
    assert requests_sent(result.stdout) <= 30


def test_a_server_that_moved_two_codes_is_contradicted_with_the_place_to_edit(tmp_path):
    # what the spec under test says (openapi.yaml, or MOCK_SPEC): the drill moves both codes away from it
    spec = load_spec(spec_path())
    said = {code: spec.operation(GET_APPOINTMENT).status_for_code(code) for code in ("CALCOM_API_ERROR", "NOT_CONNECTED")}
    moved = drill_statuses()  # statuses the spec under test does not say (409 and 503 for openapi.yaml)
    with MockProcess("--quiet", "--workers", "1", "--spec", str(drilled_spec(tmp_path))) as server:
        result = calibrate(live(server))
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert re.search(rf"^unknown booking +{moved['CALCOM_API_ERROR']} CALCOM_API_ERROR +{said['CALCOM_API_ERROR']} CALCOM_API_ERROR +contradicted$",
                     out, re.MULTILINE), out
    assert re.search(rf"^organization without Cal.com +{moved['NOT_CONNECTED']} NOT_CONNECTED +{said['NOT_CONNECTED']} NOT_CONNECTED +contradicted$",
                     out, re.MULTILINE), out
    for code, status in moved.items():
        assert f"move {code} to a {status} response" in out and _schema_of_code(spec, code) in out
    assert "2 contradicted" in out and DEV_JWT_SECRET not in out


def test_missing_inputs_are_named_not_guessed():
    with MockProcess("--quiet", "--workers", "1") as server:
        result = calibrate({"CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": mint_token()})
    assert result.returncode == 0, result.stdout
    assert "not checked: the known booking: needs CONTRACT_APPOINTMENT_ID" in result.stdout
    assert "not checked: organization without Cal.com: needs CONTRACT_NOT_CONNECTED_TOKEN or CONTRACT_JWT_SECRET" in result.stdout


class _HtmlEverywhere(BaseHTTPRequestHandler):
    seen_methods: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        _HtmlEverywhere.seen_methods.append(self.command)
        body = b"<html><body>Welcome to nginx</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_url_that_is_not_the_api_is_said_so_and_gets_only_gets():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlEverywhere)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        result = calibrate({"CONTRACT_BASE_URL": f"http://127.0.0.1:{httpd.server_address[1]}", "CONTRACT_TOKEN": mint_token()})
    finally:
        httpd.shutdown()
    assert result.returncode == 75, result.stdout + result.stderr
    assert "INCONCLUSIVE" in result.stderr and "check that CONTRACT_BASE_URL is the API's host" in result.stderr
    assert set(_HtmlEverywhere.seen_methods) == {"GET"} and len(_HtmlEverywhere.seen_methods) <= 3


@pytest.mark.parametrize("env,message", [
    ({"CONTRACT_BASE_URL": "http://127.0.0.1:9"}, "CONTRACT_TOKEN is required"),
    ({"CONTRACT_TOKEN": "x.y.z"}, "CONTRACT_TOKEN is set but CONTRACT_BASE_URL is not"),
])
def test_settings_errors_are_one_line(env, message):
    result = calibrate(env)
    assert result.returncode == 78 and message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("token,says", [
    (mint_token(), "connection refused"),
    ("garbage", "CONTRACT_TOKEN is not a JWT"),
])
def test_a_target_that_cannot_be_asked_is_one_clear_inconclusive_line_not_advice_to_edit_the_spec(token, says):
    result = calibrate({"CONTRACT_BASE_URL": f"http://127.0.0.1:{closed_port()}", "CONTRACT_TOKEN": token})
    assert result.returncode == 75, result.stdout + result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert "openapi.yaml" not in result.stdout and "responses" not in result.stderr


def test_a_token_the_server_refuses_is_not_advice_to_edit_the_spec():
    with MockProcess("--quiet", "--workers", "1") as server:
        result = calibrate({"CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": mint_token(secret="not-the-mock-secret-0123456789abcdef")})
    assert result.returncode == 75, result.stdout + result.stderr
    assert "the target refused CONTRACT_TOKEN (401 UNAUTHORIZED: 'The token signature is invalid')" in result.stderr
