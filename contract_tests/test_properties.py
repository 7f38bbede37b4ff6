"""Hypothesis properties of the contract that schemathesis does not state: auth, tenancy, lookups."""

from __future__ import annotations

import base64
import re
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contract_tests.rules import SPEC
from contract_tests.client import NO_TOKEN, ApiClient
from contract_tests.target import Target, claims_of

ID_PATTERN = SPEC.parameter_pattern("appointment_id", "path")
ORG_PATTERN = SPEC.parameter_pattern("org_id", "query")
ID_SCHEMA = SPEC.parameter_schema("appointment_id", "path")
FIXTURES = [HealthCheck.function_scoped_fixture]

well_formed_ids = st.from_regex(ID_PATTERN, fullmatch=True)
well_formed_orgs = st.from_regex(ORG_PATTERN, fullmatch=True)
# Malformed: outside the pattern. A '/' or a lone '.'/'..' is left out: proxies rewrite such paths.
_path_safe = st.characters(exclude_categories=("Cs",), exclude_characters="/")
malformed_ids = st.one_of(
    st.text(_path_safe, min_size=1, max_size=40).filter(lambda s: not ID_PATTERN.fullmatch(s) and s not in (".", "..")),
    st.text(st.sampled_from("abcXYZ019_-"), min_size=ID_SCHEMA["maxLength"] + 1, max_size=ID_SCHEMA["maxLength"] + 60),
)
malformed_orgs = st.one_of(
    st.just(""),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(lambda s: not ORG_PATTERN.fullmatch(s)),
)
# What an HTTP client can send at all: latin-1, no line breaks, no leading blank.
_header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=80).map(lambda s: re.sub(r"^\s+", "", s))
bad_authorizations = st.one_of(
    st.just(""),
    st.just("Bearer"),
    st.just("Bearer "),
    st.builds("Basic {}".format, _header_text),
    st.builds("Token {}".format, _header_text),
    st.builds("Bearer {}".format, _header_text),
    _header_text,
)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


def needs(target: Target, *names: str) -> None:
    """Skip, naming the environment variable, when an optional input is missing."""
    for name in names:
        if getattr(target, name) is None:
            pytest.skip(f"needs CONTRACT_{name.upper()} (optional input not set)")


@pytest.fixture(scope="module")
def api(target, session) -> ApiClient:
    """The property tests' client."""
    return ApiClient(target, session)


# --- authentication -------------------------------------------------------------------------------


def test_no_authorization_header_is_unauthorized(api):
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=NO_TOKEN), "auth_is_required", code="UNAUTHORIZED")


@settings(suppress_health_check=FIXTURES)
@given(authorization=bad_authorizations)
@example(authorization="Bearer not.a.jwt")
def test_bad_authorization_headers_are_unauthorized(api, authorization):
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", authorization=authorization), "auth_is_required", code="UNAUTHORIZED")


def test_a_tampered_signature_is_unauthorized(api, target):
    head, payload, signature = (target.token.split(".") + ["", "", ""])[:3]
    flipped = ("A" if signature[:1] != "A" else "B") + signature[1:]
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=f"{head}.{payload}.{flipped}"), "signature_is_verified", code="UNAUTHORIZED")


def test_a_tampered_payload_is_unauthorized(api, target):
    head, _payload, signature = (target.token.split(".") + ["", "", ""])[:3]
    claims = {**claims_of(target.token), "org_id": target.other_org_id or "org_someone_else"}
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=f"{head}.{_b64(claims)}.{signature}"), "signature_is_verified", code="UNAUTHORIZED")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_alg_none_reencoding_of_the_token_is_unauthorized(api, target, alg):
    unsigned = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims_of(target.token))}."
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=unsigned), "alg_none_is_refused", code="UNAUTHORIZED")


