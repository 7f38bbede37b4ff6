"""A new endpoint is a spec edit: the mock serves every operation of the spec it is given, and the suite checks
every one, green on a correct independent server and red on each kind of violation in a new operation.

The spec is openapi.yaml with tests/specs/more_operations.yaml merged in: a list with integer and enum query
parameters, an item with an integer path parameter and a 200 without an example, and an open operation.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from mock_server.contract.response_schemas import openapi_validator
from mock_server.data import GET_APPOINTMENT
from mock_server.serving.launcher import MockProcess
from mock_server.spec import load_spec
from mock_server.tokens import mint_token
from tests.independent.servers import SECRET, start_operations_server
from tests.specs import NEW_OPERATIONS, spec_with_more_operations

ROOT = Path(__file__).resolve().parent.parent
KNOWN = "kko1gv8tFZe8JjpCpct5tG"
LIST = "/api/v1/calcom/appointments"
NOTE = f"/api/v1/calcom/appointments/{KNOWN}/notes"


@pytest.fixture(scope="module")
def more_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """openapi.yaml with three more operations."""
    return spec_with_more_operations(tmp_path_factory.mktemp("more"))


@pytest.fixture(scope="module")
def mock(more_spec: Path) -> Iterator[MockProcess]:
    """The mock serving that spec."""
    with MockProcess("--quiet", "--workers", "1", "--threads", "4", "--spec", str(more_spec)) as server:
        yield server


def get(server: MockProcess, path: str, *, token: str | None = "default", **kwargs) -> requests.Response:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {mint_token() if token == 'default' else token}"
    return requests.get(server.base_url + path, headers=headers, timeout=10, **kwargs)


def envelope(response: requests.Response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code")


# --- the mock serves them ------------------------------------------------------------------------------------


def test_the_list_is_served_from_the_data_behind_auth_and_its_parameters_schemas(mock, more_spec):
    operation = load_spec(more_spec).operation("listAppointments")
    answer = get(mock, LIST, params={"limit": "10", "status": "accepted"})
    assert answer.status_code == 200 and answer.json()["data"]["count"] == len(answer.json()["data"]["appointments"]) > 1
    chosen = get(mock, LIST, headers={"Prefer": "example=one_appointment"})
    assert chosen.json() == operation.example("one_appointment")[1]  # its example, when asked for
    for params, mentions in (
        ({"limit": "0"}, "Invalid limit: 0 is less than the minimum of 1"),
        ({"limit": "101"}, "Invalid limit"),
        ({"limit": "ten"}, 'Invalid limit: "ten" is not an integer'),
        ({"status": "done"}, "Invalid status: status must be one of"),
        ({"limit": ["1", "2"]}, "at most once"),
    ):
        refused = get(mock, LIST, params=params)
        assert envelope(refused) == (400, "INVALID_REQUEST"), (params, refused.text)
        assert mentions in refused.json()["message"]
    anonymous = get(mock, LIST, token=None)
    assert envelope(anonymous) == (401, "UNAUTHORIZED") and anonymous.headers["WWW-Authenticate"] == 'Bearer realm="ravan"'
    assert envelope(get(mock, LIST, token="not.a.jwt")) == (401, "UNAUTHORIZED")


def test_a_200_without_an_example_gets_a_body_derived_from_its_schema_the_same_every_time(mock, more_spec):
    schema = load_spec(more_spec).operation("getAppointmentNote").responses[200].schema
    first, second = get(mock, f"{NOTE}/7"), get(mock, f"{NOTE}/12")
    assert first.status_code == 200 and first.json() == second.json()
    openapi_validator(schema).validate(first.json())
    for bad in ("x", "0", "-3", "1.5"):
        assert envelope(get(mock, f"{NOTE}/{bad}")) == (400, "INVALID_REQUEST"), bad
    assert envelope(get(mock, "/api/v1/calcom/appointments/not%20valid!/notes/7")) == (400, "INVALID_REQUEST")


def test_an_open_operation_needs_no_token_and_routing_is_by_method_and_template(mock):
    health = get(mock, "/api/v1/health", token=None)
    assert health.status_code == 200 and health.json()["data"] == {"status": "ok"}
    posted = requests.post(mock.base_url + LIST, timeout=10)
    assert posted.status_code == 405 and posted.headers["Allow"] == "GET, HEAD" and posted.json()["code"] == "INVALID_REQUEST"
    head = requests.head(mock.base_url + LIST, headers={"Authorization": f"Bearer {mint_token()}"}, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert get(mock, f"{LIST}/{KNOWN}").json()["data"]["appointment"]["id"] == KNOWN  # the item, not the list
    missing = get(mock, "/api/v1/calcom/nothing")
    assert missing.status_code == 404 and "listAppointments" not in missing.text and "GET /api/v1/health" in missing.json()["message"]


def test_prefer_chooses_among_each_operations_own_responses(mock, more_spec):
    forced = get(mock, LIST, headers={"Prefer": "code=400, example=invalid_limit"})
    assert forced.status_code == 400 and forced.json() == load_spec(more_spec).operation("listAppointments").example("invalid_limit")[1]
    by_code = get(mock, LIST, headers={"Prefer": "code=400"})  # no example named: the answer says it was forced
    assert by_code.status_code == 400 and by_code.json()["message"].startswith("Forced by Prefer: code=400:")
    derived = get(mock, f"{NOTE}/7", headers={"Prefer": "example=derived_from_schema"})
    assert derived.status_code == 200
    unknown = get(mock, LIST, headers={"Prefer": "code=502"})
    assert envelope(unknown) == (400, "INVALID_REQUEST") and "200: one_appointment" in unknown.json()["message"]


def test_the_journal_names_each_requests_operation(mock):
    requests.delete(mock.base_url + "/__mock/requests", timeout=10)
    get(mock, LIST)
    get(mock, "/api/v1/health", token=None)
    get(mock, f"/api/v1/calcom/appointments/{KNOWN}")
    get(mock, "/nowhere")
    entries = requests.get(mock.base_url + "/__mock/requests", timeout=10).json()["requests"]
    assert [e["operation_id"] for e in entries] == ["listAppointments", "getHealth", GET_APPOINTMENT, None]


def test_answers_set_at_run_time_for_any_operation(mock):
    url = mock.base_url + "/__mock/operations/listAppointments/answers"
    body = {"success": True, "message": "Pending ones", "data": {"count": 0, "appointments": []}}
    created = requests.post(url, json={"status": 200, "body": body, "when": {"status": "pending"}}, timeout=10)
    assert created.status_code == 201, created.text
    assert get(mock, LIST, params={"status": "pending"}).json() == body
    assert get(mock, LIST, params={"status": "accepted"}).json() != body  # only for the given parameter values
    assert requests.get(url, timeout=10).json()["answers"][0]["when"] == {"status": "pending"}
    for wrong, mentions in (
        ({"status": 200, "body": {"success": True}}, "body.data: missing"),
        ({"status": 418, "body": {}}, "418 is not a documented status"),
        ({"status": 200, "body": body, "when": {"colour": "red"}}, "colour is not a parameter"),
    ):
        refused = requests.post(url, json=wrong, timeout=10)
        assert envelope(refused) == (400, "INVALID_REQUEST") and mentions in refused.json()["message"], refused.text
    assert requests.post(mock.base_url + "/__mock/operations/nope/answers", json={"status": 200, "body": {}}, timeout=10).status_code == 404
    assert requests.delete(url, timeout=10).status_code == 204
    assert get(mock, LIST, params={"status": "pending"}).json() != body


@pytest.mark.parametrize("edit,mentions", [
    (lambda raw: raw["paths"]["/api/v1/calcom/appointments"]["get"]["parameters"][0].__setitem__("style", "matrix"),
     "operation listAppointments (GET /api/v1/calcom/appointments): parameter 'limit' has style 'matrix'"),
    (lambda raw: raw["paths"]["/api/v1/calcom/appointments"]["get"]["parameters"][0].__setitem__("in", "body"),
     "parameter 'limit' is in 'body'"),
    (lambda raw: raw["components"]["securitySchemes"].__setitem__("bearerAuth", {"type": "apiKey", "in": "header"}),
     "security scheme bearerAuth: an apiKey scheme needs 'in' (header, query or cookie) and a 'name'"),
    (lambda raw: raw["paths"]["/api/v1/health"]["get"].__setitem__("security", [{"keyAuth": []}]),
     "security scheme 'keyAuth' is not declared in components.securitySchemes"),
    (lambda raw: raw["paths"]["/api/v1/health"]["get"].__setitem__("responses", {}),
     "operation getHealth (GET /api/v1/health): documents no response"),
    (lambda raw: raw.__setitem__("x-contract-profile", "acme"),
     "x-contract-profile is 'acme': the profiles are ravan"),
    (lambda raw: raw.__setitem__("openapi", "2.0"),
     "OpenAPI 2.0: the mock reads OpenAPI 3.0 and 3.1"),
])
def test_a_spec_the_mock_cannot_serve_is_refused_at_start_with_the_operation_and_the_reason(more_spec, tmp_path, edit, mentions):
    raw = yaml.safe_load(more_spec.read_text())
    edit(raw)
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(raw, sort_keys=False))
    result = subprocess.run([sys.executable, "-m", "mock_server", "--spec", str(broken), "--port", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and mentions in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- the suite checks them ---------------------------------------------------------------------------------


def run_suite(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, env={**clean, "CONTRACT_SEED": "4", "CONTRACT_MAX_EXAMPLES": "15", **env},
                          capture_output=True, text=True, timeout=600)


def test_the_suite_checks_every_operation_of_the_mock_and_lists_each(more_spec):
    result = run_suite({"CONTRACT_SPEC": str(more_spec)})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "GREEN: the embedded mock honours openapi-more-operations.yaml" in output
    for operation_id in (GET_APPOINTMENT, *NEW_OPERATIONS):
        assert f"\n  {operation_id} (GET " in output, operation_id
    listed = next(line for line in output.splitlines() if line.startswith("  listAppointments (GET "))
    assert "200: " in listed and "400: " in listed and "401: " in listed, listed  # valid, invalid and unauthenticated requests


def live_inputs(server_url: str, more_spec: Path) -> dict[str, str]:
    return {
        "CONTRACT_SPEC": str(more_spec), "CONTRACT_BASE_URL": server_url, "CONTRACT_RATE_LIMIT": "0",
        "CONTRACT_TOKEN": mint_token("org_alpha_clinic", secret=SECRET), "CONTRACT_APPOINTMENT_ID": "Booking01AlphaAccepted",
        "CONTRACT_JWT_SECRET": SECRET,
    }


def test_the_suite_is_green_on_an_independent_server_of_the_four_operations(more_spec):
    server = start_operations_server()
    try:
        result = run_suite(live_inputs(server.base_url, more_spec))
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "GREEN" in output and "listAppointments (GET /api/v1/calcom/appointments): " in output


@pytest.mark.parametrize("fault,operation", [
    ("schema", "listAppointments"),
    ("envelope", "listAppointments"),
    ("status_code", "listAppointments"),
    ("missing_auth", "getAppointmentNote"),
    ("html_error", "getAppointmentNote"),
    ("invalid_input", "listAppointments"),
])
def test_each_kind_of_violation_in_a_new_operation_is_red_naming_the_rule(more_spec, fault, operation):
    server = start_operations_server(fault)
    try:
        result = run_suite(live_inputs(server.base_url, more_spec), "-x")
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 1, f"fault {fault} survived:\n{output[-3000:]}"
    verdict = output[output.index("contract verdict"):]
    assert "RED:" in verdict and "broke (no rule named" not in verdict, verdict[:2000]
    assert operation in output, verdict[:2000]


@pytest.mark.parametrize("fault,verdict", [("", "pass"), ("schema", "fail; rules=body_matches_response_schema")])
def test_the_validating_proxy_judges_a_new_operation_by_the_spec_it_is_given(more_spec, fault, verdict):
    from werkzeug.test import Client

    from mock_server.admin.proxy import CONFORMANCE_HEADER, ValidatingProxy
    from mock_server.contract.rules import use_spec

    server = start_operations_server(fault)
    try:
        proxy = Client(ValidatingProxy(server.base_url, spec=load_spec(more_spec)))
        answer = proxy.get(LIST, headers={"Authorization": f"Bearer {mint_token('org_alpha_clinic', secret=SECRET)}"})
    finally:
        server.stop()
        use_spec(load_spec())  # the rest of this process judges by openapi.yaml again
    assert answer.status_code == 200 and answer.headers[CONFORMANCE_HEADER] == verdict


@pytest.mark.parametrize("edit,warning", [
    (lambda raw: raw["paths"].__setitem__("/api/v1/calcom/appointments/{other}", {"get": {**raw["paths"]["/api/v1/calcom/appointments/{appointment_id}"]["get"], "operationId": "clash", "parameters": [{"name": "other", "in": "path", "required": True, "schema": {"type": "string"}}]}}),
     "warning: GET /api/v1/calcom/appointments/{other} (clash): its path template matches the same requests as getAppointment's, which serves them"),
    (lambda raw: raw["paths"]["/api/v1/health"]["get"].__setitem__("operationId", "getAppointment"),
     "warning: GET /api/v1/health: operationId 'getAppointment' is also GET /api/v1/calcom/appointments/{appointment_id}'s: this one is known as 'getAppointment_2'"),
])
def test_what_prism_serves_is_served_with_a_warning_line_at_start(more_spec, tmp_path, edit, warning):
    raw = yaml.safe_load(more_spec.read_text())
    edit(raw)
    served = tmp_path / "served.yaml"
    served.write_text(yaml.safe_dump(raw, sort_keys=False))
    from mock_server.serving.launcher import MockProcess

    mock = MockProcess("--spec", str(served))
    mock.start()
    try:
        assert warning in mock.log_text(), mock.log_text()
        assert get(mock, "/api/v1/health").status_code == 200
    finally:
        mock.stop()


def test_a_list_of_bookings_comes_from_the_data_the_mock_holds(mock):
    from mock_server.data.dataset import load_dataset
    from mock_server.config import DEFAULT_FIXTURES
    from mock_server.spec import load_spec

    dataset = load_dataset(DEFAULT_FIXTURES, load_spec())
    held = sorted(dataset.organizations["org_sunrise_dental"].bookings)
    every = get(mock, LIST, params={"limit": "100"}).json()["data"]
    assert [item["id"] for item in every["appointments"]] == held and every["count"] == len(held)
    assert {item["organization_id"] for item in every["appointments"]} == {"org_sunrise_dental"}
    pending = get(mock, LIST, params={"status": "pending", "limit": "100"}).json()["data"]
    assert pending["appointments"] and {item["status"] for item in pending["appointments"]} == {"pending"}
    assert pending["count"] == len(pending["appointments"]) < len(held)
    assert get(mock, LIST, params={"limit": "2"}).json()["data"]["count"] == 2
