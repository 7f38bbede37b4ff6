"""The gate's word, as a CI engineer and a release manager meet it: `python -m contract_tests` on real servers.

GREEN only for what was checked, RED only for a broken rule, INCONCLUSIVE (75) when the target could not be
checked, 78 for a configuration error; one clear reason, no traceback, reports rewritten on every run, and
no 12-character piece of any secret in any output.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from mock_server.config import DEV_JWT_SECRET
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token
from tests.local_http import closed_port, serve

ROOT = Path(__file__).resolve().parent.parent
KNOWN = "kko1gv8tFZe8JjpCpct5tG"
GREEN, RED, INCONCLUSIVE, CONFIGURATION_ERROR = 0, 1, 75, 78


class Run:
    """One run of `python -m contract_tests`: its exit status, its output and both reports."""

    def __init__(self, result: subprocess.CompletedProcess[str], reports: Path):
        self.status = result.returncode
        self.output = result.stdout + result.stderr
        self.junit_path = reports / "contract-junit.xml"
        self.markdown_path = reports / "contract-report.md"

    @property
    def junit(self) -> str:
        return self.junit_path.read_text()

    @property
    def markdown(self) -> str:
        return self.markdown_path.read_text()

    def headline(self) -> str:
        return next((line for line in self.output.splitlines() if line.startswith(("GREEN", "RED", "INCONCLUSIVE"))), "")

    def everything(self) -> str:
        texts = [self.output]
        texts += [p.read_text() for p in (self.junit_path, self.markdown_path) if p.exists()]
        return "\n".join(texts)


def gate(env: dict[str, str], reports: Path, *args: str) -> Run:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    defaults = {"CONTRACT_RATE_LIMIT": "0", "CONTRACT_SEED": "5", "CONTRACT_MAX_EXAMPLES": "8"} if env.get("CONTRACT_BASE_URL") else {}
    command = [sys.executable, "-m", "contract_tests", "--report-dir", str(reports), *args]
    result = subprocess.run(command, cwd=ROOT, env={**clean, **defaults, **env}, capture_output=True, text=True, timeout=600)
    return Run(result, reports)


class _Quiet(BaseHTTPRequestHandler):
    hits = 0

    def log_message(self, *args) -> None:
        pass

    def send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class WebSite(_Quiet):
    """A web site where the API should be: the same HTML page for every path, token or not."""

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        self.send(200, b"<!doctype html><html><body>Welcome</body></html>", "text/html")


class HtmlServerErrors(_Quiet):
    """The API's path answers, but every answer is an HTML 500 page."""

    def do_GET(self) -> None:  # noqa: N802
        self.send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")


def dies_after(upstream: str, answers: int) -> type[BaseHTTPRequestHandler]:
    """A front that forwards the first `answers` requests to upstream, then closes every connection unanswered."""

    class Front(_Quiet):
        count = 0
        lock = threading.Lock()

        def do_GET(self) -> None:  # noqa: N802
            with Front.lock:
                Front.count += 1
                mine = Front.count
            if mine > answers:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            request = urllib.request.Request(upstream + self.path, headers={k: v for k, v in self.headers.items() if k.lower() == "authorization"})
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    status, body, content_type = answer.status, answer.read(), answer.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                status, body, content_type = error.code, error.read(), error.headers.get("Content-Type", "")
            self.send(status, body, content_type)

    return Front


@pytest.fixture(scope="module")
def mock() -> Iterator[MockProcess]:
    with MockProcess("--quiet", "--workers", "1", "--threads", "4") as server:
        yield server


def assert_one_clear_reason(run: Run, status: int, *mentions: str) -> None:
    assert run.status == status, run.output[-3000:]
    assert run.headline().startswith("INCONCLUSIVE" if status in (INCONCLUSIVE, CONFIGURATION_ERROR) else ("GREEN", "RED")[status]), run.output[-2000:]
    for mention in mentions:
        assert mention in run.output, (mention, run.output[-3000:])
    assert "Traceback" not in run.output and "urllib3" not in run.output and "site-packages" not in run.output
    assert len(run.output.splitlines()) < 40, run.output


# --- INCONCLUSIVE: the target could not be checked ---------------------------------------------------------


