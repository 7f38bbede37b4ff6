"""The suite's settings, read from CONTRACT_* environment variables (and `pytest --base-url`)."""

from __future__ import annotations

import difflib
import os
import random
import time
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlparse

from contract_tests.inputs.tokens import ALGORITHM, claims_of, header_of

CI_SEED = 20261128
DEFAULT_LIVE_RATE_LIMIT = 2.0
DEFAULT_TIMEOUT = 10.0

# name -> what it is for; the README and `pytest --help` show the same text.
VARIABLES: dict[str, str] = {
    "CONTRACT_BASE_URL": "base URL of a live server to check (default: start the embedded mock)",
    "CONTRACT_TOKEN": "live mode, required: a JWT of an organization with Cal.com connected",
    "CONTRACT_APPOINTMENT_ID": "optional: a booking UID of that organization (enables the success-path tests)",
    "CONTRACT_NOT_CONNECTED_TOKEN": "optional: a JWT of an organization without Cal.com",
    "CONTRACT_TOKEN_WITHOUT_ORG": "optional: a JWT without an org_id claim",
    "CONTRACT_JWT_SECRET": "optional: the target's HS256 signing secret; the suite then mints expired, not-yet-valid, "
    "org-less, other-organization and wrongly signed tokens itself",
    "CONTRACT_EXPIRED_TOKEN": "optional: any token of the target that has expired (without CONTRACT_JWT_SECRET, it lets the suite check exp)",
    "CONTRACT_ORG_ID": "optional: the organization of CONTRACT_TOKEN, passed as the org_id fallback",
    "CONTRACT_OTHER_ORG_ID": "optional: another organization's ID, for the tenant-isolation tests",
    "CONTRACT_OTHER_APPOINTMENT_ID": "optional: a booking UID of CONTRACT_OTHER_ORG_ID",
    "CONTRACT_RATE_LIMIT": "requests per second, a plain number; default 2 against a live URL, 0 (off) for the embedded mock",
    "CONTRACT_TIMEOUT": f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:g})",
    "CONTRACT_MAX_EXAMPLES": "generated requests per schemathesis phase and per property (default 60, or 15 against a live URL)",
    "CONTRACT_SEED": f"seed that reproduces a run (default {CI_SEED} when CI=true, else random and printed)",
    "CONTRACT_ALLOW_UNSAFE": "1 lets writes reach a live URL (off by default): only creates of the suite's own, and changes and "
    "deletes of what it created in this run, all deleted before the run ends",
    "CONTRACT_MAX_CREATES": "at most this many items a run creates on a live URL (default 20); the embedded mock: no limit",
    "CONTRACT_STRICT_INPUT": "report (default): a schema-valid body the target refuses with its invalid-input answer is a finding "
    "(a rule the schema does not say); fail: make that a RED verdict",
    "CONTRACT_STRICT_HTTP": "1 sends a live URL what an HTTP stack may refuse itself too (control characters, "
    "dot segments, any header byte); off by default, as such answers come from the stack, not the API",
    "CONTRACT_MOCK_ARGS": "extra flags for the embedded mock, e.g. '--fault org_query_overrides_token'",
    "CONTRACT_DRIFT": "report (default): list what answers carry that the spec does not document; fail: make that a RED verdict",
    "CONTRACT_MIN_COVERAGE": "a percentage: a run that covers fewer of the documented responses is RED (reports/contract-coverage.json)",
    "CONTRACT_MAX_OPERATIONS": "at most this many operations are checked, spread evenly over the spec, the others named as left out "
    "(default 60; 0: every operation)",
    "CONTRACT_SPEC": "the OpenAPI file to check against (default: the repository's openapi.yaml); the embedded mock serves the same file",
    "CONTRACT_CREDENTIAL_<SCHEME>": "live mode: the credential of one security scheme of the spec, named after it in upper case "
    "(an API key; user:password for HTTP basic; a token for bearer, OAuth2 and OpenID Connect, which default to CONTRACT_TOKEN)",
}


