"""Before any property test in live mode: is the target the API, and does it take the token?

A handful of checks, so that the gate's own inputs never read as a broken API:
- on the suite's side, before any request: every token given is a JWT, none has expired or will expire
  before the run would end, and CONTRACT_JWT_SECRET (when given) verifies CONTRACT_TOKEN's signature;
- then three GETs at the documented path at most: without a token, with CONTRACT_TOKEN, and with a copy of
  it re-signed with CONTRACT_JWT_SECRET. The target must answer HTTP, the API must be there (not every
  answer a 404, not a web page that answers the same with and without a token), and the token must be
  accepted for an organization that has Cal.com connected.
Any failure is INCONCLUSIVE with its cause and its fix; the answers are judged by the rules in the run.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlsplit

import jwt

from contract_tests.transport.http import ContractSession, TargetUnreachable
from mock_server.contract.masking import mask_text
from contract_tests.inputs.settings import ContractSettings
from contract_tests.inputs.target import Target
from contract_tests.reporting.verdict import Inconclusive
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import RAVAN_PROFILE, ApiSpec, Operation

PROBE_ID = "kko1gv8tFZe8JjpCpct5tG"  # a well-formed booking UID
# A live run's size, measured: requests ≈ FIXED + PER_EXAMPLE × CONTRACT_MAX_EXAMPLES (docs/contract-suite.md,
# "How long a live run takes").
FIXED_REQUESTS = 65
PER_EXAMPLE_REQUESTS = 6
TOKEN_MARGIN_SECONDS = 120


def expected_run_seconds(settings: ContractSettings) -> float:
    """How long a live run with these settings takes, about: its requests over the rate limit."""
    requests = FIXED_REQUESTS + PER_EXAMPLE_REQUESTS * settings.examples_per_test
    return requests / settings.rate_limit if settings.rate_limit else requests * 0.05


def _utc(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(moment))


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def check_tokens(settings: ContractSettings, spec: ApiSpec | None = None, now: float | None = None) -> Inconclusive | None:
    """The suite's own look at the tokens it was given, before it sends anything (a spec without Ravan's profile
    may take opaque bearer tokens: only those that are JWTs are judged)."""
    now = time.time() if now is None else now
    jwt_required = spec is None or spec.profile == RAVAN_PROFILE
    run = expected_run_seconds(settings)
    given = (
        ("CONTRACT_TOKEN", settings.token),
        ("CONTRACT_NOT_CONNECTED_TOKEN", settings.not_connected_token),
        ("CONTRACT_TOKEN_WITHOUT_ORG", settings.token_without_org),
    )
    for name, token in given:
        if token is None:
            continue
        try:
            jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            if not jwt_required:
                continue
            parts = token.count(".") + 1
            return Inconclusive(
                f"{name} is not a JWT (a JWT is three base64url parts joined by dots; this value has {parts} part(s) "
                "that do not decode)",
                f"set {name} to the token itself, as it follows 'Bearer ' in the Authorization header",
            )
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool):
            if exp <= now:
                return Inconclusive(
                    f"{name} expired at {_utc(exp)}, {_minutes(now - exp)} ago",
                    f"mint a fresh token and set {name} (a nightly gate needs one that outlives the run)",
                )
            if exp <= now + run + TOKEN_MARGIN_SECONDS:
                return Inconclusive(
                    f"{name} expires at {_utc(exp)}, in {_minutes(exp - now)}, before this run would end "
                    f"(about {_minutes(run)} at {settings.rate_limit:g} requests/s)",
                    f"give {name} a token valid for at least {_minutes(run + TOKEN_MARGIN_SECONDS)} more",
                )
    if settings.jwt_secret is not None and settings.token is not None:
        try:
            jwt.decode(settings.token, settings.jwt_secret, algorithms=["HS256"], options={
                "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False, "verify_iss": False,
            })
        except jwt.InvalidSignatureError:
            return Inconclusive(
                "CONTRACT_JWT_SECRET does not verify CONTRACT_TOKEN's signature, so the tokens the suite would mint "
                "with it prove nothing",
                "set CONTRACT_JWT_SECRET to the target's HS256 signing secret, or unset it (the checks that mint tokens are then skipped)",
            )
        except jwt.InvalidTokenError:
            pass  # not HS256-verifiable for another reason: the settings already refuse other algorithms
    return None


def _answer(session: ContractSession, url: str, token: str | None, sent: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params: list[tuple[str, str]] = []
    if sent is not None:  # a spec's own credentials and required parameters (contract_tests/inputs/credentials.py)
        sent.cookie_header()
        headers, params = {**sent.headers}, list(sent.params)
    return session.get(url, headers=headers, params=params)


def _with_credentials(target: Target, operation: Operation) -> Any:
    """What the probe carries: the run's credentials for the operation, and its required query and header parameters."""
    from contract_tests.inputs.credentials import Sent

    sent = Sent()
    for parameter in operation.parameters:
        value = parameter.sample()
        if parameter.required and value is not None and parameter.location in ("query", "header"):
            text = str(value).lower() if isinstance(value, bool) else str(value)
            (sent.params.append((parameter.name, text)) if parameter.location == "query" else sent.headers.__setitem__(parameter.name, text))
    target.credentials.apply(operation, sent)
    return sent


def _is_json(response: Any) -> bool:
    return "json" in response.headers.get("Content-Type", "").split(";")[0].lower()


def _envelope(response: Any) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) and isinstance(body.get("success"), bool) else None


