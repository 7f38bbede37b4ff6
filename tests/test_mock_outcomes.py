"""Every documented outcome of the mock, reached by real requests and validated against openapi.yaml."""

from __future__ import annotations

import pytest

from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"
NORTHWIND_BOOKING = "tcSSSS7XhS4D5EVB8Nf471"


def test_every_booking_of_every_connected_organization_is_served(client, spec, dataset, get_appointment):
    served = 0
    for org in dataset.organizations.values():
        if org.calcom != "connected":
            continue
        tok = mint_token(org.id)
        for uid in org.bookings:
            response = client.get(get_appointment.path_for(uid), token=tok)
            assert response.status_code == 200
            data = response.get_json()["data"]
            assert data["appointment"]["id"] == uid
            assert data["appointment"]["organization_id"] == org.id == data["org_id"]
            assert data["agent_id"] == data["appointment"]["agent_id"]
            served += 1
    assert served >= 15


def test_the_connected_organization_has_a_dozen_bookings_in_every_status(dataset, spec, get_appointment):
    org = dataset.organizations["org_sunrise_dental"]
    assert len(org.bookings) >= 12
    import json

    statuses = {json.loads(body)["data"]["appointment"]["status"] for body in org.bookings.values()}
    enum = get_appointment.responses[200].schema["properties"]["data"]["properties"]["appointment"]["properties"]["status"]["enum"]
    assert statuses == set(enum)


@pytest.mark.parametrize(
    ("org", "appointment_id", "query", "code"),
    [
        (None, "has space", "", "UNAUTHORIZED"),
        ("org_sunrise_dental", "bad.id", "", "INVALID_REQUEST"),
        ("org_sunrise_dental", KNOWN, "org_id=bad%20org", "INVALID_REQUEST"),
        ("org_harbor_physio", KNOWN, "", "NOT_CONNECTED"),
        ("org_never_heard_of", KNOWN, "", "NOT_CONNECTED"),
        ("org_lakeside_legal", KNOWN, "", "CALCOM_API_ERROR"),
        ("org_sunrise_dental", "9xQmR4tLwZ8cVb2Nf6Hj3k", "", "CALCOM_API_ERROR"),
        ("org_ironclad_storage", KNOWN, "", "INTERNAL_ERROR"),
    ],
)
def test_each_error_code_is_reachable_without_prefer(client, spec, org, appointment_id, query, code, get_appointment):
    tok = mint_token(org) if org else None
    response = client.get(get_appointment.path_for(appointment_id) + (f"?{query}" if query else ""), token=tok)
    body = response.get_json()
    assert (response.status_code, body["code"]) == (spec.status_for_code(code), code)
    assert body["success"] is False and body["message"]


def test_authentication_is_checked_before_input(client, spec, get_appointment):
    response = client.get(get_appointment.path_for("not valid!"))
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_another_organizations_booking_is_not_found_for_you(client, spec, token, get_appointment):
    response = client.get(get_appointment.path_for(NORTHWIND_BOOKING), token=token)
    assert response.get_json()["code"] == "CALCOM_API_ERROR"
    assert "Northwind" not in response.get_data(as_text=True)


def test_the_token_organization_wins_over_the_query(client, spec, token, get_appointment):
    response = client.get(get_appointment.path_for(NORTHWIND_BOOKING) + "?org_id=org_northwind_realty", token=token)
    assert response.get_json()["code"] == "CALCOM_API_ERROR"
    own = client.get(get_appointment.path_for(KNOWN) + "?org_id=org_northwind_realty", token=token)
    assert own.status_code == 200 and own.get_json()["data"]["org_id"] == "org_sunrise_dental"


def test_the_query_organization_is_the_fallback_for_a_token_without_one(client, spec, get_appointment):
    no_org = mint_token(None)
    response = client.get(get_appointment.path_for(NORTHWIND_BOOKING) + "?org_id=org_northwind_realty", token=no_org)
    assert response.status_code == 200
    assert response.get_json()["data"]["org_id"] == "org_northwind_realty"
    neither = client.get(get_appointment.path_for(NORTHWIND_BOOKING), token=no_org)
    assert (neither.status_code, neither.get_json()["code"]) == get_appointment.outcome("INVALID_REQUEST")
    assert "organization" in neither.get_json()["message"]


@pytest.mark.parametrize("query", ["org_id=", "org_id=a&org_id=b", "org_id=" + "x" * 129, "org_id=%00"])
def test_malformed_org_id_queries_are_rejected_even_with_an_org_claim(client, spec, token, query, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN) + "?" + query, token=token)
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("INVALID_REQUEST")


@pytest.mark.parametrize("path_tail", ["", "/", "a/b", "a%2Fb", "..%2F..%2Fetc", "x" * 129, "%F0%9F%98%80", "a%00b", "0%0A", "%0D%0Ax", "a%09b"])
def test_malformed_appointment_ids_are_invalid_requests(client, spec, token, path_tail, get_appointment):
    response = client.get(get_appointment.route_prefix().rstrip("/") + ("/" if path_tail else "") + path_tail, token=token)
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("INVALID_REQUEST")


def test_the_longest_valid_id_is_looked_up_not_rejected(client, spec, token, get_appointment):
    response = client.get(get_appointment.path_for("x" * 128), token=token)
    assert response.get_json()["code"] == "CALCOM_API_ERROR"


def test_unknown_routes_and_methods_answer_with_the_envelope(client, spec, get_appointment):
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "INVALID_REQUEST")
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        response = client.request(method, get_appointment.path_for(KNOWN))
        assert response.status_code == 405, method
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_head_answers_like_get_without_a_body(app, spec, token, get_appointment):
    response = app.test_client().head(get_appointment.path_for(KNOWN), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.data == b""


def test_an_uncaught_exception_is_a_500_envelope_without_a_trace(client, spec, token, monkeypatch, get_appointment):
    def explode(*_args):
        raise KeyError("secret internals")

    monkeypatch.setattr("mock_server.profiles.ravan.pipeline.lookup_booking", explode)
    response = client.get(get_appointment.path_for(KNOWN), token=token)
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("INTERNAL_ERROR")
    assert "Traceback" not in response.get_data(as_text=True)
    assert "secret internals" not in response.get_data(as_text=True)


def test_the_same_request_twice_gives_the_same_body(client, spec, token, get_appointment):
    first = client.get(get_appointment.path_for(KNOWN), token=token)
    second = client.get(get_appointment.path_for(KNOWN), token=token)
    assert first.data == second.data
