"""Specs of the tests' own: openapi.yaml with more operations merged in (the product's spec stays one endpoint)."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from mock_server.spec import spec_path

HERE = Path(__file__).resolve().parent
MORE_OPERATIONS = HERE / "more_operations.yaml"
NEW_OPERATIONS = ("listAppointments", "getAppointmentNote", "getHealth")


def spec_with_more_operations(directory: Path, base: Path | None = None) -> Path:
    """A copy of the spec (openapi.yaml, or MOCK_SPEC) with tests/specs/more_operations.yaml merged in."""
    raw = copy.deepcopy(yaml.safe_load((base or spec_path()).read_text(encoding="utf-8")))
    extra = yaml.safe_load(MORE_OPERATIONS.read_text(encoding="utf-8"))
    raw["paths"].update(extra["paths"])
    raw["components"]["schemas"].update(extra["components"]["schemas"])
    path = directory / "openapi-more-operations.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
