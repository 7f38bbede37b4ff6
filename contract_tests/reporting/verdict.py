"""The verdict of a contract run: what a release gate reads, in one word, one exit status and a reason.

- GREEN (exit 0): the target was checked and honours the spec (the headline says so when checks were skipped).
- RED (exit 1): the target answered, and an answer broke a rule of the contract.
- INCONCLUSIVE (exit 75, EX_TEMPFAIL): the target could not be checked (unreachable, a wrong URL, a token it
  refuses, requests without an answer); nothing is known about the contract, so nothing is claimed.
- Configuration error (exit 78, EX_CONFIG): the run did not start, its inputs are wrong; the headline word is
  INCONCLUSIVE, and the line says which input and what to do.

The exit statuses are those of sysexits.h, so that none of them is one of pytest's own (2 interrupted,
3 internal error, 4 usage error, 5 no tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from contract_tests.reporting.findings import rules_broken
from mock_server.contract.masking import mask_text

INCONCLUSIVE_PREFIX = "inconclusive: "
REPRODUCE_URL = "http://127.0.0.1:4010"  # where a reproduction's serve command puts the embedded mock
DRIFT_RULE = "spec_documents_every_field"
COVERAGE_RULE = "coverage_meets_minimum"


class Verdict(Enum):
    """The four ways a run ends, each with its exit status."""

    GREEN = 0
    RED = 1
    INCONCLUSIVE = 75
    CONFIGURATION_ERROR = 78

    @property
    def exit_status(self) -> int:
        """The process exit status of a run with this verdict."""
        return self.value

    @property
    def word(self) -> str:
        """The headline word: GREEN, RED or INCONCLUSIVE (a configuration error reads INCONCLUSIVE)."""
        return "INCONCLUSIVE" if self is Verdict.CONFIGURATION_ERROR else self.name


@dataclass(frozen=True)
class Inconclusive:
    """Why a target could not be checked, and what to do about it."""

    cause: str
    fix: str


@dataclass(frozen=True)
class TestResult:
    """One contract test's result, its text masked."""

    test: str
    outcome: str  # passed | failed | skipped
    text: str
    seconds: float
    named_rules: tuple[str, ...] = ()  # the rules the failure's violations carried (empty: read from the text)

    @property
    def inconclusive(self) -> bool:
        """True for a test skipped because a request got no answer (or the preflight failed)."""
        return self.outcome == "skipped" and self.reason.startswith(INCONCLUSIVE_PREFIX)

    @property
    def reason(self) -> str:
        """A skip's reason, without pytest's 'Skipped: '."""
        return self.text.removeprefix("Skipped: ").strip()

    @property
    def rules(self) -> list[str]:
        """The rules a failure broke: those its violations carried, then any other its text names (schemathesis' own)."""
        if self.outcome != "failed":
            return []
        names = list(self.named_rules)
        return names + [name for name in rules_broken(self.text) if name not in names]


def result_of(report: Any) -> TestResult:
    """A TestResult from a pytest TestReport."""
    text = ""
    if report.longrepr is not None:
        text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    named = next((value.split(",") for name, value in report.user_properties if name == "contract_rules"), [])
    return TestResult(report.nodeid.split("::", 1)[-1], report.outcome, mask_text(text), report.duration, tuple(named))


