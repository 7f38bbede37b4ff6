"""The JSON error envelope and the exception that carries it through the request pipeline."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A documented error outcome: its `code` decides the status, through the spec."""

    def __init__(self, code: str, message: str, *, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status  # only for statuses the spec does not pair with a code (404, 405)
        self.headers = headers or {}


def error_body(code: str, message: str) -> dict[str, Any]:
    """The error envelope: {success: false, message, code}."""
    return {"success": False, "message": message, "code": code}

