"""Live mode sends only requests a correct HTTP stack hands to the application (contract_tests/transport/reachable.py).

The predicates are checked on their own, the property strategies on what they draw, and the whole suite
on what it really sends: a recording proxy in front of the mock sees every request of a live run.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from contract_tests.generation import strategies
from contract_tests.transport.reachable import header_value_reaches_app, path_segment_reaches_app, query_text_reaches_app
from contract_tests.tools.selftest import live_inputs
from mock_server.serving.launcher import MockProcess
from tests.local_http import serve
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPEC = load_spec().operation(GET_APPOINTMENT)
PREFIX = SPEC.route_prefix()


@pytest.mark.parametrize("segment,reaches", [
    ("kko1gv8tFZe8JjpCpct5tG", True), ("not a valid id!", True), ("été", True), ("a" * 500, True),
    ("", False), (".", False), ("..", False), ("a/b", False), ("a\\b", False), ("a;b", False), ("100%", False),
    ("a\nb", False), ("\x00", False), ("a\x7f", False), ("\x85", False), ("a\u2028b", False),
])
def test_path_segments(segment, reaches):
    assert path_segment_reaches_app(segment) is reaches


@pytest.mark.parametrize("value,reaches", [
    ("Bearer abc.def.ghi", True), ("Basic  x y ", True), ("", True), ("a\tb", False), ("a\x01", False), ("é", False), ("\x7f", False),
])
def test_header_values(value, reaches):
    assert header_value_reaches_app(value) is reaches


@given(st.one_of(strategies.malformed_ids(SPEC, live=True), strategies.malformed_orgs(SPEC, live=True)))
def test_live_strategies_draw_only_what_reaches_the_app(value):
    assert query_text_reaches_app(value)
    assert value == "" or not SPEC.parameter_pattern("org_id", "query").fullmatch(value)


@given(strategies.malformed_ids(SPEC, live=True))
def test_live_malformed_ids_are_routable_and_malformed(value):
    assert path_segment_reaches_app(value) and not SPEC.parameter_pattern("appointment_id", "path").fullmatch(value)


@given(strategies.bad_authorizations(live=True))
def test_live_authorization_values_are_visible_ascii(value):
    assert header_value_reaches_app(value)


def test_against_the_embedded_mock_everything_is_drawn():
    find(strategies.malformed_ids(SPEC, live=False), lambda s: not path_segment_reaches_app(s))
    find(strategies.bad_authorizations(live=False), lambda s: not header_value_reaches_app(s))


class Recorder(BaseHTTPRequestHandler):
    """Forwards each request to the mock unchanged and records its raw target and headers."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # head and body are written apart: no 40 ms wait for a delayed ACK
    upstream_port = 0
    seen: list[dict[str, object]] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        Recorder.seen.append({"method": self.command, "target": self.path, "headers": list(self.headers.items())})
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            upstream.putheader(name, value)
        upstream.endheaders()
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "content-length", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        upstream.close()

    do_HEAD = do_GET


@pytest.fixture(scope="module")
def recorder() -> Iterator[str]:
    """A recording proxy in front of a mock; yields its base URL."""
    with MockProcess("--quiet", "--workers", "1") as mock:
        Recorder.upstream_port = mock.port
        with serve(Recorder) as url:
            yield url


def recorded_live_run(base_url: str, **extra: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, object]]]:
    Recorder.seen = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    env.update(live_inputs(base_url), CONTRACT_SEED="5", CONTRACT_MAX_EXAMPLES="60", **extra)
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return result, list(Recorder.seen)


def unreachable_parts(request: dict[str, object]) -> list[str]:
    """What in a recorded request an HTTP stack might refuse or rewrite."""
    target = str(request["target"])
    parts = urlsplit(target)
    found = []
    if parts.path.startswith(PREFIX) and not path_segment_reaches_app(unquote(parts.path[len(PREFIX):])):
        found.append(f"path {parts.path!r}")
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if not (query_text_reaches_app(name) and query_text_reaches_app(value)):
            found.append(f"query {name!r}={value!r}")
    for name, value in request["headers"]:  # type: ignore[union-attr]
        if not header_value_reaches_app(value):
            found.append(f"header {name}: {value!r}")
    return found


def test_a_live_run_sends_only_requests_that_reach_the_app(recorder):
    result, seen = recorded_live_run(recorder)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert len(seen) > 200 and {r["method"] for r in seen} <= {"GET", "HEAD"}
    offending = [(r["target"], unreachable_parts(r)) for r in seen if unreachable_parts(r)]
    assert not offending, json.dumps(offending[:5], indent=1)


def test_contract_strict_http_sends_transport_tests_to_a_live_url_too(recorder):
    _result, seen = recorded_live_run(recorder, CONTRACT_STRICT_HTTP="1")
    assert any(unreachable_parts(r) for r in seen), "CONTRACT_STRICT_HTTP=1 sent nothing a stack could refuse"
