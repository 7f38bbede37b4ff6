"""The mock's settings: one frozen object, built from flags or the environment, handed to create_app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEV_JWT_SECRET = "ravan-mock-development-secret-not-for-production"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures.yaml"

ENV = {
    "host": "MOCK_HOST",
    "port": "MOCK_PORT",
    "workers": "MOCK_WORKERS",
    "threads": "MOCK_THREADS",
    "fixtures": "MOCK_FIXTURES",
    "jwt_secret": "MOCK_JWT_SECRET",
    "spec": "MOCK_SPEC",
    "log_requests": "MOCK_LOG_REQUESTS",
    "fault": "MOCK_FAULT",
    "latency": "MOCK_LATENCY",
    "error_rate": "MOCK_ERROR_RATE",
}


@dataclass(frozen=True)
class MockConfig:
    """Everything create_app and the server need to know."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 2
    threads: int = 4
    fixtures: Path = DEFAULT_FIXTURES
    jwt_secret: str = DEV_JWT_SECRET
    spec: Path | None = None
    log_requests: bool = True
    fault: str | None = None
    latency: str | None = None  # "250" or "100-500" milliseconds
    error_rate: float = 0.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "MockConfig":
        """Settings from MOCK_* environment variables, defaults for the rest."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get(ENV["host"]):
            kwargs["host"] = env[ENV["host"]]
        for name in ("port", "workers", "threads"):
            if env.get(ENV[name]):
                kwargs[name] = _positive_int(ENV[name], env[ENV[name]], allow_zero=name == "port")
        if env.get(ENV["fixtures"]):
            kwargs["fixtures"] = Path(env[ENV["fixtures"]])
        if env.get(ENV["jwt_secret"]):
            kwargs["jwt_secret"] = env[ENV["jwt_secret"]]
        if env.get(ENV["spec"]):
            kwargs["spec"] = Path(env[ENV["spec"]])
        if env.get(ENV["fault"]):
            kwargs["fault"] = env[ENV["fault"]]
        if env.get(ENV["latency"]):
            kwargs["latency"] = env[ENV["latency"]]
        if env.get(ENV["error_rate"]):
            try:
                kwargs["error_rate"] = float(env[ENV["error_rate"]])
            except ValueError:
                raise ValueError(f"{ENV['error_rate']} must be a number from 0 to 1, got {env[ENV['error_rate']]!r}") from None
        if env.get(ENV["log_requests"]):
            kwargs["log_requests"] = env[ENV["log_requests"]].lower() not in {"0", "false", "no", "off"}
        return cls(**kwargs)  # type: ignore[arg-type]


def _positive_int(name: str, text: str, *, allow_zero: bool = False) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {text!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'0 or more' if allow_zero else 'at least 1'}, got {value}")
    return value
