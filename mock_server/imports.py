"""Optional imports the served mock marks absent to start faster (serving/lean_imports.py), lifted on demand.

A spec that needs schemathesis (bodies derived from a schema) or openapi-core (typed parameters) needs their
own imports too (python-dotenv, anyio): the parts that import them call allow_optional_imports() first.
"""

from __future__ import annotations

import sys

UNUSED_OPTIONAL_MODULES = ("anyio", "dotenv")


def allow_optional_imports() -> None:
    """Undo the 'not installed' marks of the optional modules, so that importing them works again."""
    for name in UNUSED_OPTIONAL_MODULES:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