@dataclass
class RunRecord:
    """Everything the verdict is made of, gathered while the run goes."""

    started: float = field(default_factory=time.time)
    results: list[TestResult] = field(default_factory=list)
    preflight: Inconclusive | None = None
    configuration_error: str | None = None
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    outcomes: dict[tuple[str | None, int, str | None], int] = field(default_factory=dict)  # (operationId, status, code)
    no_answer: dict[str, int] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)  # one line per undocumented property or header
    drift_fails: bool = False  # CONTRACT_DRIFT=fail: drift is a broken rule
    coverage: dict[str, Any] | None = None  # the run's coverage (mock_server/contract/coverage.py)
    scope: Any = None  # the operations checked and those the cap left out (contract_tests/inputs/scope.py)
    writes: str | None = None  # what the run created and deleted: "created 4, deleted 4, left 0" (None: nothing)
    refusals: list[str] = field(default_factory=list)  # schema-valid bodies refused as invalid input (findings)
    refusals_fail: bool = False  # CONTRACT_STRICT_INPUT=fail
    interrupted: bool = False  # the run was stopped (Ctrl-C) before every check was made
    credential_ref: str | None = None  # how a curl names the run's own credential ($CONTRACT_TOKEN, or the command)
    embedded_url: str | None = None  # the embedded mock's URL during the run (None: a live target)
    serve_command: str | None = None  # the command that serves the same spec and data on REPRODUCE_URL

    def causes(self) -> list[Any]:
        """The failures grouped by cause (contract_tests/reporting/failures.py), the largest first."""
        from contract_tests.reporting.failures import group

        return group(self.failed, self.credential_ref)

    def reproducible(self, text: str) -> str:
        """A curl or request as it can be run after the run: the embedded mock's port is gone, so it names the one
        the serve command listens on."""
        if self.embedded_url and text:
            return text.replace(self.embedded_url, REPRODUCE_URL)
        return text

    def add(self, result: TestResult) -> None:
        """Record a test's result (a test reported twice, setup then call, keeps the later)."""
        self.results = [r for r in self.results if r.test != result.test] + [result]

    def count_requests(self, session: Any) -> None:
        """Take the request counts of the suite's HTTP session."""
        self.sent = session.requests_sent
        self.statuses = dict(session.statuses)
        self.no_answer = dict(session.no_answer)
        if session.observations is not None:
            self.outcomes = dict(session.observations.outcomes)
            self.drift = session.observations.drift.lines()

    @property
    def failed(self) -> list[TestResult]:
        """Tests that broke a rule."""
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def skipped(self) -> list[TestResult]:
        """Tests skipped for want of an optional input (not the inconclusive ones)."""
        return [r for r in self.results if r.outcome == "skipped" and not r.inconclusive]

    @property
    def undone(self) -> list[TestResult]:
        """Tests that could not be done: a request got no answer, or the preflight failed."""
        return [r for r in self.results if r.inconclusive]

    @property
    def below_minimum(self) -> bool:
        """True when CONTRACT_MIN_COVERAGE is set and the run covered less."""
        return self.coverage is not None and not self.coverage.get("meets_minimum", True)

    def coverage_line(self) -> str:
        """The coverage in one line."""
        if self.coverage is None:
            return ""
        c = self.coverage
        minimum = f" (minimum {c['minimum']:g}%)" if c.get("minimum") is not None else ""
        return f"  coverage: {c['coverage_percent']:g}% of the documented responses ({c['covered']} of {c['eligible']} eligible){minimum}"

    def drift_lines(self) -> list[str]:
        """The drift section: each undocumented property or header, or 'no drift'."""
        if not self.drift:
            return ["  no drift: every answer carried only what the spec documents"]
        return [f"  drift ({len(self.drift)}): what the answers carry that the spec does not document"] + [f"    {line}" for line in self.drift]

    @property
    def unanswered(self) -> int:
        """Requests that got no answer."""
        return sum(self.no_answer.values())

    def verdict(self) -> Verdict:
        """RED when a rule broke; else INCONCLUSIVE when anything could not be checked; else GREEN."""
        if self.configuration_error is not None:
            return Verdict.CONFIGURATION_ERROR
        if self.failed or (self.drift_fails and self.drift) or self.below_minimum or (self.refusals_fail and self.refusals):
            return Verdict.RED
        if self.preflight is not None or self.undone or self.unanswered or self.interrupted:
            return Verdict.INCONCLUSIVE
        return Verdict.GREEN

    def inconclusive_reason(self) -> Inconclusive | None:
        """Why the run is (or, being RED, also was partly) inconclusive."""
        if self.configuration_error is not None:
            return Inconclusive(f"configuration error: {self.configuration_error}", "correct the input named above and run again")
        if self.preflight is not None:
            return self.preflight
        if self.interrupted:
            return Inconclusive("the run was interrupted before every check was made (anything it created was deleted first)",
                                "run it again to the end")
        if self.unanswered or self.undone:
            kinds = ", ".join(f"{why}: {n}" for why, n in sorted(self.no_answer.items(), key=lambda item: -item[1]))
            return Inconclusive(
                f"{self.unanswered} request(s) got no answer ({kinds or 'see the skipped tests'}), so "
                f"{len(self.undone)} check(s) could not be made",
                "check that the target is up and reachable from here (and CONTRACT_TIMEOUT is long enough), then run again",
            )
        return None

    def headline(self, target: str, spec_name: str, seed: int) -> str:
        """The verdict in one line."""
        verdict = self.verdict()
        if verdict is Verdict.CONFIGURATION_ERROR:
            return f"INCONCLUSIVE: the run did not start: configuration error: {self.configuration_error}"
        if verdict is Verdict.RED:
            causes = len(self.causes()) if self.failed else 0
            counted = (f": {causes} cause{'s' if causes != 1 else ''} ({len(self.failed)} failure{'s' if len(self.failed) != 1 else ''})"
                       if self.failed else "")
            return f"RED: {target} breaks the contract of {spec_name} (seed {seed}){counted}"
        if verdict is Verdict.INCONCLUSIVE:
            reason = self.inconclusive_reason()
            assert reason is not None
            return f"INCONCLUSIVE: {target} could not be checked: {reason.cause}"
        checks = len(self.results)
        within = f" on {self.scope.summary()}" if self.scope is not None and self.scope.left_out else ""
        if self.skipped:
            return (f"GREEN, with {len(self.skipped)} of {checks} checks skipped ({self._skip_kinds()}): "
                    f"{target} honours {spec_name} in all that was checked{within} (seed {seed})")
        return f"GREEN: {target} honours {spec_name}: all {checks} checks ran{within} (seed {seed})"

    def _skip_kinds(self) -> str:
        """Why checks were skipped, in a few words: optional inputs, writes, or both."""
        writes = any("writes skipped" in result.reason for result in self.skipped)
        inputs = any("writes skipped" not in result.reason for result in self.skipped)
        return " and ".join(kind for kind, there in (("optional inputs not set", inputs), ("writes not allowed", writes)) if there)

    def detail_lines(self) -> list[str]:
        """What follows the headline: the broken rules, the cause and fix, the skipped checks and why."""
        lines: list[str] = []
        verdict = self.verdict()
        causes = self.causes() if self.failed else []
        for number, cause in enumerate(causes, 1):
            tests = ", ".join(cause.tests[:3]) + (f" and {cause.count - 3} more" if cause.count > 3 else "")
            failures = f"{cause.count} failure{'s' if cause.count != 1 else ''}"
            rules = ", ".join(cause.rules) or "(no rule named: see the failure above)"
            where = f" in {cause.operation}" if cause.operation else ""
            lines.append(f"  cause {number} of {len(causes)}: broke {rules}{where}"
                         f"{f' (answered {cause.status})' if cause.status else ''}: {failures} ({tests})")
            if cause.shown.curl:
                if self.serve_command:
                    lines.append(f"    reproduce: in one shell {self.serve_command} ; in another:")
                    lines.append(f"      {self.reproducible(cause.shown.curl)}")
                else:
                    lines.append(f"    reproduce: {cause.shown.curl}")
        if self.drift_fails and self.drift:
            lines.append(f"  the answers broke {DRIFT_RULE}: {len(self.drift)} undocumented field(s) or header(s) (CONTRACT_DRIFT=fail), listed below")
        if self.refusals_fail and self.refusals:
            lines.append(f"  the answers broke schema_admits_what_server_refuses: {len(self.refusals)} schema-valid bodies refused (CONTRACT_STRICT_INPUT=fail), listed below")
        if self.below_minimum and self.coverage is not None:
            lines.append(f"  the run broke {COVERAGE_RULE}: it covered {self.coverage['coverage_percent']:g}% of the documented responses, "
                         f"below CONTRACT_MIN_COVERAGE={self.coverage['minimum']:g}")
        reason = self.inconclusive_reason()
        if reason is not None and verdict is not Verdict.CONFIGURATION_ERROR:
            if verdict is Verdict.RED:
                lines.append(f"  also inconclusive: {reason.cause}")
            lines.append(f"  what to do: {reason.fix}")
        elif verdict is Verdict.CONFIGURATION_ERROR and reason is not None:
            lines.append(f"  what to do: {reason.fix}")
        if self.scope is not None and self.scope.left_out:
            left = [op.operation_id for op in self.scope.left_out]
            lines.append(f"  checked {self.scope.summary()}; left out ({len(left)}): {', '.join(left[:6])}"
                         f"{', ...' if len(left) > 6 else ''} (all named in the report)")
        if self.writes is not None:
            lines.append(f"  writes: {self.writes}")
        if self.refusals:
            lines.append(f"  findings ({len(self.refusals)}): the schema admits what the server refuses"
                         + ("" if self.refusals_fail else " (reported, not failed; CONTRACT_STRICT_INPUT=fail makes it RED)"))
            lines += [f"    {line}" for line in self.refusals]
        by_reason: dict[str, list[str]] = {}
        for result in self.skipped:
            by_reason.setdefault(result.reason, []).append(result.test.split("[")[0])
        for why, tests in by_reason.items():
            names = sorted(set(tests))
            lines.append(f"  skipped ({len(tests)}): {why}: {', '.join(names[:4])}{', ...' if len(names) > 4 else ''}")
        return lines
