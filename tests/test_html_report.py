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
    assert "Rules broken: data_echoes_the_appointment" in text
    assert "Reproduce: curl -sS -i" in text and "The spec documents for this operation: 200" in text
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
