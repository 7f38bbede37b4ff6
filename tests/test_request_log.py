"""The request log's handler and formatter: batched writes that lose nothing, lines as logging writes them."""

from __future__ import annotations

import io
import logging
import os
import time

from mock_server.serving.request_log import BatchedStreamHandler, LineFormatter


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test_request_log.{name}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_request_lines_are_written_in_a_batch_soon_after():
    stream = io.StringIO()
    logger = _logger("batch", BatchedStreamHandler(stream, delay=0.05))
    for n in range(100):
        logger.info("line %d", n)
    deadline = time.monotonic() + 5
    while stream.getvalue().count("\n") < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.getvalue().splitlines() == [f"line {n}" for n in range(100)]


def test_warnings_are_written_at_once_with_the_lines_before_them():
    stream = io.StringIO()
    logger = _logger("warning", BatchedStreamHandler(stream, delay=60))
    logger.info("request line")
    logger.error("internal error on GET /x")
    assert stream.getvalue() == "request line\ninternal error on GET /x\n"


def test_flush_writes_whatever_is_pending():
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, delay=60)
    logger = _logger("flush", handler)
    logger.info("pending")
    handler.flush()  # what logging.shutdown() does at exit
    assert stream.getvalue() == "pending\n"


def test_the_line_formatter_writes_what_loggings_default_format_writes():
    default = logging.Formatter("%(asctime)s %(message)s")
    ours = LineFormatter()
    # the same millisecond twice, the next one, another second with the same milliseconds, and back
    for created in (1_795_000_000.0, 1_795_000_000.0004, 1_795_000_000.001, 1_795_000_000.999, 1_795_000_001.999,
                    1_795_000_001.5, 1_795_000_000.25):
        record = logging.LogRecord("mock_server.requests", logging.INFO, __file__, 1, "GET / 404 %s", ("INVALID_REQUEST",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == default.format(record)


def test_a_closed_stream_loses_the_lines_but_raises_nothing():
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, delay=60)
    logger = _logger("closed", handler)
    logger.info("pending")
    stream.close()
    handler.flush()
    logger.error("and an error")  # written at once: to a closed stream, silently dropped


def test_a_forked_child_writes_its_own_lines_without_a_flush(tmp_path):
    # Granian forks its workers after the handler exists: each child must start its own flusher
    path = tmp_path / "log.txt"
    with open(path, "w", encoding="utf-8") as stream:
        handler = BatchedStreamHandler(stream, delay=0.05)
        logger = _logger("fork", handler)
        logger.info("parent line")
        handler.flush()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            logger.info("child line")
            time.sleep(1.0)  # the flusher writes it within its delay
            os._exit(0)  # as a worker ends: no atexit, no logging.shutdown
        os.waitpid(child, 0)
    assert path.read_text(encoding="utf-8").splitlines() == ["parent line", "child line"]
