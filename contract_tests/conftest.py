"""Wires the contract suite: settings, the target (embedded mock or live URL), the safe session, schemathesis."""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from contract_tests.generation.expectations import expected_statuses, render_toml
from contract_tests.transport.http import ContractSession
from mock_server.contract.masking import mask_text
from contract_tests.reporting.observed import summary_lines
from contract_tests.transport.preflight import check_target, check_tokens
from contract_tests.transport.reachable import case_reaches_app, cookies_are_sendable, request_line_fits
from mock_server.contract.coverage import coverage_report, write_coverage
from mock_server.contract.observations import Observations
from mock_server.contract.rules import ContractViolation, use_spec
from contract_tests.reporting.report import render, write_report, write_stopped_reports
from contract_tests.inputs.scope import active_scope, choose, examples_per_operation, use_scope
from contract_tests.inputs.settings import VARIABLES, ContractSettings, SettingsError, activate
from contract_tests.inputs.target import Target, embedded_target, live_target
from contract_tests.transport.ledger import Ledger
from mock_server.resources.model import infer_resources
from mock_server.data import GET_APPOINTMENT
from contract_tests.reporting.verdict import INCONCLUSIVE_PREFIX, Inconclusive, RunRecord, Verdict, result_of
from mock_server.spec import ApiSpec, SpecError, load_spec

_SETTINGS_KEY = pytest.StashKey[ContractSettings]()
_RECORD_KEY = pytest.StashKey[RunRecord]()
_SPEC_KEY = pytest.StashKey[ApiSpec]()
_CLEANUP_KEY = pytest.StashKey[Any]()


def _is_contract_test(nodeid: str) -> bool:
    return nodeid.startswith("contract_tests/")


