"""What schemathesis should expect of the API, derived from openapi.yaml at run time.

The statuses that schemathesis' checks accept follow from which status the spec pairs with each error
code, so they are computed here rather than written down: move CALCOM_API_ERROR to 503 in the spec and
the suite expects 503. `schemathesis.toml` carries the same values for `schemathesis run` users;
`python -m contract_tests.generation.expectations --write` regenerates it, and a test fails when it is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from mock_server.contract.expected import (CLIENT_ERRORS, documents_auth_failure, documents_invalid_input_answer, invalid_input_answer,
                                          unauthorized_answer)
from mock_server.spec import ApiSpec, Operation, load_spec

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS_TOML = ROOT / "schemathesis.toml"


def _accepted(spec: ApiSpec, operation: Operation) -> list[str]:
    """What a valid request may be answered with: a 2xx or 3xx, a documented not-found, or a documented upstream failure.

    For Get Appointment that is 200 and CALCOM_API_ERROR's status (a well-formed UID Cal.com does not know); for
    an operation documented only by a redirect, its 3xx; only by `default` or ranges, any 2xx or 3xx.
    """
    internal = spec.internal_error_code
    statuses = {str(s) for s in operation.statuses if 200 <= s < 400 or s in (404, 410)}
    if operation.path_parameters and 404 not in operation.responses and operation.documents(404):
        statuses.add("404")  # an ID a valid request names may be unknown, and a 4XX range or default documents that
    statuses |= {str(s) for s in operation.statuses if s >= 500 and set(operation.responses[s].codes) - {internal}}
    for key in ("2XX", "3XX"):
        if key in operation.ranges:
            statuses.add(key.lower())
    if "default" in operation.ranges and not any(200 <= s < 400 for s in operation.statuses):
        statuses |= {"2xx", "3xx"}
    if operation.request_body is not None:  # a schema-valid body refused as invalid input: a finding, not a failure
        answer = invalid_input_answer(spec, operation)  # (contract_tests/generation/checks.py records it)
        if answer.documented and answer.statuses != CLIENT_ERRORS:
            statuses |= {str(s) for s in answer.statuses}
    return sorted(statuses)


def _rejected(spec: ApiSpec, operation: Operation) -> list[str]:
    """What malformed input is answered with: the invalid-input status, or 401 first without valid auth."""
    answer = invalid_input_answer(spec, operation)
    if not answer.documented or answer.statuses == CLIENT_ERRORS:
        return ["4xx"]
    expected = answer.statuses
    statuses = set(expected)
    if operation.secured:
        statuses |= unauthorized_answer(spec, operation).statuses
    return [str(s) for s in sorted(statuses)]


def _mixed(template: str) -> bool:
    """True for a template with a parameter inside a segment (`/v1/{name}:stop`)."""
    return any("{" in part and not re.fullmatch(r"{[^{}]+}", part) for part in template.split("/"))


def _shares_its_shape(spec: ApiSpec, operation: Operation) -> bool:
    """True when another path template can match the same URLs as this operation's: one of the same shape (only the
    parameters' names differ), or, beside a template with a parameter inside a segment, one with the same fixed start."""
    shape = re.sub(r"{[^{}]+}", "{}", operation.path)
    start = operation.path.split("{", 1)[0]
    for other in spec.operations.values():
        if other.path == operation.path:
            continue
        if re.sub(r"{[^{}]+}", "{}", other.path) == shape:
            return True
        if (_mixed(operation.path) or _mixed(other.path)) and other.path.split("{", 1)[0] == start:
            return True
    return False


def documents_client_errors(operation: Operation) -> bool:
    """True when the spec documents what both kinds of refusal get (invalid input, and a missing credential where
    the operation is secured): schemathesis' own status check then judges every status."""
    return documents_invalid_input_answer(operation) and (not operation.secured or documents_auth_failure(operation))


