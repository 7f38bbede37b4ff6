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
    _store: Any = None  # the shared store, once the mock gives it (records_for)

    def __init__(self, spec: Any):
        super().__init__(spec)
        self._agents: dict[str, dict[str, Any]] = {}  # organization -> agent ID -> name, as its bookings give them

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

    # --- state: the organization is the tenant, the bookings are the dataset ---------------------------

    def tenant(self, operation: Operation, identity: Any, values: dict[str, Any]) -> str:
        """The organization (the token's claim, then the `org_id` query), once its Cal.com account is usable."""
        from mock_server.profiles.ravan.organization import resolve_organization

        org_id = values.get("org_id")
        if identity is not None:
            org_id = resolve_organization(identity, org_id)
        elif org_id is None:
            raise ApiError(self.invalid_code(operation), "No organization context: no org_id claim and no org_id query parameter")
        if self._store is not None:
            from mock_server.profiles.ravan.bookings import check_connected

            check_connected(self._store, str(org_id))
        return str(org_id)

    def records_for(self, resource: Any, store: Any) -> Any:
        """The bookings (Get Appointment's dataset) for the resource Get Appointment reads; else the generic table."""
        self._store = store
        get = resource.operations.get("read")
        if get is not None and get.operation_id == GET_APPOINTMENT:
            from mock_server.profiles.ravan.bookings import BookingRecords

            return BookingRecords(store, self.spec)
        return None

    def fill_item(self, resource: Any, item: dict[str, Any], tenant: str, records: Any) -> dict[str, Any]:
        """A booking belongs to the caller's organization; its agent's name is the one the organization's bookings give."""
        filled = dict(item)
        if "organization_id" in (resource.item_schema.get("properties") or {}):
            filled["organization_id"] = tenant
        if "agent_name" in (resource.item_schema.get("properties") or {}) and "agent_name" not in filled and "agent_id" in filled:
            filled["agent_name"] = self._agent_name(records, tenant, str(filled["agent_id"]))
        return filled

    def _agent_name(self, records: Any, org_id: str, agent_id: str) -> str:
        """The name the organization's bookings give an agent (read once per organization and process), else its ID."""
        known = self._agents.get(org_id)
        if known is None:
            known = {str(b.get("agent_id")): b.get("agent_name") for b in records.list(org_id) if isinstance(b.get("agent_name"), str)}
            self._agents[org_id] = known
        return known.get(agent_id) or agent_id

    def check_input(self, operation: Operation, body: Any) -> None:
        """A booking's end is after its start (the descriptions say so; JSON Schema cannot)."""
        if isinstance(body, dict):
            _end_after_start(body)

    def check_item(self, operation: Operation, item: dict[str, Any]) -> None:
        """A stored booking's end is after its start (after a PATCH merged a new start, too)."""
        _end_after_start(item)

    def unknown_item(self, operation: Operation, item_id: str) -> ApiError:
        """Cal.com's CALCOM_API_ERROR where the operation documents it (as Get Appointment), else the generic answer."""
        if "CALCOM_API_ERROR" in operation.error_codes:
            from mock_server.profiles.ravan.bookings import unknown_booking

            return unknown_booking(item_id)
        return super().unknown_item(operation, item_id)

    def documents_unknown_item(self, operation: Operation) -> bool:
        """CALCOM_API_ERROR (Cal.com has no such booking) or a documented 404."""
        return "CALCOM_API_ERROR" in operation.error_codes or super().documents_unknown_item(operation)

    def shape_item_body(self, operation: Operation, status: int, body: Any, place: tuple[str, ...], item: dict[str, Any]) -> Any:
        """Beside the appointment, `org_id` is its organization and `agent_id` its agent."""
        body = super().shape_item_body(operation, status, body, place, item)
        container = body
        for name in place[:-1]:
            container = container.get(name) if isinstance(container, dict) else None
        if isinstance(container, dict) and "org_id" in container and "organization_id" in item:
            container["org_id"] = item["organization_id"]
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


def _end_after_start(fields: dict[str, Any]) -> None:
    """An invalid-input error when both times are there and the end is not after the start."""
    start, end = fields.get("appointment_time"), fields.get("end_time")
    if not (isinstance(start, str) and isinstance(end, str)):
        return
    from mock_server.data.dataset import parse_time

    try:
        later = parse_time(end) > parse_time(start)
    except ValueError:
        raise ApiError.of(INVALID_INPUT, "appointment_time and end_time must be real RFC 3339 times", field="/end_time") from None
    if not later:
        raise ApiError.of(INVALID_INPUT, f"end_time ({end}) must be after appointment_time ({start})", field="/end_time")


__all__ = ["GET_APPOINTMENT", "INVALID_INPUT", "RavanProfile"]
