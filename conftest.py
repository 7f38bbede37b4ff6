"""Shared pytest set-up: hypothesis profiles (derandomized under CI=true) and the spec, built once."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from mock_server.spec import ApiSpec, load_spec

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev")


@pytest.fixture(scope="session")
def spec() -> ApiSpec:
    """openapi.yaml, through the project's one loader."""
    return load_spec()