def test_an_expired_token_is_unauthorized(api, target):
    if target.mint is None:
        pytest.skip("needs the signing secret to mint an expired token: only against the embedded mock")
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=target.mint(target.token_org(), expires_in=-120)), "expiry_is_enforced", code="UNAUTHORIZED")


def test_authentication_comes_before_input_validation(api):
    api.expect(api.get("not a valid id!", token=NO_TOKEN), "auth_is_checked_first", code="UNAUTHORIZED")


# --- input validation ---------------------------------------------------------------------------


@settings(suppress_health_check=FIXTURES)
@given(appointment_id=malformed_ids)
def test_malformed_appointment_ids_are_invalid_requests(api, appointment_id):
    api.expect(api.get(appointment_id), "malformed_id_is_rejected", code="INVALID_REQUEST")


@settings(suppress_health_check=FIXTURES)
@given(org_id=malformed_orgs)
def test_malformed_org_ids_are_invalid_requests_even_with_an_org_claim(api, target, org_id):
    api.expect(api.get(target.appointment_id or "kko1gv8tFZe8JjpCpct5tG", org_id=org_id), "malformed_org_id_is_rejected", code="INVALID_REQUEST")


# --- lookups ---------------------------------------------------------------------------------


@settings(suppress_health_check=FIXTURES)
@given(appointment_id=well_formed_ids)
def test_well_formed_unknown_ids_are_calcom_api_errors(api, target, appointment_id):
    if appointment_id in target.known_ids:
        return
    api.expect(api.get(appointment_id), "unknown_booking_is_calcom_api_error", code="CALCOM_API_ERROR")


def test_a_known_booking_is_returned(api, target):
    needs(target, "appointment_id")
    body = api.expect(api.get(target.appointment_id), "known_booking_is_returned")
    assert body["data"]["appointment"]["id"] == target.appointment_id


def test_the_same_get_twice_gives_the_same_body(api, target):
    needs(target, "appointment_id")
    first, second = api.get(target.appointment_id), api.get(target.appointment_id)
    assert first.body == second.body, "[get_is_repeatable] the same GET gave two different bodies"


def test_an_organization_without_calcom_is_not_connected(api, target):
    needs(target, "not_connected_token")
    api.expect(api.get(target.appointment_id or "kko1gv8tFZe8JjpCpct5tG", token=target.not_connected_token), "not_connected_is_reported", code="NOT_CONNECTED")


# --- organization resolution --------------------------------------------------------------------


@settings(suppress_health_check=FIXTURES)
@given(org_id=well_formed_orgs)
def test_the_tokens_organization_wins_over_any_org_id_query(api, target, org_id):
    needs(target, "appointment_id")
    body = api.expect(api.get(target.appointment_id, org_id=org_id), "token_org_wins_over_query")
    assert body["data"]["org_id"] != org_id or org_id == target.token_org(), "[token_org_wins_over_query] the query chose the organization"


def test_a_query_for_another_organization_never_returns_its_booking(api, target):
    needs(target, "other_org_id", "other_appointment_id")
    exchange = api.get(target.other_appointment_id, org_id=target.other_org_id)
    assert not (exchange.status == 200), (
        f"[tenant_isolation] a token of {target.token_org()} read {target.other_org_id}'s booking through ?org_id=\n  {exchange.describe()}"
    )
    api.expect(exchange, "tenant_isolation", code="CALCOM_API_ERROR")


def test_the_org_id_query_is_the_fallback_for_a_token_without_one(api, target):
    needs(target, "token_without_org", "org_id", "appointment_id")
    body = api.expect(api.get(target.appointment_id, token=target.token_without_org, org_id=target.org_id), "org_id_fallback_works")
    assert body["data"]["org_id"] == target.org_id


def test_no_organization_anywhere_is_an_invalid_request(api, target):
    needs(target, "token_without_org")
    api.expect(api.get(target.appointment_id or "kko1gv8tFZe8JjpCpct5tG", token=target.token_without_org), "organization_is_required", code="INVALID_REQUEST")
