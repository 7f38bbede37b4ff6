"""`python -m contract_tests.tokens KIND`: make again a token the suite derived, to reproduce a failure with it.

A report's `curl` never shows a token: the run's own is `$CONTRACT_TOKEN`, and one the suite derived from it is this
command, which a shell runs in its place: `-H "Authorization: Bearer $(python -m contract_tests.tokens expired)"`.
It reads CONTRACT_TOKEN (the template) and CONTRACT_JWT_SECRET (to sign) from the environment, as the run did;
`--embedded` makes them as a run against the embedded mock does (the development secret, a token of
org_sunrise_dental). Nothing secret is ever an argument, so nothing lands in a shell's history.

KIND: main, fresh, expired, not-yet-valid, wrongly-signed, without-org, for-org ORG, tampered, alg-none.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys

from contract_tests.inputs.tokens import TokenFactory, claims_of

KINDS = ("main", "fresh", "expired", "not-yet-valid", "wrongly-signed", "without-org", "for-org", "tampered", "alg-none")
EMBEDDED_ORG = "org_sunrise_dental"


def command_for(kind: str, *, embedded: bool, org: str | None = None) -> str:
    """The shell command substitution that makes this kind of token again."""
    extra = f" {org}" if org else ""
    return f"$(python -m contract_tests.tokens {kind}{extra}{' --embedded' if embedded else ''})"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


def tampered(token: str) -> str:
    """The token with the first character of its signature changed."""
    head, payload, signature = (token.split(".") + ["", "", ""])[:3]
    return f"{head}.{payload}.{('A' if signature[:1] != 'A' else 'B') + signature[1:]}"


def alg_none(token: str) -> str:
    """The token's claims re-encoded unsigned (`alg: none`)."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims_of(token))}."


def make(kind: str, template: str, secret: str | None, org: str | None = None) -> str:
    """One token of a kind, from the template (and the secret, for those that are signed)."""
    if kind == "main":
        return template
    if kind == "tampered":
        return tampered(template)
    if kind == "alg-none":
        return alg_none(template)
    if not secret:
        raise SystemExit(f"{kind}: set CONTRACT_JWT_SECRET (the target's signing secret), or give --embedded")
    factory = TokenFactory(secret, template)
    made = {"fresh": factory.fresh, "expired": factory.expired, "not-yet-valid": factory.not_yet_valid,
            "wrongly-signed": factory.wrongly_signed, "without-org": factory.without_org}
    if kind == "for-org":
        if not org:
            raise SystemExit("for-org needs the organization: python -m contract_tests.tokens for-org ORG")
        return factory.for_org(org)
    return made[kind]()


def main(argv: list[str] | None = None) -> int:
    """Print the token."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.tokens", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("org", nargs="?", help="for-org: the organization")
    parser.add_argument("--embedded", action="store_true", help="as against the embedded mock: the development secret, a token of " + EMBEDDED_ORG)
    args = parser.parse_args(argv)
    if args.embedded:
        from mock_server.config import DEV_JWT_SECRET
        from mock_server.tokens import mint_token

        template, secret = mint_token(EMBEDDED_ORG, expires_in=6 * 3600), DEV_JWT_SECRET
    else:
        template, secret = os.environ.get("CONTRACT_TOKEN", "").strip(), os.environ.get("CONTRACT_JWT_SECRET", "").strip() or None
        if not template:
            raise SystemExit("set CONTRACT_TOKEN (the run's token, which the others are made from), or give --embedded")
    print(make(args.kind, template, secret, args.org))
    return 0


if __name__ == "__main__":
    sys.exit(main())