def _said(response: Any) -> str:
    body = _envelope(response) or {}
    code = body.get("code") if isinstance(body.get("code"), str) else ""
    message = body.get("message") if isinstance(body.get("message"), str) else ""
    media = response.headers.get("Content-Type", "no content type").split(";")[0]
    text = f"{response.status_code} {code}".strip() + (f": {message[:200]!r}" if message else f" ({media})")
    return mask_text(text)


def _url_fix(base_url: str, route: str) -> str:
    path = urlsplit(base_url).path.rstrip("/")
    if path:
        return (f"CONTRACT_BASE_URL is the host only: it has the path {path}, and the spec's path {route} is added to "
                f"it; use {base_url[: len(base_url) - len(path)]}")
    return (f"check that CONTRACT_BASE_URL is the API's host, without the API path (the suite adds {route}), "
            "and that it reaches the API, not a web site or a gateway in front of it")


def probe(spec: ApiSpec, target: Target) -> tuple[Operation, str] | None:
    """The operation and path the preflight asks: Get Appointment, else the first secured GET it can fill in."""
    if GET_APPOINTMENT in spec.operations:
        operation = spec.operation(GET_APPOINTMENT)
        return operation, operation.path_for(quote(target.appointment_id or PROBE_ID, safe=""))
    candidates = sorted((op for op in spec.operations.values() if op.method == "GET"), key=lambda op: not op.secured)
    for operation in candidates:
        values = {p.name: p.sample() for p in operation.parameters if p.location == "path"}
        if all(value is not None for value in values.values()):
            return operation, operation.path_for(**{k: quote(str(v), safe="") for k, v in values.items()})
    return None


def check_target(target: Target, spec: ApiSpec, session: ContractSession) -> Inconclusive | None:
    """At most three GETs: the target answers at a documented path, is the API, and accepts the token."""
    probed = probe(spec, target)
    if probed is None:
        return None  # no GET operation to ask without guessing: the run itself will tell
    operation, path = probed
    url = target.base_url + path
    ravan = spec.profile == RAVAN_PROFILE
    try:
        anonymous = _answer(session, url, None)
        with_token = _answer(session, url, target.token) if ravan else _answer(session, url, None, _with_credentials(target, operation))
    except TargetUnreachable as exc:
        return Inconclusive(
            f"no answer at {target.base_url}: {exc.why}",
            "check that the server is up, that CONTRACT_BASE_URL names it (scheme, host, port) and that this machine reaches it; then run again",
        )
    answers = (anonymous, with_token)
    statuses = [a.status_code for a in answers]
    requested = urlsplit(url).path  # the path as requested: the base URL's own path included
    if all(status == 404 for status in statuses):
        return Inconclusive(
            f"every answer at {requested} was 404 ({_said(anonymous)}; with the token: {_said(with_token)})",
            _url_fix(target.base_url, operation.path),
        )
    api_like = any(_envelope(a) is not None for a in answers) or any(s >= 500 for s in statuses) or statuses[0] != statuses[1]
    api_like = api_like or (not ravan and any(_is_json(a) for a in answers))
    if not api_like:
        return Inconclusive(
            f"no answer at {requested} was the API's JSON{' envelope' if ravan else ''}, and the answer was the "
            f"same with and without {'a token' if ravan else 'credentials'} ({_said(anonymous)})",
            _url_fix(target.base_url, operation.path),
        )
    unauthorized = 401
    if with_token.status_code == unauthorized and ravan:
        return Inconclusive(
            f"the target refused CONTRACT_TOKEN ({_said(with_token)})",
            "give CONTRACT_TOKEN a current token that this target accepts, of an organization with Cal.com connected",
        )
    if with_token.status_code in (401, 403) and not ravan and operation.secured:
        from contract_tests.inputs.credentials import variable_for

        names = sorted({variable_for(s.name) for r in operation.requirements for s in r if s.name in target.credentials.by_scheme})
        return Inconclusive(
            f"the target refused the run's credentials for {operation.operation_id} ({', '.join(names) or 'none given'}: {_said(with_token)})",
            "give each security scheme a credential this target accepts: CONTRACT_CREDENTIAL_<SCHEME> (bearer schemes: CONTRACT_TOKEN)",
        )
    body = _envelope(with_token) or {}
    if "NOT_CONNECTED" in operation.error_codes and (with_token.status_code, body.get("code")) == operation.outcome("NOT_CONNECTED"):
        return Inconclusive(
            f"CONTRACT_TOKEN's organization ({target.token_org() or 'from the org_id query'}) has no Cal.com account "
            f"connected ({_said(with_token)}), so every lookup would stop there and nothing else could be checked",
            "give CONTRACT_TOKEN a token of an organization with Cal.com connected (a token like this one is "
            "CONTRACT_NOT_CONNECTED_TOKEN's to give)",
        )
    if target.tokens is not None:
        try:
            resigned = _answer(session, url, target.tokens.fresh())
        except TargetUnreachable as exc:
            return Inconclusive(f"{target.base_url} stopped answering: {exc.why}", "check that the server is up; then run again")
        if resigned.status_code == unauthorized:
            return Inconclusive(
                f"a copy of CONTRACT_TOKEN re-signed with CONTRACT_JWT_SECRET was refused ({_said(resigned)}): "
                "the secret is not the one this target verifies with",
                "set CONTRACT_JWT_SECRET to the target's HS256 signing secret, or unset it (the checks that mint tokens are then skipped)",
            )
    return None
