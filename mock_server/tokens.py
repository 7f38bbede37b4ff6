"""Development tokens that the mock accepts: HS256 JWTs signed with the mock's secret."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import jwt

from mock_server.pipeline.auth import ALGORITHM, ORG_CLAIM
from mock_server.config import DEV_JWT_SECRET

DEFAULT_ORG = "org_sunrise_dental"
DEFAULT_EXPIRES_IN = 3600


def mint_token(
    org_id: str | None = DEFAULT_ORG,
    *,
    secret: str = DEV_JWT_SECRET,
    expires_in: int = DEFAULT_EXPIRES_IN,
    subject: str = "dev-user",
    now: float | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """A signed JWT; org_id=None leaves out the organization claim. Negative expires_in mints an expired one."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {"sub": subject, "iat": min(issued, issued + expires_in), "exp": issued + expires_in, "jti": os.urandom(16).hex()}
    if org_id is not None:
        claims[ORG_CLAIM] = org_id
    claims.update(extra or {})
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def mask_token(token: str) -> str:
    """A token shortened so it can be printed: its first 6 and last 4 characters."""
    if len(token) <= 12:
        return "***"
    return f"{token[:6]}…{token[-4:]}"


def _segment(token: str, index: int) -> dict[str, Any]:
    try:
        part = token.split(".")[index]
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return data if isinstance(data, dict) else {}
    except (IndexError, ValueError):
        return {}


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, decoded without verification; {} when it is not a JWT."""
    return _segment(token, 1)


def header_of(token: str) -> dict[str, Any]:
    """A JWT's header, decoded without verification; {} when it is not a JWT."""
    return _segment(token, 0)
