"""What a step of the pipeline answers with: a Reply, or an ApiError that the spec's profile turns into one.

The core raises errors by kind (invalid input, unauthorized, unknown route, ...) and knows no error format; the
profile renders them: Ravan's as its `{success, message, code}` envelope with the status the spec pairs with the
code, a spec without a profile as the response it documents for that kind (RFC 9457 problem details when it
documents none). A profile's own steps may also raise an ApiError with the code itself (Ravan's NOT_CONNECTED).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INVALID_INPUT = "invalid_input"  # a parameter or body breaks its schema, or a body is not of a documented type
UNAUTHORIZED = "unauthorized"  # no credential, or one that is refused
NOT_FOUND = "not_found"  # no documented path (a route the spec does not describe)
UNKNOWN_ITEM = "unknown_item"  # a documented path, but no such resource
METHOD_NOT_ALLOWED = "method_not_allowed"  # a documented path without this method
INTERNAL = "internal"  # an unexpected fault of the mock itself
KINDS = (INVALID_INPUT, UNAUTHORIZED, NOT_FOUND, UNKNOWN_ITEM, METHOD_NOT_ALLOWED, INTERNAL)


class ApiError(Exception):
    """A documented error outcome: by kind (rendered by the profile), or with a profile's own `code`."""

    def __init__(self, code: str | None, message: str, *, status: int | None = None, headers: dict[str, str] | None = None,
                 kind: str | None = None, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status  # only for statuses the spec does not pair with a code (404, 405)
        self.headers = headers or {}
        self.kind = kind or (INVALID_INPUT if code is None else None)
        self.field = field  # where the input was wrong: a parameter's name, or a JSON pointer into the body

    @classmethod
    def of(cls, kind: str, message: str, *, field: str | None = None, status: int | None = None,
           headers: dict[str, str] | None = None) -> "ApiError":
        """An error of a kind, for the profile to render."""
        return cls(None, message, kind=kind, field=field, status=status, headers=headers)


def invalid_input(message: str, field: str | None = None) -> ApiError:
    """Input that breaks the spec: the profile answers with its documented invalid-input response."""
    return ApiError.of(INVALID_INPUT, message, field=field)


def error_body(code: str, message: str) -> dict[str, Any]:
    """Ravan's error envelope: {success: false, message, code}."""
    return {"success": False, "message": message, "code": code}


JSON_TYPE = "application/json"
PROBLEM_TYPE = "application/problem+json"


@dataclass(frozen=True)
class Reply:
    """A whole answer: status, body (a JSON value, text, bytes or None) and its media type, extra headers."""

    status: int
    body: Any
    content_type: str | None = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = field(default=())
