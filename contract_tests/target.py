"""What the suite checks: the embedded mock (started and provisioned here) or a live base URL."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from contract_tests.masking import register_secret
from contract_tests.settings import ContractSettings


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
    mint: Callable[..., str] | None = field(default=None, repr=False)

    def token_org(self) -> str | None:
        """The org_id claim of the main token, read without verifying it (the server verifies)."""
        return claims_of(self.token).get("org_id")


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, decoded without verification; {} when it is not a JWT."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return data if isinstance(data, dict) else {}
    except (IndexError, ValueError):
        return {}


def live_target(settings: ContractSettings) -> Target:
    """A live server, provisioned only with what the environment gives."""
    assert settings.base_url and settings.token
    target = Target(
        base_url=settings.base_url,
        live=True,
        description=f"live server {settings.base_url}",
        token=settings.token,
        appointment_id=settings.appointment_id,
        not_connected_token=settings.not_connected_token,
        token_without_org=settings.token_without_org,
        org_id=settings.org_id,
        other_org_id=settings.other_org_id,
        other_appointment_id=settings.other_appointment_id,
        known_ids=frozenset(i for i in (settings.appointment_id, settings.other_appointment_id) if i),
    )
    register_secret(settings.token, "$CONTRACT_TOKEN")
    register_secret(settings.not_connected_token, "$CONTRACT_NOT_CONNECTED_TOKEN")
    register_secret(settings.token_without_org, "$CONTRACT_TOKEN_WITHOUT_ORG")
    return target


def embedded_target(base_url: str, known_ids: frozenset[str]) -> Target:
    """The embedded mock: the suite mints every token itself, so every test runs."""
    from mock_server.tokens import mint_token

    def mint(org_id: str | None = "org_sunrise_dental", **kwargs: Any) -> str:
        token = mint_token(org_id, **kwargs)
        register_secret(token)
        return token

    return Target(
        base_url=base_url,
        live=False,
        description=f"embedded mock at {base_url}",
        token=mint("org_sunrise_dental", expires_in=6 * 3600),
        appointment_id="kko1gv8tFZe8JjpCpct5tG",
        not_connected_token=mint("org_harbor_physio", expires_in=6 * 3600),
        token_without_org=mint(None, expires_in=6 * 3600),
        org_id="org_sunrise_dental",
        other_org_id="org_northwind_realty",
        other_appointment_id="tcSSSS7XhS4D5EVB8Nf471",
        known_ids=known_ids,
        mint=mint,
    )
