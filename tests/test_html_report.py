"""reports/contract-report.html, as a person sees it: rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")


def visible_text(page: Path) -> str:
    """The page's text as Chromium renders it (its DOM after loading, tags stripped)."""
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


@needs_chromium
def test_a_red_report_shows_the_verdict_the_violation_the_coverage_and_the_drift(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    env = {**clean, "CONTRACT_MOCK_ARGS": "--workers 1 --fault org_id_echo_mismatch", "CONTRACT_SEED": "4", "CONTRACT_MAX_EXAMPLES": "8"}
    result = subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(tmp_path), "-x"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stdout[-2000:]
    page = tmp_path / "contract-report.html"
    assert "http://" not in page.read_text().split("<body>")[0]  # nothing to fetch at view time: one self-contained file
    text = visible_text(page)
    assert "Contract report: RED" in text and "RED: the embedded mock breaks the contract of openapi.yaml" in text
    assert "Cause 1: data_echoes_the_appointment in getAppointment" in text and "1 failure:" in text
    assert "The answer, as it came: HTTP 200 OK content-type: application/json" in text
    assert "Reproduce: python -m mock_server --spec openapi.yaml --port 4010 --workers 1 --fault org_id_echo_mismatch" in text
    assert "curl -sS -i http://127.0.0.1:4010/api/v1/calcom/appointments/" in text  # the port the command serves on
    assert "The spec documents for this operation: 200" in text
    assert "Coverage" in text and "not eligible: a correct server never answers it" in text
    assert "No drift" in text and "CONTRACT_SEED=4" in text
    token_piece = mint_token()[-12:]  # a fresh token's signature: never in any report
    assert token_piece not in page.read_text()


@needs_chromium
def test_the_page_is_a_picture_a_person_can_read(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(tmp_path)], cwd=ROOT,
                   env={**clean, "CONTRACT_SEED": "4", "CONTRACT_MAX_EXAMPLES": "5"}, capture_output=True, text=True, timeout=600)
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}", "--window-size=1200,900",
                    (tmp_path / "contract-report.html").as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000  # a rendered page, not a blank one
    assert "GREEN: the embedded mock honours openapi.yaml" in visible_text(tmp_path / "contract-report.html")


@needs_chromium
def test_a_server_that_echoes_tokens_is_one_cause_with_an_answer_and_a_curl_that_runs(tmp_path):
    from mock_server.config import DEV_JWT_SECRET
    from mock_server.serving.launcher import MockProcess

    token = mint_token()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    with MockProcess("--quiet", "--workers", "1", "--fault", "token_echoed_in_error") as server:
        env = {**clean, "CONTRACT_BASE_URL": server.base_url, "CONTRACT_TOKEN": token, "CONTRACT_JWT_SECRET": DEV_JWT_SECRET,
               "CONTRACT_APPOINTMENT_ID": "kko1gv8tFZe8JjpCpct5tG", "CONTRACT_RATE_LIMIT": "0", "CONTRACT_SEED": "4",
               "CONTRACT_MAX_EXAMPLES": "8"}
        result = subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(tmp_path)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        output = result.stdout + result.stderr
        assert result.returncode == 1, output[-3000:]
        page = tmp_path / "contract-report.html"
        text = visible_text(page)
        failures = int(__import__("re").search(r"RED: .* \(seed 4\): 1 cause \((\d+) failures\)", text).group(1))
        assert failures >= 5  # one problem with one fix: every refused token of every test, one cause
        assert "Cause 1: token_is_not_echoed in getAppointment" in text and "Cause 2" not in text
        html = page.read_text()
        assert '{\n  &#34;success&#34;: false,\n  &#34;message&#34;: &#34;invalid token' in html  # pretty-printed, as it came
        curl = __import__("html").unescape(__import__("re").search(r'<pre class="curl">([^<]*)</pre>', html).group(1)).strip()
        assert "$CONTRACT_TOKEN" in curl or "$(python -m contract_tests.tokens" in curl, curl
        venv = str(Path(sys.executable).parent)
        shell = {**clean, "PATH": f"{venv}:{os.environ['PATH']}", "CONTRACT_TOKEN": token, "CONTRACT_JWT_SECRET": DEV_JWT_SECRET}
        again = subprocess.run(["bash", "-c", curl], cwd=ROOT, env=shell, capture_output=True, text=True, timeout=60)
        assert again.stdout.startswith("HTTP/1.1 401"), again.stdout[:500] + again.stderr[:500]
    shown = output + "".join(path.read_text() for path in tmp_path.iterdir() if path.is_file())
    for secret in (token, DEV_JWT_SECRET):
        assert not any(secret[i:i + 12] in shown for i in range(len(secret) - 11)), "a piece of a secret was printed"
