"""Serve bench.bare_wsgi: the ceiling a server puts on any WSGI app, under gunicorn or Granian.

    python -m bench.serve_bare --port P [--server gunicorn|granian] [--workers N] [--threads T]

Under gunicorn it takes exactly the mock's production gunicorn settings; under Granian the worker and
thread counts given (the benchmark tries several and takes the fastest as the baseline).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from bench.bare_wsgi import app
from mock_server.config import MockConfig
from mock_server.serving.listener import open_listener


def main() -> None:
    """Parse the flags and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bench.serve_bare")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server", choices=("gunicorn", "granian"), default="gunicorn")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    config = MockConfig(host=args.host, port=args.port, server=args.server)
    config = replace(config, workers=args.workers or config.workers, threads=args.threads or config.worker_threads)
    listener = open_listener(config.host, config.port)  # bound first, as the mock does
    if args.server == "granian":
        from mock_server.serving.granian_server import serve_granian

        serve_granian(app, config, listener)
    else:
        from mock_server.serving.gunicorn_server import serve_gunicorn

        serve_gunicorn(app, config, listener)


if __name__ == "__main__":
    main()
