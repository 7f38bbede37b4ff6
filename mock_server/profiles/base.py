"""The profile interface, and the generic profile every spec without one gets (Prism's behaviour, in shape).

Errors: an invalid request gets the response the operation documents for it (422, else 400, else its 4XX
range, else `default`), a missing credential its 401 (else 403, else 4XX, else `default`), each with its example or a
body derived from its schema, the message put where the body has a place for one (`detail`, `message`...).
Where nothing is documented the answer is RFC 9457 problem details (`application/problem+json`) that name the
field. Unknown routes are 404 and other methods 405 (with `Allow`), both as problem details.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable

from mock_server.envelope import (INTERNAL, INVALID_INPUT, METHOD_NOT_ALLOWED, NOT_FOUND, PROBLEM_TYPE, UNAUTHORIZED,
                                  UNKNOWN_ITEM, ApiError, Reply)
from mock_server.spec import ApiSpec, Operation

if TYPE_CHECKING:
    from mock_server.pipeline.auth import TokenVerifier
    from mock_server.pipeline.bodies import ResponseBodies

# The documented statuses each kind of error is answered with, in the order they are looked for (Prism's).
DOCUMENTED_FOR = {INVALID_INPUT: (422, 400), UNAUTHORIZED: (401, 403), UNKNOWN_ITEM: (404, 410), INTERNAL: (500,)}
# The status an error of each kind takes when the spec documents it only by a range or `default`, or not at all.
NATURAL_STATUS = {INVALID_INPUT: 400, UNAUTHORIZED: 401, NOT_FOUND: 404, UNKNOWN_ITEM: 404, METHOD_NOT_ALLOWED: 405, INTERNAL: 500}
MESSAGE_FIELDS = ("detail", "message", "error_description", "error_message", "errorMessage", "description", "title", "error")


def problem(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    """RFC 9457 problem details for an answer the spec does not document."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
                            "status": status, "detail": message}
    if field is not None:
        body["errors"] = [{"pointer" if field.startswith("/") or field == "" else "parameter": field, "detail": message}]
    return body


class Profile:
    """What the core asks of the API it serves; this base class is the generic behaviour."""

    name: str | None = None
    verifies_jwt = False  # bearer tokens are JWTs that must verify with the mock's secret
    realm = "api"  # named in WWW-Authenticate challenges

    def __init__(self, spec: ApiSpec):
        self.spec = spec

    def token_verifier(self, secret: str) -> "TokenVerifier":
        """The verifier of bearer JWTs (used where this profile, or the user, asks for verification)."""
        from mock_server.pipeline.auth import TokenVerifier

        return TokenVerifier(secret, None)

    def handler_builders(self) -> dict[str, Callable[..., Any]]:
        """Handlers of the profile's own, by operationId (every other operation gets the generic handler)."""
        return {}

    def shape_body(self, operation: Operation, status: int, body: Any) -> Any:
        """A derived body, made to follow the profile's rules as well as its schema (generic: as it is)."""
        return body

    def error_reply(self, operation: Operation | None, error: ApiError, bodies: "ResponseBodies | None") -> Reply:
        """The answer to an error: the documented response for its kind, else problem details."""
        kind = error.kind or INTERNAL
        headers = tuple(error.headers.items())
        if operation is not None and bodies is not None and kind in DOCUMENTED_FOR:
            status = next((s for s in DOCUMENTED_FOR[kind] if s in operation.responses), None)
            if status is None and operation.documents(NATURAL_STATUS[kind]):
                status = NATURAL_STATUS[kind]
            if status is not None:
                reply = bodies.reply(status)
                body = self._with_message(operation, status, reply.body, error)
                return Reply(status, body, reply.content_type, headers + tuple(h for h in reply.headers if h[0] not in error.headers))
        status = error.status or NATURAL_STATUS.get(kind, 500)
        return Reply(status, problem(status, error.message, error.field), PROBLEM_TYPE, headers)

    def _with_message(self, operation: Operation, status: int, body: Any, error: ApiError) -> Any:
        """The documented body with what this error says where the body has a place for it (the message, the field,
        the status and its title), each change kept only if the body still validates."""
        if not isinstance(body, dict):
            return body
        changes: list[tuple[str, Any]] = []
        message_field = next((name for name in MESSAGE_FIELDS if isinstance(body.get(name), str) and name != "title"), None)
        if message_field is None and isinstance(body.get("title"), str):
            message_field = "title"
        if message_field is not None:
            changes.append((message_field, error.message))
        for name in ("field", "pointer", "parameter", "param"):
            if isinstance(body.get(name), str) and error.field is not None:
                changes.append((name, error.field))
        if isinstance(body.get("status"), int) and not isinstance(body.get("status"), bool):
            changes.append(("status", status))
        if message_field != "title" and isinstance(body.get("title"), str) and status in HTTPStatus._value2member_map_:
            changes.append(("title", HTTPStatus(status).phrase))
        response = operation.response_for(status)
        from mock_server.schemas import spec_validator

        validator = spec_validator(self.spec, response.schema) if response is not None and response.schema else None
        shaped = copy.copy(body)
        for name, value in changes:
            candidate = {**shaped, name: value}
            if validator is None or validator.is_valid(candidate):
                shaped = candidate
        return shaped

    # --- state (mock_server/resources/): tenancy, items, domain rules ----------------------------------

    def tenant(self, operation: Operation, identity: Any, values: dict[str, Any]) -> str:
        """Whose items a request sees and changes (generic: one tenant for everyone)."""
        return ""

    def records_for(self, resource: Any, store: Any) -> Any:
        """Where a resource's items are kept (None: the shared store's items table)."""
        return None

    def fill_item(self, resource: Any, item: dict[str, Any], tenant: str, records: Any) -> dict[str, Any]:
        """A new item with the fields the profile owns (generic: as it is)."""
        return item

    def check_input(self, operation: Operation, body: Any) -> None:
        """Rules a request body must follow beyond its schema (generic: none; raise an invalid-input ApiError)."""

    def check_item(self, operation: Operation, item: dict[str, Any]) -> None:
        """Rules an item must follow before it is stored (generic: none)."""

    def unknown_item(self, operation: Operation, item_id: str) -> ApiError:
        """The error for an item the tenant does not have: the documented 404 (or 410), else a 404."""
        return ApiError.of(UNKNOWN_ITEM, f"No item with ID {item_id}")

    def documents_unknown_item(self, operation: Operation) -> bool:
        """True when the operation documents an answer for an unknown item (else the mock answers as if it had one)."""
        return operation.documents(404) or 410 in operation.responses

    def shape_item_body(self, operation: Operation, status: int, body: Any, place: tuple[str, ...], item: dict[str, Any]) -> Any:
        """An answer with an item placed in it: fields beside the item named like one of its fields take its value."""
        if not place:
            return body
        container = body
        for name in place[:-1]:
            container = container.get(name) if isinstance(container, dict) else None
        if isinstance(container, dict):
            for name in container:
                if name != place[-1] and name in item:
                    container[name] = copy.deepcopy(item[name])
        return body

    def route_error_reply(self, error: ApiError) -> Reply:
        """The answer off every operation (an unknown route, a protocol error, a fault outside a handler)."""
        return self.error_reply(None, error, None)


class GenericProfile(Profile):
    """The behaviour of a spec that opts into no profile."""
