"""Tools nobody here wrote agree with the project: Spectral, openapi-spec-validator, Prism, schemathesis' CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mock_server.serving.launcher import MockProcess, PrismProcess
from mock_server.spec import ApiSpec
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def node_tool(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path.name} is not installed: run `make install` (it installs the Node tools pinned in package-lock.json)")
    return str(path)


def spectral(spec_file: Path) -> subprocess.CompletedProcess[str]:
    command = [node_tool(SPECTRAL), "lint", str(spec_file), "--ruleset", str(ROOT / ".spectral.yaml"), "--fail-severity=hint", "-f", "json"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_openapi_spec_validator_accepts_the_spec():
    spec_dict, _ = read_from_filename(str(ROOT / "openapi.yaml"))
    validate(spec_dict)


def test_spectral_finds_no_error_warning_or_hint():
    result = spectral(ROOT / "openapi.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("[]"), result.stdout


def test_the_project_rules_of_spectral_fire_on_a_broken_spec(tmp_path, spec: ApiSpec):
    internal, calcom = (str(spec.status_for_code(code)) for code in ("INTERNAL_ERROR", "CALCOM_API_ERROR"))
    raw = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    operation = raw["paths"]["/api/v1/calcom/appointments/{appointment_id}"]["get"]
    del operation["responses"][internal]["content"]["application/json"]["examples"]
    operation["responses"][calcom]["content"]["application/json"]["schema"] = {"type": "object", "properties": {"error": {"type": "string"}}}
    del operation["operationId"]
    del raw["security"]
    operation["parameters"].append({"name": "Authorization", "in": "header", "schema": {"type": "string"}})
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(raw, sort_keys=False))
    found = {problem["code"] for problem in json.loads(spectral(broken).stdout)}
    assert {
        "every-response-has-an-example",
        "every-error-uses-the-envelope",
        "operation-has-an-id",
        "security-is-declared",
        "no-authorization-header-parameter",
    } <= found


@pytest.fixture(scope="module")
def servers():
    with PrismProcess("-v", "error") as prism, MockProcess("--workers", "1", "--quiet") as mock:
        yield {"prism": prism.base_url, "mock": mock.base_url}


def fetch(base: str, headers: dict[str, str], path: str = f"/api/v1/calcom/appointments/{KNOWN}") -> tuple[int, object]:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_prism_and_the_mock_serve_the_same_answer_for_every_preferred_example(servers, spec: ApiSpec, get_appointment):
    token = mint_token()
    compared = 0
    for status, names in get_appointment.example_names().items():
        for name in names:
            headers = {"Authorization": f"Bearer {token}", "Prefer": f"code={status}, example={name}"}
            prism, mock = fetch(servers["prism"], headers), fetch(servers["mock"], headers)
            assert prism == mock == (status, get_appointment.responses[status].examples[name]), name
            compared += 1
        headers = {"Authorization": f"Bearer {token}", "Prefer": f"code={status}"}
        prism, mock = fetch(servers["prism"], headers), fetch(servers["mock"], headers)
        if status < 400:
            assert prism == mock
        else:  # a documented difference: the mock's forced error says it was forced, Prism's is the example as written
            assert prism[0] == mock[0] and {**mock[1], "message": prism[1]["message"]} == prism[1], (prism, mock)
            assert mock[1]["message"].startswith(f"Forced by Prefer: code={status}:")
    assert compared == sum(len(n) for n in get_appointment.example_names().values()) >= 7


def test_both_answer_a_missing_token_with_the_projects_401_envelope(servers, spec: ApiSpec, get_appointment):
    prism_status, prism_body = fetch(servers["prism"], {})
    mock_status, mock_body = fetch(servers["mock"], {})
    assert prism_status == mock_status == 401
    assert prism_body == get_appointment.responses[401].examples["unauthorized"]
    assert set(mock_body) == {"success", "message", "code"} and mock_body["code"] == "UNAUTHORIZED"


def test_documented_difference_prism_does_not_verify_jwt_signatures(servers):
    """Prism accepts any bearer string; the mock verifies it. A client must test auth against the mock."""
    headers = {"Authorization": "Bearer not-a-real-token"}
    assert fetch(servers["prism"], headers)[0] == 200
    assert fetch(servers["mock"], headers)[0] == 401


def test_documented_difference_only_the_mock_serves_the_dataset(servers, spec: ApiSpec):
    """Prism serves the 200 example for any valid ID; the mock looks the booking up."""
    headers = {"Authorization": f"Bearer {mint_token()}"}
    path = "/api/v1/calcom/appointments/9xQmR4tLwZ8cVb2Nf6Hj3k"
    assert fetch(servers["prism"], headers, path)[0] == 200
    assert fetch(servers["mock"], headers, path)[0] == spec.status_for_code("CALCOM_API_ERROR")


def test_the_schemathesis_cli_finds_no_contract_bug_in_the_mock(servers):
    token = mint_token()
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "openapi.yaml"),
        "--url", servers["mock"], "--checks", "all", "-H", f"Authorization: Bearer {token}", "--seed", "20261128",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "No issues found" in output
