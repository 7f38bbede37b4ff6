"""A Flask mock of Ravan.ai's Get Appointment API, driven by openapi.yaml and an embedded dataset."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "MockConfig"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `python -m mock_server token` and the contract tests' use of mock_server.spec
    # do not pay for importing Flask.
    if name == "create_app":
        from mock_server.serving.app import create_app

        return create_app
    if name == "MockConfig":
        from mock_server.config import MockConfig

        return MockConfig
    raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
