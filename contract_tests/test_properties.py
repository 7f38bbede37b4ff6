"""Hypothesis properties of Get Appointment that schemathesis does not state: auth, tenancy, lookups.

They are about the `getAppointment` operation (its dataset, organization rules and identity); properties that
hold for every operation of the spec are in test_operations.py.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, example, given, settings

from contract_tests.transport.client import NO_TOKEN, ApiClient
from contract_tests.generation import strategies
from mock_server.contract.rules import SPEC as API, ContractViolation
from contract_tests.inputs.settings import active
from mock_server.data import GET_APPOINTMENT
from contract_tests.inputs.target import UNKNOWN_ORG, Target
from contract_tests.inputs.tokens import TokenFactory, claims_of

if GET_APPOINTMENT not in API.operations:
    pytest.skip(f"the spec has no {GET_APPOINTMENT} operation", allow_module_level=True)
SPEC = API.operation(GET_APPOINTMENT)
FIXTURES = [HealthCheck.function_scoped_fixture]
# Live mode sends only what an HTTP stack hands to the application (contract_tests/transport/reachable.py).
LIVE = active().sends_only_what_reaches_the_app

well_formed_ids = strategies.well_formed(SPEC, "appointment_id", "path")
well_formed_orgs = strategies.well_formed(SPEC, "org_id", "query")
malformed_ids = strategies.malformed_ids(SPEC, LIVE)
malformed_orgs = strategies.malformed_orgs(SPEC, LIVE)
bad_authorizations = strategies.bad_authorizations(LIVE)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


# Inputs the suite can also mint with CONTRACT_JWT_SECRET.
MINTABLE = {"not_connected_token", "token_without_org"}


def needs(target: Target, *names: str) -> None:
    """Skip, naming the environment variable, when an optional input is missing."""
    for name in names:
        if getattr(target, name) is None:
            also = " or CONTRACT_JWT_SECRET" if name in MINTABLE else ""
            pytest.skip(f"needs CONTRACT_{name.upper()}{also} (optional input not set)")


@pytest.fixture(scope="module")
def minted(api: ApiClient, target: Target) -> TokenFactory:
    """The token factory, once the target has accepted a fresh copy of its token signed with the secret."""
    if target.tokens is None:
        pytest.skip("needs CONTRACT_JWT_SECRET (the target's HS256 signing secret) to mint tokens")
    answer = api.get(target.appointment_id or "kko1gv8tFZe8JjpCpct5tG", token=target.tokens.fresh())
    if answer.status == SPEC.status_for_code("UNAUTHORIZED"):
        raise ContractViolation(
            "[jwt_secret_is_the_targets] a copy of CONTRACT_TOKEN signed anew with CONTRACT_JWT_SECRET was refused "
            f"({answer.status}): the secret is not the target's, so the tests that mint tokens would prove nothing"
        )
    return target.tokens


@pytest.fixture(scope="module")
def api(target, session) -> ApiClient:
    """The property tests' client."""
    return ApiClient(target, session, SPEC)


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


def test_an_expired_token_is_unauthorized(api, target, request):
    if target.expired_token is not None:
        expired = target.expired_token
    elif target.tokens is not None:
        expired = request.getfixturevalue("minted").expired()
    else:
        pytest.skip("needs CONTRACT_JWT_SECRET or CONTRACT_EXPIRED_TOKEN (an expired token of the target)")
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=expired), "expiry_is_enforced", code="UNAUTHORIZED")


def test_a_token_not_valid_yet_is_unauthorized(api, minted):
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=minted.not_yet_valid()), "not_before_is_enforced", code="UNAUTHORIZED")


def test_a_token_signed_with_another_key_is_unauthorized(api, minted):
    api.expect(api.get("kko1gv8tFZe8JjpCpct5tG", token=minted.wrongly_signed()), "signature_is_verified", code="UNAUTHORIZED")


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


def test_an_id_one_character_or_a_case_away_from_a_known_booking_is_another_booking(api, target):
    needs(target, "appointment_id")
    known = target.appointment_id
    flipped = known.swapcase() if known.swapcase() != known else known + "x"
    changed = known[:-1] + ("A" if known[-1] != "A" else "B")
    for near in dict.fromkeys((flipped, changed)):
        if near in target.known_ids:
            continue
        api.expect(api.get(near), "identity_is_exact", code="CALCOM_API_ERROR")


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


def test_another_organizations_token_cannot_read_this_booking(api, target, minted):
    needs(target, "appointment_id")
    other = target.other_org_id or UNKNOWN_ORG
    exchange = api.get(target.appointment_id, token=minted.for_org(other))
    assert exchange.status != 200, f"[tenant_isolation] a token of {other} read {target.token_org()}'s booking\n  {exchange.describe()}"
    api.expect(exchange, "tenant_isolation", code="CALCOM_API_ERROR" if target.other_org_id else "NOT_CONNECTED")


def test_the_org_id_query_is_the_fallback_for_a_token_without_one(api, target):
    needs(target, "token_without_org", "org_id", "appointment_id")
    body = api.expect(api.get(target.appointment_id, token=target.token_without_org, org_id=target.org_id), "org_id_fallback_works")
    assert body["data"]["org_id"] == target.org_id


def test_no_organization_anywhere_is_an_invalid_request(api, target):
    needs(target, "token_without_org")
    api.expect(api.get(target.appointment_id or "kko1gv8tFZe8JjpCpct5tG", token=target.token_without_org), "organization_is_required", code="INVALID_REQUEST")
