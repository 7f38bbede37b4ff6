"""`make selftest`: the suite must pass on the clean mock and fail on the mock under every fault.

Prints a kill matrix (fault, caught or not, the first rule that caught it) and exits non-zero when
the clean mock fails or any fault survives.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from contract_tests.reporting.findings import read_junit
from mock_server.config import DEV_JWT_SECRET
from mock_server.profiles.ravan.faults import FAULTS
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    """One run of the contract suite against the mock, clean or under a fault."""

    fault: str | None
    exit_code: int
    seconds: float
    failed_tests: int
    first_rule: str
    output_tail: str

    @property
    def caught(self) -> bool:
        """The suite went red with a named rule (pytest exit code 1: tests failed)."""
        return self.exit_code == 1 and self.failed_tests > 0


MOCK_ARGS = ("--workers", "1", "--threads", "4")


def live_inputs(base_url: str) -> dict[str, str]:
    """What a team gives a live run, here for the mock's embedded dataset: every input, the secret included."""
    return {
        "CONTRACT_BASE_URL": base_url,
        "CONTRACT_TOKEN": mint_token("org_sunrise_dental", expires_in=3 * 3600),
        "CONTRACT_APPOINTMENT_ID": "kko1gv8tFZe8JjpCpct5tG",
        "CONTRACT_ORG_ID": "org_sunrise_dental",
        "CONTRACT_OTHER_ORG_ID": "org_northwind_realty",
        "CONTRACT_OTHER_APPOINTMENT_ID": "tcSSSS7XhS4D5EVB8Nf471",
        "CONTRACT_JWT_SECRET": DEV_JWT_SECRET,
        "CONTRACT_RATE_LIMIT": "0",
    }


def run_suite(fault: str | None, workdir: Path, seed: str, live: bool = False) -> Run:
    """Run the contract suite once against the mock, with or without a fault.

    By default the suite starts the mock itself (embedded mode); live, the mock runs as a server of
    its own and the suite checks it as it checks staging: only requests that reach the application.
    """
    label = fault or "clean"
    junit = workdir / f"{label}{'-live' if live else ''}.xml"
    fault_args = ("--fault", fault) if fault else ()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    env["CONTRACT_SEED"] = seed
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    if fault:
        command.append("-x")  # the first broken rule is enough to call it caught
    started = time.perf_counter()
    if live:
        with MockProcess("--quiet", *MOCK_ARGS, *fault_args) as server:
            env.update(live_inputs(server.base_url))
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    else:
        env["CONTRACT_MOCK_ARGS"] = " ".join((*MOCK_ARGS, *fault_args))
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    outcomes = read_junit(junit) if junit.exists() else []
    failed = [o for o in outcomes if o.status in ("failed", "error")]
    first_rule = next((o.rules[0] for o in failed if o.rules), "(none named)" if failed else "-")
    return Run(fault, result.returncode, seconds, len(failed), first_rule, (result.stdout + result.stderr)[-4000:])


def main(argv: list[str] | None = None) -> int:
    """Run the matrix and print it."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.tools.selftest", description=__doc__)
    parser.add_argument("--jobs", type=int, default=2, help="suite runs in parallel (default %(default)s)")
    parser.add_argument("--fault", action="append", help="only these faults (repeatable)")
    parser.add_argument("--seed", default=os.environ.get("CONTRACT_SEED", "20261128"), help="CONTRACT_SEED for every run")
    parser.add_argument("--live", action="store_true", help="check the mock as a live URL, as staging is checked (only requests that reach the application)")
    args = parser.parse_args(argv)
    faults = args.fault or list(FAULTS)
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="selftest-") as tmp, ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        workdir = Path(tmp)
        clean_future = pool.submit(run_suite, None, workdir, args.seed, args.live)
        fault_runs = list(pool.map(lambda f: run_suite(f, workdir, args.seed, args.live), faults))
        clean = clean_future.result()

    width = max(len(f) for f in faults)
    mode = "live mode, as against staging" if args.live else "embedded mock"
    print(f"\nKill matrix (seed {args.seed}, {mode}): the contract suite against the mock under each fault\n")
    print(f"{'fault':<{width}}  {'caught':<7} {'time':>6}  first rule that caught it")
    print(f"{'-' * width}  {'-' * 7} {'-' * 6}  {'-' * 40}")
    for run in fault_runs:
        verdict = "yes" if run.caught else "NO"
        print(f"{run.fault:<{width}}  {verdict:<7} {run.seconds:5.1f}s  {run.first_rule if run.caught else '(survived)'}")
    survivors = [run for run in fault_runs if not run.caught]
    killed = len(fault_runs) - len(survivors)
    print(f"\nclean mock: {'PASS' if clean.exit_code == 0 else 'FAIL'} ({clean.seconds:.1f}s)")
    print(f"faults caught: {killed} of {len(fault_runs)} ({100 * killed / len(fault_runs):.0f}%); wall time {time.perf_counter() - started:.0f}s")
    if clean.exit_code != 0:
        print("\nThe clean mock FAILED the contract suite:\n" + clean.output_tail, file=sys.stderr)
    for run in survivors:
        print(f"\nFault {run.fault} SURVIVED (pytest exit {run.exit_code}):\n{run.output_tail[-1500:]}", file=sys.stderr)
    return 0 if clean.exit_code == 0 and not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
