"""Step 1 of the pipeline: authenticate the request by the operation's security requirements.

Any OpenAPI security scheme is checked as Prism checks it: an API key must be present in its header, query or
cookie; HTTP basic credentials must be `Basic <base64 user:password>`; an HTTP bearer, OAuth2 or OpenID Connect
credential must be `Bearer <token>`. The requirements are alternatives (any one will do), each requiring all of
its schemes. A bearer token is verified as a JWT (PyJWT, HS256) only where the profile or the user asks for it
(Ravan's profile, or `--jwt-secret`); otherwise any token is accepted, as Prism accepts it.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from mock_server.envelope import UNAUTHORIZED, ApiError
from mock_server.spec import Operation, SecurityScheme

ALGORITHM = "HS256"
ORG_CLAIM = "org_id"
_BEARER = re.compile(r"Bearer +(\S+) *", re.IGNORECASE)
# RFC 6750, section 3.1: a request with no credentials gets the bare challenge (no error code); one whose
# token was refused gets error="invalid_token".
REALM = "ravan"
BEARER_CHALLENGE = f'Bearer realm="{REALM}"'
INVALID_TOKEN_CHALLENGE = f'Bearer realm="{REALM}", error="invalid_token"'


@dataclass(frozen=True)
class Identity:
    """Who is calling: the verified token's subject and organization claim (None when absent)."""

    subject: str | None
    org_id: str | None


def unauthorized(message: str, *, credentials_given: bool = True, realm: str = REALM) -> ApiError:
    """A 401 UNAUTHORIZED error with the bearer challenge (invalid_token only when credentials were given)."""
    challenge = f'Bearer realm="{realm}"' + (', error="invalid_token"' if credentials_given else "")
    return ApiError.of(UNAUTHORIZED, message, headers={"WWW-Authenticate": challenge})


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


