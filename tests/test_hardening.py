"""Bad input and hostile requests against the real server: documented answers only, never a hang or crash."""

from __future__ import annotations

import pytest

from mock_server.contract.rules import ALL_RULES, Exchange, check_all
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token
from tests.rawhttp import get, raw_request

PREFIX = b"/api/v1/calcom/appointments/"
TOKEN = mint_token(expires_in=3600).encode()
AUTH = (b"Authorization", b"Bearer " + TOKEN)

# name -> (request bytes, the documented code expected)
CASES: dict[str, tuple[bytes, str]] = {
    "empty id": (get(PREFIX, [AUTH]), "INVALID_REQUEST"),
    "no trailing slash": (get(PREFIX.rstrip(b"/"), [AUTH]), "INVALID_REQUEST"),
    "10,000-character id": (get(PREFIX + b"x" * 10_000, [AUTH]), "INVALID_REQUEST"),
    "encoded slashes and dots": (get(PREFIX + b"..%2F..%2Fetc%2Fpasswd", [AUTH]), "INVALID_REQUEST"),
    "raw dot segments": (get(PREFIX + b"../../admin", [AUTH]), "INVALID_REQUEST"),
    "encoded NUL": (get(PREFIX + b"abc%00def", [AUTH]), "INVALID_REQUEST"),
    "encoded control characters": (get(PREFIX + b"abc%07%1B%7F", [AUTH]), "INVALID_REQUEST"),
    "encoded newline": (get(PREFIX + b"abc%0D%0AX-Injected:%201", [AUTH]), "INVALID_REQUEST"),
    "raw non-UTF-8 bytes": (get(PREFIX + b"\xff\xfe\xfd", [AUTH]), "INVALID_REQUEST"),
    "encoded non-UTF-8 bytes": (get(PREFIX + b"%FF%FE", [AUTH]), "INVALID_REQUEST"),
    "emoji": (get(PREFIX + "booking-😀".encode(), [AUTH]), "INVALID_REQUEST"),
    "right-to-left text": (get(PREFIX + "%D7%A9%D7%9C%D7%95%D7%9D\u202e".encode(), [AUTH]), "INVALID_REQUEST"),
    "repeated org_id": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG?org_id=a&org_id=b", [AUTH]), "INVALID_REQUEST"),
    "empty org_id": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG?org_id=", [AUTH]), "INVALID_REQUEST"),
    "oversized org_id": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG?org_id=" + b"o" * 5000, [AUTH]), "INVALID_REQUEST"),
    "org_id with NUL": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG?org_id=org%00x", [AUTH]), "INVALID_REQUEST"),
    "empty Authorization": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [(b"Authorization", b"")]), "UNAUTHORIZED"),
    "Bearer alone": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [(b"Authorization", b"Bearer")]), "UNAUTHORIZED"),
    "several spaces": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [(b"Authorization", b"Bearer     " + TOKEN + b"   x")]), "UNAUTHORIZED"),
    "16 KB token": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [(b"Authorization", b"Bearer " + b"a" * 16_384)]), "UNAUTHORIZED"),
    "header beyond the server's limit": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [(b"Authorization", b"Bearer " + b"a" * 20_000)]), "INVALID_REQUEST"),
    "non-ASCII token": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [(b"Authorization", "Bearer tökén".encode())]), "UNAUTHORIZED"),
    "Authorization sent twice": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [AUTH, (b"Authorization", b"Bearer other")]), "UNAUTHORIZED"),
    "NUL in a header name": (get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [AUTH, (b"X-Bad\x00", b"1")]), "INVALID_REQUEST"),
    "garbage request line": (b"HELLO\r\n\r\n", "INVALID_REQUEST"),
    "unknown HTTP version": (b"GET " + PREFIX + b"x HTTP/9.9\r\nHost: a\r\n\r\n", "INVALID_REQUEST"),
}


# What Granian answers differently: its HTTP parser refuses these itself with an empty 400 (no envelope:
# the README says so), and its header limit is higher than gunicorn's, so that request reaches the API.
GRANIAN_REFUSES = {"raw non-UTF-8 bytes", "NUL in a header name", "garbage request line", "unknown HTTP version"}
GRANIAN_CODES = {"header beyond the server's limit": "UNAUTHORIZED"}


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def server(request):
    with MockProcess("--server", request.param, "--workers", "1", "--threads", "4", "--quiet") as process:
        process.server_name = request.param
        yield process


def _exchange(request: bytes, answer) -> Exchange:
    first_line = request.split(b"\r\n", 1)[0].decode("latin-1")
    method, _, rest = first_line.partition(" ")
    target = rest.rsplit(" ", 1)[0] if " " in rest else "/"
    return Exchange(method, f"http://127.0.0.1{target}", {}, answer.status, answer.headers, answer.body)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_documented_envelope(server, spec, name):
    request_bytes, code = CASES[name]
    answer = raw_request(server.host, server.port, request_bytes, timeout=10)
    if server.server_name == "granian":
        if name in GRANIAN_REFUSES:
            assert answer.status == 400 and answer.body == b"", (answer.status, answer.body[:200])
            return
        code = GRANIAN_CODES.get(name, code)
    assert answer.headers["content-type"] == "application/json", answer.body[:200]
    body = answer.json
    assert (answer.status, body["code"]) == (spec.status_for_code(code), code), body
    check_all(_exchange(request_bytes, answer), [r for r in ALL_RULES if r.__name__ != "body_matches_response_schema"])
    assert b"Traceback" not in answer.body and b"<html" not in answer.body.lower()


def test_the_server_still_serves_after_the_abuse(server):
    for request_bytes, _ in CASES.values():
        raw_request(server.host, server.port, request_bytes)
    answer = raw_request(server.host, server.port, get(PREFIX + b"kko1gv8tFZe8JjpCpct5tG", [AUTH]))
    assert answer.status == 200 and answer.json["data"]["appointment"]["id"] == "kko1gv8tFZe8JjpCpct5tG"
    assert server.process is not None and server.process.poll() is None
    assert "Traceback" not in server.log_text()
