"""The spec-edit drill: change an inferred decision in openapi.yaml alone, and everything follows.

The edits a team would make if staging contradicted two inferences: NOT_CONNECTED gets its own 409
response, and CALCOM_API_ERROR moves from 502 to 503 (other statuses for a spec that already says those). The mock serving the edited copy must pass the
contract suite read from that copy, and the project's spec-dependent tests must pass on it too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.spec import load_spec, spec_path
from tests.spec_edits import drill_statuses, drilled_spec

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drilled copy of the spec."""
    path = drilled_spec(tmp_path_factory.mktemp("drill"))
    spec = load_spec(path)
    moved = drill_statuses()
    assert spec.outcome("NOT_CONNECTED") == (moved["NOT_CONNECTED"], "NOT_CONNECTED")
    assert spec.outcome("CALCOM_API_ERROR") == (moved["CALCOM_API_ERROR"], "CALCOM_API_ERROR")
    return path


def run(edited: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    env.update(MOCK_SPEC=str(edited), CONTRACT_SEED="9")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_the_suite_passes_the_mock_serving_the_edited_spec(edited):
    result = run(edited, "contract_tests")
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "GREEN" in output, output[-4000:]
    statuses = dict(re.findall(r"(\d{3}): (\d+)", re.search(r"requests sent \(by status: ([^)]*)\)", output).group(1)))
    moved = drill_statuses()
    before = str(load_spec(spec_path()).status_for_code("CALCOM_API_ERROR"))
    assert str(moved["CALCOM_API_ERROR"]) in statuses and before not in statuses, statuses  # CALCOM_API_ERROR answered, and expected, there
    assert str(moved["NOT_CONNECTED"]) in statuses, statuses  # NOT_CONNECTED answered at its own status


def test_the_projects_spec_dependent_tests_follow_the_edit(edited):
    result = run(
        edited,
        "tests/test_contract_rules.py", "tests/test_mock_outcomes.py", "tests/test_mock_prefer.py",
        "tests/test_resilience.py", "tests/test_release_gates.py", "-k", "not report and not proxy",
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