def _cookies(header: str | None) -> dict[str, str]:
    """The cookies of a Cookie header (RFC 6265: name=value pairs separated by semicolons)."""
    found: dict[str, str] = {}
    for pair in (header or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name:
            found.setdefault(name, value.strip().strip('"'))
    return found


def _scheme_word(scheme: SecurityScheme) -> str:
    """The word an Authorization header starts with for this scheme ('' for API keys)."""
    if scheme.is_bearer:
        return "bearer"
    return scheme.scheme if scheme.type == "http" else ""


def _challenge(scheme: SecurityScheme, realm: str) -> str | None:
    if scheme.type == "http" and scheme.scheme == "basic":
        return f'Basic realm="{realm}"'
    if scheme.is_bearer:
        return f'Bearer realm="{realm}"'
    if scheme.type == "http" and scheme.scheme:
        return f'{scheme.scheme.capitalize()} realm="{realm}"'
    return None


class Authenticator:
    """Checks a request against an operation's security requirements; the identity of a verified JWT, if any."""

    def __init__(self, verifier: TokenVerifier | None, realm: str = REALM, api_keys: tuple[str, ...] = (),
                 basic_credentials: tuple[str, ...] = ()):
        self.verifier = verifier  # None: bearer tokens are not verified (any token is accepted)
        self.realm = realm  # named in WWW-Authenticate challenges
        self.api_keys = frozenset(api_keys)  # empty: any key is accepted
        self.basic_credentials = frozenset(basic_credentials)  # empty: any user:password is accepted

    def _check(self, scheme: SecurityScheme, authorization: str | None, query: Any, headers: Any) -> Identity | None:
        """Raise a 401 when the scheme's credential is missing or refused; the identity a JWT names."""
        if scheme.type == "apiKey":
            if scheme.location == "header":
                value = headers(scheme.key_name)
            elif scheme.location == "query":
                value = next(iter(query.get(scheme.key_name) or ()), None)
            else:
                value = _cookies(headers("Cookie")).get(scheme.key_name)
            if not value:
                raise ApiError.of(UNAUTHORIZED, f"Missing credentials: give {scheme.describe()}")
            if self.api_keys and value not in self.api_keys:
                raise ApiError.of(UNAUTHORIZED, f"The API key in the {scheme.key_name} {scheme.location} is not one this server accepts",
                                  headers={"WWW-Authenticate": 'error="invalid_token"'})
            return None
        if scheme.is_bearer:
            if self.verifier is not None:
                return self.verifier(authorization)
            try:
                bearer_token(authorization)  # present and well-formed; any token is accepted
            except ApiError as error:
                challenge = error.headers.get("WWW-Authenticate", "").replace(f'realm="{REALM}"', f'realm="{self.realm}"')
                raise ApiError.of(UNAUTHORIZED, error.message, headers={"WWW-Authenticate": challenge}) from None
            return None
        if scheme.type == "http" and scheme.scheme == "basic":
            kind, _, encoded = (authorization or "").strip().partition(" ")
            if kind.lower() != "basic" or not encoded.strip():
                raise ApiError.of(UNAUTHORIZED, f"Missing credentials: give {scheme.describe()} in the Authorization header",
                                  headers={"WWW-Authenticate": f'Basic realm="{self.realm}"'})
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            if ":" not in decoded:
                raise ApiError.of(UNAUTHORIZED, "The Authorization header must be 'Basic <base64 of user:password>'",
                                  headers={"WWW-Authenticate": f'Basic realm="{self.realm}"'})
            if self.basic_credentials and decoded not in self.basic_credentials:
                raise ApiError.of(UNAUTHORIZED, "The user name or password is wrong",
                                  headers={"WWW-Authenticate": f'Basic realm="{self.realm}", error="invalid_token"'})
            return None
        if scheme.type == "http":
            kind = (authorization or "").strip().partition(" ")[0]
            if kind.lower() != scheme.scheme:
                raise ApiError.of(UNAUTHORIZED, f"Missing credentials: give {scheme.describe()}")
            return None
        return None  # mutualTLS: the TLS layer's to check, not an HTTP mock's

    def __call__(self, operation: Operation, authorization: str | None, query: Any, headers: Any) -> Identity | None:
        """The identity of the first requirement the request satisfies (None: satisfied without a JWT); else a 401."""
        if not operation.requirements:
            return None
        first_failure: ApiError | None = None
        given = (authorization or "").strip().partition(" ")[0].lower()  # the scheme the client used, if any
        best = -1
        for requirement in operation.requirements:
            identity: Identity | None = None
            try:
                for scheme in requirement:
                    identity = self._check(scheme, authorization, query, headers) or identity
            except ApiError as failure:
                # the most telling failure: a credential refused in the scheme the client used, then any refusal
                refused = 'error="invalid_token"' in failure.headers.get("WWW-Authenticate", "")
                used = any(_scheme_word(scheme) == given for scheme in requirement) if given else False
                rank = (2 if refused and used else 1 if used else 0) + (0.5 if refused else 0)
                if rank > best:
                    first_failure, best = failure, rank
                continue
            return identity
        assert first_failure is not None
        if len(operation.requirements) > 1 and first_failure.message.startswith("Missing credentials"):
            ways = " or ".join(" and ".join(scheme.describe() for scheme in requirement) for requirement in operation.requirements)
            first_failure = ApiError.of(UNAUTHORIZED, f"Missing credentials: give {ways}", headers=first_failure.headers)
        if first_failure.headers.get("WWW-Authenticate") == 'error="invalid_token"':
            del first_failure.headers["WWW-Authenticate"]  # an API key refused: no HTTP auth scheme to challenge with
        if "WWW-Authenticate" not in first_failure.headers:
            challenge = next((c for r in operation.requirements for s in r if (c := _challenge(s, self.realm))), None)
            if challenge:
                first_failure.headers["WWW-Authenticate"] = challenge
        raise first_failure
