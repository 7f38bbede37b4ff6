"""The handler of every operation that has none of its own: the spec's examples, as Prism serves them, with the
mock's real checks in front.

authenticate (the operation's security; `security: []` is open) -> validate (every parameter, its own schema)
-> negotiate (`Prefer` / `__code` / `__example`, latency, injected errors) -> an answer set at run time through
the admin API, if one matches -> the lowest documented 2xx, its first example or a body derived from its schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from mock_server.pipeline.auth import TokenVerifier
from mock_server.pipeline.negotiation import forced_response, parse_preference, servable_bodies
from mock_server.pipeline.request import OperationRequest, Query
from mock_server.pipeline.validation import ParameterValidator
from mock_server.spec import ApiSpec, Operation


class AnswerBook(Protocol):
    """Where answers set at run time are looked up: (operationId, the request's parameters) -> (status, body)."""

    def answer_for(self, operation_id: str, values: dict[str, Any]) -> tuple[int, Any] | None:
        """The answer set for this operation and these parameter values, if any."""


@dataclass(frozen=True)
class ExampleHandler:
    """One operation served from its examples (or schema-derived bodies), behind authentication and validation."""

    spec: ApiSpec
    operation: Operation
    bodies: dict[int, dict[str, Any]]
    verifier: TokenVerifier
    validator: ParameterValidator
    answers: AnswerBook | None
    negotiate: Callable[["ExampleHandler", str | None, Query], tuple[int, Any] | None]

    @property
    def default_answer(self) -> tuple[int, Any]:
        """The lowest documented 2xx (else the lowest status) with its first body."""
        successes = [status for status in self.bodies if 200 <= status < 300] or sorted(self.bodies)
        status = min(successes)
        return status, next(iter(self.bodies[status].values()))

    def __call__(self, request: OperationRequest) -> tuple[int, Any]:
        """Authenticate, validate, negotiate, then the answer set at run time or the default one."""
        if self.operation.secured:
            self.verifier(request.authorization)
        values = self.validator.validate(request)
        forced = self.negotiate(self, request.prefer, request.query)
        if forced is not None:
            return forced
        if self.answers is not None:
            stored = self.answers.answer_for(self.operation.operation_id, values)
            if stored is not None:
                return stored
        return self.default_answer


def _negotiate(handler: ExampleHandler, prefer: str | None, query: Query) -> tuple[int, Any] | None:
    preference = parse_preference(prefer, query)
    return None if preference is None else forced_response(handler.bodies, preference, handler.validator.code)


def build_example_handler(spec: ApiSpec, operation: Operation, verifier: TokenVerifier, answers: AnswerBook | None) -> ExampleHandler:
    """The generic handler of one operation, its bodies (derived ones included) prepared now."""
    return ExampleHandler(spec, operation, servable_bodies(operation), verifier, ParameterValidator(spec, operation), answers, _negotiate)
