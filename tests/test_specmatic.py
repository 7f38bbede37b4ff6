"""Interop with Specmatic: its contract tests pass against the mock and cover every documented response."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from contract_tests.tools.specmatic import EXAMPLES_DIR, example_files, examples_are_current, missing_prerequisite, run_specmatic
from mock_server.config import DEV_JWT_SECRET
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
needs_specmatic = pytest.mark.skipif(missing_prerequisite() is not None, reason=missing_prerequisite() or "")


def test_the_externalized_examples_are_the_specs_own():
    assert examples_are_current(), "openapi_examples/ is stale: run `.venv/bin/python -m contract_tests.tools.specmatic --write-examples`"


def test_every_response_example_has_a_request_of_the_same_name(spec, get_appointment):
    parameter_examples = set(get_appointment.parameter("appointment_id", "path").examples)
    external = {name.removesuffix(".json") for name in example_files(spec)}
    every_response_example = {name for names in get_appointment.example_names().values() for name in names}
    assert parameter_examples | external == every_response_example
    assert not parameter_examples & external


def test_the_example_tokens_are_long_lived_development_tokens():
    for name, example in example_files_from_disk().items():
        header = example["http-request"]["headers"]["Authorization"]
        if header == "Bearer not-a-valid-token":
            continue
        claims = jwt.decode(header.removeprefix("Bearer "), DEV_JWT_SECRET, algorithms=["HS256"])
        assert claims["exp"] >= 4102444800, name  # 2100-01-01


def example_files_from_disk() -> dict[str, dict]:
    import json

    return {path.name: json.loads(path.read_text()) for path in EXAMPLES_DIR.glob("*.json")}


def test_without_java_the_reason_is_given(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "Specmatic needs Java 17+" in (missing_prerequisite() or "")


@needs_specmatic
def test_make_specmatic_passes_with_full_coverage():
    result = subprocess.run([sys.executable, "-m", "contract_tests.tools.specmatic"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "7 tests, 7 passed, 0 failed; API coverage 100%" in result.stdout


@needs_specmatic
@pytest.mark.parametrize("fault", ["missing_field", "code_status_swapped"])
def test_specmatic_fails_a_mock_that_breaks_the_contract(fault):
    with MockProcess("--quiet", "--workers", "1", "--fault", fault) as mock:
        result = run_specmatic(mock.base_url, mint_token())
    assert result.tests and not result.passed() and result.failures >= 1


@needs_specmatic
def test_specmatic_passes_the_mock_serving_a_spec_of_several_operations(tmp_path):
    from tests.specs import spec_with_more_operations

    more = spec_with_more_operations(tmp_path)
    result = subprocess.run([sys.executable, "-m", "contract_tests.tools.specmatic", "--spec", str(more)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert re.search(r"\d+ tests, \d+ passed, 0 failed", result.stdout)
    for path in ("/api/v1/calcom/appointments ", "/api/v1/calcom/appointments/{appointment_id}/notes/{note_id}", "/api/v1/health"):
        assert path in result.stdout, path  # each new operation is in Specmatic's coverage table
