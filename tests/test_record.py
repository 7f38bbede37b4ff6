"""`python -m mock_server record`: real bookings, checked against the spec, anonymized, served again."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml

from mock_server.admin.record import Anonymizer, check_answer
from mock_server.serving.launcher import MockProcess
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
KNOWN = ["kko1gv8tFZe8JjpCpct5tG", "3sDv9hRkTq2nWbXe7UcY4p"]
TWIN = {  # a second booking of Alex Morgan, to see the same contact get the same fake
    "id": "secondAlexBooking0001", "organization_id": "org_sunrise_dental", "ghl_appointment_id": "", "contact_id": "ct_5Yp2Wn7Qa",
    "agent_id": "agent_maya", "agent_name": "Maya (front desk)", "contact_name": "Alex Morgan", "contact_email": "alex@example.com",
    "contact_phone": "+14155550100", "appointment_time": "2026-04-01T09:00:00Z", "end_time": "2026-04-01T09:30:00Z", "status": "pending",
}


def _get(base_url: str, uid: str, token: str) -> dict:
    request = urllib.request.Request(f"{base_url}/api/v1/calcom/appointments/{uid}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["data"]["appointment"]


def test_recorded_bookings_are_anonymized_consistently_and_served(tmp_path):
    token = mint_token("org_sunrise_dental")
    output = tmp_path / "recorded.yaml"
    with MockProcess("--workers", "1", "--quiet") as upstream:
        request = urllib.request.Request(f"{upstream.base_url}/__mock/appointments", data=json.dumps(TWIN).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()
        originals = {uid: _get(upstream.base_url, uid, token) for uid in [*KNOWN, TWIN["id"]]}
        ids = [arg for uid in [*KNOWN, TWIN["id"], "9xQmR4tLwZ8cVb2Nf6Hj3k", "not a uid!"] for arg in ("--id", uid)]
        result = subprocess.run([sys.executable, "-m", "mock_server", "record", "--upstream", upstream.base_url, "--token", token,
                                 "--rate-limit", "0", "--output", str(output), *ids], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr  # two of five skipped
    assert "skipped 9xQmR4tLwZ8cVb2Nf6Hj3k: answered 502 CALCOM_API_ERROR" in result.stderr
    assert "skipped not a uid!: answered 400 INVALID_REQUEST" in result.stderr
    assert "wrote" in result.stderr and token not in result.stderr + result.stdout
    data = yaml.safe_load(output.read_text())
    assert [a["id"] for org in data["organizations"] for a in org["appointments"]] == [*KNOWN, TWIN["id"]]

    with MockProcess("--workers", "1", "--quiet", "--fixtures", str(output)) as replay:
        served = {uid: _get(replay.base_url, uid, token) for uid in originals}
    for uid, original in originals.items():
        for kept in ("id", "organization_id", "ghl_appointment_id", "contact_id", "agent_id", "agent_name", "appointment_time", "end_time", "status"):
            assert served[uid][kept] == original[kept], kept
        for personal in ("contact_name", "contact_email", "contact_phone"):
            assert served[uid][personal] != original[personal] or original[personal] == ""
    alex, twin = served[KNOWN[0]], served[TWIN["id"]]
    assert (alex["contact_name"], alex["contact_email"], alex["contact_phone"]) == (twin["contact_name"], twin["contact_email"], twin["contact_phone"])
    assert served[KNOWN[1]]["contact_phone"] == ""  # empty stays empty


def test_the_fakes_are_valid_and_differ_between_recordings():
    first, second = Anonymizer(), Anonymizer()
    fakes = {first.fake("contact_email", f"person{n}@example.org") for n in range(200)}
    assert len(fakes) > 150 and all(f.endswith("@example.com") and "@" in f for f in fakes)
    phone = first.fake("contact_phone", "+14155550100")
    assert phone.startswith("+1") and len(phone) == 12 and phone[5:10] == "55501"
    assert first.fake("contact_name", "Alex Morgan") == first.fake("contact_name", "Alex Morgan")
    assert any(first.fake("contact_name", f"n{n}") != second.fake("contact_name", f"n{n}") for n in range(5))


def test_a_non_conforming_200_is_skipped(spec, get_appointment):
    body = json.loads(json.dumps(get_appointment.example("appointment_retrieved")[1]))
    body["data"]["appointment"]["contact_phone"] = "555-0100"
    appointment, problem = check_answer(spec, "kko1gv8tFZe8JjpCpct5tG", 200, "application/json", json.dumps(body).encode())
    assert appointment is None and "contact_phone" in problem
    assert check_answer(spec, "other", 200, "application/json", json.dumps(get_appointment.example("appointment_retrieved")[1]).encode())[0] is None
    assert check_answer(spec, "x", 200, "text/html", b"<html>")[1].startswith("answered 200 as text/html")


def test_a_bad_upstream_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "mock_server", "record", "--upstream", "staging", "--token", "t", "--id", "x"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--upstream must be an http(s) URL" in result.stderr
