"""Coverage: which documented responses, examples and parameters a run exercised, in reports/contract-coverage.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent


def run(reports: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    return subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(reports)], cwd=ROOT,
                          env={**clean, "CONTRACT_SEED": "8", "CONTRACT_MAX_EXAMPLES": "8", **env}, capture_output=True, text=True, timeout=600)


def test_the_coverage_file_has_each_response_example_and_parameter_per_operation(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    coverage = json.loads((tmp_path / "contract-coverage.json").read_text())
    assert coverage["coverage_percent"] == 100.0 and coverage["covered"] == coverage["eligible"] == 5
    (operation,) = coverage["operations"]
    assert (operation["operation_id"], operation["method"]) == ("getAppointment", "GET")
    for response in operation["responses"]:
        assert isinstance(response["status"], int) and isinstance(response["observed"], int)
        assert response["code"] is None or isinstance(response["code"], str)
    internal = next(r for r in operation["responses"] if r["code"] == "INTERNAL_ERROR")
    assert internal["eligible"] is False and internal["observed"] == 0  # listed apart, not missing
    assert {e["name"]: e["seen"] for e in operation["examples"]}["appointment_retrieved"] is True
    ids = next(p for p in operation["parameters"] if p["name"] == "appointment_id")
    assert ids["valid_sent"] > 0 and ids["invalid_sent"] > 0
    assert "coverage: 100% of the documented responses (5 of 5 eligible)" in result.stdout


def test_a_run_below_the_minimum_coverage_is_red_naming_the_rule(tmp_path):
    with MockProcess("--quiet", "--workers", "1") as server:
        result = run(tmp_path, CONTRACT_BASE_URL=server.base_url, CONTRACT_TOKEN=mint_token(), CONTRACT_RATE_LIMIT="0",
                     CONTRACT_MIN_COVERAGE="90")
    coverage = json.loads((tmp_path / "contract-coverage.json").read_text())
    assert coverage["coverage_percent"] < 90 and coverage["meets_minimum"] is False
    assert result.returncode == 1 and "coverage_meets_minimum" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize("value", ["lots", "120", "-5"])
def test_a_minimum_coverage_it_does_not_understand_stops_the_run_before_any_request(tmp_path, value):
    result = run(tmp_path, CONTRACT_BASE_URL="http://127.0.0.1:9", CONTRACT_TOKEN=mint_token(), CONTRACT_MIN_COVERAGE=value)
    assert result.returncode == 78 and "CONTRACT_MIN_COVERAGE must be a percentage from 0 to 100" in result.stderr
    assert json.loads((tmp_path / "contract-coverage.json").read_text())["stopped"].startswith("INCONCLUSIVE")
