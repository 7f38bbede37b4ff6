"""The `ravan_mock` pytest fixture, for client projects that install this package (entry point pytest11).

    def test_my_client(ravan_mock):
        token = ravan_mock.token(org="org_sunrise_dental")
        booking = ravan_mock.add_appointment(status="cancelled")
        ...  # point the client under test at ravan_mock.url
        assert ravan_mock.requests()[-1]["status"] == 200

One mock server per test session, on a free port, reset before each test (start-up dataset, empty
journal). `fault(name)` and `latency(ms)` restart it with that setting for the rest of the test; the next
test gets a clean mock again. Extra server flags: `pytest --ravan-mock-args="--fixtures my.yaml"` or the
ini option `ravan_mock_args`.
"""

from __future__ import annotations

import json
import secrets
import shlex
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from mock_server.config import DEV_JWT_SECRET
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import DEFAULT_ORG, mint_token

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def pytest_addoption(parser: pytest.Parser) -> None:
    """--ravan-mock-args and the ravan_mock_args ini option."""
    group = parser.getgroup("ravan_mock", "the Ravan Get Appointment mock (fixture ravan_mock)")
    group.addoption("--ravan-mock-args", default=None, help="extra flags for the mock server, e.g. '--fixtures my.yaml'")
    parser.addini("ravan_mock_args", "extra flags for the mock server of the ravan_mock fixture", default="")


class RavanMock:
    """A running mock server and what a client's test does with it."""

    def __init__(self, args: list[str]):
        self._args = args
        self._process: MockProcess | None = None
        self._changed = False
        self.jwt_secret = DEV_JWT_SECRET
        self._start()

    def _start(self, *extra: str) -> None:
        self._process = MockProcess("--workers", "1", *self._args, *extra)
        self._process.start()
        self.reset()  # forget the launcher's readiness probe

    @property
    def url(self) -> str:
        """The server's base URL, e.g. http://127.0.0.1:41234."""
        assert self._process is not None
        return self._process.base_url

    def token(self, org: str = DEFAULT_ORG, expires_in: int = 3600, no_org: bool = False) -> str:
        """A JWT the mock accepts: of `org`, or without an organization claim; negative expires_in: expired."""
        return mint_token(None if no_org else org, secret=self.jwt_secret, expires_in=expires_in)

    def add_appointment(self, **fields: Any) -> dict[str, Any]:
        """Add (or replace) a booking; fields not given get realistic defaults. Returns the stored appointment."""
        appointment = {
            "id": "".join(secrets.choice(_B58) for _ in range(22)),
            "organization_id": DEFAULT_ORG,
            "ghl_appointment_id": "",
            "contact_id": "",
            "agent_id": "agent_maya",
            "agent_name": "Maya (front desk)",
            "contact_name": "Alex Morgan",
            "contact_email": "alex@example.com",
            "contact_phone": "+14155550100",
            "appointment_time": "2026-03-14T12:00:00Z",
            "end_time": "2026-03-14T12:30:00Z",
            "status": "accepted",
            **fields,
        }
        return self._admin("POST", "appointments", appointment)

    def remove_appointment(self, appointment_id: str) -> None:
        """Remove a booking from the mock's data."""
        self._admin("DELETE", f"appointments/{appointment_id}")

    def requests(self) -> list[dict[str, Any]]:
        """The requests the mock received, oldest first: time, method, path, query, org_id, status, code."""
        return self._admin("GET", "requests")["requests"]

    def reset(self) -> None:
        """The start-up dataset again, and an empty journal."""
        self._admin("POST", "reset")

    def fault(self, name: str) -> None:
        """Break the contract in one way (see `python -m mock_server --list-faults`) for the rest of the test."""
        self._restart("--fault", name)

    def latency(self, ms: int | str) -> None:
        """Delay every answer by `ms` milliseconds (or a range such as "100-500") for the rest of the test."""
        self._restart("--latency", str(ms))

    def _restart(self, *extra: str) -> None:
        self.stop()
        self._start(*extra)
        self._changed = True

    def _clean(self) -> None:
        """Before a test: a clean server, with the start-up data."""
        if self._changed:
            self.stop()
            self._start()
            self._changed = False
        else:
            self.reset()

    def _admin(self, method: str, route: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/__mock/{route}", data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise AssertionError(f"the mock refused {method} /__mock/{route}: {error.code} {detail}") from None
        return json.loads(raw) if raw else None

    def stop(self) -> None:
        """Stop the server."""
        if self._process is not None:
            self._process.stop()
            self._process = None


@pytest.fixture(scope="session")
def ravan_mock_server(pytestconfig: pytest.Config) -> Iterator[RavanMock]:
    """The session's mock server (use `ravan_mock`, which also resets it before each test)."""
    args = pytestconfig.getoption("--ravan-mock-args") or pytestconfig.getini("ravan_mock_args") or ""
    mock = RavanMock(shlex.split(args))
    yield mock
    mock.stop()


@pytest.fixture()
def ravan_mock(ravan_mock_server: RavanMock) -> RavanMock:
    """A Ravan Get Appointment mock for this test: start-up data, empty journal, no fault or latency."""
    ravan_mock_server._clean()
    return ravan_mock_server
