"""The mock of Ravan.ai's API: every operation of openapi.yaml, real JWT checks, Get Appointment's embedded dataset.

The operations are served by a WSGI router and their handlers; Flask answers everything else (404, 500).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "MockConfig"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `python -m mock_server token` and the contract tests' use of mock_server.spec
    # do not pay for importing Flask.
    if name == "create_app":
        from mock_server.app import create_app

        return create_app
    if name == "MockConfig":
        from mock_server.config import MockConfig

        return MockConfig
    raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
