"""Step 1 of the pipeline: authenticate the bearer JWT with PyJWT (HS256 only)."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from mock_server.envelope import ApiError

ALGORITHM = "HS256"
ORG_CLAIM = "org_id"
_BEARER = re.compile(r"Bearer +(\S+) *", re.IGNORECASE)
# RFC 6750, section 3.1: a request with no credentials gets the bare challenge (no error code); one whose
# token was refused gets error="invalid_token".
BEARER_CHALLENGE = 'Bearer realm="ravan"'
INVALID_TOKEN_CHALLENGE = 'Bearer realm="ravan", error="invalid_token"'


@dataclass(frozen=True)
class Identity:
    """Who is calling: the verified token's subject and organization claim (None when absent)."""

    subject: str | None
    org_id: str | None


def unauthorized(message: str, *, credentials_given: bool = True) -> ApiError:
    """A 401 UNAUTHORIZED error with the bearer challenge (invalid_token only when credentials were given)."""
    challenge = INVALID_TOKEN_CHALLENGE if credentials_given else BEARER_CHALLENGE
    return ApiError("UNAUTHORIZED", message, headers={"WWW-Authenticate": challenge})


def bearer_token(header: str | None) -> str:
    """The token from an `Authorization: Bearer <token>` header value, or a 401."""
    if header is None or not header.strip():
        raise unauthorized("Missing bearer token in the Authorization header", credentials_given=False)
    match = _BEARER.fullmatch(header)
    if match is None:
        raise unauthorized("The Authorization header must be 'Bearer <token>'")
    return match.group(1)


def _decode(token: str, secret: str, org_pattern: re.Pattern[str] | None) -> tuple[Identity, float, float]:
    """Verify a token with PyJWT; return who it names, its exp, and the moment it becomes valid."""
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
    if org is not None and not (isinstance(org, str) and (org_pattern is None or org_pattern.fullmatch(org))):
        raise unauthorized(f"The token's '{ORG_CLAIM}' claim is not a valid organization ID")
    subject = claims.get("sub")
    valid_from = max(float(claims.get("nbf", 0) or 0), float(claims.get("iat", 0) or 0))
    return Identity(subject=subject if isinstance(subject, str) else None, org_id=org), float(claims["exp"]), valid_from


class TokenVerifier:
    """authenticate() with a bounded memo of tokens PyJWT has already verified.

    A token's signature and claims never change, so a verified token need not be verified again: only its
    time window (exp, nbf/iat) is re-checked on each use, exactly as PyJWT checks it (no leeway). Failures
    are never memoized. This takes PyJWT's decoding (most of a request's cost) off the hot path.
    """

    def __init__(self, secret: str, org_pattern: re.Pattern[str] | None, size: int = 4096):
        self.secret = secret
        self.org_pattern = org_pattern
        self.size = size
        self._verified: OrderedDict[str, tuple[Identity, float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, header: str | None) -> Identity:
        """The identity of a valid bearer token, or a 401."""
        token = bearer_token(header)
        with self._lock:
            known = self._verified.get(token)
        if known is None:
            known = _decode(token, self.secret, self.org_pattern)
            with self._lock:
                self._verified[token] = known
                if len(self._verified) > self.size:
                    self._verified.popitem(last=False)
        identity, expires, valid_from = known
        now = time.time()
        if expires <= now:
            raise unauthorized("The token has expired")
        if valid_from > now:
            raise unauthorized("The token is not valid yet (nbf or iat in the future)")
        return identity