_RECORD: list[RunRecord] = []  # this process's run (pytest_runtest_logreport is given no config)
_OBSERVATIONS: list[Observations] = []  # what the session's answers showed


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _RECORD and _is_contract_test(report.nodeid) and (report.when == "call" or (report.when == "setup" and not report.passed)):
        _RECORD[0].add(result_of(report))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Rewrite the report, and end with the verdict's exit status (a GREEN contract leaves the other tests' status)."""
    config = session.config
    record = config.stash.get(_RECORD_KEY, None)
    settings = config.stash.get(_SETTINGS_KEY, None)
    if record is None or settings is None or not record.results:
        return
    spec = config.stash[_SPEC_KEY]
    record.interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop is not False and bool(session.shouldstop)
    finish = config.stash.get(_CLEANUP_KEY, None)
    if finish is not None:
        try:
            finish()  # done already unless the run was interrupted: what it created is deleted before the reports
        except Exception:  # noqa: BLE001 - the reports still get written; the ledger names what is left
            pass
    from contract_tests.reporting.input_findings import refusals

    record.refusals = refusals()
    record.refusals_fail = settings.strict_input
    record.coverage = coverage_report(spec, record.outcomes, _OBSERVATIONS[0].coverage if _OBSERVATIONS else None, settings.min_coverage)
    coverage_path = config.getoption("--contract-coverage")
    if coverage_path:
        write_coverage(coverage_path, record.coverage)
    path = config.getoption("--contract-report")
    if path:
        write_report(Path(path), render(record, settings, spec))
    html = config.getoption("--contract-html")
    if html:
        from contract_tests.reporting.html_report import render_html, write_html

        write_html(Path(html), render_html(record, settings, spec))
    verdict = record.verdict()
    if verdict is not Verdict.GREEN and session.exitstatus in (0, 1):
        session.exitstatus = verdict.exit_status


def pytest_addoption(parser: pytest.Parser) -> None:
    variables = "\n".join(f"  {name}: {text}" for name, text in VARIABLES.items())
    group = parser.getgroup("contract", f"Ravan contract suite. Its inputs come from the environment:\n{variables}\nOptions")
    group.addoption("--base-url", default=None, help="live server to check instead of the embedded mock (or CONTRACT_BASE_URL)")
    group.addoption("--contract-report", default=None, metavar="PATH", help="write the human report (Markdown) here")
    group.addoption("--contract-coverage", default=None, metavar="PATH", help="write the coverage (JSON) here")
    group.addoption("--contract-html", default=None, metavar="PATH", help="write the report as one HTML page here")


def _stop_on_configuration_error(config: pytest.Config, message: str) -> None:
    """Write both reports (so none is left from an earlier run), say the error in one line, exit 78."""
    from contract_tests.inputs.settings import as_typed

    message = as_typed(message)
    markdown = config.getoption("--contract-report")
    junit = getattr(config.option, "xmlpath", None)
    coverage = config.getoption("--contract-coverage")
    html = config.getoption("--contract-html")
    headline = write_stopped_reports(Path(markdown) if markdown else None, Path(junit) if junit else None, message,
                                     Path(coverage) if coverage else None, Path(html) if html else None)
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:  # said from inside a fixture too: past pytest's capture
        with capture.global_and_fixture_disabled():
            sys.stderr.write(headline + "\n")
    else:
        sys.stderr.write(headline + "\n")
    status = Verdict.CONFIGURATION_ERROR.exit_status
    pytest.exit(f"the contract suite did not start (exit status {status}: configuration error)", returncode=status)


def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = ContractSettings.from_env(base_url=config.getoption("--base-url"))
    except SettingsError as exc:
        _stop_on_configuration_error(config, str(exc))
        return
    try:
        spec = load_spec(settings.spec)
    except SpecError as exc:
        _stop_on_configuration_error(config, str(exc))
        return
    use_spec(spec)
    scope = choose(spec, settings.max_operations)
    use_scope(scope)
    config.stash[_SETTINGS_KEY] = settings
    config.stash[_SPEC_KEY] = spec
    config.stash[_RECORD_KEY] = RunRecord(drift_fails=settings.drift_fails, scope=scope)
    _RECORD[:] = [config.stash[_RECORD_KEY]]
    activate(settings)
    from hypothesis import settings as hypothesis_settings

    hypothesis_settings.register_profile(
        "contract", parent=hypothesis_settings.default,
        max_examples=examples_per_operation(settings.examples_per_test, len(scope.checked)),
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
    spec = config.stash[_SPEC_KEY]
    target = settings.base_url or "embedded mock (started by the suite)"
    rate = f"{settings.rate_limit:g} req/s" if settings.rate_limit else "off"
    return [
        f"contract target: {target}; spec {spec.path.name} v{spec.version} sha256 {spec.sha256[:12]}",
        f"contract seed: {settings.seed} (reproduce with CONTRACT_SEED={settings.seed}); rate limit: {rate}; "
        f"unsafe methods: {unsafe_methods(settings)}",
    ]


def unsafe_methods(settings: ContractSettings) -> str:
    """Whether writes reach the target, in a few words."""
    if not settings.live:
        return "allowed (embedded mock)"
    return f"allowed (CONTRACT_ALLOW_UNSAFE=1; at most {settings.max_creates} creates, all deleted)" if settings.allow_unsafe else "blocked"


def _masked_longrepr(longrepr: Any) -> Any:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, reason = longrepr
        return (path, line, mask_text(str(reason)))
    return mask_text(str(longrepr))


def violated_rules(error: BaseException | None) -> list[str]:
    """The names of the rules a failure's ContractViolations carry, through exception groups and causes."""
    found: list[str] = []
    seen: set[int] = set()
    pending = [error] if error is not None else []
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ContractViolation) and current.rule and current.rule not in found:
            found.append(current.rule)
        pending += list(getattr(current, "exceptions", ()) or ())
        pending += [current.__cause__, current.__context__]
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and report.failed:
        rules = violated_rules(call.excinfo.value)
        if rules:  # the rule's name as data: the verdict and the JUnit file (from the item's) read it, not the message
            report.user_properties.append(("contract_rules", ",".join(rules)))
            item.user_properties.append(("contract_rules", ",".join(rules)))
    if report.longrepr is not None:
        report.longrepr = _masked_longrepr(report.longrepr)
        if report.skipped and isinstance(report.longrepr, tuple) and report.longrepr[2].startswith(f"Skipped: {INCONCLUSIVE_PREFIX}"):
            report.longrepr = (__file__, None, report.longrepr[2])  # one location: the short summary folds them
    report.sections = [(title, mask_text(text)) for title, text in report.sections]
    report.user_properties = [(name, mask_text(str(value))) for name, value in report.user_properties]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """A verdict a release manager can read: GREEN, RED or INCONCLUSIVE, and why."""
    settings = config.stash.get(_SETTINGS_KEY, None)
    record = config.stash.get(_RECORD_KEY, None)
    if settings is None or record is None or not record.results:
        return
    spec = config.stash[_SPEC_KEY]
    write = terminalreporter.write_line
    target = settings.base_url or "the embedded mock"
    verdict = record.verdict()
    terminalreporter.section("contract verdict")
    for line in pytest_report_header(config):
        write(line)
    colour = {Verdict.GREEN: {"green": True}, Verdict.RED: {"red": True}}.get(verdict, {"yellow": True})
    write(mask_text(record.headline(target, spec.path.name, settings.seed)), bold=True, **colour)
    for line in record.detail_lines():
        write(mask_text(line))
    if record.sent and not record.preflight:
        for line in record.drift_lines():
            write(mask_text(line))
        if record.coverage is not None:
            write(record.coverage_line())
    if record.sent:
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(record.statuses.items()))
        unanswered = f"; {record.unanswered} without an answer" if record.unanswered else ""
        if counts:
            write(f"  {record.sent} requests sent (by status: {counts}{unanswered})")
        else:
            write(f"  no answer to any of {record.sent} request{'s' if record.sent != 1 else ''}")
        if verdict is not Verdict.INCONCLUSIVE or not record.preflight:
            for line in summary_lines(spec, record.outcomes, settings):
                write(line)
    write(f"  exit status {verdict.exit_status} ({verdict.name}); report: {config.getoption('--contract-report') or '(none asked for)'}")


