"""The served mock's process leaves out PyJWT's JWKS client and Granian's unused extras, and still works."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_server_process_imports_neither_the_jwks_client_nor_granians_extras():
    out = _run("""
        import sys
        from mock_server.serving.lean_imports import leave_out_unused_imports
        leave_out_unused_imports()
        import mock_server.app, mock_server.serving.granian_server
        for name in ("jwt.jwks_client", "urllib.request", "http.client", "anyio", "dotenv"):
            print(name, sys.modules.get(name) is not None)
        import granian._imports
        print("granian sees", granian._imports.anyio, granian._imports.dotenv)
    """)
    assert out.splitlines() == [
        "jwt.jwks_client False", "urllib.request False", "http.client False", "anyio False", "dotenv False",
        "granian sees None None",
    ]


def test_tokens_still_verify_and_the_jwks_client_loads_when_used():
    out = _run("""
        from mock_server.serving.lean_imports import leave_out_unused_imports
        leave_out_unused_imports()
        import jwt
        token = jwt.encode({"org_id": "org_a"}, "s" * 32, algorithm="HS256")
        print(jwt.decode(token, "s" * 32, algorithms=["HS256"]))
        client = jwt.PyJWKClient("https://keys.example/jwks.json")
        import jwt.jwks_client
        print(type(client) is jwt.jwks_client.PyJWKClient, type(client).__module__)
        from jwt import jwks_client
        print(jwks_client is jwt.jwks_client)
    """)
    assert out.splitlines() == ["{'org_id': 'org_a'}", "True jwt.jwks_client", "True"]


def test_a_process_that_imported_pyjwt_already_keeps_it_as_it_is():
    out = _run("""
        import jwt, sys
        real = jwt.PyJWKClient
        from mock_server.serving.lean_imports import leave_out_unused_imports
        leave_out_unused_imports()
        print(jwt.PyJWKClient is real, sys.modules["jwt.jwks_client"].__name__)
    """)
    assert out.splitlines() == ["True jwt.jwks_client"]
