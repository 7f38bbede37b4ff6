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

from mock_server.spec import ApiSpec, load_spec

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS_TOML = ROOT / "schemathesis.toml"


def expected_statuses(spec: ApiSpec) -> dict[str, dict[str, Any]]:
    """The `[checks.*]` expected-statuses that follow from the spec's pairing of statuses and codes."""
    documented_server_errors = [
        status for status in spec.statuses
        if status >= 500 and set(spec.responses[status].codes) - {"INTERNAL_ERROR"}
    ]
    # A valid request may meet a booking Cal.com does not know; malformed input, or no valid token, is refused.
    accepted = sorted({200, spec.status_for_code("CALCOM_API_ERROR")})
    rejected = sorted({spec.status_for_code("INVALID_REQUEST"), spec.status_for_code("UNAUTHORIZED")})
    return {
        "not_a_server_error": {"expected-statuses": ["2xx", "4xx", *map(str, documented_server_errors)]},
        "positive_data_acceptance": {"expected-statuses": [str(s) for s in accepted]},
        "negative_data_rejection": {"expected-statuses": [str(s) for s in rejected]},
    }


def render_toml(spec: ApiSpec) -> str:
    """schemathesis.toml for `schemathesis run`, its expectations derived from the spec."""
    checks = expected_statuses(spec)

    def statuses(name: str) -> str:
        return "[" + ", ".join(f'"{s}"' for s in checks[name]["expected-statuses"]) + "]"

    return f"""# What schemathesis expects of this API, for `schemathesis run` (from this folder).
# GENERATED from {spec.path.name} by `python -m contract_tests.expectations --write`: do not edit the
# [checks.*] values by hand; change which status carries which code in the spec, then regenerate.
# The contract suite computes the same values from the spec at run time (contract_tests/expectations.py).

[generation]
mode = "all"  # positive and negative data

[phases.stateful]
enabled = false  # one read-only operation: no links to follow

[checks.not_a_server_error]
# Documented 5xx answers other than INTERNAL_ERROR (a 500 INTERNAL_ERROR is always a failure).
expected-statuses = {statuses("not_a_server_error")}

[checks.positive_data_acceptance]
# A valid request for a booking Cal.com does not know is CALCOM_API_ERROR.
expected-statuses = {statuses("positive_data_acceptance")}

[checks.negative_data_rejection]
# Malformed input is INVALID_REQUEST; without valid auth it is UNAUTHORIZED first.
expected-statuses = {statuses("negative_data_rejection")}
"""


def toml_is_current(path: Path = SCHEMATHESIS_TOML, spec: ApiSpec | None = None) -> bool:
    """True when the file's [checks.*] expectations are the ones the spec implies."""
    with path.open("rb") as handle:
        written = tomllib.load(handle).get("checks", {})
    return written == expected_statuses(spec or load_spec())


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
