"""One log line per request: method, path, status, code and duration. Never a header, so never a token."""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, request

LOGGER_NAME = "mock_server.requests"
MAX_TARGET = 200


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


def install_request_log(app: Flask) -> None:
    """Time every request and log it once it has an answer."""
    logger = configure_logging()

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        target = request.full_path.rstrip("?") if request.query_string else request.path
        if len(target) > MAX_TARGET:
            target = target[:MAX_TARGET] + f"…(+{len(target) - MAX_TARGET} chars)"
        logger.info("%s %s %s %s %.1fms", request.method, target, response.status_code, g.get("code", "-"), elapsed_ms)
        return response
