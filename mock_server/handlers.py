"""Which handler serves each operation of the spec: one registered for its operationId, else the generic one.

Get Appointment has its own (its dataset, its organization rules, the faults that swap its steps). Adding a
handler for another operation is one entry in SPECIFIC_HANDLERS; everything else is served from the spec.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from mock_server.data.store import SharedStore
from mock_server.pipeline import GET_APPOINTMENT, build_pipeline
from mock_server.pipeline.auth import TokenVerifier
from mock_server.pipeline.generic import AnswerBook, build_example_handler
from mock_server.pipeline.request import OperationRequest
from mock_server.pipeline.resilience import Resilience, with_resilience
from mock_server.spec import ApiSpec, Operation

if TYPE_CHECKING:
    from mock_server.faults import Fault

Handler = Callable[[OperationRequest], tuple[int, Any]]


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may be built from."""

    spec: ApiSpec
    store: SharedStore
    secret: str
    verifier: TokenVerifier
    answers: AnswerBook | None
    fault: "Fault | None"


def _get_appointment(context: HandlerContext, operation: Operation) -> Any:
    pipeline = build_pipeline(context.spec, context.store, context.secret, context.verifier)
    return context.fault.apply_to_pipeline(pipeline) if context.fault is not None else pipeline


SPECIFIC_HANDLERS: dict[str, Callable[[HandlerContext, Operation], Any]] = {GET_APPOINTMENT: _get_appointment}


def token_verifier(spec: ApiSpec, secret: str) -> TokenVerifier:
    """One verifier for the whole API; the organization claim must look like the spec's organization IDs."""
    org_pattern = None
    if GET_APPOINTMENT in spec.operations:
        org_pattern = spec.operation(GET_APPOINTMENT).parameter_pattern("org_id", "query")
    return TokenVerifier(secret, org_pattern)


def build_handlers(context: HandlerContext, resilience: Resilience, rng: random.Random | None = None) -> dict[str, Handler]:
    """A handler for every operation of the spec, with the server-wide latency and error rate."""
    handlers: dict[str, Handler] = {}
    for operation_id, operation in context.spec.operations.items():
        build = SPECIFIC_HANDLERS.get(operation_id)
        handler = build(context, operation) if build else build_example_handler(context.spec, operation, context.verifier, context.answers)
        handlers[operation_id] = with_resilience(handler, resilience, rng)
    return handlers
