"""The served mock's process leaves out optional imports it never uses: about 6 ms of a 100 ms start.

- PyJWT's package imports its JWKS client (urllib.request, http.client, email...) whatever the algorithm.
  The mock verifies HS256 tokens with a shared secret and never fetches keys: `jwt.PyJWKClient` is a
  stand-in that imports the real client the first time it is built.
- Granian imports anyio and python-dotenv when they are installed (here the test tools bring them), for
  its ASGI interface and its env files. The mock serves WSGI and reads no env files: in this process
  they are treated as not installed, as in an install of the mock without the test tools.

Only `python -m mock_server` (serving) calls this, in its own process. The tests, the contract suite and
code that embeds the mock import these libraries unchanged.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from mock_server.imports import UNUSED_OPTIONAL_MODULES


class _DeferredJwksClient:
    """Stands in for jwt.PyJWKClient: building one imports and builds the real client."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        from jwt.jwks_client import PyJWKClient

        return PyJWKClient(*args, **kwargs)


def leave_out_unused_imports() -> None:
    """Import PyJWT without its JWKS client, and mark Granian's unused optional imports as absent."""
    for name in UNUSED_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: `import name` raises ImportError
    if "jwt" in sys.modules:
        return
    stand_in = types.ModuleType("jwt.jwks_client", "Stand-in while PyJWT's package is imported.")
    stand_in.PyJWKClient = _DeferredJwksClient  # type: ignore[attr-defined]
    sys.modules["jwt.jwks_client"] = stand_in
    try:
        import jwt
    finally:
        del sys.modules["jwt.jwks_client"]
    if getattr(jwt, "jwks_client", None) is stand_in:
        del jwt.jwks_client  # `import jwt.jwks_client` and `from jwt import jwks_client` load the real module
