"""Step 1 of the pipeline: authenticate the bearer JWT with PyJWT (HS256 only)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import jwt

from mock_server.envelope import ApiError

ALGORITHM = "HS256"
ORG_CLAIM = "org_id"
_BEARER = re.compile(r"Bearer +(\S+) *", re.IGNORECASE)
BEARER_CHALLENGE = 'Bearer realm="ravan", error="invalid_token"'


@dataclass(frozen=True)
class Identity:
    """Who is calling: the verified token's subject and organization claim (None when absent)."""

    subject: str | None
    org_id: str | None


def unauthorized(message: str) -> ApiError:
    """A 401 UNAUTHORIZED error with the bearer challenge header."""
    return ApiError("UNAUTHORIZED", message, headers={"WWW-Authenticate": BEARER_CHALLENGE})


def bearer_token(header: str | None) -> str:
    """The token from an `Authorization: Bearer <token>` header value, or a 401."""
    if header is None or not header.strip():
        raise unauthorized("Missing bearer token in the Authorization header")
    match = _BEARER.fullmatch(header)
    if match is None:
        raise unauthorized("The Authorization header must be 'Bearer <token>'")
    return match.group(1)


def authenticate(header: str | None, secret: str, org_pattern: re.Pattern[str]) -> Identity:
    """Verify the bearer JWT (signature, exp, nbf) and return the identity it carries, or raise a 401."""
    token = bearer_token(header)
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise unauthorized("The token has expired") from None
    except jwt.ImmatureSignatureError:
        raise unauthorized("The token is not valid yet (nbf or iat in the future)") from None
    except jwt.InvalidSignatureError:
        raise unauthorized("The token signature is invalid") from None
    except jwt.InvalidAlgorithmError:
        raise unauthorized(f"The token must be signed with {ALGORITHM}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise unauthorized(f"The token has no '{exc.claim}' claim") from None
    except jwt.InvalidTokenError:
        raise unauthorized("The token is malformed") from None
    org = claims.get(ORG_CLAIM)
    if org is not None and not (isinstance(org, str) and org_pattern.fullmatch(org)):
        raise unauthorized(f"The token's '{ORG_CLAIM}' claim is not a valid organization ID")
    subject = claims.get("sub")
    return Identity(subject=subject if isinstance(subject, str) else None, org_id=org)
