"""Schemathesis over openapi.yaml: examples, coverage and fuzzing phases, positive and negative data,
every built-in check plus the project's own rules (mock_server/contract/rules.py)."""

from __future__ import annotations

import schemathesis

from contract_tests.checks import SCHEMATHESIS_CHECKS

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_honours_its_spec(case, session):
    case.call_and_validate(session=session, additional_checks=SCHEMATHESIS_CHECKS)
