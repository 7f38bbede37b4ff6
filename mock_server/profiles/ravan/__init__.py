"""Ravan.ai's profile: what its API adds to the generic core, for specs that opt in (`x-invalid-input-code`, or
`x-contract-profile: ravan`).

- Every error is the envelope `{success: false, message, code}` as application/json, its status the one the spec
  pairs with the code: invalid input takes the code `x-invalid-input-code` designates, a refused credential the
  documented 401's code, an unknown route or method the invalid-input code (with 404 and 405), a fault the
  documented 500's.
- Bearer tokens are JWTs (HS256) verified with the mock's secret; the organization is the token's `org_id` claim,
  the `org_id` query only as a fallback (pipeline.py, organization.py), and tenancy keeps every organization's
  bookings to itself (bookings.py, over the booking dataset in mock_server/data/).
- Get Appointment has its own pipeline, and a list of bookings is answered from the dataset (listing.py); a derived
  body's `success` agrees with its status.
- The deliberate faults of `--fault` (faults.py) are violations of this API's contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from mock_server.data import GET_APPOINTMENT  # the operation the booking dataset serves (pipeline.py)
from mock_server.envelope import (INTERNAL, INVALID_INPUT, JSON_TYPE, METHOD_NOT_ALLOWED, NOT_FOUND, UNAUTHORIZED, UNKNOWN_ITEM,
                                  ApiError, Reply, error_body)
from mock_server.profiles.base import Profile
from mock_server.spec import RAVAN_PROFILE, Operation, SpecError

if TYPE_CHECKING:
    from mock_server.pipeline.auth import TokenVerifier
    from mock_server.pipeline.bodies import ResponseBodies



class RavanProfile(Profile):
    """Ravan.ai's error envelope, codes, JWT organizations, tenancy, dataset and Get Appointment pipeline."""

    name = RAVAN_PROFILE
    verifies_jwt = True
    realm = "ravan"

    def token_verifier(self, secret: str) -> "TokenVerifier":
        """The JWT verifier; the organization claim must look like the spec's organization IDs."""
        from mock_server.pipeline.auth import TokenVerifier

        org_pattern = None
        if GET_APPOINTMENT in self.spec.operations:
            org_pattern = self.spec.operation(GET_APPOINTMENT).parameter_pattern("org_id", "query")
        return TokenVerifier(secret, org_pattern)

    def handler_builders(self) -> dict[str, Callable[..., Any]]:
        """Get Appointment's pipeline (its dataset, its organization rules, the faults that swap its steps), and every
        listing of bookings answered from the dataset (listing.py)."""
        if GET_APPOINTMENT not in self.spec.operations:
            return {}
        from mock_server.profiles.ravan.listing import build_listing, listing_operations
        from mock_server.profiles.ravan.pipeline import build_get_appointment

        builders: dict[str, Callable[..., Any]] = {GET_APPOINTMENT: build_get_appointment}
        for operation_id, path in listing_operations(self.spec, GET_APPOINTMENT).items():
            builders[operation_id] = lambda context, operation, path=path: build_listing(context, operation, path)
        return builders

    def shape_body(self, operation: Operation, status: int, body: Any) -> Any:
        """A derived body's `success` is true exactly on a 2xx."""
        if isinstance(body, dict) and "success" in body:
            return {**body, "success": 200 <= status < 300}
        return body

    def invalid_code(self, operation: Operation | None) -> str:
        """The code of invalid input for an operation (or API-wide)."""
        return (operation.invalid_input_code if operation is not None else None) or self.spec.invalid_input_code

    def code_for(self, operation: Operation | None, error: ApiError) -> str:
        """The code an error is answered with."""
        if error.code is not None:
            return error.code
        if error.kind == UNAUTHORIZED:
            return (operation.unauthorized_code if operation is not None else None) or "UNAUTHORIZED"
        if error.kind == INTERNAL:
            return self.spec.internal_error_code or "INTERNAL_ERROR"
        if error.kind == UNKNOWN_ITEM and operation is not None:
            documented = operation.responses.get(404)
            if documented is not None and documented.codes:
                return documented.codes[0]
        return self.invalid_code(operation)  # invalid input, unknown routes and methods

    def status_for(self, operation: Operation | None, code: str) -> int:
        """The status the spec pairs with a code (the operation's own first; 500 for a code it does not know)."""
        if operation is not None and code in operation.error_codes:
            return operation.status_for_code(code)
        try:
            return self.spec.status_for_code(code)
        except SpecError:
            return 500

    def error_reply(self, operation: Operation | None, error: ApiError, bodies: "ResponseBodies | None") -> Reply:
        """The envelope with the code, at the status the spec pairs with it (404 and 405 as they are)."""
        code = self.code_for(operation, error)
        status = error.status or (404 if error.kind == NOT_FOUND else 405 if error.kind == METHOD_NOT_ALLOWED else self.status_for(operation, code))
        return Reply(status, error_body(code, error.message), JSON_TYPE, tuple(error.headers.items()))


__all__ = ["GET_APPOINTMENT", "INVALID_INPUT", "RavanProfile"]