@pytest.fixture(scope="session")
def contract_settings(request: pytest.FixtureRequest) -> ContractSettings:
    """The suite's settings."""
    return request.config.stash[_SETTINGS_KEY]


def _inconclusive(request: pytest.FixtureRequest, reason: Inconclusive) -> None:
    """Record why the target cannot be checked and skip every test that needs it, with that reason."""
    from contract_tests.inputs.settings import as_typed

    reason = Inconclusive(as_typed(reason.cause), as_typed(reason.fix))
    request.config.stash[_RECORD_KEY].preflight = reason
    pytest.skip(f"{INCONCLUSIVE_PREFIX}{mask_text(reason.cause)}")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, contract_settings: ContractSettings, session: ContractSession) -> Iterator[Target]:
    """The server under test: a live URL that passed the preflight, or the embedded mock started here."""
    spec = request.config.stash[_SPEC_KEY]
    if contract_settings.live:
        from dataclasses import replace as with_fields

        from contract_tests.inputs.credentials import live_credentials

        problem = check_tokens(contract_settings, spec)
        live = live_target(contract_settings)
        live = with_fields(live, credentials=live_credentials(spec, contract_settings.token, dict(contract_settings.credential_env)))
        problem = problem or check_target(live, spec, session)
        if problem is not None:
            _inconclusive(request, problem)
        request.config.stash[_RECORD_KEY].credential_ref = "$CONTRACT_TOKEN"
        yield live
        return
    from mock_server.data.dataset import load_dataset
    from mock_server.config import DEFAULT_FIXTURES
    from mock_server.serving.launcher import MockProcess

    from dataclasses import replace as with_fields

    from contract_tests.inputs.credentials import embedded_credentials

    known: frozenset[str] = frozenset()
    if GET_APPOINTMENT in spec.operations and spec.profile == "ravan":
        known = frozenset(uid for org in load_dataset(DEFAULT_FIXTURES, spec).organizations.values() for uid in org.bookings)
    # gunicorn: its HTTP layer answers even the requests it refuses itself with the envelope, so the suite
    # can generate everything here (Granian's refuses those with an empty 400, as any other stack would).
    from contract_tests.inputs.credentials import EMBEDDED_API_KEY, EMBEDDED_BASIC
    from mock_server.config import DEV_JWT_SECRET

    # The mock checks the very credentials the suite sends: any other is refused, as a real server refuses it.
    checks = ["--jwt-secret", DEV_JWT_SECRET, "--api-key", EMBEDDED_API_KEY, "--basic-auth", EMBEDDED_BASIC]
    mock = MockProcess("--quiet", "--server", "gunicorn", "--spec", str(spec.path), *checks, *contract_settings.mock_args)
    try:
        mock.start()
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        refusal = next((line.removeprefix("error: ") for line in lines if line.startswith("error: ")), None)
        if refusal is not None:  # the mock refused its inputs (the spec, the dataset, a flag): the run's input is wrong
            given = " (CONTRACT_MOCK_ARGS gave it flags)" if contract_settings.mock_args else ""
            _stop_on_configuration_error(request.config, f"the embedded mock refused to start{given}: {refusal}")
        fix = "check CONTRACT_MOCK_ARGS" if contract_settings.mock_args else "run `python -m mock_server --spec FILE` to see the mock's own output"
        _inconclusive(request, Inconclusive(f"the embedded mock did not start ({(lines[-1:] or ['no output'])[0]})", fix))
    try:
        embedded = embedded_target(mock.base_url, known)
        record = request.config.stash[_RECORD_KEY]
        record.embedded_url = mock.base_url
        record.serve_command = serve_command(spec, contract_settings)
        from contract_tests.tokens import command_for

        record.credential_ref = command_for("main", embedded=True)
        yield with_fields(embedded, credentials=embedded_credentials(spec, embedded.token))
    finally:
        mock.stop()


