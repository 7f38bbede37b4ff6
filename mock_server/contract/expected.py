"""What a spec promises a request of each kind is answered with, read per profile: the suite's expectations.

Ravan's profile pairs each kind with one code and the status the spec gives that code (invalid input: the code
`x-invalid-input-code` designates; a refused credential: the documented 401's code). A spec without a profile
promises what it documents: invalid input gets one of its documented 400 or 422 answers (or any 4xx its `4XX`
range or `default` covers); a missing credential a 401 or a 403. Where the spec documents no such answer, any
client error keeps the promise: the spec says nothing more, and a contract suite must not invent it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_server.spec import RAVAN_PROFILE, ApiSpec, Operation, SpecError

CLIENT_ERRORS = frozenset(range(400, 500))


@dataclass(frozen=True)
class Expected:
    """The statuses (and, under a profile with codes, the code) that keep a promise."""

    statuses: frozenset[int]
    code: str | None = None
    documented: bool = True  # False: the spec documents no answer of this kind (any client error will do)

    def matches(self, status: int, code: str | None) -> bool:
        """True when an answer keeps the promise."""
        return status in self.statuses and (self.code is None or code == self.code)

    def describe(self) -> str:
        """'400 INVALID_REQUEST', '400 or 422', 'a 4xx'."""
        if not self.documented or self.statuses == CLIENT_ERRORS:
            return "a 4xx"
        shown = " or ".join(str(status) for status in sorted(self.statuses))
        return f"{shown} {self.code}" if self.code else shown


def _ravan_status(spec: ApiSpec, operation: Operation, code: str) -> int:
    return operation.status_for_code(code) if code in operation.error_codes else spec.status_for_code(code)


def _documented_client_errors(operation: Operation, wanted: tuple[int, ...]) -> frozenset[int] | None:
    exact = frozenset(status for status in wanted if status in operation.responses)
    if exact:
        return exact
    if "4XX" in operation.ranges or "default" in operation.ranges:
        return CLIENT_ERRORS
    return None


def invalid_input_answer(spec: ApiSpec, operation: Operation) -> Expected:
    """What a request with a value that breaks a parameter's or the body's schema must get."""
    if spec.profile == RAVAN_PROFILE:
        code = operation.invalid_input_code or spec.invalid_input_code
        return Expected(frozenset({_ravan_status(spec, operation, code)}), code)
    statuses = _documented_client_errors(operation, (400, 422))
    return Expected(statuses or CLIENT_ERRORS - {401, 403}, None, statuses is not None)


def unauthorized_answer(spec: ApiSpec, operation: Operation) -> Expected:
    """What a secured operation must answer a request without a valid credential."""
    if spec.profile == RAVAN_PROFILE:
        code = operation.unauthorized_code
        if code is None:
            code = next((c for c in spec.error_codes if _safe_status(spec, c) == 401), None)
        return Expected(frozenset({401}), code)
    documented = frozenset(status for status in (401, 403) if operation.documents(status) and status in operation.responses)
    return Expected(documented or frozenset({401, 403}), None, bool(documented))


def unknown_item_answer(spec: ApiSpec, operation: Operation) -> Expected | None:
    """What an operation on an item the caller does not have (deleted, never made, another tenant's) must get; None
    where the spec documents no such answer (the suite then claims nothing about it)."""
    if spec.profile == RAVAN_PROFILE:
        documented = operation.responses.get(404)
        if documented is not None and documented.codes:
            return Expected(frozenset({404}), documented.codes[0])
        if "CALCOM_API_ERROR" in operation.error_codes:  # Cal.com has no such booking for the organization
            return Expected(frozenset({operation.status_for_code("CALCOM_API_ERROR")}), "CALCOM_API_ERROR")
        return None
    statuses = _documented_client_errors(operation, (404, 410))
    return Expected(statuses, None) if statuses is not None else None


def _safe_status(spec: ApiSpec, code: str) -> int | None:
    try:
        return spec.status_for_code(code)
    except SpecError:
        return None


def documents_invalid_input_answer(operation: Operation) -> bool:
    """True when the spec says what invalid input gets: a 400 or 422, a 4XX range, or `default`."""
    return bool({400, 422} & set(operation.responses)) or bool({"4XX", "default"} & set(operation.ranges))


def documents_auth_failure(operation: Operation) -> bool:
    """True when the spec says what a missing or refused credential gets: a 401 or 403, a 4XX range, or `default`."""
    return bool({401, 403} & set(operation.responses)) or bool({"4XX", "default"} & set(operation.ranges))


def undocumented_refusal_keeps_the_promise(operation: Operation, status: int) -> bool:
    """True for an undocumented client error that answers input the spec forbids, where the spec documents no
    answer of that kind (a 401 or 403 where it documents no auth failure; any other 4xx where it documents no
    answer to invalid input): the spec promises nothing more."""
    if not 400 <= status < 500:
        return False
    if status in (401, 403):
        return not documents_auth_failure(operation)
    return not documents_invalid_input_answer(operation)
