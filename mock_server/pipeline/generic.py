"""The handler of every operation that has none of its own: the spec's examples, as Prism serves them, with the
mock's real checks in front.

authenticate (the operation's security requirements; `security: []` is open) -> validate (every parameter and
the body, each against its own schema) -> negotiate (`Prefer` / `__code` / `__example`, latency, injected
errors) -> an answer set at run time through the admin API, if one matches -> the lowest documented 2xx (else
its 2XX range, else `default`), its first valid example or a body derived from its schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from mock_server.envelope import Reply
from mock_server.pipeline.auth import Authenticator
from mock_server.pipeline.bodies import ResponseBodies
from mock_server.pipeline.negotiation import negotiate_by_preference
from mock_server.pipeline.request import OperationRequest, Query
from mock_server.pipeline.validation import BodyValidator, ParameterValidator
from mock_server.spec import ApiSpec, Operation


class AnswerBook(Protocol):
    """Where answers set at run time are looked up: (operationId, the request's parameters) -> (status, body)."""

    def answer_for(self, operation_id: str, values: dict[str, Any], body: Any = None) -> tuple[int, Any] | None:
        """The answer set for this operation and these parameter values, if any."""


def default_status(operation: Operation) -> int:
    """What a request is answered with when nothing else is asked: the lowest 2xx, else 2XX or default's 200, else the lowest."""
    successes = [status for status in operation.statuses if 200 <= status < 300]
    if successes:
        return min(successes)
    if "2XX" in operation.ranges or "default" in operation.ranges:
        return 200
    return min(operation.statuses)


@dataclass(frozen=True)
class ExampleHandler:
    """One operation served from its examples (or schema-derived bodies), behind authentication and validation."""

    spec: ApiSpec
    operation: Operation
    bodies: ResponseBodies
    authenticate: Authenticator
    validator: ParameterValidator
    body_validator: BodyValidator
    answers: AnswerBook | None
    negotiate: Callable[["ExampleHandler", str | None, Query], Reply | None]

    def default_answer(self) -> Reply:
        """The default documented answer with its first body."""
        return self.bodies.reply(default_status(self.operation))

    def __call__(self, request: OperationRequest) -> Reply | tuple[int, Any]:
        """Authenticate, validate, negotiate, then the answer set at run time or the default one."""
        self.authenticate(self.operation, request.authorization, request.query, request.header)
        values = self.validator.validate(request)
        body = self.body_validator.validate(request)
        forced = self.negotiate(self, request.prefer, request.query)
        if forced is not None:
            return forced
        if self.answers is not None:
            stored = self.answers.answer_for(self.operation.operation_id, values, body)
            if stored is not None:
                return stored
        return self.default_answer()


def build_example_handler(spec: ApiSpec, operation: Operation, bodies: ResponseBodies, authenticate: Authenticator,
                          answers: AnswerBook | None) -> ExampleHandler:
    """The generic handler of one operation (its bodies and validators are built on its first request)."""
    return ExampleHandler(spec, operation, bodies, authenticate, ParameterValidator(spec, operation), BodyValidator(spec, operation),
                          answers, negotiate_by_preference)
