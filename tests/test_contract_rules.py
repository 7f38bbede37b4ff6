"""Each contract rule passes a good exchange and fails a broken one with a message naming itself."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mock_server.contract import rules
from mock_server.contract.rules import ALL_RULES, SPEC as API, ContractViolation, Exchange
from mock_server.data import GET_APPOINTMENT
from contract_tests.reporting.findings import rules_broken
from mock_server.tokens import mint_token

TOKEN = mint_token("org_sunrise_dental")
SPEC = API.operation(GET_APPOINTMENT)
GOOD_200 = copy.deepcopy(SPEC.example("appointment_retrieved")[1])
NOT_CONNECTED_STATUS, GOOD_ERROR = SPEC.example("not_connected")
UNAUTHORIZED_STATUS = SPEC.status_for_code("UNAUTHORIZED")
UNDOCUMENTED_STATUS = 404


def exchange(body, *, status: int = 200, content_type: str = "application/json", path_id: str = "kko1gv8tFZe8JjpCpct5tG", query: str = "", token: str = TOKEN) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        method="GET",
        url=f"http://127.0.0.1:4010{SPEC.path_for(path_id)}{'?' + query if query else ''}",
        request_headers={"Authorization": f"Bearer {token}"},
        status=status,
        headers={"content-type": content_type},
        body=raw,
    )


def edited(body: dict, edit) -> dict:
    copy_ = copy.deepcopy(body)
    edit(copy_)
    return copy_


def test_good_answers_pass_every_rule():
    for good in (exchange(GOOD_200), exchange(GOOD_ERROR, status=NOT_CONNECTED_STATUS)):
        rules.check_all(good)


BROKEN = {
    "status_is_documented": exchange(GOOD_ERROR, status=UNDOCUMENTED_STATUS),
    "content_type_is_json": exchange(GOOD_200, content_type="text/plain"),
    "content_type_is_documented": exchange(GOOD_200, content_type="text/html"),
    "body_matches_response_schema": exchange(edited(GOOD_200, lambda b: b["data"]["appointment"].pop("status"))),
    "no_html_or_stack_trace": exchange(b"<!DOCTYPE html><html><body>Bad gateway</body></html>", status=SPEC.status_for_code("CALCOM_API_ERROR")),
    "token_is_not_echoed": exchange({"success": False, "message": f"bad token {TOKEN}", "code": "UNAUTHORIZED"}, status=UNAUTHORIZED_STATUS),
    "success_flag_matches_status": exchange(edited(GOOD_ERROR, lambda b: b.update(success=True)), status=NOT_CONNECTED_STATUS),
    "status_matches_error_code": exchange(edited(GOOD_ERROR, lambda b: b.update(code="UNAUTHORIZED")), status=NOT_CONNECTED_STATUS),
    "message_is_not_empty": exchange(edited(GOOD_ERROR, lambda b: b.update(message="  ")), status=NOT_CONNECTED_STATUS),
    "data_echoes_the_appointment": exchange(edited(GOOD_200, lambda b: b["data"].update(agent_id="agent_other"))),
    "end_time_is_after_appointment_time": exchange(edited(GOOD_200, lambda b: b["data"]["appointment"].update(end_time="2026-03-14T11:00:00Z"))),
    "appointment_is_the_one_asked_for": exchange(GOOD_200, path_id="someOtherBooking123"),
    "organization_is_the_callers": exchange(GOOD_200, token=mint_token("org_northwind_realty")),
}


@pytest.mark.parametrize("rule_name", list(BROKEN))
def test_each_rule_catches_its_violation_and_names_itself(rule_name):
    rule = getattr(rules, rule_name)
    with pytest.raises(ContractViolation) as caught:
        rule(BROKEN[rule_name])
    message = str(caught.value)
    assert message.startswith(f"[{rule_name}] ")
    assert rules_broken(f"E   mock_server.contract.rules.ContractViolation: {message}") == [rule_name]
    assert TOKEN not in message


def test_every_rule_has_a_broken_case():
    assert {rule.__name__ for rule in ALL_RULES} == set(BROKEN)


def test_the_organization_rule_uses_the_query_only_for_a_token_without_org():
    rules.organization_is_the_callers(exchange(GOOD_200, token=mint_token(None), query="org_id=org_sunrise_dental"))
    with pytest.raises(ContractViolation):
        rules.organization_is_the_callers(exchange(GOOD_200, token=mint_token(None), query="org_id=org_northwind_realty"))


def test_patterns_follow_ecma_semantics_not_pythons():
    trailing_newline = edited(GOOD_200, lambda b: b["data"]["appointment"].update(id="kko1gv8tFZe8JjpCpct5tG\n"))
    with pytest.raises(ContractViolation, match="body_matches_response_schema"):
        rules.body_matches_response_schema(exchange(trailing_newline))


def test_rules_broken_reads_schemathesis_and_own_reports():
    text = (
        "  | - ST108 Response violates schema\n  |     detail\n"
        "  | - ST901 Custom check failed: `data_echoes_the_appointment`\n"
        "E   AssertionError: [get_is_repeatable] two bodies\n"
        "    params = [(\"org_id\", v) for v in ([org_id] if x else y)]\n"
    )
    assert rules_broken(text) == ["ST108 Response violates schema", "data_echoes_the_appointment", "get_is_repeatable"]


def test_requests_without_an_answer_break_no_rule_but_an_oversized_answer_does():
    text = (
        "E   requests.exceptions.ReadTimeout: HTTPConnectionPool(host='127.0.0.1'): Read timed out.\n"
        "E   requests.exceptions.ConnectionError: Connection refused\n"
        "E   contract_tests.transport.http.ResponseTooLarge: GET http://x: the body exceeds 1024 KiB\n"
    )
    assert rules_broken(text) == ["body_size_is_bounded"]


def test_a_junit_file_gives_the_rules_a_run_recorded_as_data_before_any_read_from_text(tmp_path):
    from contract_tests.reporting.findings import read_junit

    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="contract"><testcase classname="contract_tests.test_operations" name="t">'
        '<properties><property name="contract_rules" value="auth_is_required,token_is_not_echoed" /></properties>'
        '<failure message="boom">E   AssertionError: [get_is_repeatable] two bodies</failure></testcase></testsuite></testsuites>'
    )
    (outcome,) = read_junit(junit)
    assert outcome.rules == ("auth_is_required", "token_is_not_echoed", "get_is_repeatable")


def test_ravans_envelope_rules_never_judge_a_spec_without_its_profile():
    from mock_server.spec import load_spec

    generic = load_spec(Path(__file__).parent / "specs" / "generic" / "openapi31.yaml")
    note = generic.operation("getNote")
    answer = Exchange(method="GET", url="http://127.0.0.1:4010/notes/n_abc123", request_headers={}, status=400,
                      headers={"content-type": "application/json"}, body=json.dumps({"message": "x", "success": True, "code": "NOPE"}).encode())
    rules.use_spec(generic)
    try:
        assert answer.operation is note
        applying = {rule.__name__ for rule in ALL_RULES if rules.applies(rule, answer)}
        assert {"success_flag_matches_status", "status_matches_error_code", "message_is_not_empty", "content_type_is_json"}.isdisjoint(applying)
        assert {"status_is_documented", "body_matches_response_schema", "content_type_is_documented"} <= applying
        rules.check_all(answer)  # a 400 with its documented body breaks nothing
    finally:
        rules.use_spec(API)


def test_a_code_the_api_pairs_with_the_status_but_the_operation_does_not_document_is_said_without_contradiction(tmp_path):
    import yaml

    from tests.specs import spec_with_more_operations

    from mock_server.spec import load_spec

    path = spec_with_more_operations(tmp_path)
    raw = yaml.safe_load(path.read_text())
    status = API.status_for_code("NOT_CONNECTED")  # the API pairs NOT_CONNECTED with it (Get Appointment documents so)
    listing = raw["paths"]["/api/v1/calcom/appointments"]["get"]["responses"]
    listing[str(status)] = {"description": "Invalid input only", "content": {"application/json": {"schema": {
        "type": "object", "required": ["success", "message", "code"],
        "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}, "code": {"type": "string", "enum": ["INVALID_REQUEST"]}}}}}}
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    more = load_spec(path)
    answer = Exchange(method="GET", url="http://127.0.0.1:4010/api/v1/calcom/appointments", request_headers={}, status=status,
                      headers={"content-type": "application/json"},
                      body=json.dumps({"success": False, "message": "x", "code": "NOT_CONNECTED"}).encode())
    rules.use_spec(more)
    try:
        with pytest.raises(ContractViolation) as caught:
            rules.status_matches_error_code(answer)
    finally:
        rules.use_spec(API)
    message = str(caught.value)
    assert f"listAppointments does not document NOT_CONNECTED for {status}" in message
    assert f"pairs NOT_CONNECTED with status {status}" not in message
