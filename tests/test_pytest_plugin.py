"""The `ravan_mock` fixture, as a client project uses it: a pytest run of its own, in another folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CLIENT_TESTS = '''
import json
import time
import urllib.error
import urllib.request

PATH = "/api/v1/calcom/appointments/"


def get(mock, uid, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(mock.url + PATH + uid, headers=headers), timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_1_data_set_up_at_run_time(ravan_mock):
    booking = ravan_mock.add_appointment(organization_id="org_brand_new", status="rejected")
    status, body = get(ravan_mock, booking["id"], ravan_mock.token(org="org_brand_new"))
    assert status == 200 and json.loads(body)["data"]["appointment"]["status"] == "rejected"
    ravan_mock.remove_appointment(booking["id"])
    assert get(ravan_mock, booking["id"], ravan_mock.token(org="org_brand_new"))[0] == 502


def test_2_each_test_starts_clean(ravan_mock):
    assert ravan_mock.requests() == []
    assert get(ravan_mock, "kko1gv8tFZe8JjpCpct5tG", ravan_mock.token(no_org=True))[0] == 400
    assert get(ravan_mock, "kko1gv8tFZe8JjpCpct5tG", ravan_mock.token(expires_in=-10))[0] == 401
    assert [(r["status"], r["code"]) for r in ravan_mock.requests()] == [(400, "INVALID_REQUEST"), (401, "UNAUTHORIZED")]


def test_3_a_fault_for_one_test(ravan_mock):
    ravan_mock.fault("content_type_text_plain")
    with urllib.request.urlopen(urllib.request.Request(ravan_mock.url + PATH + "kko1gv8tFZe8JjpCpct5tG",
                                headers={"Authorization": f"Bearer {ravan_mock.token()}"})) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain")


def test_4_latency_for_one_test(ravan_mock):
    ravan_mock.latency(300)
    started = time.monotonic()
    assert get(ravan_mock, "kko1gv8tFZe8JjpCpct5tG", ravan_mock.token())[0] == 200
    assert time.monotonic() - started >= 0.3


def test_5_and_gone_again(ravan_mock):
    started = time.monotonic()
    status, _ = get(ravan_mock, "kko1gv8tFZe8JjpCpct5tG", ravan_mock.token())
    assert status == 200 and time.monotonic() - started < 0.3
'''


def test_a_client_projects_tests_use_the_fixture(tmp_path: Path):
    (tmp_path / "test_client.py").write_text(textwrap.dedent(CLIENT_TESTS), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_client.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "5 passed" in result.stdout
