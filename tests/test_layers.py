"""Layers only look down: the product never imports its test suite, and each layer of the mock imports only those below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mock_server"
# layer -> the packages of mock_server it must not import (what stands above it)
FORBIDDEN = {
    "pipeline": ("mock_server.serving", "mock_server.admin", "mock_server.app", "mock_server.profiles.ravan.faults", "mock_server.handlers"),
    "data": ("mock_server.pipeline", "mock_server.serving", "mock_server.admin", "mock_server.app", "mock_server.handlers"),
    "serving": ("mock_server.admin", "mock_server.app", "mock_server.profiles.ravan.faults"),
    "contract": ("mock_server.serving", "mock_server.admin", "mock_server.app", "mock_server.pipeline"),
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_product_never_imports_the_test_suite():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m.split(".")[0] in ("contract_tests", "tests"))
                 for p in PACKAGE.rglob("*.py")}
    assert not {k: v for k, v in offenders.items() if v}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    offenders = {}
    for path in (PACKAGE / layer).rglob("*.py"):
        above = sorted(m for m in imported_modules(path) if m.startswith(FORBIDDEN[layer]))
        if above:
            offenders[str(path.relative_to(ROOT))] = above
    assert not offenders, offenders
