"""The credentials the suite sends, one per security scheme of the spec, and how a request carries them.

Against the embedded mock the suite makes them: its JWT for bearer, OAuth2 and OpenID Connect schemes, a key
for API keys, `contract-test:password` for HTTP basic (the mock checks their presence and form, as Prism does,
and verifies JWTs where the spec's profile asks). Against a live URL each scheme's credential comes from the
variable named after it: `CONTRACT_CREDENTIAL_<SCHEME>`, the scheme's name in upper case with every other
character an underscore (`apiKeyHeader` -> CONTRACT_CREDENTIAL_APIKEYHEADER; basic: `user:password`); a bearer
scheme without one takes CONTRACT_TOKEN. Every credential is masked in every output, like the token.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from mock_server.contract.masking import register_secret
from mock_server.spec import ApiSpec, Operation, SecurityScheme

PREFIX = "CONTRACT_CREDENTIAL_"
EMBEDDED_API_KEY = "contract-test-api-key"
EMBEDDED_BASIC = "contract-test:password"


def variable_for(scheme_name: str) -> str:
    """The variable that gives a scheme's credential in live mode."""
    return PREFIX + re.sub(r"[^A-Za-z0-9]", "_", scheme_name).upper()


@dataclass
class Sent:
    """What a request carries besides its parameters: headers, query parameters and cookies."""

    headers: dict[str, str] = field(default_factory=dict)
    params: list[tuple[str, str]] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> None:
        """Fold the cookies into one Cookie header."""
        if self.cookies:
            self.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())


@dataclass(frozen=True)
class Credentials:
    """A credential per security scheme (absent: the run has none for it)."""

    by_scheme: Mapping[str, str]

    def missing_for(self, operation: Operation) -> list[str]:
        """The variables that would let the run satisfy the operation's security (empty: it can)."""
        if not operation.requirements or any(all(s.name in self.by_scheme for s in r) for r in operation.requirements):
            return []
        return sorted({variable_for(s.name) for r in operation.requirements for s in r if s.name not in self.by_scheme})

    def apply(self, operation: Operation, sent: Sent) -> None:
        """Carry the credentials of the first requirement the run can satisfy."""
        for requirement in operation.requirements:
            if all(scheme.name in self.by_scheme for scheme in requirement):
                for scheme in requirement:
                    _carry(scheme, self.by_scheme[scheme.name], sent)
                return

    def schemathesis_auth(self, spec: ApiSpec) -> dict[str, dict[str, str]]:
        """schemathesis' `[auth.openapi.<scheme>]` settings."""
        found: dict[str, dict[str, str]] = {}
        for name, scheme in spec.security_schemes.items():
            value = self.by_scheme.get(name)
            if value is None:
                continue
            if scheme.type == "apiKey":
                found[name] = {"api_key": value}
            elif scheme.type == "http" and scheme.scheme == "basic":
                user, _, password = value.partition(":")
                found[name] = {"username": user, "password": password}
            elif scheme.is_bearer:
                found[name] = {"bearer": value}
        return found


def register_credentials(env: Mapping[str, str]) -> None:
    """Mask every CONTRACT_CREDENTIAL_* value from the start of a run, whole and as HTTP basic carries it."""
    for name in credential_variables(env):
        value = (env.get(name) or "").strip()
        register_secret(value, f"${name}")
        if ":" in value:
            register_secret(base64.b64encode(value.encode("utf-8")).decode())


def _carry(scheme: SecurityScheme, value: str, sent: Sent) -> None:
    if scheme.type == "apiKey":
        if scheme.location == "header":
            sent.headers[scheme.key_name] = value
        elif scheme.location == "query":
            sent.params.append((scheme.key_name, value))
        else:
            sent.cookies[scheme.key_name] = value
    elif scheme.type == "http" and scheme.scheme == "basic":
        sent.headers["Authorization"] = "Basic " + base64.b64encode(value.encode("utf-8")).decode()
    elif scheme.is_bearer:
        sent.headers["Authorization"] = f"Bearer {value}"
    elif scheme.type == "http":
        sent.headers["Authorization"] = f"{scheme.scheme.capitalize()} {value}"


def embedded_credentials(spec: ApiSpec, token: str) -> Credentials:
    """What the suite sends the embedded mock: its own JWT, a test key, test basic credentials."""
    found: dict[str, str] = {}
    for name, scheme in spec.security_schemes.items():
        if scheme.type == "apiKey":
            found[name] = EMBEDDED_API_KEY
        elif scheme.type == "http" and scheme.scheme == "basic":
            found[name] = EMBEDDED_BASIC
        elif scheme.is_bearer or scheme.type == "http":
            found[name] = token
    # the key and basic credentials are this project's public test values, shown so that a reproduction runs as pasted;
    # the token is registered (shown as the command that makes it) where the embedded target is made
    return Credentials(found)


def live_credentials(spec: ApiSpec, token: str | None, env: Mapping[str, str]) -> Credentials:
    """Each scheme's credential from its variable; bearer schemes fall back to CONTRACT_TOKEN."""
    found: dict[str, str] = {}
    for name, scheme in spec.security_schemes.items():
        variable = variable_for(name)
        value = (env.get(variable) or "").strip() or (token if scheme.is_bearer else None)
        if value:
            register_secret(value, f"${variable}" if env.get(variable) else "$CONTRACT_TOKEN")
            found[name] = value
    return Credentials(found)


def credential_variables(env: Mapping[str, Any]) -> list[str]:
    """The CONTRACT_CREDENTIAL_* variables set in env."""
    return sorted(name for name in env if name.startswith(PREFIX))
