"""`make specmatic`: Specmatic's contract tests (pinned in package-lock.json) against the mock.

Specmatic builds one test per named response example and sends the request example of the same name
(openapi.yaml names its `appointment_id` examples for that). The responses that need a particular token
(401 without one, NOT_CONNECTED and INTERNAL_ERROR for particular organizations) come from externalized
examples in `openapi_examples/`, Specmatic's folder for `openapi.yaml`. Their tokens are long-lived
development tokens of the mock's public development secret (they open nothing else), and their bodies are
the spec's own examples: `python -m contract_tests.tools.specmatic --write-examples` regenerates them, and a
test fails while they are stale. Specmatic needs Java 17 or newer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.data import GET_APPOINTMENT
from mock_server.spec import ApiSpec, load_spec

ROOT = Path(__file__).resolve().parents[2]
SPECMATIC_JAR = ROOT / "node_modules" / "specmatic" / "specmatic.jar"
EXAMPLES_DIR = ROOT / "openapi_examples"
SECURITY_SCHEME = "bearerAuth"  # Specmatic reads the bearer token from the variable named after the scheme
MIN_JAVA = 17
KNOWN_BOOKING = "kko1gv8tFZe8JjpCpct5tG"
# Fixed claims, so the files are the same on every machine: issued 2025-11-30, valid until 2100-01-01.
ISSUED_AT = 1764460800
EXPIRES_AT = 4102444800
# response example -> the organization whose token provokes it (None: a token that is not a JWT at all;
# Specmatic's stub loads only examples whose Authorization has the bearer form, so not an empty header)
EXTERNAL_EXAMPLES: dict[str, str | None] = {
    "unauthorized": None,
    "not_connected": "org_harbor_physio",
    "internal_error": "org_ironclad_storage",
    "invalid_request": "org_sunrise_dental",
}
NOT_A_TOKEN = "not-a-valid-token"
# response example -> the appointment ID its request asks for (default: a known booking). A malformed ID lives
# here rather than among the spec's parameter examples, which Spectral rightly checks against the schema.
EXAMPLE_IDS = {"invalid_request": "not-a-valid-id!"}


def _token(org_id: str, name: str) -> str:
    from mock_server.tokens import mint_token

    return mint_token(org_id, expires_in=EXPIRES_AT - ISSUED_AT, now=ISSUED_AT, subject="specmatic-examples", extra={"jti": f"specmatic-{name}"})


def example_files(spec: ApiSpec) -> dict[str, dict[str, Any]]:
    """Specmatic's externalized examples: file name -> request/response pair, bodies from the spec's examples."""
    files = {}
    operation = spec.operation(GET_APPOINTMENT)
    for name, org_id in EXTERNAL_EXAMPLES.items():
        status, body = operation.example(name)
        authorization = f"Bearer {_token(org_id, name) if org_id else NOT_A_TOKEN}"
        files[f"{name}.json"] = {
            "http-request": {"method": operation.method, "path": operation.path_for(EXAMPLE_IDS.get(name, KNOWN_BOOKING)), "headers": {"Authorization": authorization}},
            "http-response": {"status": status, "headers": {"Content-Type": "application/json"}, "body": body},
        }
    return files


def render(example: dict[str, Any]) -> str:
    """One example file's text."""
    return json.dumps(example, indent=2) + "\n"


def write_examples(directory: Path = EXAMPLES_DIR, spec: ApiSpec | None = None) -> list[Path]:
    """Write the externalized examples (and remove stale ones)."""
    directory.mkdir(exist_ok=True)
    files = example_files(spec or load_spec())
    for stale in directory.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, example in files.items():
        (directory / name).write_text(render(example), encoding="utf-8")
        written.append(directory / name)
    return written


def examples_are_current(directory: Path = EXAMPLES_DIR, spec: ApiSpec | None = None) -> bool:
    """True when the folder holds exactly the examples the spec implies."""
    files = example_files(spec or load_spec())
    present = {path.name: path.read_text(encoding="utf-8") for path in directory.glob("*.json")}
    return present == {name: render(example) for name, example in files.items()}


def java_major_version() -> int | None:
    """The major version of the `java` on PATH, or None when there is none."""
    java = shutil.which("java")
    if java is None:
        return None
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


