"""The mock's settings: one frozen object, built from flags or the environment, handed to create_app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    "server": "MOCK_SERVER",
    "cors": "MOCK_CORS",
    "admin": "MOCK_ADMIN",
    "admin_token": "MOCK_ADMIN_TOKEN",
    "journal_size": "MOCK_JOURNAL_SIZE",
    "api_keys": "MOCK_API_KEYS",
    "basic_credentials": "MOCK_BASIC_AUTH",
    "stateful": "MOCK_STATEFUL",
    "store": "MOCK_STORE",
}
SERVERS = ("granian", "gunicorn")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def default_workers() -> int:
    """One worker process per usable core but one, and at least one.

    A mock usually shares its machine with the client that drives it (a test run, a load test): that client
    needs a core. On this project's 2-core machine one Granian worker served as many requests as two, at a
    lower p99 and with 7 MB less memory, with wrk on the same machine (docs/performance.md).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1)


@dataclass(frozen=True)
class MockConfig:
    """Everything create_app and the server need to know."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = field(default_factory=default_workers)
    threads: int | None = None  # None: worker_threads decides
    server: str = "granian"
    fixtures: Path = DEFAULT_FIXTURES
    jwt_secret: str = DEV_JWT_SECRET
    verify_jwt: bool | None = None  # bearer tokens verified as JWTs: None lets the spec's profile decide (Ravan's: yes)
    api_keys: tuple[str, ...] = ()  # the API keys accepted (empty: any key, as Prism accepts any)
    basic_credentials: tuple[str, ...] = ()  # the user:password pairs accepted (empty: any)
    spec: Path | None = None
    log_requests: bool = True
    fault: str | None = None
    latency: str | None = None  # "250" or "100-500" milliseconds
    error_rate: float = 0.0
    cors: bool = True
    admin: bool = True
    admin_token: str | None = None
    journal_size: int = 1000
    stateful: bool = True  # writes change the resources inferred from the spec (False: every answer from examples, as Prism)
    store: str | None = None  # redis://HOST:PORT/N: the state in Redis, shared by several mock hosts (None: a local SQLite file)

    @property
    def worker_threads(self) -> int:
        """Threads per worker: as given; else 4 under gunicorn; under Granian 1, or 16 when answers are delayed.

        Under Granian one thread per worker serves the most requests at the lowest latency here (docs/performance.md), but a delayed answer (--latency) holds its thread for the delay: with latency on, 16.
        """
        if self.threads:
            return self.threads
        if self.server == "gunicorn":
            return 4
        return 16 if self.latency else 1

    def admin_refusal(self) -> str | None:
        """Why the admin API stays off (None when it is on)."""
        if not self.admin:
            return "the admin API is off (--no-admin)"
        if self.host not in LOOPBACK_HOSTS and not self.admin_token:
            return (f"the admin API is off: the mock listens on {self.host}, beyond loopback, and no admin token "
                    "was given (--admin-token or MOCK_ADMIN_TOKEN), so nobody on the network can rewrite its data")
        return None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "MockConfig":
        """Settings from MOCK_* environment variables, defaults for the rest."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get(ENV["host"]):
            kwargs["host"] = env[ENV["host"]]
        for name in ("port", "workers", "threads", "journal_size"):
            if env.get(ENV[name]):
                kwargs[name] = _positive_int(ENV[name], env[ENV[name]], allow_zero=name in ("port", "journal_size"))
        if env.get(ENV["fixtures"]):
            kwargs["fixtures"] = Path(env[ENV["fixtures"]])
        if env.get(ENV["jwt_secret"]):
            kwargs["jwt_secret"] = env[ENV["jwt_secret"]]
            kwargs["verify_jwt"] = True  # a secret given: bearer tokens must be JWTs signed with it, whatever the spec
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
        for name in ("log_requests", "cors", "admin", "stateful"):
            if env.get(ENV[name]):
                kwargs[name] = env[ENV[name]].lower() not in {"0", "false", "no", "off"}
        for name in ("api_keys", "basic_credentials"):
            if env.get(ENV[name]):
                kwargs[name] = tuple(value.strip() for value in env[ENV[name]].split(",") if value.strip())
        if env.get(ENV["store"]):
            kwargs["store"] = check_store_url(env[ENV["store"]], ENV["store"])
        if env.get(ENV["admin_token"]):
            kwargs["admin_token"] = env[ENV["admin_token"]]
        if env.get(ENV["server"]):
            if env[ENV["server"]] not in SERVERS:
                raise ValueError(f"{ENV['server']} must be one of {', '.join(SERVERS)}, got {env[ENV['server']]!r}")
            kwargs["server"] = env[ENV["server"]]
        return cls(**kwargs)  # type: ignore[arg-type]


def check_store_url(url: str, name: str = "--store") -> str:
    """A store URL as redis-py reads it: redis://, rediss:// or unix://; else a clear error."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or (parts.scheme != "unix" and not parts.hostname):
        raise ValueError(f"{name} must be a Redis URL such as redis://127.0.0.1:6379/0, got {url!r}")
    if parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise ValueError(f"{name}: the database must be a number (redis://HOST:PORT/N), got {parts.path!r}")
    return url


def _positive_int(name: str, text: str, *, allow_zero: bool = False) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {text!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'0 or more' if allow_zero else 'at least 1'}, got {value}")
    return value
