"""What the mock records of each request: a log line, and an entry in the request journal.

The log line gives method, path, status, code and duration; the journal entry (mock_server/data/journal.py)
the same plus the organization the token named. Neither ever holds a header value, so never a token.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
import weakref
from typing import Any, Iterable, TextIO

from mock_server.data.journal import Journal
from mock_server.serving.wsgi import OPERATION_KEY, StartResponse, WsgiApp, wsgi_text

LOGGER_NAME = "mock_server.requests"
MAX_TARGET = 200
_CODE = re.compile(rb'"code"\s*:\s*"([A-Z_]{1,40})"')


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler that writes its lines in batches, at most `delay` seconds after they were logged.

    Writing every request line at once costs a write(2) per request, and each write lets another thread
    take the GIL. With LineFormatter, batching took the request log's cost under wrk from about a quarter
    of the served mock's throughput to 10-15%. Warnings and errors are written at once, and whatever is
    pending is written when logging shuts down (at exit).
    """

    def __init__(self, stream: TextIO, delay: float = 0.1):
        super().__init__(stream)
        self.delay = delay
        self._pending: list[str] = []
        self._wake = threading.Event()
        self._flushing = False  # threads do not survive fork: each process starts its own flusher
        _restart_flusher_in_forked_children(self)

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the formatted line (the caller holds the handler's lock); write at once from WARNING up."""
        try:
            self._pending.append(self.format(record) + self.terminator)
        except Exception:  # noqa: BLE001 - logging's own convention: report, never raise
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING:
            self.flush()
        else:
            self._wake_flusher()

    def write_line(self, line: str) -> None:
        """Queue a line formatted by the caller: the request lines' path, which skips logging's records."""
        self._pending.append(line + self.terminator)  # list.append is atomic; the flusher swaps the list under the lock
        self._wake_flusher()

    def _wake_flusher(self) -> None:
        if not self._flushing:
            self._start_flusher()
        elif not self._wake.is_set():  # setting an Event takes a lock; checking it does not
            self._wake.set()

    def flush(self) -> None:
        """Write every pending line in one go."""
        with self.lock:  # type: ignore[union-attr]
            data, self._pending = "".join(self._pending), []
            try:
                if data:
                    self.stream.write(data)
                super().flush()
            except (OSError, ValueError):  # a closed or broken stream: like logging itself, never raise
                pass

    def _start_flusher(self) -> None:
        from multiprocessing import util

        # A worker that multiprocessing forked (Granian's) ends with os._exit, which skips atexit: flush then too.
        util.Finalize(self, self.flush, exitpriority=10)
        self._flushing = True
        self._wake = threading.Event()
        self._wake.set()
        threading.Thread(target=self._flush_periodically, args=(self._wake,), name="log-flusher", daemon=True).start()

    def _flush_periodically(self, wake: threading.Event) -> None:
        while True:
            wake.wait()
            time.sleep(self.delay)
            wake.clear()
            self.flush()


def _restart_flusher_in_forked_children(handler: BatchedStreamHandler) -> None:
    """A child forked after this starts its own flusher on its first line (a fork hook: no getpid per line)."""
    ref = weakref.ref(handler)

    def after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive._flushing = False

    os.register_at_fork(after_in_child=after_fork)


class LineFormatter(logging.Formatter):
    """`%(asctime)s %(message)s`, with the date and time of day formatted once per second, not per line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s")
        self._second: tuple[int, str] = (-1, "")
        self._millisecond: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        """'2026-11-28 09:19:12,784', as logging's default format writes it."""
        return self.timestamp(record.created)

    def timestamp(self, when: float) -> str:
        """The time as logging's default format writes it: formatted once a millisecond, its date once a second."""
        second = int(when)
        milliseconds = int((when - second) * 1000)  # logging's own arithmetic (LogRecord.msecs)
        key = second * 1000 + milliseconds
        cached, stamp = self._millisecond
        if key == cached:  # under load, dozens of lines share a millisecond
            return stamp
        cached_second, text = self._second
        if second != cached_second:
            text = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
            self._second = (second, text)  # one assignment: threads never see a half-updated cache
        stamp = f"{text},{milliseconds:03d}"
        self._millisecond = (key, stamp)
        return stamp


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """The stderr logger of the mock (request lines and server faults), set up once per process."""
    logger = logging.getLogger("mock_server")
    if not logger.handlers:
        handler = BatchedStreamHandler(sys.stderr)
        handler.setFormatter(LineFormatter())
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    return logging.getLogger(LOGGER_NAME)


def lighten_logging() -> None:
    """Stop collecting what the request log never prints: the logging HOWTO's "Optimization" settings.

    Finding each call's source line and thread took a third of the time of a logged request; this is
    set for the server process only, never where the mock is embedded (tests keep full log records).
    """
    logging._srcfile = None  # type: ignore[attr-defined]  # no stack walk to find the caller
    logging.logThreads = False
    logging.logMultiprocessing = False  # (process IDs stay: gunicorn's own error lines print them)


ADMIN_PREFIX = "/__mock/"


class RequestRecorder:
    """WSGI middleware: after each answer, a log line (optional) and a journal entry (optional).

    Request lines go straight to the batched handler, formatted here: building a logging record for each
    request cost more than the rest of the request. Requests to the admin API are logged, not journaled.
    """

    def __init__(self, app: WsgiApp, *, log: bool = True, journal: Journal | None = None):
        self.app = app
        self.journal = journal
        self.lines: BatchedStreamHandler | None = None
        self.formatter: LineFormatter | None = None
        if log:
            configure_logging()
            handler = next((h for h in logging.getLogger("mock_server").handlers if isinstance(h, BatchedStreamHandler)), None)
            if handler is not None and isinstance(handler.formatter, LineFormatter):
                self.lines, self.formatter = handler, handler.formatter

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        captured: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.append(status)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        if not isinstance(result, list):  # Flask's iterables: read them, so the code can be logged
            try:
                result = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        match = _CODE.search(result[0][:4096]) if result else None
        code = match.group(1).decode() if match else "-"
        status = captured[0][:3] if captured else "500"
        path = environ.get("PATH_INFO", "")
        if not path.isascii():
            path = wsgi_text(path)
        query = environ.get("QUERY_STRING", "")
        method = environ.get("REQUEST_METHOD", "?")
        if self.journal is not None and not path.startswith(ADMIN_PREFIX):
            self.journal.record(method, path, wsgi_text(query) if query and not query.isascii() else query,
                                environ.get("HTTP_AUTHORIZATION"), int(status), "" if code == "-" else code,
                                environ.get(OPERATION_KEY) or "")
        if self.lines is not None:
            target = f"{path}?{query}" if query else path
            if len(target) > MAX_TARGET:
                target = target[:MAX_TARGET] + f"…(+{len(target) - MAX_TARGET} chars)"
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.lines.write_line(f"{self.formatter.timestamp(time.time())} {method} {target} {status} {code} {elapsed_ms:.1f}ms")  # type: ignore[union-attr]
        return result