def serve_command(spec: ApiSpec, settings: ContractSettings) -> str:
    """The command that serves what the embedded mock served, on the port a reproduction's curl names."""
    import shlex

    from contract_tests.reporting.verdict import REPRODUCE_URL

    port = REPRODUCE_URL.rsplit(":", 1)[1]
    spec_arg = os.path.relpath(spec.path) if not os.path.relpath(spec.path).startswith("..") else str(spec.path)
    extra = " ".join(shlex.quote(arg) for arg in settings.mock_args)
    return f"python -m mock_server --spec {shlex.quote(spec_arg)} --port {port}" + (f" {extra}" if extra else "")


@pytest.fixture(scope="session")
def session(request: pytest.FixtureRequest, contract_settings: ContractSettings) -> Iterator[ContractSession]:
    """The only HTTP session the suite uses; its counts go into the run's record."""
    with ContractSession(
        rate_limit=contract_settings.rate_limit,
        timeout=contract_settings.timeout,
        allow_unsafe=contract_settings.allow_unsafe,
        live=contract_settings.live,
    ) as http:
        spec = request.config.stash[_SPEC_KEY]
        http.observations = Observations(spec)
        http.ledger = Ledger(spec, infer_resources(spec), live=contract_settings.live, max_creates=contract_settings.max_creates)
        _OBSERVATIONS[:] = [http.observations]
        try:
            yield http
        finally:
            request.config.stash[_RECORD_KEY].count_requests(http)


@pytest.fixture(scope="session", autouse=True)
def ledger(request: pytest.FixtureRequest, contract_settings: ContractSettings, target: Target, session: ContractSession) -> Iterator[Ledger]:
    """What the run creates; at the end every item of it still there is deleted (on failure and interrupt too)."""
    record = request.config.stash[_RECORD_KEY]

    def finish() -> None:
        clean_up(session.ledger, target, session)  # once: the ledger remembers it cleaned up
        record.writes = session.ledger.summary()

    request.config.stash[_CLEANUP_KEY] = finish  # an interrupted run cleans up before its reports are written
    try:
        yield session.ledger
    finally:
        finish()


