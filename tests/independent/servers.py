"""The independent implementations as processes on free ports, with the inputs a live run gets for them."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from mock_server.serving.launcher import ServerProcess
from mock_server.spec import load_spec

HERE = Path(__file__).resolve().parent
# Long enough for PyJWT's HS256 key-length advice; a test secret, not a real one.
SECRET = "independent-servers-test-secret-0123456789"
DATA = {
    "org": "org_alpha_clinic",
    "appointment_id": "Booking01AlphaAccepted",
    "not_connected_org": "org_gamma_spa",
    "other_org": "org_beta_dental",
    "other_appointment_id": "Booking03BetaCancelled",
}


class StarletteServer(ServerProcess):
    """tests/independent/starlette_server.py under uvicorn."""

    name = "starlette-uvicorn"

    def command(self) -> list[str]:
        """uvicorn on self.host:self.port."""
        return [sys.executable, "-m", "uvicorn", "tests.independent.starlette_server:app", "--host", self.host, "--port", str(self.port), "--log-level", "warning"]


class NodeServer(ServerProcess):
    """tests/independent/node_server.mjs on Node's http module."""

    name = "node-http"

    def command(self) -> list[str]:
        """node node_server.mjs, told its port through the environment."""
        self.env.update(HOST=self.host, PORT=str(self.port))
        return [shutil.which("node") or "node", str(HERE / "node_server.mjs")]


class FlaskGunicornServer(ServerProcess):
    """tests/independent/flask_server.py under plain gunicorn (its own error pages)."""

    name = "flask-gunicorn"

    def command(self) -> list[str]:
        """gunicorn with its defaults, bound to self.host:self.port."""
        return [sys.executable, "-m", "gunicorn", "-b", f"{self.host}:{self.port}", "-w", "2", "--log-level", "warning", "tests.independent.flask_server:app"]


SERVERS = {server.name: server for server in (StarletteServer, NodeServer, FlaskGunicornServer)}


def start(name: str) -> ServerProcess:
    """Start one of the servers with the test secret and the statuses the spec pairs with each code."""
    spec = load_spec()
    statuses = json.dumps({code: spec.status_for_code(code) for code in spec.error_codes})
    return SERVERS[name](env={"APP_JWT_SECRET": SECRET, "APP_ERROR_STATUSES": statuses}).start()


class OperationsServer(ServerProcess):
    """tests/independent/operations_server.py under uvicorn: the spec of tests/specs/ with its four operations."""

    name = "operations-uvicorn"

    def command(self) -> list[str]:
        """uvicorn on self.host:self.port."""
        return [sys.executable, "-m", "uvicorn", "tests.independent.operations_server:app", "--host", self.host, "--port", str(self.port), "--log-level", "warning"]


def start_operations_server(fault: str = "") -> ServerProcess:
    """The independent server of the four operations, correct or with one fault (APP_FAULT)."""
    spec = load_spec()
    statuses = json.dumps({code: spec.status_for_code(code) for code in spec.error_codes})
    return OperationsServer(env={"APP_JWT_SECRET": SECRET, "APP_ERROR_STATUSES": statuses, "APP_FAULT": fault}).start()


class WritesServer(ServerProcess):
    """tests/independent/writes_server.py under uvicorn: the writes spec (tests/specs/appointment_writes.yaml)."""

    name = "writes-uvicorn"

    def command(self) -> list[str]:
        """uvicorn on self.host:self.port."""
        return [sys.executable, "-m", "uvicorn", "tests.independent.writes_server:app", "--host", self.host, "--port", str(self.port), "--log-level", "warning"]


def start_writes_server(fault: str = "") -> ServerProcess:
    """The independent server of the writes spec, correct or with one fault (APP_FAULT)."""
    spec = load_spec()
    statuses = json.dumps({code: spec.status_for_code(code) for code in spec.error_codes})
    return WritesServer(env={"APP_JWT_SECRET": SECRET, "APP_ERROR_STATUSES": statuses, "APP_FAULT": fault}).start()
