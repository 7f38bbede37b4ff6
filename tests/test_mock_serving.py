"""The app the server runs answers exactly as create_app's does, and imports Flask only when a request needs it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http import HTTPStatus
from pathlib import Path

import pytest
from werkzeug.test import Client

from mock_server import MockConfig, create_app
from mock_server.app import create_served_app
from mock_server.tokens import mint_token
from mock_server.serving.wsgi import LazyApp

ROOT = Path(__file__).resolve().parent.parent
OPERATION = "/api/v1/calcom/appointments/kko1gv8tFZe8JjpCpct5tG"
TOKEN = mint_token("org_sunrise_dental", expires_in=3600)

REQUESTS = {
    "found": ("GET", OPERATION, {"Authorization": f"Bearer {TOKEN}"}),
    "head": ("HEAD", OPERATION, {"Authorization": f"Bearer {TOKEN}"}),
    "no token": ("GET", OPERATION, {}),
    "forced 502": ("GET", OPERATION + "?__code=502", {"Authorization": f"Bearer {TOKEN}"}),
    "post": ("POST", OPERATION, {"Authorization": f"Bearer {TOKEN}"}),
    "unknown route": ("GET", "/api/v1/nowhere", {}),
    "root": ("GET", "/", {}),
    "unknown method off the route": ("PATCH", "/elsewhere", {}),
}


@pytest.fixture(scope="module")
def both_apps():
    """create_app's Flask app and the served WSGI stack, built from the same settings."""
    config = MockConfig(log_requests=False)
    return Client(create_app(config)), Client(create_served_app(config)[0])


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_served_app_answers_as_create_app_does(both_apps, name):
    method, path, headers = REQUESTS[name]
    flask_answer, served_answer = (client.open(path, method=method, headers=headers) for client in both_apps)
    assert served_answer.status == flask_answer.status  # the whole status line, reason phrase included
    assert served_answer.status.split(" ", 1)[1] == HTTPStatus(served_answer.status_code).phrase
    assert served_answer.headers.get("Content-Type") == flask_answer.headers.get("Content-Type") == "application/json"
    assert served_answer.get_data() == flask_answer.get_data()
    if method != "HEAD":
        assert json.loads(served_answer.get_data())["success"] is (served_answer.status_code == 200)


def test_flask_is_imported_only_when_a_request_leaves_the_operation():
    # A fresh interpreter: this test process has imported Flask long ago.
    script = f"""
import json, sys
from wsgiref.util import setup_testing_defaults
from mock_server.app import create_served_app
from mock_server.config import MockConfig

app, _ = create_served_app(MockConfig(log_requests=False))

def call(path, headers):
    environ = {{"PATH_INFO": path, "REQUEST_METHOD": "GET", **headers}}
    setup_testing_defaults(environ)
    seen = []
    body = b"".join(app(environ, lambda status, hdrs, exc=None: seen.append(status)))
    return seen[0], json.loads(body)["code"] if body.startswith(b'{{"success":false') else "OK"

result = {{"loaded_at_start": "flask" in sys.modules}}
result["operation"] = call({OPERATION!r}, {{"HTTP_AUTHORIZATION": "Bearer {TOKEN}"}})
result["loaded_after_operation"] = "flask" in sys.modules
result["unknown"] = call("/nowhere", {{}})
result["loaded_after_unknown"] = "flask" in sys.modules
print(json.dumps(result))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "loaded_at_start": False,
        "operation": ["200 OK", "OK"],
        "loaded_after_operation": False,
        "unknown": ["404 Not Found", "INVALID_REQUEST"],
        "loaded_after_unknown": True,
    }


def test_a_lazy_app_is_built_once_however_many_threads_need_it_first():
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it is being built
        return lambda environ, start_response: (start_response("200 OK", []), [b"built"])[1]

    lazy = LazyApp(build)
    answers: list[bytes] = []
    threads = [threading.Thread(target=lambda: answers.extend(lazy({}, lambda *a: None))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert answers == [b"built"] * 8
