"""Specs of the tests' own: openapi.yaml with more operations merged in (the product's spec stays one endpoint)."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from mock_server.spec import spec_path

HERE = Path(__file__).resolve().parent
MORE_OPERATIONS = HERE / "more_operations.yaml"
NEW_OPERATIONS = ("listAppointments", "getAppointmentNote", "getHealth")
WRITES = HERE / "appointment_writes.yaml"
WRITE_OPERATIONS = ("listAppointments", "createAppointment", "rescheduleAppointment", "cancelAppointment")


def spec_with_more_operations(directory: Path, base: Path | None = None) -> Path:
    """A copy of the spec (openapi.yaml, or MOCK_SPEC) with tests/specs/more_operations.yaml merged in."""
    raw = copy.deepcopy(yaml.safe_load((base or spec_path()).read_text(encoding="utf-8")))
    extra = yaml.safe_load(MORE_OPERATIONS.read_text(encoding="utf-8"))
    raw["paths"].update(extra["paths"])
    raw["components"]["schemas"].update(extra["components"]["schemas"])
    path = directory / "openapi-more-operations.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def merged(extra: dict, base: Path | None = None) -> dict:
    """openapi.yaml (or base) with a fragment's paths (method by method) and components merged in."""
    raw = copy.deepcopy(yaml.safe_load((base or spec_path()).read_text(encoding="utf-8")))
    for template, item in extra["paths"].items():
        raw["paths"].setdefault(template, {}).update(item)
    for section, entries in extra.get("components", {}).items():
        raw["components"].setdefault(section, {}).update(entries)
    return raw


def spec_with_writes(directory: Path, base: Path | None = None) -> Path:
    """A copy of the spec with tests/specs/appointment_writes.yaml merged in: book, list, reschedule, cancel."""
    raw = merged(yaml.safe_load(WRITES.read_text(encoding="utf-8")), base)
    path = directory / "openapi-writes.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
