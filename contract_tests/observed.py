"""Which documented outcomes a run observed, and what would make the others observable.

A green verdict is only as wide as what the run could send: without a token of an organization that has
no Cal.com, NOT_CONNECTED is never seen. The verdict and the report list each documented outcome the
run did not observe, with the variable that would make it observable.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_server.spec import ApiSpec

# How a run gets the target to answer each documented outcome.
HOW_TO_OBSERVE = {
    None: "set CONTRACT_APPOINTMENT_ID (a booking of CONTRACT_TOKEN's organization)",
    "NOT_CONNECTED": "set CONTRACT_NOT_CONNECTED_TOKEN (a token of an organization without Cal.com), or CONTRACT_JWT_SECRET",
    "INVALID_REQUEST": "every run sends malformed input for it: the target answered it otherwise",
    "UNAUTHORIZED": "every run sends requests without a valid token for it: the target answered them otherwise",
    "CALCOM_API_ERROR": "every run asks for unknown bookings: the target answered them otherwise",
    "INTERNAL_ERROR": "no request should make a correct server answer it; its shape is checked by the rules only",
}


@dataclass(frozen=True)
class Outcome:
    """One documented answer: a status and its error code (None for the success body)."""

    status: int
    code: str | None

    @property
    def label(self) -> str:
        """'400 NOT_CONNECTED', or '200' for the success body."""
        return f"{self.status} {self.code}" if self.code else str(self.status)

    @property
    def how_to_observe(self) -> str:
        """What would make a run observe it."""
        return HOW_TO_OBSERVE.get(self.code, "no input of the suite is known to produce it")


def documented_outcomes(spec: ApiSpec) -> list[Outcome]:
    """The success answers and every (status, code) pair of the spec, in status order."""
    outcomes = []
    for status in spec.statuses:
        codes = spec.responses[status].codes
        outcomes += [Outcome(status, code) for code in codes] if codes else [Outcome(status, None)]
    return outcomes


def unobserved(spec: ApiSpec, observed: dict[tuple[int, str | None], int]) -> list[Outcome]:
    """The documented outcomes that no answer of the run showed."""
    return [outcome for outcome in documented_outcomes(spec) if observed.get((outcome.status, outcome.code), 0) == 0]
