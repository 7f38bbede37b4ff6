"""The practical ceiling: a WSGI callable that returns the mock's 200 bytes and does nothing else."""

from __future__ import annotations

from mock_server import MockConfig
from mock_server.data.dataset import load_dataset
from mock_server.spec import load_spec

_BODY = load_dataset(MockConfig().fixtures, load_spec()).organizations["org_sunrise_dental"].bookings["kko1gv8tFZe8JjpCpct5tG"]
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


def app(environ: dict, start_response) -> list[bytes]:
    """Answer every request with the same 200 body."""
    start_response("200 OK", _HEADERS)
    return [_BODY]
