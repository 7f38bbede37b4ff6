"""`make calibrate BASE_URL=... TOKEN=...`: first contact with a server, to confirm or correct openapi.yaml.

The reference page does not say which status carries each error code, nor what happens to an unknown
booking; openapi.yaml infers them. Calibration sends one GET per situation of the contract (at most
30, throttled like the suite), prints what the server answered beside what openapi.yaml says, marks
each decision confirmed or contradicted, and for a contradiction names the place in openapi.yaml to
change. Exit 0 when everything agrees, 1 when the server contradicts the spec, 75 when the server could not be
asked (unreachable, not the API, or it refuses the token: the same preflight as the suite's), 78 on a
configuration error. Each of these is said in one line, never with a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from contract_tests.transport.http import ContractSession, TargetUnreachable
from mock_server.contract.masking import mask_text
from contract_tests.transport.preflight import check_target, check_tokens
from mock_server.contract.rules import Exchange, violations
from contract_tests.inputs.settings import ContractSettings, SettingsError
from contract_tests.inputs.target import UNKNOWN_ORG, Target, live_target
from contract_tests.reporting.verdict import Inconclusive, Verdict
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import ApiSpec, SpecError, load_spec

MAX_REQUESTS = 30
UNKNOWN_BOOKING = "9xQmR4tLwZ8cVb2Nf6Hj3k"  # 22 base58 characters: shaped like a real Cal.com UID


@dataclass(frozen=True)
class Situation:
    """One situation of the contract: how to provoke it, and which code the spec says it gets (None: 200)."""

    name: str
    code: str | None
    decision: str
    request: Callable[[Target], tuple[str, str | None, dict[str, str]] | None]  # (id, token, query) or None
    needs: str = ""

    def expected(self, spec: ApiSpec) -> tuple[int, str | None]:
        """The (status, code) openapi.yaml documents for this situation."""
        return (200, None) if self.code is None else spec.operation(GET_APPOINTMENT).outcome(self.code)


def _expired(target: Target) -> str | None:
    return target.expired_token or (target.tokens.expired() if target.tokens is not None else None)


SITUATIONS = [
    Situation("no token", "UNAUTHORIZED", "UNAUTHORIZED's status (inferred)", lambda t: ("kko1gv8tFZe8JjpCpct5tG", None, {})),
    Situation("malformed token", "UNAUTHORIZED", "UNAUTHORIZED's status (inferred)", lambda t: ("kko1gv8tFZe8JjpCpct5tG", "not.a.jwt", {})),
    Situation(
        "expired token", "UNAUTHORIZED", "expired tokens are refused",
        lambda t: ("kko1gv8tFZe8JjpCpct5tG", _expired(t), {}) if _expired(t) else None,
        needs="CONTRACT_EXPIRED_TOKEN or CONTRACT_JWT_SECRET",
    ),
    Situation("bad token and malformed ID", "UNAUTHORIZED", "authentication is checked before input", lambda t: ("not-a-valid-id!", None, {})),
    Situation("malformed appointment ID", "INVALID_REQUEST", "INVALID_REQUEST's status and the appointment_id pattern (inferred)", lambda t: ("not-a-valid-id!", t.token, {})),
    Situation("129-character appointment ID", "INVALID_REQUEST", "appointment_id's maxLength of 128 (inferred)", lambda t: ("a" * 129, t.token, {})),
    Situation("malformed org_id query", "INVALID_REQUEST", "a malformed org_id is refused even with an org claim (inferred)", lambda t: (t.appointment_id or UNKNOWN_BOOKING, t.token, {"org_id": "not an org!"})),
    Situation("unknown booking", "CALCOM_API_ERROR", "an unknown booking is CALCOM_API_ERROR, and that code's status (inferred)", lambda t: (UNKNOWN_BOOKING, t.token, {})),
    Situation(
        "the known booking", None, "the success body's fields and formats (formats inferred)",
        lambda t: (t.appointment_id, t.token, {}) if t.appointment_id else None, needs="CONTRACT_APPOINTMENT_ID",
    ),
    Situation(
        "the token's organization wins over org_id", None, "org_id is only a fallback",
        lambda t: (t.appointment_id, t.token, {"org_id": t.other_org_id or UNKNOWN_ORG}) if t.appointment_id else None,
        needs="CONTRACT_APPOINTMENT_ID",
    ),
    Situation(
        "organization without Cal.com", "NOT_CONNECTED", "NOT_CONNECTED's status (inferred)",
        lambda t: (t.appointment_id or UNKNOWN_BOOKING, t.not_connected_token, {}) if t.not_connected_token else None,
        needs="CONTRACT_NOT_CONNECTED_TOKEN or CONTRACT_JWT_SECRET",
    ),
    Situation(
        "no organization anywhere", "INVALID_REQUEST", "no organization context is INVALID_REQUEST",
        lambda t: (t.appointment_id or UNKNOWN_BOOKING, t.token_without_org, {}) if t.token_without_org else None,
        needs="CONTRACT_TOKEN_WITHOUT_ORG or CONTRACT_JWT_SECRET",
    ),
    Situation(
        "org_id fallback", None, "the org_id query serves a token without an organization",
        lambda t: (t.appointment_id, t.token_without_org, {"org_id": t.org_id}) if t.appointment_id and t.token_without_org and t.org_id else None,
        needs="CONTRACT_APPOINTMENT_ID, CONTRACT_ORG_ID and CONTRACT_TOKEN_WITHOUT_ORG (or CONTRACT_JWT_SECRET)",
    ),
]


@dataclass(frozen=True)
class Finding:
    """What one situation showed."""

    situation: Situation
    expected: tuple[int, str | None]
    answered: tuple[int, str | None, str] | None  # status, code, content type; None: not sent
    verdict: str  # confirmed | contradicted | not checked
    change: str = ""


def _where_status(spec: ApiSpec, status: int) -> str:
    operation = spec.operation(GET_APPOINTMENT)
    return f"paths.'{operation.path}'.{operation.method.lower()}.responses.'{status}'"


def _schema_of_code(spec: ApiSpec, code: str) -> str:
    for name, schema in spec.raw.get("components", {}).get("schemas", {}).items():
        for part in schema.get("allOf", []):
            if code in part.get("properties", {}).get("code", {}).get("enum", []):
                return f"components.schemas.{name}"
    return "the error schemas"


def advise(spec: ApiSpec, situation: Situation, status: int, code: str | None, content_type: str, exchange: Exchange) -> str:
    """What to change in openapi.yaml so that it says what the server does (empty when it already does)."""
    expected_status, expected_code = situation.expected(spec)
    if content_type.split(";")[0].strip().lower() != "application/json":
        return f"the answer is {content_type or 'untyped'}, not the JSON envelope: check that BASE_URL reaches the API itself"
    if (status, code) == (expected_status, expected_code):
        if status == 200:
            broken = violations(exchange)
            if broken:
                what = str(broken[0]).splitlines()[0].split("] ", 1)[-1]
                return f"the success body breaks {broken[0].rule} ({what.split(':', 1)[0]}): see components.schemas.Appointment"
        return ""
    if expected_code is not None and code == expected_code:
        return (
            f"the server answers {code} with {status}, openapi.yaml with {expected_status}: move {code} to a {status} response "
            f"({_where_status(spec, expected_status)} -> '{status}', and the code enum in {_schema_of_code(spec, code)})"
        )
    operation = spec.operation(GET_APPOINTMENT)
    if code is not None and code in operation.error_codes and status >= 300:
        return (
            f"the server answers {status} {code} here, openapi.yaml says {expected_status} {expected_code}: "
            f"if that is the intended behaviour, change the description of {situation.name} in {_where_status(spec, expected_status)}"
            + (f" and pair {code} with {status} ({_schema_of_code(spec, code)})" if operation.status_for_code(code) != status else "")
        )
    if status == 200 and expected_code == "INVALID_REQUEST":
        return f"the server accepts this input: widen the parameter's schema in {_where_status(spec, 200).rsplit('.responses', 1)[0]}.parameters"
    return f"the server answers {status} {code or '(no code)'}, which openapi.yaml does not document: add it under {_where_status(spec, status)}"


def calibrate(target: Target, spec: ApiSpec, session: ContractSession) -> list[Finding]:
    """Send one GET per situation and compare each answer with the spec."""
    findings = []
    for situation in SITUATIONS:
        planned = situation.request(target)
        expected = situation.expected(spec)
        if planned is None:
            findings.append(Finding(situation, expected, None, "not checked", f"needs {situation.needs}"))
            continue
        if session.requests_sent >= MAX_REQUESTS:
            break
        appointment_id, token, query = planned
        url = target.base_url + spec.operation(GET_APPOINTMENT).path_for(quote(appointment_id, safe=""))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = session.get(url, headers=headers, params=query)
        exchange = Exchange.from_response(response)
        body = exchange.json if isinstance(exchange.json, dict) else {}
        code = body.get("code") if isinstance(body.get("code"), str) else None
        content_type = exchange.headers.get("content-type", "")
        change = advise(spec, situation, exchange.status, code, content_type, exchange)
        findings.append(Finding(situation, expected, (exchange.status, code, content_type), "contradicted" if change else "confirmed", change))
    return findings


def _outcome(status: int, code: str | None) -> str:
    return f"{status} {code}" if code else str(status)


def render(findings: list[Finding], target: Target, spec: ApiSpec) -> str:
    """The calibration table and what to change, for people."""
    width = max(len(f.situation.name) for f in findings)
    lines = [
        f"Calibration of {target.description} against {spec.path.name} v{spec.version} (sha256 {spec.sha256[:12]})",
        "",
        f"{'situation':<{width}}  {'server answered':<28}  {'openapi.yaml says':<24}  verdict",
        f"{'-' * width}  {'-' * 28}  {'-' * 24}  {'-' * 12}",
    ]
    for f in findings:
        answered = "-"
        if f.answered is not None:
            status, code, content_type = f.answered
            media = content_type.split(";")[0].strip().lower()
            answered = _outcome(status, code) + ("" if media == "application/json" else f" ({media or 'no content type'})")
        lines.append(f"{f.situation.name:<{width}}  {answered:<28}  {_outcome(*f.expected):<24}  {f.verdict}")
    contradicted = [f for f in findings if f.verdict == "contradicted"]
    unchecked = [f for f in findings if f.verdict == "not checked"]
    confirmed = [f for f in findings if f.verdict == "confirmed"]
    lines.append("")
    lines.append(f"{len(confirmed)} confirmed, {len(contradicted)} contradicted, {len(unchecked)} not checked")
    if confirmed:
        lines.append("Confirmed decisions: " + "; ".join(sorted({f.situation.decision for f in confirmed})))
    for f in contradicted:
        lines.append(f"CONTRADICTED: {f.situation.name} [{f.situation.decision}]: {f.change}")
    for f in unchecked:
        lines.append(f"not checked: {f.situation.name}: {f.change}")
    return mask_text("\n".join(lines))


@contextmanager
def _target(settings: ContractSettings, spec: ApiSpec) -> Iterator[Target]:
    if settings.live:
        yield live_target(settings)
        return
    from contract_tests.inputs.target import embedded_target
    from mock_server.serving.launcher import MockProcess

    with MockProcess("--quiet", "--workers", "1", "--spec", str(spec.path), *settings.mock_args) as server:
        yield embedded_target(server.base_url, frozenset())


def main(argv: list[str] | None = None) -> int:
    """Calibrate the target that the CONTRACT_* variables name (the embedded mock when none is set)."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.tools.calibrate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default=None, help="the server (or CONTRACT_BASE_URL); default: the embedded mock")
    parser.add_argument("--make-variables", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from contract_tests.__main__ import make_variable_error

    try:
        problem = make_variable_error(args.make_variables.split())
        if problem is not None:
            raise SettingsError(problem.replace("make contract", "make calibrate"))
        settings = ContractSettings.from_env(os.environ, base_url=args.base_url)
        spec = load_spec(settings.spec)
        spec.operation(GET_APPOINTMENT)  # calibration asks about Get Appointment's inferred decisions
    except (SettingsError, SpecError) as exc:
        print(f"calibrate: INCONCLUSIVE: configuration error: {mask_text(str(exc))}", file=sys.stderr)
        return Verdict.CONFIGURATION_ERROR.exit_status
    with _target(settings, spec) as target, ContractSession(
        rate_limit=settings.rate_limit, timeout=settings.timeout, allow_unsafe=False, live=True
    ) as session:
        problem_found: Inconclusive | None = check_tokens(settings) if settings.live else None
        findings: list[Finding] = []
        if problem_found is None and settings.live:
            problem_found = check_target(target, spec, session)
        if problem_found is None:
            try:
                findings = calibrate(target, spec, session)
            except TargetUnreachable as exc:
                problem_found = Inconclusive(f"{target.base_url} stopped answering: {exc.reason}", "check that the server is up; then run again")
    if problem_found is not None:
        print(mask_text(f"calibrate: INCONCLUSIVE: {target.description} could not be calibrated: {problem_found.cause}\n"
                        f"  what to do: {problem_found.fix}"), file=sys.stderr)
        print(f"({session.requests_sent} GET requests sent)", file=sys.stderr)
        return Verdict.INCONCLUSIVE.exit_status
    print(render(findings, target, spec))
    print(f"({session.requests_sent} GET requests sent)")
    return Verdict.RED.exit_status if any(f.verdict == "contradicted" for f in findings) else Verdict.GREEN.exit_status


if __name__ == "__main__":
    sys.exit(main())
