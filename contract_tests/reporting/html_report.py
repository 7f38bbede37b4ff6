"""reports/contract-report.html: one self-contained page a release manager would rather look at (no network at view time).

The verdict and the target first; each violation with its rule, the request as a `curl` (token masked), the answer
and what the spec documents; the coverage matrix coloured by state; the drift; the run's facts. Rendered with
Jinja2 (autoescaped), from the same record as the Markdown report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jinja2 import Environment

from urllib.parse import unquote, urlsplit

from contract_tests.inputs.settings import ContractSettings
from contract_tests.reporting.verdict import RunRecord
from mock_server.contract.masking import mask_text
from mock_server.spec import ApiSpec


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contract report: {{ word }}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #1b1f24; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.verdict { padding: .8em 1em; border-radius: 6px; font-weight: 600; }
.GREEN { background: #dcf5e3; color: #0b5d26; } .RED { background: #fde2e1; color: #8e1b17; } .INCONCLUSIVE { background: #fff2cc; color: #7a5300; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
td.covered { background: #dcf5e3; } td.not-tested { background: #fff2cc; } td.not-eligible { background: #eee; color: #555; } td.undocumented { background: #fde2e1; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; } pre { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
</style></head>
<body>
<h1>Contract report: {{ word }}</h1>
<p class="verdict {{ word }}" id="verdict">{{ headline }}</p>
{% if details %}<ul>{% for line in details %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
<p>Target <code>{{ target }}</code>, spec <code>{{ spec_name }}</code> v{{ spec_version }}. Exit status {{ exit_status }}.</p>

<h2 id="violations">Violations{% if violations %}: {{ violations|length }} cause{{ "s" if violations|length != 1 }} ({{ failures }} failure{{ "s" if failures != 1 }}){% endif %}</h2>
{% if violations %}{% for v in violations %}
<section class="cause">
<h3>Cause {{ loop.index }}: {% for rule in v.rules %}<code>{{ rule }}</code>{% if not loop.last %}, {% endif %}{% else %}(no rule named){% endfor %}{% if v.operation %} in <code>{{ v.operation }}</code>{% endif %}</h3>
<p class="count">{{ v.count }} failure{{ "s" if v.count != 1 }}: {% for test in v.tests %}<code>{{ test }}</code>{% if not loop.last %}, {% endif %}{% endfor %}</p>
{% if v.request %}<p>Request: <code>{{ v.request }}</code> answered <strong>{{ v.status }}</strong></p>{% endif %}
{% if v.answer %}<p>The answer, as it came:</p><pre class="answer">{{ v.answer }}</pre>{% endif %}
{% if v.documented %}<p>The spec documents for this operation: {{ v.documented }}</p>{% endif %}
{% if v.curl %}<p>Reproduce:</p><pre class="curl">{% if serve %}{{ serve }} &amp;   # the same spec and data, on the port the curl names
{% endif %}{{ v.curl }}</pre>{% endif %}
<details><summary>The whole failure of <code>{{ v.example }}</code></summary><pre>{{ v.text }}</pre></details>
</section>
{% endfor %}{% else %}<p>None.</p>{% endif %}

<h2>Coverage</h2>
{% if coverage %}<p id="coverage">{{ coverage.coverage_percent }}% of the documented responses ({{ coverage.covered }} of {{ coverage.eligible }} eligible){% if coverage.minimum is not none %}, minimum {{ coverage.minimum }}%{% endif %}.</p>
<table><tr><th>operation</th><th>status</th><th>code</th><th>answers</th><th>state</th></tr>
{% for op in coverage.operations %}{% for r in op.responses %}<tr><td><code>{{ op.operation_id }}</code> {{ op.method }} <code>{{ op.path }}</code></td><td>{{ r.status }}</td><td>{{ r.code or "" }}</td><td>{{ r.observed }}</td><td class="{{ 'covered' if r.observed else ('not-tested' if r.eligible else 'not-eligible') }}">{{ r.state }}</td></tr>
{% endfor %}{% for u in op.undocumented %}<tr><td><code>{{ op.operation_id }}</code></td><td>{{ u.status }}</td><td>{{ u.code or "" }}</td><td>{{ u.observed }}</td><td class="undocumented">not documented</td></tr>
{% endfor %}{% endfor %}</table>{% else %}<p>Not measured.</p>{% endif %}

<h2>Drift</h2>
{% if drift %}<ul id="drift">{% for line in drift %}<li>{{ line }}</li>{% endfor %}</ul>{% else %}<p id="drift">No drift: every answer carried only what the spec documents.</p>{% endif %}

{% if writes or refusals %}<h2>Writes</h2>
{% if writes %}<p id="writes">What the run created on the target: {{ writes }}.</p>{% endif %}
{% if refusals %}<p>Schema-valid bodies the target refused as invalid input (the schema admits what the server refuses):</p>
<ul id="refusals">{% for line in refusals %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}{% endif %}

<h2>Run</h2>
<table>
<tr><th>seed</th><td>{{ seed }} (reproduce with <code>CONTRACT_SEED={{ seed }}</code>)</td></tr>
<tr><th>spec</th><td><code>{{ spec_name }}</code> sha256 <code>{{ spec_sha }}</code></td></tr>
<tr><th>started</th><td>{{ started }}, {{ duration }} s</td></tr>
<tr><th>requests</th><td>{{ sent }} (by status: {{ statuses }})</td></tr>
</table>
</body></html>
"""


def _violations(record: RunRecord, spec: ApiSpec) -> list[dict[str, Any]]:
    """One entry per cause: its rules, operation, failures, one request and answer as it came, and a curl."""
    from mock_server.contract.rules import operation_for

    found = []
    for cause in record.causes():
        view = cause.shown
        documented = ""
        if view.request:
            method, _, url = view.request.partition(" ")
            operation = operation_for(method, unquote(urlsplit(url).path))
            if operation is not None:
                documented = ", ".join(
                    f"{status}" + (f" ({', '.join(operation.responses[status].codes)})" if operation.responses[status].codes else "")
                    for status in operation.statuses
                )
        found.append({
            "rules": cause.rules, "operation": cause.operation, "count": cause.count, "tests": cause.tests,
            "example": cause.example.test, "text": cause.example.text[:8000], "request": record.reproducible(view.request),
            "status": view.status, "answer": view.answer, "curl": record.reproducible(view.curl), "documented": documented,
        })
    return found


def render_html(record: RunRecord, settings: ContractSettings, spec: ApiSpec) -> str:
    """The report as one HTML page, every value escaped and masked."""
    verdict = record.verdict()
    target = settings.base_url or "the embedded mock"
    page = Environment(autoescape=True).from_string(TEMPLATE).render(
        word=verdict.word, headline=record.headline(target, spec.path.name, settings.seed),
        details=[line.strip() for line in record.detail_lines()], target=target, spec_name=spec.path.name,
        spec_version=spec.version, spec_sha=spec.sha256, exit_status=verdict.exit_status,
        violations=_violations(record, spec), failures=len(record.failed), serve=record.serve_command, coverage=record.coverage, drift=record.drift, writes=record.writes, refusals=record.refusals, seed=settings.seed,
        started=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(record.started)), duration=f"{time.time() - record.started:.0f}",
        sent=record.sent, statuses=", ".join(f"{s}: {n}" for s, n in sorted(record.statuses.items())) or "none",
    )
    return mask_text(page)


def write_html(path: Path, page: str) -> None:
    """Write the page, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
