"""What the answers of a run (the suite's session) or of a proxy showed: outcomes, drift and coverage, in one place."""

from __future__ import annotations

import threading
from typing import Any

from mock_server.contract.coverage import CoverageLog, coverage_report
from mock_server.contract.drift import DriftLog
from mock_server.routing import Match, Routes
from mock_server.spec import ApiSpec


class Observations:
    """Counts each answer by (operationId, status, code), and feeds the drift and coverage logs."""

    def __init__(self, spec: ApiSpec):
        self.spec = spec
        self.routes = Routes(spec.operations.values())
        self.outcomes: dict[tuple[str | None, int, str | None], int] = {}
        self.drift = DriftLog()
        self.coverage = CoverageLog(spec)
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: dict[str, list[str]], status: int, headers: dict[str, str], body: Any) -> None:
        """One answer: `body` is its parsed JSON (None when it is not JSON: a violation, never drift)."""
        found = self.routes.match(method.upper(), path)
        operation = found.operation if isinstance(found, Match) else None
        code = body.get("code") if status >= 300 and isinstance(body, dict) and isinstance(body.get("code"), str) else None
        key = (operation.operation_id if operation is not None else None, status, code)
        with self._lock:
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
            self.coverage.record(method, path, query, status, body)
            documented = operation.responses.get(status) if operation is not None else None
            if operation is not None and documented is not None and body is not None:
                declared = operation.raw.get("responses", {}).get(str(status), {}).get("headers", {})
                self.drift.record(operation.operation_id, status, documented.schema, body, headers, {h.lower() for h in declared})

    def summary(self) -> dict[str, Any]:
        """The drift items and the coverage, as JSON-ready data."""
        with self._lock:
            drift = [vars(item) for item in sorted(self.drift.items.values(), key=lambda i: (i.operation_id, i.status, i.kind, i.name))]
            return {"drift": drift, "coverage": coverage_report(self.spec, dict(self.outcomes), self.coverage)}
