"""Prism-compatible response selection: `Prefer` and the `__code` / `__example` query twins."""

from __future__ import annotations

import pytest

from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def _all_examples(operation):
    return [(status, name) for status, names in operation.example_names().items() for name in names]


def test_every_documented_example_is_reachable(get_appointment):
    assert len(_all_examples(get_appointment)) >= 6


@pytest.mark.parametrize("how", ["header-both", "header-example", "query-both", "query-example"])
def test_prefer_serves_each_example_verbatim(client, spec, token, how, get_appointment):
    for status, name in _all_examples(get_appointment):
        if how == "header-both":
            response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": f"code={status}, example={name}"})
        elif how == "header-example":
            response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": f"example={name}"})
        elif how == "query-both":
            response = client.get(get_appointment.path_for(KNOWN) + f"?__code={status}&__example={name}", token=token)
        else:
            response = client.get(get_appointment.path_for(KNOWN) + f"?__example={name}", token=token)
        assert response.status_code == status, name
        assert response.get_json() == get_appointment.responses[status].examples[name]


def test_prefer_code_alone_serves_that_status_first_example(client, spec, token, get_appointment):
    for status in get_appointment.statuses:
        response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": f"code={status}"})
        assert response.status_code == status
        example = next(iter(get_appointment.responses[status].examples.values()))
        if status < 400:
            assert response.get_json() == example
        else:  # an error says it was forced: a forced 401 is not "Missing bearer token" when the token was there
            forced = f"Forced by Prefer: code={status}: the documented {status} answer, not the outcome of this request's checks"
            assert response.get_json() == {**example, "message": forced}


def test_a_forced_answer_by_the_query_says_so_too(client, token, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN) + "?__code=401", token=token)
    assert response.status_code == 401 and response.get_json()["message"].startswith("Forced by __code=401:")


def test_the_query_twin_wins_over_the_header(client, spec, token, get_appointment):
    wanted, other = spec.status_for_code("CALCOM_API_ERROR"), spec.status_for_code("INTERNAL_ERROR")
    response = client.get(get_appointment.path_for(KNOWN) + f"?__code={wanted}", token=token, headers={"Prefer": f"code={other}"})
    assert response.status_code == wanted


@pytest.mark.parametrize("prefer", ["code=418", "code=abc", "example=nope", "code=401, example=not_connected"])
def test_an_undocumented_choice_is_a_400_that_lists_what_exists(client, spec, token, prefer, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": prefer})
    body = response.get_json()
    assert (response.status_code, body["code"]) == get_appointment.outcome("INVALID_REQUEST")
    for status, name in _all_examples(get_appointment):
        assert str(status) in body["message"] and name in body["message"]


def test_authentication_failure_wins_over_prefer(client, spec, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN), headers={"Prefer": "code=200"})
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("UNAUTHORIZED")


def test_validation_failure_wins_over_prefer(client, spec, token, get_appointment):
    response = client.get(get_appointment.path_for("bad id!"), token=token, headers={"Prefer": "code=200"})
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("INVALID_REQUEST")


def test_prefer_works_for_any_valid_caller_even_without_organization(client, spec, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN), token=mint_token(None), headers={"Prefer": "example=calcom_api_error"})
    assert response.status_code == spec.status_for_code("CALCOM_API_ERROR")


def test_unrelated_prefer_values_are_ignored(client, spec, token, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN), token=token, headers={"Prefer": "return=minimal"})
    assert response.status_code == 200 and response.get_json()["data"]["appointment"]["id"] == KNOWN