# Inputs that only mean something against a live server: given without CONTRACT_BASE_URL, they are a mistake
# (a misspelled or unset URL), never a reason to check the embedded mock instead.
LIVE_ONLY = (
    "CONTRACT_TOKEN", "CONTRACT_APPOINTMENT_ID", "CONTRACT_NOT_CONNECTED_TOKEN", "CONTRACT_TOKEN_WITHOUT_ORG",
    "CONTRACT_ORG_ID", "CONTRACT_OTHER_ORG_ID", "CONTRACT_OTHER_APPOINTMENT_ID", "CONTRACT_JWT_SECRET",
    "CONTRACT_EXPIRED_TOKEN",
)
EMBEDDED_ONLY = ("CONTRACT_MOCK_ARGS",)


MAKE_VARIABLES_ENV = "RAVAN_MAKE_VARIABLES"  # the names `make contract NAME=...` was given (set by python -m contract_tests)


def as_typed(text: str) -> str:
    """A message with each variable named as the user typed it: `TOKEN` after `make contract TOKEN=...`, else
    `CONTRACT_TOKEN` as the environment has it."""
    import re

    for name in os.environ.get(MAKE_VARIABLES_ENV, "").split():
        text = re.sub(rf"\bCONTRACT_{re.escape(name)}\b", name, text)
    return text


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


def nearest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean X?)' for the closest known name, or '' when none is close."""
    close = difflib.get_close_matches(name.upper(), [k.upper() for k in known], n=1, cutoff=0.6)
    if not close:
        return ""
    match = next(k for k in known if k.upper() == close[0])
    return f" (did you mean {match}?)"


