"""What schemathesis should expect of the API, derived from openapi.yaml at run time.

The statuses that schemathesis' checks accept follow from which status the spec pairs with each error
code, so they are computed here rather than written down: move CALCOM_API_ERROR to 503 in the spec and
the suite expects 503. `schemathesis.toml` carries the same values for `schemathesis run` users;
`python -m contract_tests.expectations --write` regenerates it, and a test fails when it is stale.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from mock_server.spec import ApiSpec, Operation, load_spec

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS_TOML = ROOT / "schemathesis.toml"


def _accepted(spec: ApiSpec, operation: Operation) -> list[int]:
    """What a valid request may be answered with: a 2xx, a documented not-found, or a documented upstream failure.

    For Get Appointment that is 200 and CALCOM_API_ERROR's status (a well-formed UID Cal.com does not know).
    """
    internal = spec.internal_error_code
    statuses = {s for s in operation.statuses if 200 <= s < 300 or s == 404}
    statuses |= {s for s in operation.statuses if s >= 500 and set(operation.responses[s].codes) - {internal}}
    return sorted(statuses)


def _rejected(spec: ApiSpec, operation: Operation) -> list[int]:
    """What malformed input is answered with: the invalid-input status, or 401 first without valid auth."""
    code = operation.invalid_input_code or spec.invalid_input_code
    statuses = {operation.status_for_code(code) if code in operation.error_codes else spec.status_for_code(code)}
    if operation.secured:
        statuses.add(401)
    return sorted(statuses)


def expected_statuses(spec: ApiSpec) -> dict[str, dict[str, Any]]:
    """The API-wide `[checks.*]`: documented server errors other than the internal error are answers, not faults."""
    internal = spec.internal_error_code
    documented = sorted({
        status for op in spec.operations.values() for status in op.statuses
        if status >= 500 and set(op.responses[status].codes) - {internal}
    })
    return {"not_a_server_error": {"expected-statuses": ["2xx", "4xx", *map(str, documented)]}}


def operation_expectations(spec: ApiSpec) -> list[dict[str, Any]]:
    """Per operation (`[[operations]]`): what a valid request may get, and what malformed input must get."""
    return [
        {
            "include-operation-id": operation_id,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [str(s) for s in _accepted(spec, operation)]},
                "negative_data_rejection": {"expected-statuses": [str(s) for s in _rejected(spec, operation)]},
            },
        }
        for operation_id, operation in spec.operations.items()
    ]


def render_toml(spec: ApiSpec) -> str:
    """schemathesis.toml for `schemathesis run`, its expectations derived from the spec."""

    def statuses(values: list[str]) -> str:
        return "[" + ", ".join(f'"{s}"' for s in values) + "]"

    operations = ""
    for entry in operation_expectations(spec):
        checks = entry["checks"]
        operations += f"""
[[operations]]
include-operation-id = "{entry["include-operation-id"]}"
# A valid request may get a 2xx, a documented not-found or a documented upstream failure.
checks.positive_data_acceptance.expected-statuses = {statuses(checks["positive_data_acceptance"]["expected-statuses"])}
# Malformed input gets the invalid-input status; without valid auth, 401 first.
checks.negative_data_rejection.expected-statuses = {statuses(checks["negative_data_rejection"]["expected-statuses"])}
"""
    return f"""# What schemathesis expects of this API, for `schemathesis run` (from this folder).
# GENERATED from {spec.path.name} by `python -m contract_tests.expectations --write`: do not edit the
# [checks.*] and [[operations]] values by hand; change the spec, then regenerate.
# The contract suite computes the same values from the spec at run time (contract_tests/expectations.py).

[generation]
mode = "all"  # positive and negative data

[phases.stateful]
enabled = false  # read-only operations: no links to follow

[checks.not_a_server_error]
# Documented 5xx answers other than the internal error (a 500 INTERNAL_ERROR is always a failure).
expected-statuses = {statuses(expected_statuses(spec)["not_a_server_error"]["expected-statuses"])}
{operations}"""


def toml_is_current(path: Path = SCHEMATHESIS_TOML, spec: ApiSpec | None = None) -> bool:
    """True when the file's expectations are the ones the spec implies."""
    spec = spec or load_spec()
    with path.open("rb") as handle:
        written = tomllib.load(handle)
    return written.get("checks") == expected_statuses(spec) and written.get("operations") == operation_expectations(spec)


def main(argv: list[str] | None = None) -> int:
    """Print the derived schemathesis.toml, or --write it."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.expectations", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"rewrite {SCHEMATHESIS_TOML.name} (default: print it)")
    args = parser.parse_args(argv)
    text = render_toml(load_spec())
    if args.write:
        SCHEMATHESIS_TOML.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMATHESIS_TOML}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
