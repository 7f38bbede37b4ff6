"""Drift: a correct server that has grown (more fields and headers than the spec documents) is GREEN and told so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.contract.drift import DriftLog, shown, undocumented_headers, undocumented_properties
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec
from mock_server.tokens import mint_token
from tests.independent.servers import DATA, SECRET, StarletteServer

ROOT = Path(__file__).resolve().parent.parent


def test_properties_the_schema_does_not_declare_are_found_by_their_path():
    operation = load_spec().operation(GET_APPOINTMENT)
    body = json.loads(json.dumps(operation.example("appointment_retrieved")[1]))
    assert list(undocumented_properties(operation.responses[200].schema, body)) == []
    body["data"]["appointment"]["location"] = "Room 4"
    body["meta"] = {"request_id": "r1"}
    found = dict(undocumented_properties(operation.responses[200].schema, body))
    assert found == {"data.appointment.location": "Room 4", "meta": {"request_id": "r1"}}
    error = {"success": False, "message": "m", "code": "CALCOM_API_ERROR", "trace_id": "t"}
    assert [p for p, _ in undocumented_properties(operation.responses[502].schema, error)] == ["trace_id"]


def test_surface_headers_are_drift_unless_documented_and_examples_are_shortened():
    headers = {"X-RateLimit-Limit": "120", "Content-Type": "application/json", "Sunset": "Wed, 01 Jul 2026 00:00:00 GMT", "Date": "x"}
    assert sorted(name for name, _ in undocumented_headers(headers, {"sunset"})) == ["x-ratelimit-limit"]
    assert shown("alex.morgan@example.com") == '"alex…" (a string of 23)'
    log = DriftLog()
    for _ in range(3):
        log.record("op", 200, {"type": "object", "properties": {"a": {}}}, {"a": 1, "b": 2}, {}, set())
    assert log.lines() == ["op 200: b (3 answers; e.g. 2)"]


def run_live(server_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    env = {**clean, "CONTRACT_BASE_URL": server_url, "CONTRACT_TOKEN": mint_token(DATA["org"], secret=SECRET),
           "CONTRACT_APPOINTMENT_ID": DATA["appointment_id"], "CONTRACT_JWT_SECRET": SECRET, "CONTRACT_RATE_LIMIT": "0",
           "CONTRACT_SEED": "6", "CONTRACT_MAX_EXAMPLES": "10", **extra}
    return subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", extra.get("REPORTS", "/tmp/drift-reports")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def grown_server():
    spec = load_spec()
    statuses = json.dumps({code: spec.status_for_code(code) for code in spec.error_codes})
    server = StarletteServer(env={"APP_JWT_SECRET": SECRET, "APP_ERROR_STATUSES": statuses, "APP_DRIFT": "1"}).start()
    yield server
    server.stop()


def test_a_server_that_has_grown_is_green_with_its_drift_listed(grown_server, tmp_path):
    result = run_live(grown_server.base_url, REPORTS=str(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "GREEN" in output and "drift (" in output
    for item in ("getAppointment 200: data.appointment.location", "getAppointment 200: meta", "getAppointment 502: trace_id",
                 "getAppointment 200: header x-ratelimit-limit"):
        assert item in output, item
    assert "Harbour Street" not in output and "Room…" in output  # the example value is shortened
    assert "data.appointment.location" in (tmp_path / "contract-report.md").read_text()


def test_drift_fail_makes_it_red_with_its_own_rule(grown_server, tmp_path):
    result = run_live(grown_server.base_url, CONTRACT_DRIFT="fail", REPORTS=str(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "RED:" in output and "spec_documents_every_field" in output


def test_an_unknown_drift_mode_stops_before_any_request():
    result = run_live("http://127.0.0.1:9", CONTRACT_DRIFT="loud")
    assert result.returncode == 78 and "CONTRACT_DRIFT must be one of report, fail, got 'loud'" in result.stderr


def test_the_validating_proxy_keeps_a_running_drift_and_coverage_summary(grown_server):
    from werkzeug.test import Client

    from mock_server.admin.proxy import SUMMARY_PATH, ValidatingProxy

    proxy = Client(ValidatingProxy(grown_server.base_url, spec=load_spec()))
    token = mint_token(DATA["org"], secret=SECRET)
    for uid in (DATA["appointment_id"], DATA["appointment_id"], "UnknownBooking12345678"):
        proxy.get(f"/api/v1/calcom/appointments/{uid}", headers={"Authorization": f"Bearer {token}"})
    summary = proxy.get(SUMMARY_PATH).get_json()
    drift = {(item["status"], item["name"]): item["answers"] for item in summary["drift"]}
    assert drift[(200, "data.appointment.location")] == 2 and drift[(502, "trace_id")] == 1
    responses = {(r["status"], r["code"]): r["observed"] for r in summary["coverage"]["operations"][0]["responses"]}
    assert responses[(200, None)] == 2 and responses[(502, "CALCOM_API_ERROR")] == 1


def test_record_reports_the_drift_in_what_it_fetched(grown_server, tmp_path):
    result = subprocess.run([sys.executable, "-m", "mock_server", "record", "--upstream", grown_server.base_url,
                             "--token", mint_token(DATA["org"], secret=SECRET), "--id", DATA["appointment_id"],
                             "--output", str(tmp_path / "recorded.yaml"), "--rate-limit", "0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"drift in {DATA['appointment_id']}: data.appointment.location, meta" in result.stderr
    assert "location" not in (tmp_path / "recorded.yaml").read_text()
