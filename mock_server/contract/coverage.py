"""Coverage: which documented responses, examples and parameters a run (or a proxy) actually exercised.

Computed as Specmatic computes API coverage: covered over eligible, where a response a correct server must never
give (the internal error) is listed apart, not counted as missing. The layout of the JSON file is documented in
docs/contract-suite.md ("Coverage"), for CI dashboards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.routing import Match, Routes
from mock_server.schemas import draft4_validator
from mock_server.spec import ApiSpec, Operation, Parameter


def _typed(parameter: Parameter, raw: str) -> Any:
    """The value as its schema's type reads it (None: it cannot be that type)."""
    kind = parameter.schema.get("type", "string")
    if kind == "integer":
        return int(raw) if re.fullmatch(r"-?[0-9]+", raw) else None
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower())
    return raw


@dataclass
class CoverageLog:
    """What the answers of a run exercised: examples seen, parameters sent valid and invalid, per operation."""

    spec: ApiSpec
    examples_seen: set[tuple[str, str]] = field(default_factory=set)
    parameters: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)  # (op, name, in) -> [valid, invalid]
    _routes: Routes | None = None
    _validators: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    def record(self, method: str, path: str, query: dict[str, list[str]], status: int, body: Any) -> None:
        """Look at one request and its answer."""
        if self._routes is None:
            self._routes = Routes(self.spec.operations.values())
        found = self._routes.match(method.upper(), path)
        if not isinstance(found, Match):
            return
        operation = found.operation
        response = operation.responses.get(status)
        if response is not None and body is not None:
            for name, example in response.examples.items():
                if example == body:
                    self.examples_seen.add((operation.operation_id, name))
        for parameter in operation.parameters:
            values = [found.path_params.get(parameter.name)] if parameter.location == "path" else query.get(parameter.name, [])
            for raw in values:
                if raw is None:
                    continue
                self.parameters.setdefault((operation.operation_id, parameter.name, parameter.location), [0, 0])[0 if self._valid(operation, parameter, raw) else 1] += 1

    def _valid(self, operation: Operation, parameter: Parameter, raw: str) -> bool:
        key = (operation.operation_id, parameter.name, parameter.location)
        if key not in self._validators:
            self._validators[key] = draft4_validator(parameter.schema)
        value = _typed(parameter, raw)
        return value is not None and bool(self._validators[key].is_valid(value))


def coverage_report(spec: ApiSpec, outcomes: dict[tuple[str | None, int, str | None], int], log: CoverageLog | None,
                    minimum: float | None = None) -> dict[str, Any]:
    """The coverage of a run as JSON-ready data (layout: docs/contract-suite.md, "Coverage")."""
    internal = spec.internal_error_code
    operations = []
    covered = eligible = 0
    for op in spec.operations.values():
        responses = []
        documented: set[tuple[int, str | None]] = set()
        for status in op.statuses:
            for code in op.responses[status].codes or (None,):
                documented.add((status, code))
                observed = outcomes.get((op.operation_id, status, code), 0)
                is_eligible = not (code is not None and code == internal)
                state = "covered" if observed else ("not tested" if is_eligible else "not eligible: a correct server never answers it")
                responses.append({"status": status, "code": code, "observed": observed, "eligible": is_eligible, "state": state})
                if is_eligible:
                    eligible += 1
                    covered += bool(observed)
        undocumented = [
            {"status": status, "code": code, "observed": count}
            for (operation_id, status, code), count in sorted(outcomes.items(), key=lambda item: (item[0][1], str(item[0][2])))
            if operation_id == op.operation_id and (status, code) not in documented
        ]
        examples = [
            {"name": name, "status": status, "seen": log is not None and (op.operation_id, name) in log.examples_seen}
            for status in op.statuses for name in op.responses[status].examples
        ]
        parameters = []
        for parameter in op.parameters:
            valid, invalid = (log.parameters.get((op.operation_id, parameter.name, parameter.location), [0, 0]) if log else [0, 0])
            parameters.append({"name": parameter.name, "in": parameter.location, "valid_sent": valid, "invalid_sent": invalid})
        operations.append({
            "operation_id": op.operation_id, "method": op.method, "path": op.path,
            "responses": responses, "undocumented": undocumented, "examples": examples, "parameters": parameters,
        })
    percent = round(100 * covered / eligible, 1) if eligible else 100.0
    return {
        "spec": spec.path.name, "sha256": spec.sha256, "coverage_percent": percent, "covered": covered, "eligible": eligible,
        "minimum": minimum, "meets_minimum": minimum is None or percent >= minimum, "operations": operations,
        "outside_the_spec": sum(n for (operation_id, _s, _c), n in outcomes.items() if operation_id is None),
    }


def write_coverage(path: Any, report: dict[str, Any]) -> None:
    """Write the coverage file, creating its folder."""
    from pathlib import Path

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
