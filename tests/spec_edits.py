"""Edits of openapi.yaml that a team makes when staging contradicts an inferred decision (the drill)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec, spec_path


def _code_enum(raw: dict[str, Any], code: str) -> list[str]:
    for schema in raw["components"]["schemas"].values():
        for part in schema.get("allOf", []):
            enum = part.get("properties", {}).get("code", {}).get("enum", [])
            if code in enum:
                return enum
    raise KeyError(code)


def move_code_to_own_status(raw: dict[str, Any], code: str, status: int, example: str) -> None:
    """Give an error code a response of its own at `status`, taking its named example along."""
    spec = load_spec(spec_path()).operation(GET_APPOINTMENT)
    old_status = str(spec.status_for_code(code))
    responses = raw["paths"][spec.path][spec.method.lower()]["responses"]
    if spec.responses[int(old_status)].codes == (code,):  # already a response of its own: it only moves
        responses[str(status)] = responses.pop(old_status)
        return
    _code_enum(raw, code).remove(code)
    schema_name = "".join(part.title() for part in code.split("_")) + "Error"
    raw["components"]["schemas"][schema_name] = {
        "allOf": [{"$ref": "#/components/schemas/ErrorEnvelope"}, {"type": "object", "properties": {"code": {"type": "string", "enum": [code]}}}]
    }
    old_examples = responses[old_status]["content"]["application/json"]["examples"]
    responses[str(status)] = {
        "description": f"{code} (moved here from {old_status} by the drill)",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}, "examples": {example: old_examples.pop(example)}}},
    }


def move_status(raw: dict[str, Any], old: int, new: int) -> None:
    """Answer with `new` where the spec said `old` (same codes, same examples)."""
    spec = load_spec(spec_path()).operation(GET_APPOINTMENT)
    responses = raw["paths"][spec.path][spec.method.lower()]["responses"]
    responses[str(new)] = responses.pop(str(old))


def drill_statuses() -> dict[str, int]:
    """Where the drill moves the two codes: statuses the spec under test gives neither them nor any other response
    (409 and 503 for openapi.yaml; others for a spec that already says those)."""
    operation = load_spec(spec_path()).operation(GET_APPOINTMENT)
    chosen: dict[str, int] = {}
    for code, options in (("NOT_CONNECTED", (409, 422, 424, 412)), ("CALCOM_API_ERROR", (503, 504, 507, 424))):
        chosen[code] = next(s for s in options if s != operation.status_for_code(code) and s not in operation.responses
                            and s not in chosen.values())
    return chosen


def drilled_spec(directory: Path) -> Path:
    """openapi.yaml with NOT_CONNECTED moved to its own response and CALCOM_API_ERROR to another status (drill_statuses)."""
    raw = copy.deepcopy(yaml.safe_load(spec_path().read_text(encoding="utf-8")))
    statuses = drill_statuses()
    move_code_to_own_status(raw, "NOT_CONNECTED", statuses["NOT_CONNECTED"], "not_connected")
    move_status(raw, load_spec(spec_path()).status_for_code("CALCOM_API_ERROR"), statuses["CALCOM_API_ERROR"])
    path = directory / "openapi.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
