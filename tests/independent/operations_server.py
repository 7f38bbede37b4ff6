"""An independent implementation of the API with the three operations of tests/specs/more_operations.yaml.

Starlette under uvicorn, Get Appointment from starlette_server.py, written from the spec, not from the mock.
APP_FAULT makes it break the contract in one new operation, one way per kind, so the suite's tests can show
that each kind is caught:
    schema         listAppointments leaves out data.count
    envelope       listAppointments answers success: false with 200
    status_code    an invalid limit is 400 with code UNAUTHORIZED
    missing_auth   getAppointmentNote answers without checking the token
    html_error     a malformed note_id is an HTML 400 page
    invalid_input  limit=0 (below its minimum) is accepted with 200
Run: APP_JWT_SECRET=... APP_FAULT=schema python -m uvicorn tests.independent.operations_server:app --port 8002
"""

from __future__ import annotations

import os
import re

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.independent.starlette_server import SECRET, error, get_appointment, not_allowed, not_found, server_error

FAULT = os.environ.get("APP_FAULT", "")
ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
STATUSES = ("accepted", "pending", "cancelled", "rejected", "awaiting_host")
APPOINTMENT = {
    "id": "Booking01AlphaAccepted", "organization_id": "org_alpha_clinic", "ghl_appointment_id": "", "contact_id": "",
    "agent_id": "agent_ann", "agent_name": "Ann", "contact_name": "Jo Park", "contact_email": "jo@example.com",
    "contact_phone": "+14155550111", "appointment_time": "2026-05-01T09:00:00Z", "end_time": "2026-05-01T09:30:00Z",
    "status": "accepted",
}


def authorized(request: Request) -> JSONResponse | None:
    """None for a valid bearer token, else the 401 envelope."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error("UNAUTHORIZED", "Missing bearer token", **{"WWW-Authenticate": "Bearer"})
    try:
        jwt.decode(token.strip(), SECRET, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return error("UNAUTHORIZED", "Invalid token", **{"WWW-Authenticate": "Bearer"})
    return None


def _limit(values: list[str]) -> int | None:
    if len(values) > 1 or (values and not re.fullmatch(r"-?[0-9]+", values[0])):
        return None
    limit = int(values[0]) if values else 20
    return limit if 1 <= limit <= 100 or (FAULT == "invalid_input" and limit == 0) else None


async def list_appointments(request: Request) -> Response:
    refused = authorized(request)
    if refused is not None:
        return refused
    limit = _limit(request.query_params.getlist("limit"))
    statuses = request.query_params.getlist("status")
    if limit is None:
        return error("UNAUTHORIZED" if FAULT == "status_code" else "INVALID_REQUEST", "Invalid limit: an integer from 1 to 100", 400)
    if len(statuses) > 1 or (statuses and statuses[0] not in STATUSES):
        return error("INVALID_REQUEST", "Invalid status")
    found = [APPOINTMENT] if not statuses or statuses[0] == APPOINTMENT["status"] else []
    data: dict[str, object] = {"appointments": found[:limit], "count": len(found[:limit])}
    if FAULT == "schema":
        del data["count"]
    return JSONResponse({"success": FAULT != "envelope", "message": "Appointments retrieved", "data": data})


async def get_appointment_note(request: Request) -> Response:
    if FAULT != "missing_auth":
        refused = authorized(request)
        if refused is not None:
            return refused
    appointment_id, note_id = request.path_params["appointment_id"], request.path_params["note_id"]
    if not ID.fullmatch(appointment_id):
        return error("INVALID_REQUEST", "Invalid appointment_id")
    if not re.fullmatch(r"[0-9]+", note_id) or int(note_id) < 1:
        if FAULT == "html_error":
            return HTMLResponse("<html><body><h1>400 Bad Request</h1></body></html>", status_code=400)
        return error("INVALID_REQUEST", "Invalid note_id: a positive integer")
    note = {"id": int(note_id), "appointment_id": appointment_id, "text": "Call back before the visit"}
    return JSONResponse({"success": True, "message": "Note retrieved", "data": {"note": note}})


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"success": True, "message": "OK", "data": {"status": "ok"}})


app = Starlette(
    routes=[
        Route("/api/v1/calcom/appointments", list_appointments, methods=["GET"]),
        Route("/api/v1/calcom/appointments/{appointment_id}/notes/{note_id}", get_appointment_note, methods=["GET"]),
        Route("/api/v1/calcom/appointments/{appointment_id}", get_appointment, methods=["GET"]),
        Route("/api/v1/health", health, methods=["GET"]),
    ],
    exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
)
