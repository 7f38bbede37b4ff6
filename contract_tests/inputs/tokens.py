"""JWTs on the suite's side: reading a token's parts, and minting variants of the target's token.

With the target's HS256 secret (CONTRACT_JWT_SECRET in live mode, the development secret against the
embedded mock) the suite signs copies of the main token with one thing changed: expired, not yet valid,
without the organization claim, of another organization, or signed with the wrong key. Copying the
token's own header and claims keeps whatever else the target requires (iss, aud, kid...), so a 401
means the changed claim was refused, not a missing one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from mock_server.contract.masking import register_secret
from mock_server.tokens import claims_of, header_of

__all__ = ["ALGORITHM", "ORG_CLAIM", "TokenFactory", "claims_of", "header_of"]
ALGORITHM = "HS256"
ORG_CLAIM = "org_id"
_KEEP: Any = object()


@dataclass(frozen=True)
class TokenFactory:
    """Signs copies of a template token with one claim changed."""

    secret: str
    template: str
    embedded: bool = False  # made as against the embedded mock: the reproduction commands say --embedded

    def mint(self, *, org_id: Any = _KEEP, lifetime: int = 3600, valid_from_in: int = 0, secret: str | None = None,
             kind: str | None = None) -> str:
        """A copy of the template, valid from now+valid_from_in for lifetime seconds (negative: expired)."""
        now = int(time.time())
        claims = dict(claims_of(self.template))
        start = now + valid_from_in
        claims.update(iat=min(now, start + lifetime), exp=start + lifetime)
        if valid_from_in > 0 or "nbf" in claims:
            claims["nbf"] = min(start, start + lifetime)
        if org_id is None:
            claims.pop(ORG_CLAIM, None)
        elif org_id is not _KEEP:
            claims[ORG_CLAIM] = org_id
        header = {k: v for k, v in header_of(self.template).items() if k not in ("alg", "typ")}
        token = jwt.encode(claims, secret or self.secret, algorithm=ALGORITHM, headers=header or None)
        # every token the suite mints is masked like the one it copies, shown as the command that makes it again
        if kind is not None:
            from contract_tests.tokens import command_for

            kind_name, _, org = kind.partition(" ")
            register_secret(token, command_for(kind_name, embedded=self.embedded, org=org or None))
        else:
            register_secret(token)
        return token

    def fresh(self) -> str:
        """The template re-signed with a new hour of validity: the target must accept it."""
        return self.mint(kind="fresh")

    def expired(self) -> str:
        """Expired two minutes ago."""
        return self.mint(lifetime=-120, kind="expired")

    def not_yet_valid(self) -> str:
        """Valid only from an hour from now (nbf in the future)."""
        return self.mint(valid_from_in=3600, kind="not-yet-valid")

    def without_org(self) -> str:
        """No organization claim."""
        return self.mint(org_id=None, kind="without-org")

    def for_org(self, org_id: str) -> str:
        """Another organization's token."""
        return self.mint(org_id=org_id, kind=f"for-org {org_id}")

    def wrongly_signed(self) -> str:
        """Well-formed and current, but signed with another key."""
        return self.mint(secret=self.secret + "-but-not-the-targets", kind="wrongly-signed")
