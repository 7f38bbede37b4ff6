"""Client resilience options: added latency and injected documented errors, by flag and by Prefer."""

from __future__ import annotations

import time

import pytest

from mock_server import MockConfig, create_app
from mock_server.pipeline.resilience import parse_error_rate, parse_latency
from tests.conftest import ValidatingClient

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def injected_answers(spec, get_appointment):
    answers = []
    for code in ("CALCOM_API_ERROR", "INTERNAL_ERROR"):
        status = spec.status_for_code(code)
        answers += [(status, body) for body in get_appointment.responses[status].examples.values() if body["code"] == code]
    return answers


def test_prefer_latency_delays_the_answer(client, spec, token, get_appointment):
    started = time.perf_counter()
    response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": "latency=120"})
    assert response.status_code == 200 and time.perf_counter() - started >= 0.12


def test_prefer_error_rate_one_always_injects_a_documented_error(client, spec, token, get_appointment):
    for _ in range(10):
        response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": "error-rate=1"})
        assert (response.status_code, response.get_json()) in injected_answers(spec, get_appointment)


def test_error_rate_zero_and_no_prefer_change_nothing(client, spec, token, get_appointment):
    assert client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": "error-rate=0"}).status_code == 200


def test_auth_and_validation_still_come_first(client, spec, token, get_appointment):
    assert client.get(get_appointment.path_for(KNOWN), headers={"Prefer": "error-rate=1"}).status_code == spec.status_for_code("UNAUTHORIZED")
    assert client.get(get_appointment.path_for("bad id"), token=token, headers={"Prefer": "error-rate=1"}).status_code == spec.status_for_code("INVALID_REQUEST")


def test_an_explicit_code_wins_over_injection(client, spec, token, get_appointment):
    unauthorized = spec.status_for_code("UNAUTHORIZED")
    response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": f"code={unauthorized}, error-rate=1"})
    assert response.status_code == unauthorized


@pytest.mark.parametrize("prefer", ["latency=fast", "latency=500-100", "latency=99999", "error-rate=2", "error-rate=x"])
def test_malformed_resilience_preferences_are_400(client, spec, token, prefer, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": prefer})
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("INVALID_REQUEST")


def test_server_wide_flags(spec, token, get_appointment):
    app = create_app(MockConfig(log_requests=False, error_rate=1.0, latency="30-60"))
    client = ValidatingClient(app, spec)
    started = time.perf_counter()
    response = client.get(get_appointment.path_for(KNOWN), token=token)
    assert (response.status_code, response.get_json()) in injected_answers(spec, get_appointment)
    assert time.perf_counter() - started >= 0.03
    per_request = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": "error-rate=0, latency=0"})
    assert per_request.status_code == 200


@pytest.mark.parametrize("text,expected", [("250", (250, 250)), ("100-500", (100, 500)), (" 0 ", (0, 0))])
def test_parse_latency(text, expected):
    assert parse_latency(text) == expected


def test_parse_error_rate_bounds():
    assert parse_error_rate("0.25") == 0.25
    with pytest.raises(ValueError):
        parse_error_rate("-0.1")
