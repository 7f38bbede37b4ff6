"""The admin API under /__mock/: the request journal, bookings added at run time, reset.

    GET    /__mock/requests[?limit=N]     the journal, oldest first
    DELETE /__mock/requests               empty it
    GET    /__mock/appointments[?organization_id=ORG&limit=N]  the stored bookings (Appointments), by organization
    POST   /__mock/appointments           add or replace a booking (a JSON Appointment): 201 with it
    DELETE /__mock/appointments/{id}      remove one: 204, or 404
    POST   /__mock/reset                  the start-up dataset again, no answers set, and an empty journal
    GET    /__mock/operations             the spec's operations, with the answers set for each
    GET    /__mock/operations/{operationId}/answers     the answers set at run time for one operation
    POST   /__mock/operations/{operationId}/answers     {status, body, when?}: what it answers from now on (201)
    DELETE /__mock/operations/{operationId}/answers     forget them (204)

An answer set at run time is checked against the operation's documented responses: the status must be one
of them and the body must validate against its schema; `when` names parameter values (e.g. {"status":
"pending"}), or request body values by JSON pointer (e.g. {"/contact_name": "Priya"}), that a request must carry
for the answer to apply. A booking added takes the fields that matter and fills the rest (an agent of its
organization, empty CRM IDs, tomorrow at 09:00 for 30 minutes); a bad one is refused with every problem listed. The newest matching answer wins; requests
still pass authentication and validation first.

Every error is the API's JSON envelope (code INVALID_REQUEST, or UNAUTHORIZED without the admin token).
A malformed body changes nothing. When the mock listens beyond loopback, only requests that carry
`Authorization: Bearer <admin token>` are served, compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import json
from typing import Any, Iterable
from urllib.parse import parse_qs

from mock_server.data.journal import Journal
from mock_server.data import GET_APPOINTMENT
from mock_server.data.dataset import parse_time, success_body
from mock_server.data.store import SharedStore
from mock_server.envelope import error_body
from mock_server.schemas import draft4_validator, error_message, error_path
from mock_server.serving.wsgi import StartResponse, json_answer
from mock_server.spec import ApiSpec

PREFIX = "/__mock/"
MAX_BODY_BYTES = 64 * 1024
LIST_LIMIT = 1000  # bookings one GET /__mock/appointments lists at most (a generated dataset may hold 50,000)


class AdminError(Exception):
    """An admin request that cannot be served: its status and the envelope's message."""

    def __init__(self, status: int, message: str, code: str = "INVALID_REQUEST", headers: list[tuple[str, str]] | None = None,
                 problems: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or []
        self.problems = problems or []  # every problem of a body at once, by field


class AdminApi:
    """WSGI app for the routes under /__mock/."""

    def __init__(self, spec: ApiSpec, store: SharedStore, journal: Journal | None, token: str | None = None):
        self.spec = spec
        self.store = store
        self.journal = journal
        self.token = token
        self.appointment_schema: dict[str, Any] = {}
        self.fields: list[str] = []
        self.validator: Any = None
        if GET_APPOINTMENT in spec.operations:  # the bookings routes serve Get Appointment's dataset
            self.appointment_schema = spec.operation(GET_APPOINTMENT).responses[200].schema["properties"]["data"]["properties"]["appointment"]
            self.fields = list(self.appointment_schema["required"])
            self.validator = draft4_validator(self.appointment_schema)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")[len(PREFIX):]
        try:
            self._authorize(environ.get("HTTP_AUTHORIZATION"))
            status, body = self._route(method, path, environ)
        except AdminError as error:
            status, body = error.status, error_body(error.code, error.message)
            if error.problems:
                body["problems"] = error.problems
            return json_answer(start_response, method, status, body, error.headers)
        return json_answer(start_response, method, status, body)

    def _authorize(self, authorization: str | None) -> None:
        if self.token is None:
            return
        given = authorization.split(" ", 1)[1].strip() if authorization and authorization[:7].lower() == "bearer " else ""
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise AdminError(401, "The admin API needs Authorization: Bearer <admin token> (--admin-token)", "UNAUTHORIZED",
                             [("WWW-Authenticate", 'Bearer realm="ravan-mock-admin"')])

    def _route(self, method: str, path: str, environ: dict[str, Any]) -> tuple[int, Any]:
        if path == "requests":
            if method in ("GET", "HEAD"):
                return 200, {"requests": self._journal().entries(_limit(environ.get("QUERY_STRING", ""), self._journal().size))}
            if method == "DELETE":
                self._journal().clear()
                return 204, None
            raise _not_allowed(method, "GET, HEAD, DELETE")
        if path == "appointments":
            if method in ("GET", "HEAD"):
                return 200, self._list(environ.get("QUERY_STRING", ""))
            if method == "POST":
                return 201, self._add(_read_json(environ))
            raise _not_allowed(method, "GET, HEAD, POST")
        if path.startswith("appointments/") and "/" not in path[len("appointments/"):]:
            uid = path[len("appointments/"):]
            if method == "DELETE":
                if not self.store.delete_booking(uid):
                    raise AdminError(404, f"No booking {uid!r} in the mock's dataset")
                return 204, None
            raise _not_allowed(method, "DELETE")
        if path == "operations":
            if method in ("GET", "HEAD"):
                return 200, {"operations": [self._operation_entry(op_id) for op_id in self.spec.operations]}
            raise _not_allowed(method, "GET, HEAD")
        if path.startswith("operations/") and path.endswith("/answers") and path.count("/") == 2:
            operation_id = path.split("/")[1]
            if method in ("GET", "HEAD"):
                self._operation(operation_id)
                return 200, {"answers": self.store.answers(operation_id)}
            if method == "POST":
                return 201, self._set_answer(operation_id, _read_json(environ))
            if method == "DELETE":
                self._operation(operation_id)
                self.store.clear_answers(operation_id)
                return 204, None
            raise _not_allowed(method, "GET, HEAD, POST, DELETE")
        if path == "reset":
            if method == "POST":
                self.store.reset()
                if self.journal is not None:
                    self.journal.clear()
                organizations, bookings = self.store.counts()
                return 200, {"organizations": organizations, "bookings": bookings}
            raise _not_allowed(method, "POST")
        raise AdminError(404, f"No admin route {method} {PREFIX}{path[:100]}; routes: GET|DELETE {PREFIX}requests, "
                              f"GET|POST {PREFIX}appointments, DELETE {PREFIX}appointments/{{id}}, GET {PREFIX}operations, "
                              f"GET|POST|DELETE {PREFIX}operations/{{operationId}}/answers, POST {PREFIX}reset")

    def _journal(self) -> Journal:
        if self.journal is None:
            raise AdminError(404, "The request journal is off (--journal-size 0)")
        return self.journal

    def _operation(self, operation_id: str) -> Any:
        if operation_id not in self.spec.operations:
            raise AdminError(404, f"No operation {operation_id[:100]!r} in the spec; its operations: {', '.join(self.spec.operations)}")
        return self.spec.operation(operation_id)

    def _operation_entry(self, operation_id: str) -> dict[str, Any]:
        operation = self.spec.operation(operation_id)
        return {"operation_id": operation_id, "method": operation.method, "path": operation.path,
                "statuses": operation.statuses, "answers": len(self.store.answers(operation_id))}

    def _set_answer(self, operation_id: str, given: Any) -> dict[str, Any]:
        """Check an answer against the operation's documented responses and parameters, then store it."""
        operation = self._operation(operation_id)
        if not isinstance(given, dict) or not isinstance(given.get("status"), int) or "body" not in given:
            raise AdminError(400, 'The body must be a JSON object {"status": <int>, "body": <JSON>, "when": {<parameter>: <value>}}')
        status, body, when = given["status"], given["body"], given.get("when") or {}
        response = operation.responses.get(status)
        if response is None:
            raise AdminError(400, f"status: {status} is not a documented status of {operation_id} (documented: {', '.join(map(str, operation.statuses))})")
        if response.schema:
            errors = sorted(draft4_validator(response.schema).iter_errors(body), key=lambda e: [str(p) for p in error_path(e)])
            if errors:
                where = ".".join(map(str, ["body", *error_path(errors[0])]))
                raise AdminError(400, f"{where}: {error_message(errors[0])}")
        if not isinstance(when, dict):
            raise AdminError(400, "when: must be an object of parameter names and values")
        names = [p.name for p in operation.parameters]
        pointers = [key for key in when if isinstance(key, str) and key.startswith("/")]
        if pointers and operation.request_body is None:
            raise AdminError(400, f"when: {pointers[0]} is a JSON pointer into the request body, and {operation_id} takes no body")
        unknown = sorted(set(when) - set(names) - set(pointers))
        if unknown:
            raise AdminError(400, f"when: {unknown[0]} is not a parameter of {operation_id} (its parameters: {', '.join(names) or 'none'}; "
                                  "a key starting with / is a JSON pointer into the request body)")
        answer_id = self.store.put_answer(operation_id, when, status, body)
        return {"id": answer_id, "operation_id": operation_id, "status": status, "body": body, "when": when}

    def _list(self, query: str) -> dict[str, Any]:
        """The stored bookings as Appointments of the spec, at most `limit` (default and cap: LIST_LIMIT)."""
        org_values = parse_qs(query).get("organization_id")
        rows = self.store.bookings(org_values[0] if org_values else None, _limit(query, LIST_LIMIT))
        organizations, total = self.store.counts()
        appointments = [json.loads(body)["data"]["appointment"] for _org, _uid, body in rows]
        return {"appointments": appointments, "count": len(appointments), "total": total}

    def _add(self, appointment: Any) -> dict[str, Any]:
        """A booking from the fields a client test cares about, the rest filled (an agent of the organization, empty
        CRM IDs, tomorrow at 09:00 for 30 minutes, the first status); every problem is listed at once, by field."""
        if not isinstance(appointment, dict):
            raise AdminError(400, "The body must be a JSON object: the fields of an Appointment of openapi.yaml that matter to you")
        problems = [{"field": name, "problem": f"not a field of Appointment (its fields: {', '.join(self.fields)})"}
                    for name in sorted(set(appointment) - set(self.fields))]
        stored = self._filled({k: v for k, v in appointment.items() if k in self.fields})
        for error in sorted(self.validator.iter_errors(stored), key=lambda e: [str(p) for p in error_path(e)]):
            where = ".".join(map(str, error_path(error))) or "(body)"
            problems.append({"field": where, "problem": error_message(error)})
        times = [stored.get("appointment_time"), stored.get("end_time")]
        if all(isinstance(t, str) for t in times) and not any(p["field"] in ("appointment_time", "end_time") for p in problems):
            try:
                if parse_time(times[1]) <= parse_time(times[0]):  # type: ignore[arg-type]
                    problems.append({"field": "end_time", "problem": "must be after appointment_time"})
            except ValueError:
                problems.append({"field": "appointment_time", "problem": "not a real RFC 3339 time"})
        if problems:
            said = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
            raise AdminError(400, f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {said}", problems=problems)
        org = self.store.organization(stored["organization_id"])
        if org is not None and org.calcom != "connected":
            raise AdminError(409, f"organization_id: {org.id} is {org.calcom.replace('_', ' ')} in the dataset, so its bookings are never served")
        body = json.dumps(success_body(self.spec, stored), separators=(",", ":"), ensure_ascii=False).encode()
        self.store.put_booking(stored["organization_id"], stored["id"], body)
        return stored

    def _filled(self, given: dict[str, Any]) -> dict[str, Any]:
        """The given fields, and a value for every other: what the organization's data and the schema suggest."""
        import datetime as dt
        import secrets

        filled = dict(given)
        if "organization_id" not in filled:  # the spec's example organization (the one a development token names)
            example = next((p.sample() for p in self.spec.operation(GET_APPOINTMENT).parameters if p.name == "org_id"), None)
            state = self.store.organization(str(example)) if example else None
            if state is not None and state.calcom == "connected":
                filled["organization_id"] = str(example)
            else:
                connected = [org for org, _uid, _body in self.store.bookings(None, 1)]
                filled["organization_id"] = connected[0] if connected else "org_sunrise_dental"
        org = str(filled["organization_id"])
        known = [json.loads(body)["data"]["appointment"] for _org, _uid, body in self.store.bookings(org, 50)]
        if "agent_id" not in filled:
            filled["agent_id"] = known[0]["agent_id"] if known else "agent_1"
        if "agent_name" not in filled:
            filled["agent_name"] = next((b["agent_name"] for b in known if b.get("agent_id") == filled["agent_id"]), str(filled["agent_id"]))
        if "id" not in filled:
            alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
            filled["id"] = "".join(secrets.choice(alphabet) for _ in range(22))
        filled.setdefault("ghl_appointment_id", "")
        filled.setdefault("contact_id", "")
        filled.setdefault("contact_phone", "")
        filled.setdefault("contact_name", "Test Contact")
        if "contact_email" not in filled:
            first = "".join(ch for ch in str(filled["contact_name"]).split(" ")[0].lower() if ch.isalnum()) or "contact"
            filled["contact_email"] = f"{first}@example.com"
        start = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        if "appointment_time" not in filled and isinstance(filled.get("end_time"), str):
            try:
                start = parse_time(filled["end_time"]) - dt.timedelta(minutes=30)
            except ValueError:
                pass
        filled.setdefault("appointment_time", start.strftime(fmt))
        if "end_time" not in filled:
            try:
                filled["end_time"] = (parse_time(str(filled["appointment_time"])) + dt.timedelta(minutes=30)).strftime(fmt)
            except ValueError:
                filled["end_time"] = (start + dt.timedelta(minutes=30)).strftime(fmt)
        status = self.appointment_schema.get("properties", {}).get("status", {})
        filled.setdefault("status", status.get("default", (status.get("enum") or ["accepted"])[0]))
        return {name: filled[name] for name in self.fields if name in filled}


def _read_json(environ: dict[str, Any]) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise AdminError(400, "Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise AdminError(400, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise AdminError(400, "The body is not JSON: send an Appointment of openapi.yaml as application/json") from None


def _limit(query: str, default: int) -> int:
    values = parse_qs(query).get("limit")
    if not values:
        return default
    if not values[0].isdigit() or int(values[0]) < 1:
        raise AdminError(400, f"limit must be a whole number of at least 1, got {values[0][:20]!r}")
    return min(int(values[0]), default)


def _not_allowed(method: str, allow: str) -> AdminError:
    return AdminError(405, f"Method {method} is not allowed here; use {allow}", headers=[("Allow", allow)])


class AdminRoutes:
    """WSGI middleware: /__mock/... goes to the admin API, everything else on down the stack."""

    def __init__(self, app: Any, admin: AdminApi):
        self.app = app
        self.admin = admin

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return self.admin(environ, start_response)
        return self.app(environ, start_response)
