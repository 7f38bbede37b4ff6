"""JWT checks: every bad token is 401 UNAUTHORIZED, with the envelope and a bearer challenge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.config import DEV_JWT_SECRET
from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(claims: dict, alg: str = "none") -> str:
    return f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}."


def _hmac_signed(claims: dict, header_alg: str, secret: str) -> str:
    """An HS256 signature under a header that claims another algorithm (algorithm confusion)."""
    signing_input = f"{_b64({'alg': header_alg, 'typ': 'JWT'})}.{_b64(claims)}"
    digest = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


NOW = int(time.time())
GOOD_CLAIMS = {"sub": "u", "org_id": "org_sunrise_dental", "iat": NOW, "exp": NOW + 3600}

BAD_HEADERS = {
    "missing": None,
    "empty": "",
    "bearer alone": "Bearer",
    "bearer and spaces": "Bearer    ",
    "basic scheme": "Basic dXNlcjpwYXNz",
    "token without scheme": mint_token(),
    "garbage": "Bearer not-a-jwt",
    "two parts": "Bearer abc.def",
    "not base64url": "Bearer ###.$$$.%%%",
    "alg none": "Bearer " + _unsigned(GOOD_CLAIMS),
    "alg None capitalised": "Bearer " + _unsigned(GOOD_CLAIMS, "None"),
    "wrong secret": "Bearer " + jwt.encode(GOOD_CLAIMS, "another-secret-that-is-long-enough-32b", algorithm="HS256"),
    "expired": "Bearer " + mint_token(expires_in=-60),
    "not yet valid": "Bearer " + jwt.encode({**GOOD_CLAIMS, "nbf": NOW + 3600}, DEV_JWT_SECRET, algorithm="HS256"),
    "no exp": "Bearer " + jwt.encode({"sub": "u", "org_id": "org_sunrise_dental"}, DEV_JWT_SECRET, algorithm="HS256"),
    "exp as string": "Bearer " + jwt.encode({**GOOD_CLAIMS, "exp": "tomorrow"}, DEV_JWT_SECRET, algorithm="HS256"),
    "HS512 not HS256": "Bearer " + jwt.encode(GOOD_CLAIMS, DEV_JWT_SECRET + "-padding-for-hs512-keys-xxxxxxxxxx", algorithm="HS512"),
    "org claim a number": "Bearer " + jwt.encode({**GOOD_CLAIMS, "org_id": 42}, DEV_JWT_SECRET, algorithm="HS256"),
    "org claim a list": "Bearer " + jwt.encode({**GOOD_CLAIMS, "org_id": ["a"]}, DEV_JWT_SECRET, algorithm="HS256"),
    "empty secret": "Bearer " + _hmac_signed(GOOD_CLAIMS, "HS256", ""),
    "RS256 header, HS256 signature with the secret": "Bearer " + _hmac_signed(GOOD_CLAIMS, "RS256", DEV_JWT_SECRET),
    "ES256 header, HS256 signature with the secret": "Bearer " + _hmac_signed(GOOD_CLAIMS, "ES256", DEV_JWT_SECRET),
    "nbf in the future by a day": "Bearer " + _hmac_signed({**GOOD_CLAIMS, "nbf": NOW + 86400}, "HS256", DEV_JWT_SECRET),
    "exp in the past": "Bearer " + _hmac_signed({**GOOD_CLAIMS, "exp": NOW - 10}, "HS256", DEV_JWT_SECRET),
    "org claim an object": "Bearer " + jwt.encode({**GOOD_CLAIMS, "org_id": {"id": "org_sunrise_dental"}}, DEV_JWT_SECRET, algorithm="HS256"),
    "parts not base64url": "Bearer " + "e30.e30.@@@",
    "header not JSON": "Bearer " + base64.urlsafe_b64encode(b"not json").decode().rstrip("=") + "." + _b64(GOOD_CLAIMS) + ".sig",
    "org claim malformed": "Bearer " + jwt.encode({**GOOD_CLAIMS, "org_id": "a b"}, DEV_JWT_SECRET, algorithm="HS256"),
}


@pytest.mark.parametrize("header", list(BAD_HEADERS.values()), ids=list(BAD_HEADERS))
def test_bad_tokens_are_unauthorized(client, spec, header, get_appointment):
    headers = {} if header is None else {"Authorization": header}
    response = client.get(get_appointment.path_for(KNOWN), headers=headers)
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("UNAUTHORIZED")
    no_credentials = header is None or not header.strip()
    expected = 'Bearer realm="ravan"' + ("" if no_credentials else ', error="invalid_token"')
    assert response.headers["WWW-Authenticate"] == expected  # RFC 6750 3.1: no error code without credentials


def test_the_hmac_helper_makes_tokens_the_mock_accepts(client, spec, get_appointment):
    """So the confusion cases above fail for their header, not for a broken signature."""
    response = client.get(get_appointment.path_for(KNOWN), headers={"Authorization": "Bearer " + _hmac_signed(GOOD_CLAIMS, "HS256", DEV_JWT_SECRET)})
    assert response.status_code == 200


def test_a_tampered_signature_is_unauthorized(client, spec, token, get_appointment):
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    response = client.get(get_appointment.path_for(KNOWN), token=tampered)
    assert response.status_code == 401


def test_lowercase_bearer_scheme_is_accepted(client, spec, token, get_appointment):
    response = client.get(get_appointment.path_for(KNOWN), headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


@given(st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=60))
def test_arbitrary_bearer_text_never_passes(client, spec, get_appointment, text):
    header = f"Bearer {text}"
    response = client.get(get_appointment.path_for(KNOWN), headers={"Authorization": header})
    assert (response.status_code, response.get_json()["code"]) == get_appointment.outcome("UNAUTHORIZED")


def test_messages_never_echo_the_token(client, spec, get_appointment):
    for header in BAD_HEADERS.values():
        if header and len(header) > 20:
            response = client.get(get_appointment.path_for(KNOWN), headers={"Authorization": header})
            assert header.split()[-1] not in response.get_data(as_text=True)
