"""Writes and state, end to end: the mock infers resources from the spec and keeps their state; the suite checks
what writes mean, against the mock and against an independent server (tests/independent/writes_server.py), and
touches nothing it did not create.

The spec is openapi.yaml with the next endpoints of the same API merged in (tests/specs/appointment_writes.yaml):
book, list, reschedule and cancel appointments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_server.serving.launcher import MockProcess, ServerProcess
from mock_server.spec import load_spec
from mock_server.tokens import mint_token
from tests.independent.servers import DATA, SECRET, start_writes_server
from tests.specs import spec_with_writes

ROOT = Path(__file__).resolve().parent.parent
BASE = "/api/v1/calcom/appointments"
BOOKING = {"agent_id": "agent_maya", "contact_name": "Jordan Lee", "contact_email": "jordan.lee@example.com",
           "appointment_time": "2026-04-02T15:00:00Z", "end_time": "2026-04-02T15:30:00Z"}
SEEDS = [20261205 + i for i in range(int(os.environ.get("FALSE_ALARM_SEEDS", "2")))]
FAULTS = {
    "not_persisted": "created_resource_is_readable",
    "field_not_echoed": "create_echoes_request",
    "stored_differently": "read_matches_written",
    "update_not_persisted": "update_is_persisted",
    "patch_wipes_unsent": "patch_keeps_unsent_fields",
    "delete_not_effective": "deleted_resource_is_gone",
    "second_delete_500": "deleted_resource_is_gone",
    "cross_tenant_delete": "write_stays_in_its_tenant",
    "no_body_validation": "invalid_body_is_rejected",
    "create_200": "status_is_documented",
    "no_location": "location_names_created_resource",
    "invalid_json_500": "invalid_body_is_rejected",
    "create_without_token": "auth_is_required",
}


@pytest.fixture(scope="module")
def writes_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return spec_with_writes(tmp_path_factory.mktemp("writes"))


@pytest.fixture(scope="module")
def mock(writes_spec: Path) -> Iterator[MockProcess]:
    with MockProcess("--quiet", "--spec", str(writes_spec), "--workers", "2") as process:
        yield process


def token(org: str | None = "org_sunrise_dental") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(org)}"}


def book(mock: MockProcess, body: dict | None = None, org: str = "org_sunrise_dental") -> requests.Response:
    return requests.post(mock.base_url + BASE, json=body or BOOKING, headers=token(org), timeout=10)


def test_the_mock_says_which_resources_it_keeps_state_for(writes_spec: Path):
    run = subprocess.run([sys.executable, "-m", "mock_server", "--spec", str(writes_spec), "--port", "0", "--check"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "state: appointments: create, read, update, delete, list (ID appointment_id = id)" in run.stderr, run.stderr
    generic = subprocess.run([sys.executable, "-m", "mock_server", "--spec", "tests/specs/generic/recursive_refs.yaml", "--port", "0",
                              "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "note: plantTree (POST /trees): served from its examples, nothing stored" in generic.stderr, generic.stderr


def test_a_booking_lives_through_create_read_list_reschedule_and_cancel(mock: MockProcess):
    created = book(mock)
    assert created.status_code == 201, created.text
    appointment = created.json()["data"]["appointment"]
    uid = appointment["id"]
    assert created.headers["Location"] == f"{BASE}/{uid}"
    assert len(uid) == 22 and appointment["organization_id"] == "org_sunrise_dental" and appointment["status"] == "accepted"
    assert appointment["contact_phone"] == "" and appointment["ghl_appointment_id"] == ""  # the request schema's defaults
    assert appointment["agent_name"] == "Maya (front desk)"  # the organization's own name for its agent
    assert list(appointment) == list(load_spec().operation("getAppointment").responses[200].schema["properties"]["data"]
                                     ["properties"]["appointment"]["required"])
    read = requests.get(mock.base_url + f"{BASE}/{uid}", headers=token(), timeout=10)
    assert read.status_code == 200 and read.json()["data"]["appointment"] == appointment
    listed = requests.get(mock.base_url + BASE, params={"limit": 100}, headers=token(), timeout=10).json()["data"]
    assert uid in [a["id"] for a in listed["appointments"]] and listed["count"] == len(listed["appointments"])
    moved = requests.patch(mock.base_url + f"{BASE}/{uid}", json={"appointment_time": "2026-04-03T15:00:00Z",
                           "end_time": "2026-04-03T16:00:00Z"}, headers=token(), timeout=10)
    assert moved.status_code == 200 and moved.json()["message"] == "Appointment updated"
    after = requests.get(mock.base_url + f"{BASE}/{uid}", headers=token(), timeout=10).json()["data"]["appointment"]
    assert after["appointment_time"] == "2026-04-03T15:00:00Z" and after["contact_name"] == "Jordan Lee"  # a PATCH merges
    pending = requests.get(mock.base_url + BASE, params={"status": "pending"}, headers=token(), timeout=10).json()["data"]
    assert uid not in [a["id"] for a in pending["appointments"]]
    cancelled = requests.delete(mock.base_url + f"{BASE}/{uid}", headers=token(), timeout=10)
    assert cancelled.status_code == 204 and cancelled.content == b""
    for method in ("get", "patch", "delete"):
        gone = requests.request(method, mock.base_url + f"{BASE}/{uid}", json={"status": "pending"} if method == "patch" else None,
                                headers=token(), timeout=10)
        assert (gone.status_code, gone.json()["code"]) == (502, "CALCOM_API_ERROR"), (method, gone.text)


def test_another_organization_never_sees_or_changes_a_booking(mock: MockProcess):
    uid = book(mock).json()["data"]["appointment"]["id"]
    other = token("org_northwind_realty")
    assert requests.get(mock.base_url + f"{BASE}/{uid}", headers=other, timeout=10).status_code == 502
    assert requests.patch(mock.base_url + f"{BASE}/{uid}", json={"status": "rejected"}, headers=other, timeout=10).status_code == 502
    assert requests.delete(mock.base_url + f"{BASE}/{uid}", headers=other, timeout=10).status_code == 502
    listed = requests.get(mock.base_url + BASE, params={"limit": 100}, headers=other, timeout=10).json()["data"]["appointments"]
    assert uid not in [a["id"] for a in listed]
    mine = requests.get(mock.base_url + f"{BASE}/{uid}", headers=token(), timeout=10).json()["data"]["appointment"]
    assert mine["status"] == "accepted"
    fallback = {"Authorization": f"Bearer {mint_token(None)}"}  # the org_id query counts only for a token without the claim
    assert requests.get(mock.base_url + f"{BASE}/{uid}", params={"org_id": "org_northwind_realty"}, headers=fallback, timeout=10).status_code == 502
    assert requests.get(mock.base_url + f"{BASE}/{uid}", params={"org_id": "org_sunrise_dental"}, headers=fallback, timeout=10).status_code == 200


@pytest.mark.parametrize("data,content_type,says", [
    (b"{not json", "application/json", "not valid JSON"),
    (b"", "application/json", "Missing request body"),
    (json.dumps({**BOOKING, "colour": "red"}).encode(), "application/json", "Additional properties"),
    (json.dumps({k: v for k, v in BOOKING.items() if k != "end_time"}).encode(), "application/json", "/end_time: missing"),
    (json.dumps({**BOOKING, "agent_id": 7}).encode(), "application/json", "/agent_id"),
    (json.dumps({**BOOKING, "contact_email": "not-an-email"}).encode(), "application/json", "/contact_email"),
    (json.dumps({**BOOKING, "end_time": "2026-04-02T14:00:00Z"}).encode(), "application/json", "must be after appointment_time"),
    (json.dumps(BOOKING).encode(), "text/plain", "Unsupported Content-Type"),
])
def test_a_bad_body_is_invalid_input_and_changes_nothing(mock: MockProcess, data: bytes, content_type: str, says: str):
    before = requests.get(mock.base_url + BASE, params={"limit": 100}, headers=token(), timeout=10).json()["data"]["count"]
    refused = requests.post(mock.base_url + BASE, data=data, headers={**token(), "Content-Type": content_type}, timeout=10)
    assert refused.status_code == 400 and refused.json()["code"] == "INVALID_REQUEST" and says in refused.json()["message"], refused.text
    after = requests.get(mock.base_url + BASE, params={"limit": 100}, headers=token(), timeout=10).json()["data"]["count"]
    assert after == before


def test_authentication_comes_before_the_body_and_the_organization(mock: MockProcess):
    refused = requests.post(mock.base_url + BASE, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHORIZED"
    not_connected = book(mock, org="org_harbor_physio")
    assert not_connected.status_code == 400 and not_connected.json()["code"] == "NOT_CONNECTED"


def test_reset_brings_back_the_dataset_and_the_journal_records_writes(mock: MockProcess):
    uid = book(mock).json()["data"]["appointment"]["id"]
    assert requests.delete(mock.base_url + f"{BASE}/kko1gv8tFZe8JjpCpct5tG", headers=token(), timeout=10).status_code == 204
    journal = requests.get(mock.base_url + "/__mock/requests", params={"limit": 500}, timeout=10).json()
    assert any(entry["method"] == "POST" and entry["status"] == 201 for entry in journal["requests"]), journal
    assert requests.post(mock.base_url + "/__mock/reset", timeout=10).status_code == 200
    assert requests.get(mock.base_url + f"{BASE}/kko1gv8tFZe8JjpCpct5tG", headers=token(), timeout=10).status_code == 200
    assert requests.get(mock.base_url + f"{BASE}/{uid}", headers=token(), timeout=10).status_code == 502


def test_prefer_and_runtime_answers_work_for_writes(mock: MockProcess):
    forced = requests.post(mock.base_url + BASE, json=BOOKING, headers={**token(), "Prefer": "code=500"}, timeout=10)
    assert forced.status_code == 500 and forced.json()["code"] == "INTERNAL_ERROR"
    still_checked = requests.post(mock.base_url + BASE, json={}, headers={**token(), "Prefer": "code=500"}, timeout=10)
    assert still_checked.status_code == 400  # input is checked before Prefer is honoured


def test_a_spec_without_a_profile_gets_a_stateful_mock_seeded_from_its_examples():
    notes = ROOT / "tests" / "specs" / "generic" / "openapi31.yaml"
    with MockProcess("--quiet", "--spec", str(notes)) as process:
        headers = {"Authorization": "Bearer any"}
        created = requests.post(process.base_url + "/notes", json={"text": "milk"}, headers=headers, timeout=10)
        assert created.status_code == 201 and created.json()["text"] == "milk" and created.json()["kind"] == "note"
        note_id = created.json()["id"]
        assert requests.get(process.base_url + f"/notes/{note_id}", headers=headers, timeout=10).json() == created.json()
        unknown = requests.get(process.base_url + "/notes/n_zzz999", headers=headers, timeout=10)
        # no 404 documented for getNote: answered as Prism answers, with the ID asked for, and nothing stored
        assert unknown.status_code == 200 and unknown.json()["id"] == "n_zzz999"


def run_suite(env: dict[str, str], report_dir: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    clean.update(env)
    return subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(report_dir)], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=600)


def test_the_suite_is_green_on_the_mock_serving_the_writes_spec(writes_spec: Path, tmp_path: Path):
    run = run_suite({"CONTRACT_SPEC": str(writes_spec), "CONTRACT_SEED": "5", "CONTRACT_MAX_EXAMPLES": "20"}, tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "GREEN" in output and "unsafe methods: allowed (embedded mock)" in output, output[-3000:]
    assert "writes: created" in output and ", left 0" in output, output[-3000:]
    report = (tmp_path / "contract-report.md").read_text()
    for rule in ("created_resource_is_readable", "patch_keeps_unsent_fields", "deleted_resource_is_gone", "write_stays_in_its_tenant"):
        assert f"| `{rule}` | held |" in report


def live_inputs(base_url: str, seed: int, allow: bool) -> dict[str, str]:
    inputs = {"CONTRACT_BASE_URL": base_url, "CONTRACT_TOKEN": mint_token(DATA["org"], secret=SECRET), "CONTRACT_JWT_SECRET": SECRET,
              "CONTRACT_APPOINTMENT_ID": DATA["appointment_id"], "CONTRACT_OTHER_ORG_ID": DATA["other_org"],
              "CONTRACT_OTHER_APPOINTMENT_ID": DATA["other_appointment_id"], "CONTRACT_ORG_ID": DATA["org"],
              "CONTRACT_RATE_LIMIT": "0", "CONTRACT_SEED": str(seed), "CONTRACT_MAX_EXAMPLES": "30"}
    if allow:
        inputs["CONTRACT_ALLOW_UNSAFE"] = "1"
    return inputs


def harm(server: ServerProcess) -> dict[str, object]:
    return requests.get(server.base_url + "/__independent/state", timeout=10).json()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_correct_server_with_writes_is_green_and_left_as_it_was(writes_spec: Path, tmp_path: Path, seed: int):
    server = start_writes_server()
    try:
        run = run_suite({"CONTRACT_SPEC": str(writes_spec), **live_inputs(server.base_url, seed, allow=True)}, tmp_path)
        output = run.stdout + run.stderr
        assert run.returncode == 0 and "GREEN:" in output, output[-4000:]
        state = harm(server)
        assert state["changed"] == [] and state["deleted"] == [] and state["left"] == [] and state["created"] >= 2, state
        assert f"writes: created {state['created']}, deleted {state['created']}, left 0" in output
        assert SECRET[-12:] not in output
    finally:
        server.stop()


def test_without_allow_unsafe_writes_are_skipped_and_named_never_red(writes_spec: Path, tmp_path: Path):
    server = start_writes_server()
    try:
        run = run_suite({"CONTRACT_SPEC": str(writes_spec), **live_inputs(server.base_url, 7, allow=False)}, tmp_path)
        output = run.stdout + run.stderr
        assert run.returncode == 0 and "GREEN, with" in output and "(writes not allowed)" in output, output[-4000:]
        assert harm(server)["created"] == 0
    finally:
        server.stop()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_broken_write_rule_is_caught_by_name(writes_spec: Path, tmp_path: Path, fault: str):
    server = start_writes_server(fault)
    try:
        run = run_suite({"CONTRACT_SPEC": str(writes_spec), **live_inputs(server.base_url, 11, allow=True)}, tmp_path)
        output = run.stdout + run.stderr
        assert run.returncode == 1 and "RED:" in output, output[-4000:]
        assert f"broke {FAULTS[fault]}" in output or f", {FAULTS[fault]}" in output, output[-4000:]
        state = harm(server)
        assert state["changed"] == [] and state["deleted"] == [], state  # never what existed before the run
        if fault != "delete_not_effective":
            assert state["left"] == [], state
        else:  # the server keeps what it says it deleted: the verdict says so, naming each
            assert f"left {len(state['left'])} (" in output and all(uid in output for uid in state["left"]), output[-3000:]
    finally:
        server.stop()


def test_a_runtime_answer_can_match_the_request_body_by_json_pointer(mock: MockProcess):
    refusal = {"success": False, "message": "Priya's calendar is full", "code": "INVALID_REQUEST"}
    set_answer = requests.post(mock.base_url + "/__mock/operations/createAppointment/answers",
                               json={"status": 400, "body": refusal, "when": {"/contact_name": "Priya Full"}}, timeout=10)
    assert set_answer.status_code == 201, set_answer.text
    try:
        matched = book(mock, {**BOOKING, "contact_name": "Priya Full"})
        assert matched.status_code == 400 and matched.json() == refusal
        assert book(mock, {**BOOKING, "contact_name": "Sam Other"}).status_code == 201
        no_body = requests.post(mock.base_url + "/__mock/operations/getAppointment/answers",
                                json={"status": 401, "body": {"success": False, "message": "no", "code": "UNAUTHORIZED"},
                                      "when": {"/x": 1}}, timeout=10)
        assert no_body.status_code == 400 and "takes no body" in no_body.json()["message"]
    finally:
        requests.delete(mock.base_url + "/__mock/operations/createAppointment/answers", timeout=10)
