"""Schemathesis over the spec: examples, coverage and fuzzing phases, positive and negative data,
every built-in check plus the project's own rules (mock_server/contract/rules.py)."""

from __future__ import annotations

import schemathesis

from contract_tests.generation.checks import DOCUMENTED_STATUS_CHECK, SCHEMATHESIS_CHECKS
from contract_tests.generation.expectations import documents_client_errors
from contract_tests.inputs.scope import active_scope
from contract_tests.inputs.settings import active
from mock_server.contract.rules import SPEC as API

schema = schemathesis.pytest.from_fixture("api_schema")
if active_scope(API).left_out:  # the run's cap (contract_tests/inputs/scope.py); on the lazy schema, whose filter is the one used
    _CHECKED = active_scope(API).keys()
    schema = schema.include(func=lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in _CHECKED)
if active().live:  # writes reach a live URL only through the suite's own tests, which touch only what they created
    schema = schema.include(method=["GET", "HEAD"])
_SILENT = {(op.method, op.path) for op in API.operations.values() if not documents_client_errors(op)}


@schema.parametrize()
def test_the_api_honours_its_spec(case, session, target):
    checks = SCHEMATHESIS_CHECKS
    if (case.operation.method.upper(), case.operation.path) in _SILENT:
        checks = [*SCHEMATHESIS_CHECKS, DOCUMENTED_STATUS_CHECK]
    try:
        case.call_and_validate(session=session, additional_checks=checks)
    finally:
        if not active().live and case.operation.method.upper() not in ("GET", "HEAD", "OPTIONS"):
            reset_embedded_mock(session, target)


def reset_embedded_mock(session, target) -> None:
    """Bring the embedded mock back to its dataset: a generated write may have changed a booking later tests read."""
    session.post(target.base_url + "/__mock/reset")
