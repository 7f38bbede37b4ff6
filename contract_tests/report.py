"""The human report of a contract run (reports/contract-report.md): readable without knowing Python."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_tests.rules import ALL_RULES
from contract_tests.findings import rules_broken
from contract_tests.masking import mask_text
from contract_tests.observed import documented_outcomes, unobserved
from contract_tests.settings import ContractSettings
from mock_server.spec import ApiSpec

_REQUEST = re.compile(r"((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE) https?://\S+ -> \d{3})")
_CURL = re.compile(r"(curl [^\n]+)")


@dataclass(frozen=True)
class Outcome:
    """One test's result, masked."""

    test: str
    outcome: str  # passed | failed | skipped
    text: str
    seconds: float


def outcome_of(report: Any) -> Outcome:
    """An Outcome from a pytest TestReport."""
    text = ""
    if report.longrepr is not None:
        text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return Outcome(report.nodeid.split("::", 1)[-1], report.outcome, mask_text(text), report.duration)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1).strip() if match else None


def render(outcomes: list[Outcome], settings: ContractSettings, spec: ApiSpec, requests: dict[str, Any], started: float) -> str:
    """The report as Markdown."""
    failed = [o for o in outcomes if o.outcome == "failed"]
    verdict = "RED" if failed else "GREEN"
    target = settings.base_url or "the embedded mock"
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(requests.get("statuses", {}).items())) or "none"
    broken: dict[str, int] = {}
    for o in failed:
        for name in rules_broken(o.text) or ["(unnamed: see the failure)"]:
            broken[name] = broken.get(name, 0) + 1
    lines = [
        f"# Contract report: {verdict}",
        "",
        f"**{target}** {'breaks' if failed else 'honours'} the contract of `{spec.path.name}`: "
        f"{sum(o.outcome == 'passed' for o in outcomes)} tests passed, {len(failed)} failed, "
        f"{sum(o.outcome == 'skipped' for o in outcomes)} skipped.",
        "",
        "| | |",
        "|---|---|",
        f"| target | {target} |",
        f"| spec | `{spec.path.name}` v{spec.version}, sha256 `{spec.sha256}` |",
        f"| seed | {settings.seed} (reproduce with `CONTRACT_SEED={settings.seed}`) |",
        f"| run | {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(started))}, {time.time() - started:.0f} s |",
        f"| requests | {requests.get('sent', 0)} (by status: {statuses}) |",
        f"| rate limit | {f'{settings.rate_limit:g} req/s' if settings.rate_limit else 'off'}; unsafe methods {'allowed' if settings.allow_unsafe else 'blocked'} |",
        "",
        "## Rules",
        "",
        "| rule | result |",
        "|---|---|",
    ]
    for rule in ALL_RULES:
        count = broken.pop(rule.__name__, 0)
        lines.append(f"| `{rule.__name__}` | {'**broken** in ' + str(count) + ' test(s)' if count else 'held'} |")
    for name, count in sorted(broken.items()):
        lines.append(f"| `{name}` | **broken** in {count} test(s) |")
    missing = unobserved(spec, requests.get("outcomes", {})) if requests else []
    lines += ["", "## Documented outcomes not observed", ""]
    if missing:
        lines += [
            f"The run never saw these {len(missing)} of {len(documented_outcomes(spec))} documented answers, so it did not check them:",
            "",
            "| outcome | to observe it |",
            "|---|---|",
        ]
        lines += [f"| {o.label} | {o.how_to_observe} |" for o in missing]
    else:
        lines.append(f"None: the run observed all {len(documented_outcomes(spec))} documented outcomes.")
    lines += ["", "## Tests", "", "| test | result | time |", "|---|---|---|"]
    for o in outcomes:
        note = o.outcome if o.outcome != "skipped" else f"skipped: {o.text.removeprefix('Skipped: ')}"
        lines.append(f"| `{o.test}` | {'**FAILED**' if o.outcome == 'failed' else note} | {o.seconds:.1f} s |")
    if failed:
        lines += ["", "## Failures"]
        for o in failed:
            lines += ["", f"### `{o.test}`", ""]
            lines.append(f"- rules broken: {', '.join(f'`{r}`' for r in rules_broken(o.text)) or '(none named)'}")
            request = _first(_REQUEST, o.text)
            if request:
                lines.append(f"- request: `{request}`")
            curl = _first(_CURL, o.text)
            if curl:
                lines += ["- reproduce:", "", "  ```bash", f"  {curl}", "  ```"]
            detail = o.text if len(o.text) < 6000 else o.text[:6000] + "\n… (cut; see the JUnit XML)"
            lines += ["", "<details><summary>full failure</summary>", "", "```text", detail, "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def write_report(path: Path, markdown: str) -> None:
    """Write the report, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
