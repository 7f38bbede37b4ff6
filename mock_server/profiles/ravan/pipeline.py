"""Get Appointment's request pipeline as data: each step is a replaceable function, so faults can swap one out.

This is the handler Ravan's profile registers for the `getAppointment` operation: its dataset, its organization
rules. Every other operation is served by the generic handler (pipeline/generic.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from mock_server.data import GET_APPOINTMENT
from mock_server.pipeline.auth import Identity, TokenVerifier
from mock_server.profiles.ravan.bookings import lookup_booking
from mock_server.data.store import SharedStore
from mock_server.envelope import Reply
from mock_server.pipeline.bodies import ResponseBodies
from mock_server.pipeline.negotiation import negotiate_by_preference
from mock_server.profiles.ravan.organization import resolve_organization
from mock_server.pipeline.request import OperationRequest, Query
from mock_server.pipeline.validation import RequestValidator
from mock_server.spec import ApiSpec, Operation

__all__ = ["GET_APPOINTMENT", "Pipeline", "build_get_appointment", "build_pipeline"]


@dataclass(frozen=True)
class Pipeline:
    """authenticate → validate → negotiate → resolve organization → look up; one field per step."""

    spec: ApiSpec
    operation: Operation
    bodies: ResponseBodies
    store: SharedStore
    secret: str
    org_pattern: re.Pattern[str]
    validator: RequestValidator
    verifier: TokenVerifier
    authenticate: Callable[["Pipeline", str | None], Identity]
    validate: Callable[["Pipeline", str, list[str]], str | None]
    negotiate: Callable[["Pipeline", str | None, Query], Reply | tuple[int, Any] | None]
    resolve_organization: Callable[["Pipeline", Identity, str | None], str]
    lookup: Callable[["Pipeline", str, str], bytes]

    def __call__(self, request: OperationRequest) -> Reply | tuple[int, Any]:
        """Run every step for one request; errors travel as ApiError."""
        appointment_id = request.path_params.get("appointment_id", "")
        identity = self.authenticate(self, request.authorization)
        query_org = self.validate(self, appointment_id, list(request.query.get("org_id", ())))
        forced = self.negotiate(self, request.prefer, request.query)
        if forced is not None:
            return forced
        stored = self.store.answer_for(self.operation.operation_id, {"appointment_id": appointment_id, "org_id": query_org})
        if stored is not None:
            return stored  # an answer set at run time through the admin API
        org_id = self.resolve_organization(self, identity, query_org)
        return 200, self.lookup(self, org_id, appointment_id)


def _authenticate(p: Pipeline, authorization: str | None) -> Identity:
    return p.verifier(authorization)


def _validate(p: Pipeline, appointment_id: str, org_values: list[str]) -> str | None:
    return p.validator.validate(appointment_id, org_values)


def _resolve(p: Pipeline, identity: Identity, query_org: str | None) -> str:
    return resolve_organization(identity, query_org)


def _lookup(p: Pipeline, org_id: str, appointment_id: str) -> bytes:
    return lookup_booking(p.store, org_id, appointment_id)


def build_pipeline(spec: ApiSpec, store: SharedStore, secret: str, verifier: TokenVerifier | None = None,
                   bodies: ResponseBodies | None = None) -> Pipeline:
    """The clean pipeline of Get Appointment, as the contract describes it."""
    operation = spec.operation(GET_APPOINTMENT)
    org_pattern = operation.parameter_pattern("org_id", "query")
    if bodies is None:
        from mock_server.pipeline.bodies import BodyBook
        from mock_server.profiles import profile_for

        bodies = BodyBook(spec, profile_for(spec)).of(operation)
    return Pipeline(
        spec=spec,
        operation=operation,
        bodies=bodies,
        store=store,
        secret=secret,
        org_pattern=org_pattern,
        validator=RequestValidator(spec, operation),
        verifier=verifier or TokenVerifier(secret, org_pattern),
        authenticate=_authenticate,
        validate=_validate,
        negotiate=negotiate_by_preference,
        resolve_organization=_resolve,
        lookup=_lookup,
    )


def build_get_appointment(context: Any, operation: Operation) -> Pipeline:
    """Get Appointment's handler from the mock's parts (the fault's swapped steps, if a fault is chosen)."""
    pipeline = build_pipeline(context.spec, context.store, context.secret, context.verifier, context.book.of(operation))
    return context.fault.apply_to_pipeline(pipeline) if context.fault is not None else pipeline