def expected_statuses(spec: ApiSpec) -> dict[str, dict[str, Any]]:
    """The API-wide `[checks.*]`: documented server errors other than the internal error are answers, not faults."""
    internal = spec.internal_error_code
    documented = sorted({
        status for op in spec.operations.values() for status in op.statuses
        if status >= 500 and set(op.responses[status].codes) - {internal}
    })
    return {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", *map(str, documented)]}}


def operation_expectations(spec: ApiSpec, operations: list[Operation] | None = None) -> list[dict[str, Any]]:
    """Per operation (`[[operations]]`): what a valid request may get, and what malformed input must get (for the
    given operations only: schemathesis looks through every entry on every check)."""
    entries = []
    for operation in spec.operations.values() if operations is None else operations:
        operation_id = operation.operation_id
        checks: dict[str, Any] = {
            "positive_data_acceptance": {"expected-statuses": _accepted(spec, operation)},
            "negative_data_rejection": {"expected-statuses": _rejected(spec, operation)},
        }
        if not documents_client_errors(operation):
            checks["status_code_conformance"] = {"enabled": False}  # DOCUMENTED_STATUS_CHECK judges instead
        if _shares_its_shape(spec, operation):  # /a/{id} GET and /a/{key} DELETE: one URL has both methods, and the
            checks["allow_header_conformance"] = {"enabled": False}  # 405's Allow says so; schemathesis reads one template
        if operation.derived_id:  # no operationId in the spec: schemathesis knows the operation by its name (one key:
            # several include-* keys in one entry are alternatives, not a conjunction)
            entries.append({"include-name": f"{operation.method} {operation.path}", "checks": checks})
        else:
            entries.append({"include-operation-id": operation_id, "checks": checks})
    return entries


def render_toml(spec: ApiSpec, operations: list[Operation] | None = None) -> str:
    """schemathesis.toml for `schemathesis run`, its expectations derived from the spec (for these operations only)."""

    def statuses(values: list[str]) -> str:
        return "[" + ", ".join(f'"{s}"' for s in values) + "]"

    def selector(entry: dict[str, Any]) -> str:
        if "include-operation-id" in entry:
            return f'include-operation-id = "{entry["include-operation-id"]}"'
        return f'include-name = "{entry["include-name"]}"'

    per_operation = ""
    for entry in operation_expectations(spec, operations):
        checks = entry["checks"]
        per_operation += f"""
[[operations]]
{selector(entry)}
# A valid request may get a 2xx, a documented not-found or a documented upstream failure (with a body: also the
# invalid-input answer, for rules the schema cannot say, which the suite reports as findings).
checks.positive_data_acceptance.expected-statuses = {statuses(checks["positive_data_acceptance"]["expected-statuses"])}
# Malformed input gets the invalid-input status; without valid auth, 401 first.
checks.negative_data_rejection.expected-statuses = {statuses(checks["negative_data_rejection"]["expected-statuses"])}
""" + ("""# Another template can match the same URLs: a 405's Allow lists the methods of both.
checks.allow_header_conformance.enabled = false
""" if "allow_header_conformance" in checks else "") + ("""# The spec documents no answer to invalid input (or to a refused credential) here: any 4xx answers negative data
# (the suite's status_is_documented judges).
checks.status_code_conformance.enabled = false
""" if "status_code_conformance" in checks else "")
    return f"""# What schemathesis expects of this API, for `schemathesis run` (from this folder).
# GENERATED from {spec.path.name} by `python -m contract_tests.generation.expectations --write`: do not edit the
# [checks.*] and [[operations]] values by hand; change the spec, then regenerate.
# The contract suite computes the same values from the spec at run time (contract_tests/generation/expectations.py).

[generation]
mode = "all"  # positive and negative data

[phases.stateful]
enabled = false  # read-only operations: no links to follow

[checks.not_a_server_error]
# Documented 5xx answers other than the internal error (a 500 INTERNAL_ERROR is always a failure).
expected-statuses = {statuses(expected_statuses(spec)["not_a_server_error"]["expected-statuses"])}
{per_operation}"""


def toml_is_current(path: Path = SCHEMATHESIS_TOML, spec: ApiSpec | None = None) -> bool:
    """True when the file's expectations are the ones the spec implies."""
    spec = spec or load_spec()
    with path.open("rb") as handle:
        written = tomllib.load(handle)
    return written.get("checks") == expected_statuses(spec) and written.get("operations") == operation_expectations(spec)


def main(argv: list[str] | None = None) -> int:
    """Print the derived schemathesis.toml, or --write it."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.generation.expectations", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
