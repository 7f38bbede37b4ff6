"""No false alarms: the contract suite, in live mode, is green on correct servers it was not written with.

Three small implementations of the contract on other stacks (tests/independent/: Starlette under
uvicorn, Node's http module, Flask under plain gunicorn), none with the mock's hardening. Each gets
the live suite on FALSE_ALARM_SEEDS seeds (default 2; `make falsealarms SEEDS=20` runs more), once with
CONTRACT_JWT_SECRET (the suite mints every token) and once with the tokens given one by one, an
expired one included. Every run must be green, skip nothing, and observe every outcome a correct
server can give.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.serving.launcher import ServerProcess
from mock_server.tokens import mint_token
from tests.independent.servers import DATA, SECRET, SERVERS, start

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [20261130 + i for i in range(int(os.environ.get("FALSE_ALARM_SEEDS", "2")))]


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """One independent implementation, running."""
    process = start(request.param)
    yield process
    process.stop()


def live_inputs(seed: int) -> dict[str, str]:
    """The CONTRACT_* inputs: with the signing secret on even seeds, every token given on odd ones."""
    token = mint_token(DATA["org"], secret=SECRET)
    inputs = {
        "CONTRACT_TOKEN": token,
        "CONTRACT_APPOINTMENT_ID": DATA["appointment_id"],
        "CONTRACT_ORG_ID": DATA["org"],
        "CONTRACT_OTHER_ORG_ID": DATA["other_org"],
        "CONTRACT_OTHER_APPOINTMENT_ID": DATA["other_appointment_id"],
    }
    if seed % 2 == 0:
        inputs["CONTRACT_JWT_SECRET"] = SECRET
    else:
        inputs.update(
            CONTRACT_NOT_CONNECTED_TOKEN=mint_token(DATA["not_connected_org"], secret=SECRET),
            CONTRACT_TOKEN_WITHOUT_ORG=mint_token(None, secret=SECRET),
            CONTRACT_EXPIRED_TOKEN=mint_token(DATA["org"], secret=SECRET, expires_in=-300),
        )
    return inputs


def run_live_suite(base_url: str, seed: int, inputs: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The contract suite against base_url, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    env.update(inputs, CONTRACT_BASE_URL=base_url, CONTRACT_SEED=str(seed), CONTRACT_RATE_LIMIT="0", CONTRACT_MAX_EXAMPLES="60")
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", "-rs"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_correct_server_gets_a_green_verdict(server: ServerProcess, seed: int):
    inputs = live_inputs(seed)
    result = run_live_suite(server.base_url, seed, inputs)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "GREEN" in output, f"false alarm against {server.name} (seed {seed}):\n{output[-4000:]}"
    assert "no drift:" in output, f"drift reported for a server that matches the spec ({server.name}, seed {seed}):\n{output[-3000:]}"
    skips = re.findall(r"^  skipped \((\d+)\): (.*)$", output, re.MULTILINE)
    if "CONTRACT_JWT_SECRET" in inputs:
        assert not skips, f"tests were skipped although every input was given: {skips}"
    else:  # only what needs the secret itself: tokens not valid yet, signed with another key, of another organization
        assert skips and all(reason.startswith("needs CONTRACT_JWT_SECRET (") for _, reason in skips), skips
    missing = re.findall(r"^      (\d{3}(?: [A-Z_]+)?): ", output, re.MULTILINE)
    assert missing == ["500 INTERNAL_ERROR"], f"documented outcomes not observed: {missing}"
    for name in ("CONTRACT_TOKEN", "CONTRACT_JWT_SECRET", "CONTRACT_EXPIRED_TOKEN"):
        assert name not in inputs or inputs[name][-12:] not in output, f"a piece of {name} was printed"
