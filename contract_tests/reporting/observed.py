"""Which documented outcomes a run observed, and what would make the others observable.

A green verdict is only as wide as what the run could send: without a token of an organization that has
no Cal.com, NOT_CONNECTED is never seen. The verdict and the report list each documented outcome the
run did not observe, with the variable that would make it observable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.data import GET_APPOINTMENT
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


GENERIC = {
    "success": "the suite sends each parameter's documented example: the target answered it otherwise",
    "invalid": "the suite sends values that break each parameter's schema: the target answered them otherwise",
    "other": "no input of the suite is known to produce it",
}


@dataclass(frozen=True)
class DocumentedOutcome:
    """One documented answer of one operation: a status and its error code (None for a success body)."""

    status: int
    code: str | None
    operation_id: str = GET_APPOINTMENT

    @property
    def label(self) -> str:
        """'400 NOT_CONNECTED', or '200' for the success body."""
        return f"{self.status} {self.code}" if self.code else str(self.status)

    def how_to_observe(self, settings: Any = None) -> str:
        """What would make a run observe it, given the inputs this run had (ContractSettings, or None)."""
        if self.code in ALWAYS_SENT and (self.operation_id == GET_APPOINTMENT or self.code in ("UNAUTHORIZED", "INTERNAL_ERROR")):
            return ALWAYS_SENT[self.code]
        if self.operation_id != GET_APPOINTMENT:
            if self.code is None:
                return GENERIC["success"]
            return GENERIC["invalid"] if self.code == "INVALID_REQUEST" else GENERIC["other"]
        if self.code in HOW_TO_OBSERVE:
            if settings is None or not getattr(settings, "live", False):
                return EMBEDDED[self.code]  # the embedded mock: the suite has every input itself
            missing, given = HOW_TO_OBSERVE[self.code]
            return given if _given(self.code, settings) else missing
        return "no input of the suite is known to produce it"


def documented_outcomes(spec: ApiSpec, operation_id: str | None = None) -> list[DocumentedOutcome]:
    """Every operation's (or one's) success answers and (status, code) pairs, in status order."""
    outcomes = []
    for op in spec.operations.values():
        if operation_id is not None and op.operation_id != operation_id:
            continue
        for status in op.statuses:
            codes = op.responses[status].codes
            outcomes += [DocumentedOutcome(status, code, op.operation_id) for code in codes] if codes else [DocumentedOutcome(status, None, op.operation_id)]
    return outcomes


Observed = dict[tuple[str | None, int, str | None], int]  # (operationId or None, status, code or None): answers


def unobserved(spec: ApiSpec, observed: Observed, operation_id: str | None = None) -> list[DocumentedOutcome]:
    """The documented outcomes that no answer of the run showed."""
    return [o for o in documented_outcomes(spec, operation_id) if observed.get((o.operation_id, o.status, o.code), 0) == 0]


def per_operation(spec: ApiSpec, observed: Observed) -> list[tuple[str, int, dict[int, int], list[DocumentedOutcome]]]:
    """For each operation: its label, the answers it got, by status, and its documented outcomes not observed."""
    rows = []
    for op in spec.operations.values():
        statuses: dict[int, int] = {}
        for (operation_id, status, _code), count in observed.items():
            if operation_id == op.operation_id:
                statuses[status] = statuses.get(status, 0) + count
        rows.append((op.label, sum(statuses.values()), dict(sorted(statuses.items())), unobserved(spec, observed, op.operation_id)))
    return rows


def summary_lines(spec: ApiSpec, observed: Observed, settings: Any = None) -> list[str]:
    """The verdict's lines per operation: answers by status, and what was documented but not seen (with how to see it)."""
    lines = []
    for label, answers, statuses, missing in per_operation(spec, observed):
        by_status = ", ".join(f"{status}: {n}" for status, n in statuses.items()) or "none"
        lines.append(f"  {label}: {answers} answers (by status: {by_status})")
        if missing:
            total = len(documented_outcomes(spec, label.split(" ", 1)[0]))
            lines.append(f"    not observed ({len(missing)} of {total} documented outcomes), so not checked:")
            lines += [f"      {o.label}: {o.how_to_observe(settings)}" for o in missing]
    outside = sum(n for (operation_id, _s, _c), n in observed.items() if operation_id is None)
    if outside:
        lines.append(f"  {outside} answers to paths or methods the spec does not document (404 and 405 probes)")
    return lines
