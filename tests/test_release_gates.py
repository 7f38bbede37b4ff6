"""Release gates: the staging workflow, the human report, the spec-change gate and the validating proxy."""

from __future__ import annotations

import copy
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from werkzeug.test import Client

from contract_tests.tools.breaking import compare, main as breaking_main
from contract_tests.inputs.settings import VARIABLES
from mock_server.serving.launcher import MockProcess
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec, spec_path
from mock_server.admin.proxy import CONFORMANCE_HEADER, ValidatingProxy
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "contract-staging.yml"
KNOWN = "kko1gv8tFZe8JjpCpct5tG"


# --- the staging workflow ---------------------------------------------------------------------------


def test_the_workflow_parses_and_runs_nightly_and_on_demand():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert "schedule" in triggers and "workflow_dispatch" in triggers


def test_the_workflow_names_only_targets_and_variables_that_exist():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    steps = workflow["jobs"]["contract"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    used_targets = set(re.findall(r"\bmake ([a-z-]+)", runs))
    assert used_targets and used_targets <= targets, used_targets - targets
    env = next(step["env"] for step in steps if "python -m contract_tests" in step.get("run", ""))
    contract_vars = {name for name in env if name.startswith("CONTRACT_")}
    assert "CONTRACT_BASE_URL" in contract_vars and "CONTRACT_TOKEN" in contract_vars
    assert contract_vars <= set(VARIABLES), contract_vars - set(VARIABLES)
    for name, value in env.items():
        secret = re.search(r"secrets\.(\w+)", str(value))
        assert secret is None or secret.group(1) == name, f"{name} reads secret {secret.group(1)}"


def test_the_workflow_stops_on_unset_secrets_and_passes_the_verdicts_status_on():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["contract"]["steps"]
    names = [step.get("name", "") for step in steps]
    check = steps[names.index("Check the staging secrets")]
    assert names.index("Check the staging secrets") < names.index("Contract suite against staging")
    for empty in ({"CONTRACT_BASE_URL": "", "CONTRACT_TOKEN": "t"}, {"CONTRACT_BASE_URL": "https://x", "CONTRACT_TOKEN": ""}):
        summary = Path(os.devnull)
        result = subprocess.run(["bash", "-c", check["run"]], env={**os.environ, **empty, "GITHUB_STEP_SUMMARY": str(summary)},
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 78 and "::error::" in result.stdout and "not set" in result.stdout
    ok = subprocess.run(["bash", "-c", check["run"]], env={**os.environ, "CONTRACT_BASE_URL": "https://x", "CONTRACT_TOKEN": "t"},
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0
    run = steps[names.index("Contract suite against staging")]["run"]
    assert "exit $status" in run and "make contract" not in run  # make would turn every status into 2


def test_the_workflow_uploads_the_reports_and_writes_the_summary():
    text = WORKFLOW.read_text()
    assert "reports/contract-junit.xml" in text and "reports/contract-report.md" in text
    assert "GITHUB_STEP_SUMMARY" in text and "actions/upload-artifact" in text


# --- the human report -------------------------------------------------------------------------------


def run_contract(tmp_path: Path, mock_args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    report = tmp_path / "report.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    env.update(CONTRACT_MOCK_ARGS=mock_args, CONTRACT_SEED="11", CONTRACT_MAX_EXAMPLES="20")
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", f"--contract-report={report}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return result, report.read_text()


def test_a_red_report_names_the_rule_the_request_and_a_masked_reproduction(tmp_path):
    result, report = run_contract(tmp_path, "--workers 1 --fault org_id_echo_mismatch")
    assert result.returncode == 1
    assert report.startswith("# Contract report: RED")
    assert "| `data_echoes_the_appointment` | **broken** in" in report
    assert "CONTRACT_SEED=11" in report and "sha256" in report
    assert "- request: `GET http" in report and "curl " in report
    assert not re.search(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}", report), "a token was printed in full"


def test_a_green_report_lists_every_rule_as_held(tmp_path):
    result, report = run_contract(tmp_path, "--workers 1")
    assert result.returncode == 0, result.stdout[-2000:]
    assert report.startswith("# Contract report: GREEN")
    assert "| `organization_is_the_callers` | held |" in report and "**FAILED**" not in report


# --- the spec-change gate ---------------------------------------------------------------------------

# The spec under test (MOCK_SPEC or openapi.yaml): the cases find statuses and schemas by code, so
# they hold whichever status the spec pairs with each code.
SPEC_PATH = spec_path()
SPEC = yaml.safe_load(SPEC_PATH.read_text())
LOADED = load_spec(SPEC_PATH).operation(GET_APPOINTMENT)


def _operation(spec: dict) -> dict:
    return spec["paths"][LOADED.path][LOADED.method.lower()]


def _schemas(spec: dict) -> dict:
    return spec["components"]["schemas"]


def _code_enum(spec: dict, code: str) -> list[str]:
    """The `code` enum of the error schema that narrows the envelope to this code."""
    for schema in _schemas(spec).values():
        for part in schema.get("allOf", []):
            enum = part.get("properties", {}).get("code", {}).get("enum", [])
            if code in enum:
                return enum
    raise AssertionError(f"no error schema carries {code}")


def remove_field(spec):
    _schemas(spec)["Appointment"]["required"].remove("contact_phone")
    del _schemas(spec)["Appointment"]["properties"]["contact_phone"]


def rename_field(spec):
    remove_field(spec)
    _schemas(spec)["Appointment"]["required"].append("phone")
    _schemas(spec)["Appointment"]["properties"]["phone"] = {"type": "string"}


def narrow_type(spec):
    _schemas(spec)["Appointment"]["properties"]["contact_phone"] = {"type": "integer"}


def add_optional_field(spec):
    _schemas(spec)["Appointment"]["properties"]["location"] = {"type": "string"}


def new_required_query(spec):
    _operation(spec)["parameters"].append({"name": "region", "in": "query", "required": True, "schema": {"type": "string"}})


def new_optional_query(spec):
    _operation(spec)["parameters"].append({"name": "expand", "in": "query", "required": False, "schema": {"type": "string"}})


def remove_response(spec):
    del _operation(spec)["responses"][str(LOADED.status_for_code("INTERNAL_ERROR"))]


def move_code(spec):
    moved = _code_enum(spec, "CALCOM_API_ERROR")
    moved.remove("CALCOM_API_ERROR")
    moved.append("INTERNAL_ERROR") if not moved else None
    _code_enum(spec, "INTERNAL_ERROR").append("CALCOM_API_ERROR")


def remove_code(spec):
    enum = _code_enum(spec, "NOT_CONNECTED")
    enum.remove("NOT_CONNECTED")
    enum.append("INVALID_REQUEST") if not enum else None


def describe_more(spec):
    _operation(spec)["description"] += "\nMore words for people."


CHANGES = {
    "no change": (lambda spec: None, False, None),
    "wording only": (describe_more, False, None),
    "optional response field added": (add_optional_field, False, None),
    "optional query parameter added": (new_optional_query, False, None),
    "response field removed": (remove_field, True, "response.body.scope.add"),
    "response field renamed": (rename_field, True, "response.body.scope"),
    "response field type narrowed": (narrow_type, True, "response.body.scope"),
    "required query parameter added": (new_required_query, True, "parameter.added"),
    "optional query parameter made required": (lambda spec: _operation(spec)["parameters"][1].update(required=True), True, "parameter.became-required"),
    "id pattern narrowed": (lambda spec: _operation(spec)["parameters"][0]["schema"].update(pattern="^[A-Za-z0-9]{22}$"), True, "parameter.pattern-changed"),
    "org_id maxLength narrowed": (lambda spec: _operation(spec)["parameters"][1]["schema"].update(maxLength=36), True, "parameter.length-narrowed"),
    "documented response removed": (remove_response, True, "response.removed"),
    "code moved to another status": (move_code, True, "error-code.status-changed"),
    "code removed": (remove_code, True, "error-code.removed"),
}


@pytest.mark.parametrize("mutate,breaking,rule", list(CHANGES.values()), ids=list(CHANGES))
def test_the_gate_tells_breaking_from_additive_changes(tmp_path, mutate, breaking, rule):
    new = copy.deepcopy(SPEC)
    mutate(new)
    new_path = tmp_path / "new.yaml"
    new_path.write_text(yaml.safe_dump(new, sort_keys=False))
    changes = compare(SPEC_PATH, new_path)
    found = [c for c in changes if c.breaking]
    assert bool(found) == breaking, [c.line() for c in changes]
    if rule:
        assert any(rule in c.rule for c in found), [c.line() for c in changes]


def test_the_gate_passes_a_spec_against_itself_and_fails_a_breaking_edit(capsys, tmp_path):
    head = tmp_path / "head.yaml"
    head.write_text(subprocess.run(["git", "show", "HEAD:openapi.yaml"], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert breaking_main(["--base", "HEAD", "--spec", str(head)]) == 0
    assert "openapi.yaml against HEAD" in capsys.readouterr().out
    raw = yaml.safe_load(head.read_text())
    remove_field(raw)
    head.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert breaking_main(["--base", "HEAD", "--spec", str(head)]) == 1


def test_an_unknown_ref_is_a_clear_error():
    with pytest.raises(SystemExit, match="cannot read openapi.yaml at 'no-such-ref'"):
        breaking_main(["--base", "no-such-ref"])


# --- the validating proxy ---------------------------------------------------------------------------


@pytest.mark.parametrize("fault,verdict", [(None, "pass"), ("missing_field", "fail; rules=body_matches_response_schema")])
def test_the_proxy_forwards_and_reports_conformance(caplog, fault, verdict):
    args = ["--workers", "1", "--quiet"] + (["--fault", fault] if fault else [])
    with MockProcess(*args) as upstream:
        proxy = Client(ValidatingProxy(upstream.base_url))
        proxy_log = logging.getLogger("mock_server.admin.proxy")
        proxy_log.addHandler(caplog.handler)  # the mock's logger does not propagate to the root
        try:
            with caplog.at_level(logging.INFO, logger="mock_server.admin.proxy"):
                response = proxy.get(f"/api/v1/calcom/appointments/{KNOWN}", headers={"Authorization": f"Bearer {mint_token()}"})
        finally:
            proxy_log.removeHandler(caplog.handler)
    assert response.status_code == 200
    assert response.headers[CONFORMANCE_HEADER] == verdict
    assert response.get_json()["data"]["appointment"]["id"] == KNOWN
    if fault:
        assert "VIOLATES [body_matches_response_schema]" in caplog.text
    else:
        assert "conforms" in caplog.text


def test_the_proxy_reports_an_unreachable_upstream():
    response = Client(ValidatingProxy("http://127.0.0.1:9", timeout=2)).get(f"/api/v1/calcom/appointments/{KNOWN}")
    assert response.status_code == 502 and response.headers[CONFORMANCE_HEADER].startswith("fail")  # the proxy's own gateway answer


# --- the README ---------------------------------------------------------------------------------------


def test_the_readme_is_short_and_its_first_screen_answers_the_first_questions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    assert len(lines) <= 300, len(lines)
    first_screen = "\n".join(lines[:40])
    for needed in ("make contract", "make test", "GREEN", "RED", "INCONCLUSIVE", "host only", "about a minute", "what to do"):
        assert needed in first_screen, needed
    for link in re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme):
        assert (ROOT / link).is_file(), link
    for doc in (ROOT / "docs").glob("*.md"):
        for link in re.findall(r"\]\(([\w.-]+\.md)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / link).is_file(), f"{doc.name} links to {link}"


def test_the_gate_judges_each_operation_added_and_removed(tmp_path):
    from tests.specs import spec_with_more_operations

    more = spec_with_more_operations(tmp_path)
    added = compare(SPEC_PATH, more)
    assert not [c for c in added if c.breaking], [c.line() for c in added]
    assert {c.where.split(" ")[0] for c in added if c.rule == "operation.added"} == {"listAppointments", "getAppointmentNote", "getHealth"}
    removed = compare(more, SPEC_PATH)
    assert {c.where.split(" ")[0] for c in removed if c.breaking and c.rule == "operation.removed"} == {"listAppointments", "getAppointmentNote", "getHealth"}
