"""Wires the contract suite: settings, the target (embedded mock or live URL), the safe session, schemathesis."""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from contract_tests.findings import rules_broken
from contract_tests.http import ContractSession
from contract_tests.masking import mask_text
from contract_tests.report import Outcome, outcome_of, render, write_report
from contract_tests.expectations import SCHEMATHESIS_TOML, expected_statuses
from contract_tests.observed import documented_outcomes, unobserved
from contract_tests.reachable import case_reaches_app
from contract_tests.settings import VARIABLES, ContractSettings, SettingsError, activate
from contract_tests.target import Target, embedded_target, live_target
from mock_server.spec import load_spec, spec_path

_SETTINGS_KEY = pytest.StashKey[ContractSettings]()
_SESSION_COUNTS: dict[str, Any] = {}
_OUTCOMES: list[Outcome] = []
_STARTED = time.time()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.startswith("contract_tests/") and (report.when == "call" or (report.when == "setup" and not report.passed)):
        _OUTCOMES.append(outcome_of(report))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--contract-report")
    settings = session.config.stash.get(_SETTINGS_KEY, None)
    if path and settings is not None and _OUTCOMES:
        write_report(Path(path), render(_OUTCOMES, settings, load_spec(), _SESSION_COUNTS, _STARTED))


def pytest_addoption(parser: pytest.Parser) -> None:
    variables = "\n".join(f"  {name}: {text}" for name, text in VARIABLES.items())
    group = parser.getgroup("contract", f"Ravan contract suite. Its inputs come from the environment:\n{variables}\nOptions")
    group.addoption("--base-url", default=None, help="live server to check instead of the embedded mock (or CONTRACT_BASE_URL)")
    group.addoption("--contract-report", default=None, metavar="PATH", help="write the human report (Markdown) here")


def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = ContractSettings.from_env(base_url=config.getoption("--base-url"))
    except SettingsError as exc:
        raise pytest.UsageError(f"contract suite: {exc}") from None
    config.stash[_SETTINGS_KEY] = settings
    activate(settings)
    from hypothesis import settings as hypothesis_settings

    hypothesis_settings.register_profile(
        "contract", parent=hypothesis_settings.default, max_examples=settings.examples_per_test
    )
    hypothesis_settings.load_profile("contract")
    if settings.seed_was_given or os.environ.get("CI"):
        # Reproducible property tests: the same seed as schemathesis'.
        from hypothesis import core

        core.global_force_seed = settings.seed  # what `pytest --hypothesis-seed` sets


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash.get(_SETTINGS_KEY, None)
    if settings is None:
        return []
    spec = load_spec()
    target = settings.base_url or "embedded mock (started by the suite)"
    rate = f"{settings.rate_limit:g} req/s" if settings.rate_limit else "off"
    return [
        f"contract target: {target}; spec {spec.path.name} v{spec.version} sha256 {spec.sha256[:12]}",
        f"contract seed: {settings.seed} (reproduce with CONTRACT_SEED={settings.seed}); rate limit: {rate}; "
        f"unsafe methods: {'allowed' if settings.allow_unsafe else 'blocked'}",
    ]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        report.longrepr = mask_text(str(report.longrepr))
    report.sections = [(title, mask_text(text)) for title, text in report.sections]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """A verdict a release manager can read: red or green, and which rules broke."""
    settings = config.stash.get(_SETTINGS_KEY, None)
    contract_reports = [
        r for kind in ("passed", "failed", "error", "skipped") for r in terminalreporter.stats.get(kind, [])
        if getattr(r, "nodeid", "").startswith("contract_tests/") and getattr(r, "when", "call") in ("call", "setup")
    ]
    if settings is None or not contract_reports:
        return
    failed = [r for r in contract_reports if r.failed]
    skipped = [r for r in contract_reports if r.skipped]
    write = terminalreporter.write_line
    target = settings.base_url or "the embedded mock"
    terminalreporter.section("contract verdict")
    for line in pytest_report_header(config):
        write(line)
    if failed:
        write(f"RED: {target} breaks the contract of {load_spec().path.name} (seed {settings.seed})", red=True, bold=True)
        for report in failed:
            rules = rules_broken(str(report.longrepr)) or ["(no rule named: see the failure above)"]
            write(f"  {report.nodeid.split('::')[-1]}: broke {', '.join(rules)}")
    else:
        write(f"GREEN: {target} honours {load_spec().path.name} (seed {settings.seed})", green=True, bold=True)
    if _SESSION_COUNTS:
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(_SESSION_COUNTS["statuses"].items()))
        write(f"  {_SESSION_COUNTS['sent']} requests sent (by status: {counts})")
    if _SESSION_COUNTS:
        missing = unobserved(load_spec(), _SESSION_COUNTS.get("outcomes", {}))
        if missing:
            write(f"  not observed in this run ({len(missing)} of {len(documented_outcomes(load_spec()))} documented outcomes), so not checked:")
            for outcome in missing:
                write(f"    {outcome.label}: {outcome.how_to_observe}")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        write(f"  skipped {report.nodeid.split('::')[-1]}: {reason.removeprefix('Skipped: ')}")