def clean_up(ledger: Ledger, target: Target, session: ContractSession) -> None:
    """Delete every item the run created and has not deleted; each that stays is named with why."""
    from contract_tests.inputs.credentials import Sent
    from contract_tests.transport.http import TargetUnreachable
    from contract_tests.transport.ledger import item_url
    from mock_server.contract.expected import unknown_item_answer

    def delete(resource: Any, item_id: str) -> str | None:
        operation = resource.operations["delete"] if "delete" in resource.operations else None
        if operation is None:
            return "the spec has no delete operation for it"
        sent = Sent()
        target.credentials.apply(operation, sent)
        sent.cookie_header()
        try:
            response = session.request("DELETE", item_url(target.base_url, resource, operation, item_id), headers=sent.headers)
        except (TargetUnreachable, pytest.skip.Exception) as exc:
            return f"not deleted: {exc}"
        if 200 <= response.status_code < 300:
            return None if still_there(resource, item_id) is None else f"its DELETE was answered {response.status_code}, and it is still there"
        gone = unknown_item_answer(ledger.spec, operation)
        try:
            code = response.json().get("code") if gone is not None and gone.code else None
        except ValueError:
            code = None
        if gone is not None and gone.matches(response.status_code, code):
            return None  # already gone (a test deleted it, or the embedded mock was reset)
        return f"its DELETE was answered {response.status_code}"

    def still_there(resource: Any, item_id: str) -> int | None:
        """The status a read of the item answers when it is still there (None: gone, or no way to tell)."""
        read = resource.operations.get("read")
        if read is None:
            return None
        sent = Sent()
        target.credentials.apply(read, sent)
        sent.cookie_header()
        try:
            response = session.request("GET", item_url(target.base_url, resource, read, item_id), headers=sent.headers)
        except (TargetUnreachable, pytest.skip.Exception):
            return None
        return response.status_code if 200 <= response.status_code < 300 else None

    ledger.cleanup(delete, still_there)


def _negative_form_body(case: Any) -> bool:
    """True for a negative case with a form-encoded body, whose type violations the encoding cannot carry."""
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    negative = getattr(mode, "value", str(mode)).lower() == "negative"
    return negative and "x-www-form-urlencoded" in str(getattr(case, "media_type", "") or "")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def schemathesis_config(settings: ContractSettings, target: Target, spec: ApiSpec) -> SchemathesisConfig:
    """schemathesis.toml, the expectations the spec implies, and the run's target, token, seed and safety."""
    unsafe_probes_allowed = not target.live or settings.allow_unsafe
    runtime: dict[str, Any] = {
        "checks": expected_statuses(spec),
        "seed": settings.seed,
        "base-url": target.base_url,
        "request-timeout": settings.timeout,
        "generation": {"max-examples": examples_per_operation(settings.examples_per_test, len(active_scope().checked))},
    }
    auth = target.credentials.schemathesis_auth(spec)
    if auth:
        runtime["auth"] = {"openapi": auth}
    if target.live:  # no PUT/POST/DELETE probes at a live server: only the safe TRACE may get its 405
        runtime["phases"] = {"coverage": {"unexpected-methods": ["TRACE"] if unsafe_probes_allowed else []}}
    # what schemathesis.toml says, rendered from the spec itself: an installed suite has no checkout to read it from
    shared = tomllib.loads(render_toml(spec, list(active_scope().checked)))
    return SchemathesisConfig.from_dict(_merge(shared, runtime))


@pytest.fixture(scope="session")
def api_schema(request: pytest.FixtureRequest, contract_settings: ContractSettings, target: Target) -> Any:
    """The spec loaded by schemathesis, every operation, aimed at the target (live: only requests that reach the API)."""
    spec = request.config.stash[_SPEC_KEY]
    schema = schemathesis.openapi.from_path(spec.path, config=schemathesis_config(contract_settings, target, spec))
    live = contract_settings.sends_only_what_reaches_the_app

    # Without Ravan's envelope the mock's HTTP layer cannot answer an over-long request line with a documented
    # body (it cannot know the operation), as no stack can: such requests are left out, as live mode leaves them.
    enveloped = spec.profile is not None

    def filter_case(context: Any, case: Any) -> bool:
        if not cookies_are_sendable(case) or (not enveloped and not request_line_fits(case)):
            return False
        if _negative_form_body(case):  # a form carries only text: "a string, not an array" is a one-item array on the wire
            return False
        return not live or case_reaches_app(case)

    schema.hook(filter_case)
    return schema
