"""One log line per request: method, path, status, code and duration. Never a header, so never a token."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any, Iterable

from mock_server.wsgi import StartResponse, WsgiApp, collect, wsgi_text

LOGGER_NAME = "mock_server.requests"
MAX_TARGET = 200
_CODE = re.compile(rb'"code"\s*:\s*"([A-Z_]{1,40})"')


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """The stderr logger of the mock (request lines and server faults), set up once per process."""
    logger = logging.getLogger("mock_server")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    return logging.getLogger(LOGGER_NAME)


class RequestLog:
    """WSGI middleware: times each request and logs it once it has an answer."""

    def __init__(self, app: WsgiApp):
        self.app = app
        self.logger = configure_logging()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status, headers, body = collect(self.app, environ)
        start_response(status, headers)
        match = _CODE.search(body[:4096])
        target = wsgi_text(environ.get("PATH_INFO", ""))
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        if len(target) > MAX_TARGET:
            target = target[:MAX_TARGET] + f"…(+{len(target) - MAX_TARGET} chars)"
        elapsed_ms = (time.perf_counter() - started) * 1000
        code = match.group(1).decode() if match else "-"
        self.logger.info("%s %s %s %s %.1fms", environ.get("REQUEST_METHOD", "?"), target, status.split(" ", 1)[0], code, elapsed_ms)
        return [body]
