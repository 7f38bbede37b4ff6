"""Step 4 of the pipeline: decide whose data this request may see."""

from __future__ import annotations

from mock_server.pipeline.auth import Identity
from mock_server.envelope import ApiError


def resolve_organization(identity: Identity, query_org: str | None) -> str:
    """The token's organization; the `org_id` query only when the token has none; else 400."""
    if identity.org_id is not None:
        return identity.org_id  # the token wins: a query value never widens access
    if query_org is not None:
        return query_org
    raise ApiError(
        "INVALID_REQUEST",
        "No organization context: the token has no org_id claim and no org_id query parameter was given",
    )
