"""What the suite checks: the embedded mock (started and provisioned here) or a live base URL."""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.inputs.credentials import Credentials
from mock_server.contract.masking import register_secret
from contract_tests.inputs.settings import ContractSettings
from contract_tests.inputs.tokens import TokenFactory, claims_of

# An organization no server knows: the contract answers NOT_CONNECTED for it.
UNKNOWN_ORG = "org_contract_suite_unknown"


@dataclass(frozen=True)
class Target:
    """The server under test and the inputs the tests may use against it (None: not provided)."""

    base_url: str
    live: bool
    description: str
    token: str
    appointment_id: str | None = None
    not_connected_token: str | None = None
    token_without_org: str | None = None
    org_id: str | None = None
    other_org_id: str | None = None
    other_appointment_id: str | None = None
    known_ids: frozenset[str] = frozenset()
    tokens: TokenFactory | None = None  # with the target's signing secret: minted variants of the token
    expired_token: str | None = None
    credentials: Credentials = Credentials({})  # one per security scheme of the spec

    def token_org(self) -> str | None:
        """The org_id claim of the main token, read without verifying it (the server verifies)."""
        return claims_of(self.token).get("org_id")


def _org_claim(token: str | None) -> str | None:
    """The token's own org_id claim: the organization the org_id fallback check may name, when not given."""
    claim = claims_of(token or "").get("org_id")
    return claim if isinstance(claim, str) and claim else None


def live_target(settings: ContractSettings) -> Target:
    """A live server, provisioned only with what the environment gives."""
    assert settings.base_url  # a token, or a credential per scheme (CONTRACT_CREDENTIAL_*), the settings made sure of
    register_secret(settings.token, "$CONTRACT_TOKEN")
    register_secret(settings.jwt_secret, "$CONTRACT_JWT_SECRET")
    register_secret(settings.expired_token, "$CONTRACT_EXPIRED_TOKEN")
    tokens = TokenFactory(settings.jwt_secret, settings.token) if settings.jwt_secret and settings.token else None
    target = Target(
        base_url=settings.base_url,
        live=True,
        description=f"live server {settings.base_url}",
        token=settings.token or "",
        appointment_id=settings.appointment_id,
        not_connected_token=settings.not_connected_token or (tokens.for_org(UNKNOWN_ORG) if tokens else None),
        token_without_org=settings.token_without_org or (tokens.without_org() if tokens else None),
        org_id=settings.org_id or _org_claim(settings.token),
        other_org_id=settings.other_org_id,
        other_appointment_id=settings.other_appointment_id,
        known_ids=frozenset(i for i in (settings.appointment_id, settings.other_appointment_id) if i),
        tokens=tokens,
        expired_token=settings.expired_token,
    )
    register_secret(settings.not_connected_token, "$CONTRACT_NOT_CONNECTED_TOKEN")
    register_secret(settings.token_without_org, "$CONTRACT_TOKEN_WITHOUT_ORG")
    return target


def embedded_target(base_url: str, known_ids: frozenset[str]) -> Target:
    """The embedded mock: the suite mints every token itself, so every test runs."""
    from mock_server.config import DEV_JWT_SECRET
    from mock_server.tokens import mint_token

    from contract_tests.tokens import command_for

    token = mint_token("org_sunrise_dental", expires_in=6 * 3600)
    register_secret(token, command_for("main", embedded=True))  # a curl makes it again: nothing to copy by hand
    tokens = TokenFactory(DEV_JWT_SECRET, token, embedded=True)
    return Target(
        base_url=base_url,
        live=False,
        description=f"embedded mock at {base_url}",
        token=token,
        appointment_id="kko1gv8tFZe8JjpCpct5tG",
        not_connected_token=tokens.for_org("org_harbor_physio"),
        token_without_org=tokens.without_org(),
        org_id="org_sunrise_dental",
        other_org_id="org_northwind_realty",
        other_appointment_id="tcSSSS7XhS4D5EVB8Nf471",
        known_ids=known_ids,
        tokens=tokens,
    )
