"""Serve bench.bare_wsgi under gunicorn with exactly the mock's production settings."""

from __future__ import annotations

import argparse

from gunicorn.app.base import BaseApplication

from bench.bare_wsgi import app
from mock_server.config import MockConfig
from mock_server.serving.server import gunicorn_settings


class BareServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving the bare callable."""

    def __init__(self, config: MockConfig):
        self._config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_settings(self._config).items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - gunicorn's interface
        return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.serve_bare")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    BareServer(MockConfig(host=args.host, port=args.port)).run()