@pytest.fixture(scope="session")
def contract_settings(request: pytest.FixtureRequest) -> ContractSettings:
    """The suite's settings."""
    return request.config.stash[_SETTINGS_KEY]


@pytest.fixture(scope="session")
def target(contract_settings: ContractSettings) -> Iterator[Target]:
    """The server under test: a live URL, or the embedded mock started here for the session."""
    if contract_settings.live:
        yield live_target(contract_settings)
        return
    from mock_server.data.dataset import load_dataset
    from mock_server.config import DEFAULT_FIXTURES
    from mock_server.serving.launcher import MockProcess

    spec = load_spec()
    known = frozenset(uid for org in load_dataset(DEFAULT_FIXTURES, spec).organizations.values() for uid in org.bookings)
    # gunicorn: its HTTP layer answers even the requests it refuses itself with the envelope, so the suite
    # can generate everything here (Granian's refuses those with an empty 400, as any other stack would).
    with MockProcess("--quiet", "--server", "gunicorn", *contract_settings.mock_args) as server:
        yield embedded_target(server.base_url, known)


@pytest.fixture(scope="session")
def session(contract_settings: ContractSettings) -> Iterator[ContractSession]:
    """The only HTTP session the suite uses."""
    with ContractSession(
        rate_limit=contract_settings.rate_limit,
        timeout=contract_settings.timeout,
        allow_unsafe=contract_settings.allow_unsafe,
        live=contract_settings.live,
    ) as http:
        yield http
        _SESSION_COUNTS.update(sent=http.requests_sent, statuses=dict(http.statuses), outcomes=dict(http.outcomes))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def schemathesis_config(settings: ContractSettings, target: Target) -> SchemathesisConfig:
    """schemathesis.toml, the expectations the spec implies, and the run's target, token, seed and safety."""
    unsafe_probes_allowed = not target.live or settings.allow_unsafe
    runtime: dict[str, Any] = {
        "checks": expected_statuses(load_spec()),
        "seed": settings.seed,
        "base-url": target.base_url,
        "request-timeout": settings.timeout,
        "auth": {"openapi": {"bearerAuth": {"bearer": target.token}}},
        "generation": {"max-examples": settings.examples_per_test},
    }
    if not unsafe_probes_allowed:
        runtime["phases"] = {"coverage": {"unexpected-methods": []}}  # no PUT/POST/DELETE probes at a live server
    with SCHEMATHESIS_TOML.open("rb") as handle:
        shared = tomllib.load(handle)
    return SchemathesisConfig.from_dict(_merge(shared, runtime))


@pytest.fixture(scope="session")
def api_schema(contract_settings: ContractSettings, target: Target) -> Any:
    """openapi.yaml loaded by schemathesis, aimed at the target (live: only requests that reach the API)."""
    schema = schemathesis.openapi.from_path(spec_path(), config=schemathesis_config(contract_settings, target))
    if contract_settings.sends_only_what_reaches_the_app:

        def filter_case(context: Any, case: Any) -> bool:
            return case_reaches_app(case)

        schema.hook(filter_case)
    return schema
