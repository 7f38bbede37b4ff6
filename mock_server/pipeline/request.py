"""What a handler is given: the operation a request is for, and the request's parts the contract reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from mock_server.spec import Operation

Query = Mapping[str, list[str]]  # every value of each query parameter, in request order


@dataclass(frozen=True)
class OperationRequest:
    """One request, routed to its operation (path parameters as they arrived, not yet validated)."""

    operation: Operation
    method: str
    path_params: dict[str, str]
    query: Query
    authorization: str | None
    prefer: str | None
    environ: Mapping[str, Any] = field(default_factory=dict, repr=False)
    body: bytes = b""  # read only for operations that document a request body

    def header(self, name: str) -> str | None:
        """A request header's value (None when absent)."""
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))