def test_a_closed_port_is_inconclusive_in_a_few_lines_not_red(tmp_path):
    run = gate({"CONTRACT_BASE_URL": f"http://127.0.0.1:{closed_port()}", "CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "connection refused", "what to do: check that the server is up")
    assert "# Contract report: INCONCLUSIVE" in run.markdown and "RED" not in run.markdown
    assert "inconclusive: no answer at" in run.junit
    assert "no answer to any of 3 requests" in run.output and "by status: none" not in run.output


def test_a_base_url_with_the_api_path_says_to_give_the_host_only(tmp_path, mock):
    run = gate({"CONTRACT_BASE_URL": mock.base_url + "/api/v1", "CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "was 404", "CONTRACT_BASE_URL is the host only: it has the path /api/v1", f"use {mock.base_url}")
    assert "every answer at /api/v1/api/v1/calcom/appointments/" in run.output  # the path actually requested
    assert "signature_is_verified" not in run.output and "alg_none_is_refused" not in run.output


def test_a_web_site_where_the_api_should_be_is_inconclusive_after_two_requests(tmp_path):
    WebSite.hits = 0
    with serve(WebSite) as url:
        run = gate({"CONTRACT_BASE_URL": url, "CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "was the API's JSON envelope", "check that CONTRACT_BASE_URL is the API's host, without the API path")
    assert WebSite.hits == 2


@pytest.mark.parametrize("lifetime,cause", [
    (None, "CONTRACT_TOKEN is not a JWT"),
    (-300, "CONTRACT_TOKEN expired at"),
    (90, "before this run would end"),
])
def test_a_token_the_suite_can_judge_itself_stops_the_run_before_any_request(tmp_path, lifetime, cause):
    token = "garbage" if lifetime is None else mint_token(expires_in=lifetime)
    WebSite.hits = 0
    with serve(WebSite) as url:
        run = gate({"CONTRACT_BASE_URL": url, "CONTRACT_TOKEN": token}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, cause, "what to do:")
    assert WebSite.hits == 0


def test_a_token_the_server_refuses_is_inconclusive_with_the_servers_own_message(tmp_path, mock):
    foreign = mint_token(secret="a-secret-this-mock-does-not-know-0123456789")
    run = gate({"CONTRACT_BASE_URL": mock.base_url, "CONTRACT_TOKEN": foreign}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "the target refused CONTRACT_TOKEN (401 UNAUTHORIZED: 'The token signature is invalid')")
    assert "malformed_id_is_rejected" not in run.output and "unknown_booking_is_calcom_api_error" not in run.output


def test_a_token_of_an_organization_without_calcom_is_inconclusive(tmp_path, mock):
    run = gate({"CONTRACT_BASE_URL": mock.base_url, "CONTRACT_TOKEN": mint_token("org_harbor_physio")}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "has no Cal.com account connected", "400 NOT_CONNECTED")


def test_a_signing_secret_that_does_not_verify_the_token_is_inconclusive(tmp_path, mock):
    wrong = "this-is-not-the-mock-secret-0123456789abcdef"
    run = gate({"CONTRACT_BASE_URL": mock.base_url, "CONTRACT_TOKEN": mint_token(), "CONTRACT_JWT_SECRET": wrong}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "CONTRACT_JWT_SECRET does not verify CONTRACT_TOKEN's signature")
    assert wrong[:12] not in run.everything()


def test_a_server_that_stops_answering_mid_run_is_inconclusive_with_a_count(tmp_path, mock):
    with serve(dies_after(mock.base_url, 20)) as url:
        run = gate({"CONTRACT_BASE_URL": url, "CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert_one_clear_reason(run, INCONCLUSIVE, "request(s) got no answer", "check(s) could not be made")
    assert "connection closed without an answer" in run.output
    assert "server_accepts_connections" not in run.output


# --- RED stays RED --------------------------------------------------------------------------------------


def test_an_html_500_on_every_request_is_red_not_inconclusive(tmp_path):
    with serve(HtmlServerErrors) as url:
        run = gate({"CONTRACT_BASE_URL": url, "CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert run.status == RED, run.output[-3000:]
    assert run.headline().startswith("RED") and "no_html_or_stack_trace" in run.output


# --- configuration errors: exit 78, named, reports rewritten -------------------------------------------------


@pytest.mark.parametrize("env,mentions", [
    ({"CONTRACT_BASE_URL": "", "CONTRACT_TOKEN": "x.y.z"}, "CONTRACT_BASE_URL is set but empty"),
    ({"CONTRACT_TOKEN": "x.y.z"}, "CONTRACT_TOKEN is set but CONTRACT_BASE_URL is not"),
    ({"CONTRACT_APPOINTMENT_ID": KNOWN, "CONTRACT_JWT_SECRET": "s" * 20}, "CONTRACT_APPOINTMENT_ID, CONTRACT_JWT_SECRET are set but CONTRACT_BASE_URL is not"),
    ({"CONTRACT_BASEURL": "http://127.0.0.1:9"}, "CONTRACT_BASEURL is not a setting of the contract suite (did you mean CONTRACT_BASE_URL?)"),
    ({"CONTRACT_BASE_URL": "http://127.0.0.1:9", "CONTRACT_MOCK_ARGS": "--workers 1"}, "CONTRACT_MOCK_ARGS applies only to the embedded mock"),
])
def test_a_configuration_error_is_exit_78_and_never_a_quiet_mock_run(tmp_path, env, mentions):
    run = gate(env, tmp_path)
    assert_one_clear_reason(run, CONFIGURATION_ERROR, mentions, "configuration error")
    assert "honours" not in run.output and "GREEN" not in run.output


def test_a_misspelled_make_variable_is_named_with_the_nearest_one(tmp_path):
    make = subprocess.run(["make", "--no-print-directory", "contract", "BASEURL=http://127.0.0.1:9", f"REPORTS={tmp_path}"],
                          cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")},
                          capture_output=True, text=True, timeout=300)
    assert make.returncode != 0
    assert "BASEURL is not a variable of make contract (did you mean BASE_URL?)" in make.stderr, make.stdout + make.stderr
    assert "# Contract report: INCONCLUSIVE" in (tmp_path / "contract-report.md").read_text()
    assert make.stdout.rstrip().splitlines()[-1].startswith("exit status 78 (make reports it as Error 78")  # the last line before make's


def test_make_variables_are_named_as_the_user_typed_them(tmp_path):
    make = subprocess.run(["make", "--no-print-directory", "contract", f"BASE_URL=http://127.0.0.1:{closed_port()}", "TOKEN=abc.def.ghi",
                           f"REPORTS={tmp_path}"], cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")},
                          capture_output=True, text=True, timeout=300)
    output = make.stdout + make.stderr
    assert "TOKEN is not a JWT" in output and "CONTRACT_TOKEN" not in output, output[-2000:]


def test_reports_of_an_earlier_run_never_survive_a_stopped_one(tmp_path):
    green = gate({"CONTRACT_MAX_EXAMPLES": "5", "CONTRACT_SEED": "2"}, tmp_path)
    assert green.status == GREEN and green.markdown.startswith("# Contract report: GREEN"), green.output[-2000:]
    stopped = gate({"CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert stopped.status == CONFIGURATION_ERROR
    assert stopped.markdown.startswith("# Contract report: INCONCLUSIVE") and "configuration error" in stopped.markdown
    assert "GREEN" not in stopped.markdown
    assert 'errors="1"' in stopped.junit and "CONTRACT_TOKEN is set but CONTRACT_BASE_URL is not" in stopped.junit
    html = (tmp_path / "contract-report.html").read_text()
    assert "Contract report: INCONCLUSIVE" in html and "GREEN" not in html
    assert json.loads((tmp_path / "contract-coverage.json").read_text())["stopped"].startswith("INCONCLUSIVE")


def test_pytest_itself_ends_with_the_same_statuses(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    env = {**clean, "CONTRACT_BASE_URL": f"http://127.0.0.1:{closed_port()}", "CONTRACT_TOKEN": mint_token()}
    result = subprocess.run([sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == INCONCLUSIVE, result.stdout[-2000:]
    result = subprocess.run([sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                            env={**clean, "CONTRACT_ORG_ID": "org_a"}, capture_output=True, text=True, timeout=300)
    assert result.returncode == CONFIGURATION_ERROR and "CONTRACT_BASE_URL" in result.stderr


# --- honest words ------------------------------------------------------------------------------------------


def test_a_minimal_live_run_is_green_with_its_skipped_checks_in_the_headline(tmp_path, mock):
    run = gate({"CONTRACT_BASE_URL": mock.base_url, "CONTRACT_TOKEN": mint_token()}, tmp_path)
    assert run.status == GREEN, run.output[-3000:]
    headline = run.headline()
    assert headline.startswith("GREEN, with ") and "checks skipped (optional inputs not set)" in headline, headline
    assert "skipped (" in run.output and "needs CONTRACT_APPOINTMENT_ID" in run.output
    assert run.markdown.startswith("# Contract report: GREEN") and "checks skipped" in run.markdown


def test_hints_follow_the_inputs_given_and_the_secret_unlocks_the_org_id_fallback(tmp_path, mock):
    run = gate({
        "CONTRACT_BASE_URL": mock.base_url, "CONTRACT_TOKEN": mint_token(), "CONTRACT_APPOINTMENT_ID": KNOWN,
        "CONTRACT_JWT_SECRET": DEV_JWT_SECRET,
    }, tmp_path, "-rA")
    assert run.status == GREEN, run.output[-3000:]
    assert "PASSED contract_tests/test_properties.py::test_the_org_id_query_is_the_fallback_for_a_token_without_one" in run.output
    assert "set CONTRACT_APPOINTMENT_ID" not in run.output
    assert run.headline().startswith("GREEN"), run.headline()


# --- secrets never leave --------------------------------------------------------------------------------


def pieces(secret: str, size: int = 12) -> set[str]:
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


def assert_no_piece_of(run: Run, *secrets: str) -> None:
    text = run.everything()
    for secret in secrets:
        found = sorted(p for p in pieces(secret) if p in text)
        assert not found, f"{len(found)} 12-character pieces of a secret in the outputs, e.g. {found[:2]}"


@pytest.mark.parametrize("how", ["closed port", "token echoed in errors", "wrong booking", "token refused"])
def test_no_piece_of_any_secret_reaches_any_output_of_a_red_or_inconclusive_run(tmp_path, how):
    token = mint_token(expires_in=6 * 3600)
    env = {"CONTRACT_TOKEN": token, "CONTRACT_JWT_SECRET": DEV_JWT_SECRET, "CONTRACT_APPOINTMENT_ID": KNOWN}
    if how == "closed port":
        run = gate({**env, "CONTRACT_BASE_URL": f"http://127.0.0.1:{closed_port()}"}, tmp_path)
        assert run.status == INCONCLUSIVE
    else:
        fault = {"token echoed in errors": "token_echoed_in_error", "wrong booking": "wrong_booking_returned", "token refused": None}[how]
        secret = DEV_JWT_SECRET if fault else "a-secret-this-mock-does-not-know-0123456789"
        args = ("--fault", fault) if fault else ("--jwt-secret", secret)
        with MockProcess("--quiet", "--workers", "1", *args) as server:
            run = gate({**env, "CONTRACT_BASE_URL": server.base_url, "CONTRACT_JWT_SECRET": secret if fault else DEV_JWT_SECRET}, tmp_path)
        assert run.status == (RED if fault else INCONCLUSIVE), run.output[-3000:]
    assert run.junit_path.exists() and run.markdown_path.exists()
    assert_no_piece_of(run, token, DEV_JWT_SECRET)


def test_a_mock_that_refuses_its_inputs_is_a_configuration_error_naming_the_flags_given(tmp_path):
    run = gate({"CONTRACT_MOCK_ARGS": "--fixtures /nonexistent-fixtures.yaml"}, tmp_path)
    assert run.status == 78, run.output[-2000:]
    assert ("INCONCLUSIVE: the run did not start: configuration error: the embedded mock refused to start "
            "(CONTRACT_MOCK_ARGS gave it flags): /nonexistent-fixtures.yaml: cannot read the fixtures file") in run.output
    assert "Traceback" not in run.output and "configuration error" in run.markdown


def test_an_interrupted_run_is_inconclusive_unless_a_rule_broke():
    from contract_tests.reporting.verdict import RunRecord, TestResult, Verdict

    passed = TestResult("test_a", "passed", "", 0.1)
    assert RunRecord(results=[passed], interrupted=True).verdict() is Verdict.INCONCLUSIVE
    assert "interrupted" in RunRecord(results=[passed], interrupted=True).headline("t", "openapi.yaml", 1)
    failed = TestResult("test_b", "failed", "[token_is_not_echoed] x", 0.1, ("token_is_not_echoed",))
    assert RunRecord(results=[passed, failed], interrupted=True).verdict() is Verdict.RED
