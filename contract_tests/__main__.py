"""`python -m contract_tests`: the contract suite as a release gate, for CI: one verdict, one exit status.

It takes the same CONTRACT_* variables as `python -m pytest contract_tests` and ends with the same statuses:
0 GREEN, 1 RED, 75 INCONCLUSIVE (the target could not be checked), 78 configuration error. It writes
REPORT_DIR/contract-junit.xml, REPORT_DIR/contract-report.md and REPORT_DIR/contract-coverage.json on every
run, a stopped one included.
Arguments after the options go to pytest (e.g. `-k tenant`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from contract_tests.inputs.settings import VARIABLES, nearest
from contract_tests.reporting.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
# `make contract NAME=value`: NAME is a CONTRACT_* variable without its prefix, or one of these.
MAKE_VARIABLES = ("PYTEST_ARGS", "PYTHON", "REPORTS")


def make_variable_error(names: list[str]) -> str | None:
    """The first name given to `make contract` that means nothing to it, with the nearest known one."""
    known = [name.removeprefix("CONTRACT_") for name in VARIABLES] + list(MAKE_VARIABLES)
    for name in names:
        if name not in known:
            return (f"`make contract {name}=...`: {name} is not a variable of make contract{nearest(name, known)}; "
                    f"its variables are {', '.join(known)}")
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the contract suite and return its verdict's exit status."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report-dir", type=Path, default=Path("reports"), help="where the JUnit XML and Markdown reports go (default %(default)s)")
    parser.add_argument("--make-variables", default="", help=argparse.SUPPRESS)  # the names given on make's command line
    args, pytest_args = parser.parse_known_args(argv)
    junit = args.report_dir / "contract-junit.xml"
    markdown = args.report_dir / "contract-report.md"
    coverage = args.report_dir / "contract-coverage.json"
    html = args.report_dir / "contract-report.html"
    problem = make_variable_error(args.make_variables.split())
    if problem is not None:
        from contract_tests.reporting.report import write_stopped_reports

        print(write_stopped_reports(markdown, junit, problem, coverage, html), file=sys.stderr)
        return Verdict.CONFIGURATION_ERROR.exit_status
    # pytest in a process of its own: this one has imported the package already, so pytest could not
    # rewrite the suite's assertions (their messages name the rule they check).
    command = [
        sys.executable, "-m", "pytest", str(ROOT / "contract_tests"), "-q", "-p", "no:cacheprovider",
        "-o", "junit_suite_name=contract", f"--rootdir={ROOT}", f"--junitxml={junit.resolve()}",
        f"--contract-report={markdown.resolve()}", f"--contract-coverage={coverage.resolve()}",
        f"--contract-html={html.resolve()}", *pytest_args,
    ]
    import os

    from contract_tests.inputs.settings import MAKE_VARIABLES_ENV

    env = {**os.environ, MAKE_VARIABLES_ENV: args.make_variables}  # messages name the variables as the user typed them
    try:
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