def check_names(env: Mapping[str, str]) -> None:
    """Refuse an unknown CONTRACT_* variable, naming the nearest known one: a typo must not go unnoticed."""
    for name in sorted(env):
        if name.startswith("CONTRACT_") and name not in VARIABLES and not name.startswith("CONTRACT_CREDENTIAL_"):
            raise SettingsError(f"{name} is not a setting of the contract suite{nearest(name, list(VARIABLES))}; "
                                f"the settings are {', '.join(VARIABLES)}")


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name} must be a plain number, got {text!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, got {text!r}")
    return value


def _truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ContractSettings:
    """What to check and how gently."""

    base_url: str | None
    token: str | None = field(repr=False)  # secrets stay out of the repr pytest prints on a failure
    appointment_id: str | None
    not_connected_token: str | None = field(repr=False)
    token_without_org: str | None = field(repr=False)
    org_id: str | None
    other_org_id: str | None
    other_appointment_id: str | None
    rate_limit: float
    timeout: float
    max_examples: int | None
    seed: int
    seed_was_given: bool
    allow_unsafe: bool
    mock_args: tuple[str, ...]
    jwt_secret: str | None = field(default=None, repr=False)
    expired_token: str | None = field(default=None, repr=False)
    strict_http: bool = False
    spec: str | None = None  # CONTRACT_SPEC; None: MOCK_SPEC, else the repository's openapi.yaml
    drift_fails: bool = False  # CONTRACT_DRIFT=fail
    min_coverage: float | None = None  # CONTRACT_MIN_COVERAGE
    max_operations: int = 60  # CONTRACT_MAX_OPERATIONS (0: no cap)
    max_creates: int = 20  # CONTRACT_MAX_CREATES: items a run may create on a live URL
    strict_input: bool = False  # CONTRACT_STRICT_INPUT=fail: refused schema-valid bodies are RED
    credential_env: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # CONTRACT_CREDENTIAL_<SCHEME> (secrets)

    @property
    def live(self) -> bool:
        """True when a live base URL is the target."""
        return self.base_url is not None

    @property
    def sends_only_what_reaches_the_app(self) -> bool:
        """True when generation leaves out requests an HTTP stack refuses itself (live mode, unless strict)."""
        return self.live and not self.strict_http

    @property
    def examples_per_test(self) -> int:
        """Generated requests per schemathesis phase and per property: fewer against a live server."""
        return self.max_examples or (15 if self.live else 60)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, base_url: str | None = None) -> "ContractSettings":
        """Read and check the settings; raise SettingsError with one clear message."""
        env = os.environ if env is None else env
        check_names(env)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        url = (base_url or get("CONTRACT_BASE_URL") or "").rstrip("/") or None
        if url is None:
            given = [name for name in LIVE_ONLY if get(name) is not None]
            given += [name for name in sorted(env) if name.startswith("CONTRACT_CREDENTIAL_") and get(name) is not None]
            if "CONTRACT_BASE_URL" in env and not base_url:
                raise SettingsError(
                    "CONTRACT_BASE_URL is set but empty (an unset CI secret?): give the live server's URL, or unset "
                    "the variable to check the embedded mock"
                )
            if given:
                raise SettingsError(
                    f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} set but CONTRACT_BASE_URL is not: these are "
                    "inputs for a live server, so the suite will not quietly check its embedded mock instead; set "
                    "CONTRACT_BASE_URL to the server (the host only, e.g. https://staging.example.com), or unset them"
                )
        else:
            given = [name for name in EMBEDDED_ONLY if get(name) is not None]
            if given:
                raise SettingsError(f"{given[0]} applies only to the embedded mock, and CONTRACT_BASE_URL names a live server: unset one of them")
        if url is not None:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise SettingsError(f"CONTRACT_BASE_URL must be an http(s) URL such as https://staging.example.com, got {url!r}")
            if get("CONTRACT_TOKEN") is None and not any(get(n) for n in env if n.startswith("CONTRACT_CREDENTIAL_")):
                raise SettingsError(
                    "CONTRACT_TOKEN is required against a live server: set it to a JWT of an organization "
                    "with Cal.com connected (make contract BASE_URL=... TOKEN=...)"
                )
        secret = get("CONTRACT_JWT_SECRET")
        if url is not None and secret is not None:
            alg = header_of(get("CONTRACT_TOKEN") or "").get("alg")
            if alg != ALGORITHM:
                raise SettingsError(
                    f"CONTRACT_JWT_SECRET works only with {ALGORITHM} tokens, and CONTRACT_TOKEN is signed with {alg or 'nothing readable'}: "
                    "unset it (CONTRACT_EXPIRED_TOKEN still lets the suite check expiry)"
                )
        seed_text = get("CONTRACT_SEED")
        if seed_text is not None:
            if not seed_text.isdigit():
                raise SettingsError(f"CONTRACT_SEED must be a whole number, got {seed_text!r}")
            seed = int(seed_text)
        elif _truthy(env.get("CI")):
            seed = CI_SEED
        else:
            seed = random.SystemRandom().randrange(1, 2**31)
        default_rate = DEFAULT_LIVE_RATE_LIMIT if url else 0.0
        return cls(
            base_url=url,
            token=get("CONTRACT_TOKEN"),
            appointment_id=get("CONTRACT_APPOINTMENT_ID"),
            not_connected_token=get("CONTRACT_NOT_CONNECTED_TOKEN"),
            token_without_org=get("CONTRACT_TOKEN_WITHOUT_ORG"),
            org_id=get("CONTRACT_ORG_ID"),
            other_org_id=get("CONTRACT_OTHER_ORG_ID"),
            other_appointment_id=get("CONTRACT_OTHER_APPOINTMENT_ID"),
            rate_limit=_number(env, "CONTRACT_RATE_LIMIT", default_rate),
            timeout=_number(env, "CONTRACT_TIMEOUT", DEFAULT_TIMEOUT, minimum=0.1),
            max_examples=int(_number(env, "CONTRACT_MAX_EXAMPLES", 0, minimum=1)) or None,
            seed=seed,
            seed_was_given=seed_text is not None,
            allow_unsafe=_truthy(env.get("CONTRACT_ALLOW_UNSAFE")),
            mock_args=tuple((get("CONTRACT_MOCK_ARGS") or "").split()),
            jwt_secret=secret,
            expired_token=_expired_token(get("CONTRACT_EXPIRED_TOKEN")),
            strict_http=_truthy(env.get("CONTRACT_STRICT_HTTP")),
            spec=_spec_file(get("CONTRACT_SPEC")),
            drift_fails=_drift(get("CONTRACT_DRIFT")),
            min_coverage=_percentage(get("CONTRACT_MIN_COVERAGE")),
            max_operations=_whole(get("CONTRACT_MAX_OPERATIONS"), "CONTRACT_MAX_OPERATIONS", 60),
            max_creates=_whole(get("CONTRACT_MAX_CREATES"), "CONTRACT_MAX_CREATES", 20),
            strict_input=_mode(get("CONTRACT_STRICT_INPUT"), "CONTRACT_STRICT_INPUT"),
            credential_env=tuple(sorted((n, env[n]) for n in env if n.startswith("CONTRACT_CREDENTIAL_") and env[n].strip()))
        )


