"""Which documented outcomes a run observed, and what would make the others observable.

A green verdict is only as wide as what the run could send: without a token of an organization that has
no Cal.com, NOT_CONNECTED is never seen. The verdict and the report list each documented outcome the
run did not observe, with the variable that would make it observable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.spec import ApiSpec

# How a run gets the target to answer each documented outcome: (when its input is missing, when it was given).
HOW_TO_OBSERVE: dict[str | None, tuple[str, str]] = {
    None: (
        "set CONTRACT_APPOINTMENT_ID (a booking of CONTRACT_TOKEN's organization)",
        "CONTRACT_APPOINTMENT_ID is set, yet no request for it was answered with the success body: check that it is a "
        "booking of CONTRACT_TOKEN's organization",
    ),
    "NOT_CONNECTED": (
        "set CONTRACT_NOT_CONNECTED_TOKEN (a token of an organization without Cal.com), or CONTRACT_JWT_SECRET",
        "the run sent a token of an organization without Cal.com, and the target answered it otherwise",
    ),
}
ALWAYS_SENT = {
    "INVALID_REQUEST": "every run sends malformed input for it: the target answered it otherwise",
    "UNAUTHORIZED": "every run sends requests without a valid token for it: the target answered them otherwise",
    "CALCOM_API_ERROR": "every run asks for unknown bookings: the target answered them otherwise",
    "INTERNAL_ERROR": "no request should make a correct server answer it; its shape is checked by the rules only",
}


EMBEDDED = {
    None: "the property test for a known booking provokes it: it did not run here, or was answered otherwise",
    "NOT_CONNECTED": "the property test with an organization without Cal.com provokes it: it did not run here, or was answered otherwise",
}


def _given(code: str | None, settings: Any) -> bool:
    """True when the run had the input that provokes this outcome."""
    if code is None:
        return settings.appointment_id is not None
    return settings.not_connected_token is not None or settings.jwt_secret is not None


@dataclass(frozen=True)
class DocumentedOutcome:
    """One documented answer: a status and its error code (None for the success body)."""

    status: int
    code: str | None

    @property
    def label(self) -> str:
        """'400 NOT_CONNECTED', or '200' for the success body."""
        return f"{self.status} {self.code}" if self.code else str(self.status)

    def how_to_observe(self, settings: Any = None) -> str:
        """What would make a run observe it, given the inputs this run had (ContractSettings, or None)."""
        if self.code in ALWAYS_SENT:
            return ALWAYS_SENT[self.code]
        if self.code in HOW_TO_OBSERVE:
            if settings is None or not getattr(settings, "live", False):
                return EMBEDDED[self.code]  # the embedded mock: the suite has every input itself
            missing, given = HOW_TO_OBSERVE[self.code]
            return given if _given(self.code, settings) else missing
        return "no input of the suite is known to produce it"


def documented_outcomes(spec: ApiSpec) -> list[DocumentedOutcome]:
    """The success answers and every (status, code) pair of the spec, in status order."""
    outcomes = []
    for status in spec.statuses:
        codes = spec.responses[status].codes
        outcomes += [DocumentedOutcome(status, code) for code in codes] if codes else [DocumentedOutcome(status, None)]
    return outcomes


def unobserved(spec: ApiSpec, observed: dict[tuple[int, str | None], int]) -> list[DocumentedOutcome]:
    """The documented outcomes that no answer of the run showed."""
    return [outcome for outcome in documented_outcomes(spec) if observed.get((outcome.status, outcome.code), 0) == 0]
