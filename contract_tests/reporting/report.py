"""The human report of a contract run (reports/contract-report.md): readable without knowing Python."""

from __future__ import annotations

import time
from pathlib import Path

from mock_server.contract.masking import mask_text
from contract_tests.reporting.observed import per_operation
from mock_server.contract.rules import ALL_RULES
from contract_tests.inputs.settings import ContractSettings
from contract_tests.reporting.verdict import RunRecord, Verdict
from mock_server.spec import ApiSpec

# In a failure's text: the exchange's one-line description ("GET url -> 502: b'...'") and its reproduction.


def unsafe_methods(settings: ContractSettings) -> str:
    """Whether writes reached the target, in a few words."""
    if not settings.live:
        return "allowed (embedded mock)"
    return "allowed (CONTRACT_ALLOW_UNSAFE=1)" if settings.allow_unsafe else "blocked"


def render(record: RunRecord, settings: ContractSettings | None, spec: ApiSpec | None) -> str:
    """The report as Markdown (settings and spec are None when the run stopped on a configuration error)."""
    verdict = record.verdict()
    if settings is None or spec is None:
        return "\n".join([
            f"# Contract report: {verdict.word}",
            "",
            mask_text(record.headline("", "", 0)),
            "",
            f"The run stopped before sending any request (exit status {verdict.exit_status}, configuration error), "
            "so nothing was checked. Correct the input named above and run again.",
            "",
            f"Written {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(record.started))}.",
        ]) + "\n"
    target = settings.base_url or "the embedded mock"
    failed, results = record.failed, record.results
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(record.statuses.items())) or "none"
    unanswered = f"; {record.unanswered} without an answer" if record.unanswered else ""
    broken: dict[str, int] = {}
    for r in failed:
        for name in r.rules or ["(unnamed: see the failure)"]:
            broken[name] = broken.get(name, 0) + 1
    lines = [
        f"# Contract report: {verdict.word}",
        "",
        f"**{mask_text(record.headline(target, spec.path.name, settings.seed))}**",
        "",
    ]
    lines += [mask_text(line.strip()) + "  " for line in record.detail_lines()]
    lines += [
        "",
        f"{sum(r.outcome == 'passed' for r in results)} checks passed, {len(failed)} failed, "
        f"{len(record.skipped)} skipped for want of an optional input, {len(record.undone)} could not be made. "
        f"Exit status {verdict.exit_status} ({verdict.name}).",
        "",
        "| | |",
        "|---|---|",
        f"| target | {target} |",
        f"| spec | `{spec.path.name}` v{spec.version}, sha256 `{spec.sha256}` |",
        f"| seed | {settings.seed} (reproduce with `CONTRACT_SEED={settings.seed}`) |",
        f"| run | {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(record.started))}, {time.time() - record.started:.0f} s |",
        (f"| requests | {record.sent} (by status: {statuses}{unanswered}) |" if record.statuses
         else f"| requests | no answer to any of {record.sent} request{'s' if record.sent != 1 else ''} |"),
        f"| rate limit | {f'{settings.rate_limit:g} req/s' if settings.rate_limit else 'off'}; unsafe methods {unsafe_methods(settings)} |",
        "",
        "## Rules",
        "",
        "| rule | result |",
        "|---|---|",
    ]
    checked = verdict is not Verdict.INCONCLUSIVE or bool(record.sent and not record.preflight)
    for rule in ALL_RULES:
        count = broken.pop(rule.__name__, 0)
        state = f"**broken** in {count} test(s)" if count else ("held" if checked else "not checked")
        lines.append(f"| `{rule.__name__}` | {state} |")
    from mock_server.contract.stateful_rules import STATEFUL_RULES

    for name in STATEFUL_RULES:
        count = broken.pop(name, 0)
        lines.append(f"| `{name}` | {f'**broken** in {count} test(s)' if count else ('held' if checked else 'not checked')} |")
    for name, count in sorted(broken.items()):
        lines.append(f"| `{name}` | **broken** in {count} test(s) |")
    if record.writes is not None or record.refusals:
        lines += ["", "## Writes", ""]
        if record.writes is not None:
            lines.append(f"What the run created on the target: {record.writes}.")
        if record.refusals:
            lines += ["", "Schema-valid bodies the target refused as invalid input (the schema admits what the server refuses)"
                      + (": a broken rule (CONTRACT_STRICT_INPUT=fail)" if settings.strict_input else "; reported, not failed") + ":", ""]
            lines += [f"- {mask_text(line)}" for line in record.refusals]
    if record.coverage is not None:
        lines += ["", "## Coverage", "", record.coverage_line().strip() + " (reports/contract-coverage.json has each response, example and parameter)."]
    lines += ["", "## Drift", ""]
    if record.drift:
        lines += [f"What the answers carry that `{spec.path.name}` does not document"
                  + (" (a broken rule: CONTRACT_DRIFT=fail)" if settings.drift_fails else " (reported, not failed; CONTRACT_DRIFT=fail makes it RED)") + ":", ""]
        lines += [f"- {line}" for line in record.drift]
    else:
        lines.append("No drift: every answer carried only what the spec documents.")
    lines += ["", "## Operations", "", "| operation | method | path | answers | by status | documented outcomes not observed |", "|---|---|---|---|---|---|"]
    for label, answers, statuses, missing in per_operation(spec, record.outcomes):
        operation = spec.operation(label.split(" ", 1)[0])
        by_status = ", ".join(f"{status}: {n}" for status, n in statuses.items()) or "none"
        not_seen = "<br>".join(f"{o.label}: {o.how_to_observe(settings)}" for o in missing) or "none"
        lines.append(f"| `{operation.operation_id}` | {operation.method} | `{operation.path}` | {answers} | {by_status} | {not_seen} |")
    if record.scope is not None and record.scope.left_out:
        lines += ["", f"### Left out by the cap ({len(record.scope.left_out)})", "",
                  f"The run checked {record.scope.summary()}, spread evenly over the spec; raise CONTRACT_MAX_OPERATIONS "
                  "(0: every operation) to check these too.", ""]
        lines += [f"- `{op.operation_id}` ({op.method} `{op.path}`)" for op in record.scope.left_out]
    lines += ["", "## Tests", "", "| test | result | time |", "|---|---|---|"]
    for r in results:
        note = "**FAILED**" if r.outcome == "failed" else (f"skipped: {r.reason}" if r.outcome == "skipped" else r.outcome)
        lines.append(f"| `{r.test}` | {note.replace('|', '/')} | {r.seconds:.1f} s |")
    if failed:
        causes = record.causes()
        lines += ["", f"## Failures: {len(causes)} cause{'s' if len(causes) != 1 else ''} ({len(failed)} failure{'s' if len(failed) != 1 else ''})"]
        for number, cause in enumerate(causes, 1):
            view = cause.shown
            lines += ["", f"### Cause {number}: `{'`, `'.join(cause.rules) or '(no rule named)'}`"
                      f"{f' in `{cause.operation}`' if cause.operation else ''}{f', answered {cause.status}' if cause.status else ''}", ""]
            lines.append(f"- {cause.count} failure{'s' if cause.count != 1 else ''}: " + ", ".join(f"`{test}`" for test in cause.tests))
            if view.request:
                lines.append(f"- request: `{record.reproducible(view.request)}`")
            if view.answer:
                lines += ["- the answer, as it came:", "", "  ```text", *[f"  {line}" for line in view.answer.splitlines()], "  ```"]
            if view.curl:
                lines += ["- reproduce:", "", "  ```bash"]
                if record.serve_command:
                    lines.append(f"  {record.serve_command} &   # the same spec and data, on the port the curl names")
                lines += [f"  {record.reproducible(view.curl)}", "  ```"]
            text = cause.example.text
            detail = text if len(text) < 6000 else text[:6000] + "\n… (cut; see the JUnit XML)"
            lines += ["", f"<details><summary>the whole failure of `{cause.example.test}`</summary>", "", "```text", detail, "```", "", "</details>"]
    return mask_text("\n".join(lines) + "\n")


def write_stopped_reports(markdown: Path | None, junit: Path | None, message: str, coverage: Path | None = None,
                          html: Path | None = None) -> str:
    """A run stopped by a configuration error: every report says so (never an earlier run's); returns the headline."""
    from contract_tests.reporting.junit import write_junit_error

    record = RunRecord(configuration_error=mask_text(message))
    headline = record.headline("", "", 0)
    if markdown is not None:
        write_report(markdown, render(record, None, None))
    if junit is not None:
        write_junit_error(junit, "contract configuration", headline)
    if coverage is not None:
        from mock_server.contract.coverage import write_coverage

        write_coverage(coverage, {"stopped": headline, "coverage_percent": None, "operations": []})
    if html is not None:
        from html import escape

        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Contract report: INCONCLUSIVE</title></head>'
            f'<body><h1>Contract report: INCONCLUSIVE</h1><p id="verdict">{escape(headline)}</p>'
            "<p>The run stopped before sending any request, so nothing was checked. Correct the input named above and run again.</p>"
            "</body></html>\n", encoding="utf-8")
    return headline


def write_report(path: Path, markdown: str) -> None:
    """Write the report, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