DRIFT_MODES = ("report", "fail")


def _drift(text: str | None) -> bool:
    """CONTRACT_DRIFT: report (default) or fail."""
    return _mode(text, "CONTRACT_DRIFT")


def _mode(text: str | None, name: str) -> bool:
    """A report|fail setting: True for fail."""
    if text is None:
        return False
    if text.lower() not in DRIFT_MODES:
        raise SettingsError(f"{name} must be one of {', '.join(DRIFT_MODES)}, got {text!r}")
    return text.lower() == "fail"


def _whole(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit():
        raise SettingsError(f"{name} must be a whole number (0: no limit), got {text!r}")
    return int(text)


def _percentage(text: str | None) -> float | None:
    """CONTRACT_MIN_COVERAGE: a number from 0 to 100."""
    if text is None:
        return None
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise SettingsError(f"CONTRACT_MIN_COVERAGE must be a percentage from 0 to 100 (e.g. 80), got {text!r}")
    return value


def _spec_file(path: str | None) -> str | None:
    """CONTRACT_SPEC, checked: a file that exists."""
    if path is not None and not os.path.isfile(path):
        raise SettingsError(f"CONTRACT_SPEC names {path!r}, which is not a file")
    return os.path.abspath(path) if path is not None else None


def _expired_token(token: str | None) -> str | None:
    """CONTRACT_EXPIRED_TOKEN, checked: a JWT whose exp claim is in the past."""
    if token is None:
        return None
    exp = claims_of(token).get("exp")
    if not isinstance(exp, (int, float)):
        raise SettingsError("CONTRACT_EXPIRED_TOKEN must be a JWT with an exp claim (it is not, or has none)")
    if exp > time.time():
        raise SettingsError(
            f"CONTRACT_EXPIRED_TOKEN has not expired yet (it is valid until "
            f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(exp))}): give one that has"
        )
    return token


_ACTIVE: list[ContractSettings] = []


def activate(settings: ContractSettings) -> None:
    """Make these the run's settings (pytest_configure does, before the test modules are imported); every secret
    among them is masked from now on, whatever fails first."""
    from contract_tests.inputs.credentials import register_credentials
    from mock_server.contract.masking import register_secret

    _ACTIVE[:] = [settings]
    register_credentials(dict(settings.credential_env))
    for name, value in (("$CONTRACT_TOKEN", settings.token), ("$CONTRACT_JWT_SECRET", settings.jwt_secret),
                        ("$CONTRACT_EXPIRED_TOKEN", settings.expired_token), ("$CONTRACT_NOT_CONNECTED_TOKEN", settings.not_connected_token),
                        ("$CONTRACT_TOKEN_WITHOUT_ORG", settings.token_without_org)):
        register_secret(value, name)


def active() -> ContractSettings:
    """The run's settings (read from the environment if no run activated any)."""
    if not _ACTIVE:
        _ACTIVE.append(ContractSettings.from_env())
    return _ACTIVE[0]
