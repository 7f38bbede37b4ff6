"""CORS like Prism: preflights answered without authentication, CORS headers on every answer."""

from __future__ import annotations

import pytest

from mock_server import MockConfig, create_app
from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"
ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="module")
def cors_client(spec):
    return create_app(MockConfig(log_requests=False)).test_client()


def test_a_preflight_is_answered_without_a_token(cors_client, spec, get_appointment):
    answer = cors_client.options(get_appointment.path_for(KNOWN), headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization, x-request-id",
    })
    assert answer.status_code == 204 and answer.data == b""
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "x-request-id", "prefer"} <= allowed
    assert int(answer.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize("token,status", [(None, 401), ("valid", 200), ("other", 502)])
def test_every_answer_carries_the_origin_and_exposes_www_authenticate(cors_client, spec, token, status, get_appointment):
    headers = {"Origin": ORIGIN}
    if token == "valid":
        headers["Authorization"] = f"Bearer {mint_token()}"
    elif token == "other":
        headers["Authorization"] = f"Bearer {mint_token('org_northwind_realty')}"
    answer = cors_client.get(get_appointment.path_for(KNOWN), headers=headers)
    assert answer.status_code == (spec.status_for_code("CALCOM_API_ERROR") if status == 502 else status)
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "WWW-Authenticate" in answer.headers["Access-Control-Expose-Headers"]


def test_unknown_routes_and_admin_answers_carry_cors_too(cors_client):
    for path in ("/nowhere", "/__mock/requests"):
        assert cors_client.get(path, headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"] == ORIGIN


def test_without_an_origin_any_origin_is_allowed(cors_client, spec, get_appointment):
    assert cors_client.get(get_appointment.path_for(KNOWN)).headers["Access-Control-Allow-Origin"] == "*"


def test_hostile_requested_headers_are_not_echoed(cors_client, spec, get_appointment):
    answer = cors_client.options(get_appointment.path_for(KNOWN), headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-ok, bad header, <script>",
    })
    assert answer.headers["Access-Control-Allow-Headers"] == "x-ok, Authorization, Prefer"


def test_a_plain_options_request_is_still_405(cors_client, spec, get_appointment):
    answer = cors_client.options(get_appointment.path_for(KNOWN))
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, HEAD"


def test_no_cors_turns_it_all_off(spec, get_appointment):
    client = create_app(MockConfig(log_requests=False, cors=False)).test_client()
    preflight = client.options(get_appointment.path_for(KNOWN), headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 405 and "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Origin" not in client.get(get_appointment.path_for(KNOWN), headers={"Origin": ORIGIN}).headers
