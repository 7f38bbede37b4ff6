"""The admin API under /__mock/: the request journal, bookings added at run time, reset, its guard."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from flask import Flask

from mock_server import MockConfig, create_app
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"
CANCELLED = {
    "id": "cancelledBooking0001", "organization_id": "org_brand_new", "ghl_appointment_id": "", "contact_id": "",
    "agent_id": "agent_zed", "agent_name": "Zed", "contact_name": "Kim Lee", "contact_email": "kim@example.com",
    "contact_phone": "+14155550199", "appointment_time": "2026-07-01T10:00:00Z", "end_time": "2026-07-01T10:30:00Z",
    "status": "cancelled",
}


@pytest.fixture()
def admin_app() -> Flask:
    """A fresh mock per test: the admin API changes its data."""
    return create_app(MockConfig(log_requests=False))


def test_a_booking_added_at_run_time_is_served_and_reset_removes_it(admin_app, spec, get_appointment):
    client = admin_app.test_client()
    created = client.post("/__mock/appointments", json=CANCELLED)
    assert created.status_code == 201 and created.get_json() == CANCELLED
    token = mint_token("org_brand_new")
    served = client.get(get_appointment.path_for(CANCELLED["id"]), headers={"Authorization": f"Bearer {token}"})
    assert served.status_code == 200 and served.get_json()["data"]["appointment"] == CANCELLED
    assert served.get_json()["data"]["org_id"] == "org_brand_new"
    other = client.get(get_appointment.path_for(CANCELLED["id"]), headers={"Authorization": f"Bearer {mint_token()}"})
    assert (other.status_code, other.get_json()["code"]) == get_appointment.outcome("CALCOM_API_ERROR")  # invisible to other tenants
    reset = client.post("/__mock/reset")
    assert reset.status_code == 200 and reset.get_json() == {"organizations": 5, "bookings": 15}
    gone = client.get(get_appointment.path_for(CANCELLED["id"]), headers={"Authorization": f"Bearer {token}"})
    assert (gone.status_code, gone.get_json()["code"]) == get_appointment.outcome("NOT_CONNECTED")


def test_replacing_and_deleting_a_booking(admin_app, spec, get_appointment):
    client = admin_app.test_client()
    changed = {**_known(admin_app), "status": "cancelled"}
    assert client.post("/__mock/appointments", json=changed).status_code == 201
    served = client.get(get_appointment.path_for(KNOWN), headers={"Authorization": f"Bearer {mint_token()}"})
    assert served.get_json()["data"]["appointment"]["status"] == "cancelled"
    assert client.delete(f"/__mock/appointments/{KNOWN}").status_code == 204
    missing = client.delete(f"/__mock/appointments/{KNOWN}")
    assert missing.status_code == 404 and missing.get_json()["code"] == "INVALID_REQUEST"
    assert client.get(get_appointment.path_for(KNOWN), headers={"Authorization": f"Bearer {mint_token()}"}).status_code == spec.status_for_code("CALCOM_API_ERROR")


def _known(app: Flask) -> dict[str, Any]:
    body = app.extensions["mock"]["dataset"].organizations["org_sunrise_dental"].bookings[KNOWN]
    return json.loads(body)["data"]["appointment"]


@pytest.mark.parametrize("body,mentions", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({**CANCELLED, "contact_email": 7}).encode(), "contact_email: 7 is not of type"),
    (json.dumps({**CANCELLED, "status": "done"}).encode(), 'status: "done" is not one of'),
    (json.dumps({**CANCELLED, "contact_phone": "555-0199"}).encode(), "contact_phone:"),
    (json.dumps({**CANCELLED, "end_time": "2026-07-01T09:00:00Z"}).encode(), "end_time: must be after appointment_time"),
    (json.dumps({**CANCELLED, "id": "bad id!"}).encode(), "id:"),
    (json.dumps({**CANCELLED, "colour": "blue"}).encode(), "colour: not a field of Appointment"),
    (json.dumps({**CANCELLED, "organization_id": "org_harbor_physio"}).encode(), "org_harbor_physio is not connected"),
    (b"x" * 70_000, "larger than 64 KiB"),
])
def test_a_malformed_body_is_an_envelope_naming_the_field_and_changes_nothing(admin_app, spec, body, mentions):
    client = admin_app.test_client()
    store = admin_app.extensions["mock"]["store"]
    before = store.counts()
    answer = client.post("/__mock/appointments", data=body, content_type="application/json")
    assert answer.status_code in (400, 409) and answer.get_json()["code"] == "INVALID_REQUEST"
    assert mentions in answer.get_json()["message"], answer.get_json()
    assert store.counts() == before


def test_a_booking_takes_the_fields_that_matter_and_the_rest_is_filled(admin_app, get_appointment):
    client = admin_app.test_client()
    added = client.post("/__mock/appointments", json={"contact_name": "Priya Natarajan", "status": "pending"})
    assert added.status_code == 201, added.get_json()
    booking = added.get_json()
    assert booking["organization_id"] == "org_sunrise_dental" and booking["status"] == "pending"
    assert (booking["agent_id"], booking["agent_name"]) in {("agent_maya", "Maya (front desk)"), ("agent_theo", "Theo (scheduling)")}
    assert booking["ghl_appointment_id"] == "" and booking["contact_id"] == "" and booking["contact_email"] == "priya@example.com"
    assert len(booking["id"]) == 22 and booking["end_time"] > booking["appointment_time"]
    read = client.get(get_appointment.path_for(booking["id"]), headers={"Authorization": f"Bearer {mint_token('org_sunrise_dental')}"})
    assert read.status_code == 200 and read.get_json()["data"]["appointment"] == booking


def test_every_problem_of_a_bad_booking_is_listed_at_once(admin_app):
    client = admin_app.test_client()
    refused = client.post("/__mock/appointments", json={"contact_email": "nope", "status": "done", "colour": "red"})
    assert refused.status_code == 400
    fields = [problem["field"] for problem in refused.get_json()["problems"]]
    assert "colour" in fields and "contact_email" in fields and "status" in fields, refused.get_json()
    assert refused.get_json()["message"].startswith(f"{len(fields)} problems: ")


def test_the_journal_records_requests_oldest_first_without_tokens(admin_app, spec, get_appointment):
    client = admin_app.test_client()
    token = mint_token("org_sunrise_dental")
    client.get(get_appointment.path_for(KNOWN), headers={"Authorization": f"Bearer {token}"})
    client.get(get_appointment.path_for("nope") + "?org_id=org_x")
    client.get("/somewhere/else")
    entries = client.get("/__mock/requests").get_json()["requests"]
    assert [(e["path"], e["query"], e["org_id"], e["status"], e["code"]) for e in entries] == [
        (get_appointment.path_for(KNOWN), "", "org_sunrise_dental", 200, None),
        (get_appointment.path_for("nope"), "org_id=org_x", None, 401, "UNAUTHORIZED"),
        ("/somewhere/else", "", None, 404, "INVALID_REQUEST"),
    ]
    assert all(e["method"] == "GET" and e["time"].endswith("Z") for e in entries)
    assert token not in json.dumps(entries) and token.split(".")[2] not in json.dumps(entries)
    assert [e["path"] for e in client.get("/__mock/requests?limit=1").get_json()["requests"]] == ["/somewhere/else"]
    assert client.delete("/__mock/requests").status_code == 204
    assert client.get("/__mock/requests").get_json() == {"requests": []}


def test_a_full_journal_drops_the_oldest_and_never_blocks(spec, get_appointment):
    app = create_app(MockConfig(log_requests=False, journal_size=5))
    client = app.test_client()
    for n in range(12):
        client.get(get_appointment.path_for(f"id{n}"))
    paths = [e["path"] for e in client.get("/__mock/requests").get_json()["requests"]]
    assert paths == [get_appointment.path_for(f"id{n}") for n in range(7, 12)]


@pytest.mark.parametrize("path,method,status", [
    ("/__mock/requests", "POST", 405), ("/__mock/reset", "GET", 405), ("/__mock/nothing", "GET", 404),
    ("/__mock/requests?limit=abc", "GET", 400),
])
def test_admin_errors_are_envelopes(admin_app, path, method, status):
    answer = admin_app.test_client().open(path, method=method)
    assert answer.status_code == status and answer.get_json()["code"] == "INVALID_REQUEST"


def test_without_admin_the_routes_are_the_usual_404(spec):
    client = create_app(MockConfig(log_requests=False, admin=False)).test_client()
    answer = client.get("/__mock/requests")
    assert answer.status_code == 404 and answer.get_json()["code"] == "INVALID_REQUEST"


def test_an_admin_token_is_required_when_configured(spec):
    client = create_app(MockConfig(log_requests=False, admin_token="s3cret-admin")).test_client()
    refused = client.post("/__mock/reset", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.get_json()["code"] == "UNAUTHORIZED"
    assert client.post("/__mock/reset").status_code == 401
    assert client.post("/__mock/reset", headers={"Authorization": "Bearer s3cret-admin"}).status_code == 200


def test_beyond_loopback_without_a_token_the_admin_api_is_off_and_says_why():
    config = MockConfig(host="0.0.0.0", log_requests=False)
    assert "beyond loopback" in (config.admin_refusal() or "")
    assert create_app(config).test_client().get("/__mock/requests").status_code == 404
    assert MockConfig(host="0.0.0.0", admin_token="t").admin_refusal() is None


def _call(url: str, method: str = "GET", body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_across_worker_processes_data_and_journal_are_shared(spec, server_name, get_appointment):
    with MockProcess("--server", server_name, "--workers", "2", "--threads", "2", "--quiet") as server:
        assert _call(f"{server.base_url}/__mock/appointments", "POST", CANCELLED)[0] == 201
        token = mint_token("org_brand_new")
        statuses = []
        barrier = threading.Barrier(8)

        def fetch() -> None:
            barrier.wait()
            for _ in range(10):
                statuses.append(_call(server.base_url + get_appointment.path_for(CANCELLED["id"]), token=token)[0])

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 80  # every worker serves the booking at once
        entries = _call(f"{server.base_url}/__mock/requests?limit=1000")[1]["requests"]
        served = [e for e in entries if e["path"] == get_appointment.path_for(CANCELLED["id"])]
        assert len(served) == 80 and {e["org_id"] for e in served} == {"org_brand_new"}
        assert _call(f"{server.base_url}/__mock/reset", "POST")[0] == 200
        assert _call(f"{server.base_url}/__mock/requests")[1] == {"requests": []}
        assert _call(server.base_url + get_appointment.path_for(CANCELLED["id"]), token=token)[0] == spec.status_for_code("NOT_CONNECTED")
        assert [e["code"] for e in _call(f"{server.base_url}/__mock/requests")[1]["requests"]] == ["NOT_CONNECTED"]


def test_the_bookings_are_listed_by_organization_with_a_limit(admin_app):
    client = admin_app.test_client()
    listed = client.get("/__mock/appointments")
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["count"] == body["total"] == len(body["appointments"]) > 0
    assert KNOWN in {a["id"] for a in body["appointments"]}
    keys = [(a["organization_id"], a["id"]) for a in body["appointments"]]
    assert keys == sorted(keys)
    client.post("/__mock/appointments", json=CANCELLED)
    mine = client.get("/__mock/appointments?organization_id=org_brand_new").get_json()
    assert mine["appointments"] == [CANCELLED] and mine["total"] == body["total"] + 1
    assert client.get("/__mock/appointments?limit=2").get_json()["count"] == 2
    bad = client.get("/__mock/appointments?limit=zero")
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_REQUEST"
