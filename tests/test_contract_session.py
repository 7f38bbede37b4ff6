"""The suite's HTTP session against misbehaving servers: it stays safe, bounded and never hangs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contract_tests.transport.http import MAX_BODY_BYTES, ContractSession, ResponseTooLarge, TargetUnreachable, UnsafeRequestBlocked, retry_after_seconds


class Misbehaving(BaseHTTPRequestHandler):
    """A server with one bad habit per path."""

    hits: dict[str, int] = {}
    seen_authorization: list[str] = []

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        Misbehaving.hits[self.path] = Misbehaving.hits.get(self.path, 0) + 1
        Misbehaving.seen_authorization.append(self.headers.get("Authorization", ""))
        if self.path == "/rate-limited":
            if Misbehaving.hits[self.path] == 1:
                self._send(429, headers={"Retry-After": "1"})
            else:
                self._send(200, b'{"ok":true}')
        elif self.path == "/always-429":
            self._send(429, headers={"Retry-After": "0"})
        elif self.path == "/redirect":
            self._send(302, headers={"Location": "http://198.51.100.7/steal"})
        elif self.path == "/huge":
            self.send_response(200)
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(MAX_BODY_BYTES // len(chunk) * 4):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/endless":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/hang":
            time.sleep(3)
            self._send(200)
        elif self.path == "/close":
            self.connection.close()
        elif self.path == "/500":
            self._send(500, b'{"success":false}')
        else:
            self._send(200, b'{"ok":true}')

    do_POST = do_GET


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def session(**overrides) -> ContractSession:
    options = {"rate_limit": 0, "timeout": 5, "allow_unsafe": False, "live": True, **overrides}
    return ContractSession(**options)


def test_only_get_reaches_a_live_server_unless_opted_in(server):
    with pytest.raises(UnsafeRequestBlocked, match="CONTRACT_ALLOW_UNSAFE"):
        session().post(f"{server}/ok")
    assert session(allow_unsafe=True).post(f"{server}/ok").status_code == 200
    assert session(live=False).post(f"{server}/ok").status_code == 200


def test_retry_after_is_honoured_on_429(server):
    started = time.monotonic()
    response = session().get(f"{server}/rate-limited")
    assert response.status_code == 200
    assert time.monotonic() - started >= 1.0
    assert Misbehaving.hits["/rate-limited"] == 2


def test_a_persistent_429_is_returned_not_retried_forever(server):
    assert session().get(f"{server}/always-429").status_code == 429
    assert Misbehaving.hits["/always-429"] == 4  # the first try and three retries


def test_failed_answers_are_not_retried(server):
    assert session().get(f"{server}/500").status_code == 500
    assert Misbehaving.hits["/500"] == 1


def test_redirects_are_not_followed_so_the_token_stays_home(server):
    Misbehaving.seen_authorization.clear()
    response = session().get(f"{server}/redirect", headers={"Authorization": "Bearer secret-token-value"})
    assert response.status_code == 302
    assert Misbehaving.seen_authorization == ["Bearer secret-token-value"]


def test_a_huge_body_is_cut_off_with_a_clear_error(server):
    with pytest.raises(ResponseTooLarge, match="exceeds 1024 KiB"):
        session().get(f"{server}/huge")


def test_an_endless_body_is_cut_off(server):
    with pytest.raises(ResponseTooLarge):
        session().get(f"{server}/endless")


def test_after_three_transport_failures_the_session_stops_sending(server):
    http = session(timeout=0.3)
    for _ in range(3):
        with pytest.raises(TargetUnreachable, match="no answer within 0.3 s"):
            http.get(f"{server}/hang")
    started = time.monotonic()
    with pytest.raises(TargetUnreachable, match="3 requests in a row"):
        http.get(f"{server}/ok")
    assert time.monotonic() - started < 0.1
    assert http.unanswered == 4 and http.no_answer == {"no answer within 0.3 s": 3, "not sent: the server had stopped answering": 1}


def test_a_hanging_server_times_out(server):
    started = time.monotonic()
    with pytest.raises(TargetUnreachable, match=r"^inconclusive: GET http://127\.0\.0\.1:\d+/hang: no answer within 0\.5 s$"):
        session(timeout=0.5).get(f"{server}/hang")
    assert time.monotonic() - started < 2.5


def test_a_closed_connection_is_retried_then_reported(server):
    with pytest.raises(TargetUnreachable, match="connection closed without an answer .tried 3 times.") as raised:
        session().get(f"{server}/close")
    assert isinstance(raised.value, pytest.skip.Exception)  # hypothesis and schemathesis pass it straight through
    assert Misbehaving.hits["/close"] == 3  # the first try and two network retries


def test_the_throttle_spaces_requests(server):
    http = session(rate_limit=20)
    started = time.monotonic()
    for _ in range(5):
        http.get(f"{server}/ok")
    assert time.monotonic() - started >= 4 / 20


@pytest.mark.parametrize("value,seconds", [("2", 2.0), ("0", 0.0), (None, 1.0), ("soon", 1.0), ("100000", 60.0), ("-3", 0.0)])
def test_retry_after_parsing_is_bounded(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_a_closed_port_is_named_as_refused():
    from tests.local_http import closed_port

    http = session()
    with pytest.raises(TargetUnreachable, match="connection refused"):
        http.get(f"http://127.0.0.1:{closed_port()}/x")
    assert http.no_answer == {"connection refused": 1}
