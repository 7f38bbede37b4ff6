"""List operations of Ravan's API answered from the data the mock holds: the caller's organization's bookings.

An operation is a listing of bookings when it is a GET without path parameters whose 200 body carries an array of
Get Appointment's `Appointment` schema (the same schema, by `$ref`). Its answer is the documented body (its first
example, else a derived one) with that array replaced by the organization's bookings and a `count`-like integer
beside it (`count`, `total`, `total_count`) set to their number. The conventions:
- the organization is the token's `org_id` claim, else the `org_id` query parameter, as for Get Appointment; one
  that the dataset does not know, or without Cal.com, is NOT_CONNECTED;
- a query parameter named after a field of the items (`status`) keeps the items whose field equals its value;
- a `limit`-like integer parameter (`limit`, `per_page`, `page_size`, `size`) bounds the list (its default when
  absent), newest bookings last as the store orders them (by UID).
Authentication, validation of every parameter, `Prefer` and run-time answers come first, as for every operation.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable

from mock_server.envelope import ApiError, Reply
from mock_server.pipeline.auth import Authenticator
from mock_server.pipeline.bodies import ResponseBodies
from mock_server.pipeline.negotiation import negotiate_by_preference
from mock_server.pipeline.request import OperationRequest
from mock_server.pipeline.validation import ParameterValidator
from mock_server.profiles.ravan.organization import resolve_organization
from mock_server.schemas import spec_validator
from mock_server.spec import ApiSpec, Operation

LIMIT_NAMES = ("limit", "per_page", "page_size", "size")
COUNT_NAMES = ("count", "total", "total_count")


def _appointment_schema(spec: ApiSpec, get_appointment: str) -> dict[str, Any] | None:
    if get_appointment not in spec.operations:
        return None
    schema = spec.operation(get_appointment).responses.get(200)
    try:
        return schema.schema["properties"]["data"]["properties"]["appointment"]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        return None


def items_path(schema: Any, item_schema: dict[str, Any], path: tuple[str, ...] = (), depth: int = 0) -> tuple[str, ...] | None:
    """The property path, within a body schema, of the array whose items are item_schema (None: there is none)."""
    if not isinstance(schema, dict) or depth > 3:
        return None
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict) and sub.get("type") == "array" and sub.get("items") is item_schema:
            return (*path, name)
        found = items_path(sub, item_schema, (*path, name), depth + 1)
        if found is not None:
            return found
    return None


def listing_operations(spec: ApiSpec, get_appointment: str) -> dict[str, tuple[str, ...]]:
    """operationId -> where its list of bookings is in its 200 body, for every listing of bookings in the spec."""
    item = _appointment_schema(spec, get_appointment)
    if item is None:
        return {}
    found = {}
    for operation in spec.operations.values():
        response = operation.responses.get(200)
        if operation.method != "GET" or operation.path_parameters or response is None:
            continue
        path = items_path(response.schema, item)
        if path is not None:
            found[operation.operation_id] = path
    return found


@dataclass(frozen=True)
class BookingListing:
    """A listing of the caller's organization's bookings, from the shared store."""

    spec: ApiSpec
    operation: Operation
    path: tuple[str, ...]
    bodies: ResponseBodies
    store: Any
    authenticate: Authenticator
    validator: ParameterValidator
    answers: Any
    negotiate: Callable[..., Reply | None] = negotiate_by_preference  # with_resilience wraps it (latency, injected errors)

    def __call__(self, request: OperationRequest) -> Reply | tuple[int, Any]:
        """Authenticate, validate, negotiate, then the organization's bookings in the documented body."""
        identity = self.authenticate(self.operation, request.authorization, request.query, request.header)
        values = self.validator.validate(request)
        forced = self.negotiate(self, request.prefer, request.query)
        if forced is not None:
            return forced
        stored = self.answers.answer_for(self.operation.operation_id, values) if self.answers is not None else None
        if stored is not None:
            return stored
        org_id = resolve_organization(identity, values.get("org_id")) if identity is not None else values.get("org_id")
        organization = self.store.organization(org_id) if org_id else None
        if organization is None or organization.calcom != "connected":
            raise ApiError("NOT_CONNECTED", f"Cal.com is not connected for organization {org_id}")
        items = [json.loads(body)["data"]["appointment"] for _org, _uid, body in self.store.bookings(org_id, limit=100_000)]
        fields = set(items[0]) if items else set()
        for name, value in values.items():
            if name in fields and name != "org_id":
                items = [item for item in items if str(item.get(name)) == str(value)]
        limit = next((values[name] for name in LIMIT_NAMES if isinstance(values.get(name), int)), None)
        if limit is None:
            limit = next((p.schema.get("default") for p in self.operation.parameters if p.name in LIMIT_NAMES and p.location == "query"), None)
        if isinstance(limit, int):
            items = items[:limit]
        reply = self.bodies.reply(200)
        body = copy.deepcopy(reply.body)
        container = body
        for key in self.path[:-1]:
            container = container.setdefault(key, {}) if isinstance(container, dict) else {}
        if isinstance(container, dict):
            container[self.path[-1]] = items
            for name in COUNT_NAMES:
                if isinstance(container.get(name), int):
                    container[name] = len(items)
        schema = self.operation.responses[200].schema
        if schema and not spec_validator(self.spec, schema).is_valid(body):
            return reply  # the data does not fit this body's schema: the documented body, unchanged
        return Reply(200, body, reply.content_type, reply.headers)


def build_listing(context: Any, operation: Operation, path: tuple[str, ...]) -> BookingListing:
    """A listing handler from the mock's parts."""
    authenticator = Authenticator(context.verifier, context.profile.realm, context.api_keys, context.basic_credentials)
    return BookingListing(context.spec, operation, path, context.book.of(operation), context.store, authenticator,
                          ParameterValidator(context.spec, operation), context.answers)