def missing_prerequisite() -> str | None:
    """Why Specmatic cannot run here, or None when it can."""
    version = java_major_version()
    if version is None:
        return f"Specmatic needs Java {MIN_JAVA}+ and no `java` is on PATH (install a JDK, e.g. Debian's openjdk-17-jre-headless)"
    if version < MIN_JAVA:
        return f"Specmatic needs Java {MIN_JAVA}+, and `java` here is Java {version}"
    if not SPECMATIC_JAR.exists():
        return f"{SPECMATIC_JAR.relative_to(ROOT)} is missing: run `make install` (it installs the Node tools pinned in package-lock.json)"
    return None


@dataclass(frozen=True)
class SpecmaticResult:
    """What one `specmatic test` run reported."""

    exit_code: int
    tests: int
    successes: int
    failures: int
    coverage: int | None
    output: str

    def passed(self, min_coverage: int = 100) -> bool:
        """No failure, and at least min_coverage percent of the documented responses covered."""
        return self.exit_code == 0 and self.tests > 0 and self.failures == 0 and (self.coverage or 0) >= min_coverage


def run_specmatic(base_url: str, token: str, spec_file: Path | None = None) -> SpecmaticResult:
    """`specmatic test` against base_url, the main token in the variable Specmatic reads."""
    spec_file = spec_file or ROOT / "openapi.yaml"
    command = ["java", "-jar", str(SPECMATIC_JAR), "test", str(spec_file), "--testBaseURL", base_url]
    env = {**os.environ, SECURITY_SCHEME: token}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    counts = re.search(r"Tests run: (\d+), Successes: (\d+), Failures: (\d+)", output)
    coverage = re.search(r"(\d+)% API Coverage", output)
    tests, successes, failures = (int(n) for n in counts.groups()) if counts else (0, 0, 0)
    return SpecmaticResult(result.returncode, tests, successes, failures, int(coverage.group(1)) if coverage else None, output)


def summary_table(output: str) -> str:
    """Specmatic's coverage table, as it printed it."""
    lines = [line for line in output.splitlines() if line.startswith("|")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run Specmatic's contract tests against a mock started here; exit 0 only on 0 failures and 100% coverage."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.tools.specmatic", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-examples", action="store_true", help=f"regenerate {EXAMPLES_DIR.name}/ from the spec and exit")
    parser.add_argument("--spec", type=Path, default=None, help="another spec (several operations, say): the mock serves it and Specmatic tests it, "
                        f"with {EXAMPLES_DIR.name}/ beside it; default openapi.yaml")
    parser.add_argument("--min-coverage", type=int, default=None, help="API coverage the run needs (default: 100 for openapi.yaml; for "
                        "another spec 0: Specmatic covers only responses with named request examples)")
    args = parser.parse_args(argv)
    if args.write_examples:
        for path in write_examples():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    reason = missing_prerequisite()
    if reason:
        print(f"specmatic: {reason}", file=sys.stderr)
        return 2
    if not examples_are_current():
        print(f"specmatic: {EXAMPLES_DIR.name}/ is stale: run `.venv/bin/python -m contract_tests.tools.specmatic --write-examples`", file=sys.stderr)
        return 2
    from mock_server.serving.launcher import MockProcess
    from mock_server.tokens import mint_token

    spec_file = None
    min_coverage = 100 if args.min_coverage is None else args.min_coverage
    with tempfile.TemporaryDirectory(prefix="specmatic-") as tmp:
        if args.spec is not None:
            spec_file = Path(tmp) / args.spec.name
            shutil.copyfile(args.spec, spec_file)
            shutil.copytree(EXAMPLES_DIR, Path(tmp) / f"{spec_file.stem}_examples")  # Specmatic's folder for that file name
            min_coverage = 0 if args.min_coverage is None else args.min_coverage
        with MockProcess("--quiet", "--workers", "1", *(["--spec", str(spec_file)] if spec_file else [])) as mock:
            result = run_specmatic(mock.base_url, mint_token("org_sunrise_dental"), spec_file)
    print(summary_table(result.output))
    print(f"Specmatic against the mock: {result.tests} tests, {result.successes} passed, {result.failures} failed; API coverage {result.coverage}%")
    if not result.passed(min_coverage):
        print(result.output[-6000:], file=sys.stderr)
        print("RED: Specmatic found failures or uncovered responses", file=sys.stderr)
        return 1
    print("GREEN: Specmatic's contract tests pass against the mock" + (" and cover every documented response" if min_coverage == 100 else f" (coverage at least {min_coverage}%)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
