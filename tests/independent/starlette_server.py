"""A plain, independent implementation of the Get Appointment contract: Starlette under uvicorn.

Written from the contract (README's table), not from the mock: no shared code, none of the mock's
hardening. The contract suite must find nothing wrong with it. Run:
    APP_JWT_SECRET=... python -m uvicorn tests.independent.starlette_server:app --port 8001
"""

from __future__ import annotations

import json
import os
import re

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ.get("APP_JWT_SECRET", "independent-test-secret")
ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
CONNECTED = {
    "org_alpha_clinic": {
        "Booking01AlphaAccepted": ("agent_ann", "Ann", "Jo Park", "jo@example.com", "+14155550111", "2026-05-01T09:00:00Z", "2026-05-01T09:30:00Z", "accepted"),
        "Booking02AlphaPending_": ("agent_bob", "Bob", "Sam Lee", "sam@example.org", "", "2026-05-02T10:00:00.000Z", "2026-05-02T11:00:00.000Z", "pending"),
    },
    "org_beta_dental": {
        "Booking03BetaCancelled": ("agent_cy", "Cy", "Kim Ro", "kim@example.net", "+442071234567", "2026-06-01T08:00:00Z", "2026-06-01T08:45:00Z", "cancelled"),
    },
}
# The status of each code; a team that moved one in its spec starts the server with APP_ERROR_STATUSES.
STATUS = {"INVALID_REQUEST": 400, "NOT_CONNECTED": 400, "UNAUTHORIZED": 401, "INTERNAL_ERROR": 500, "CALCOM_API_ERROR": 502}
STATUS.update(json.loads(os.environ.get("APP_ERROR_STATUSES", "{}")))
# APP_DRIFT=1: a correct server that has grown: more than the spec documents, nothing broken.
DRIFT = os.environ.get("APP_DRIFT") == "1"
DRIFT_HEADERS = {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "119"} if DRIFT else {}


def error(code: str, message: str, status: int | None = None, **headers: str) -> JSONResponse:
    body = {"success": False, "message": message, "code": code, **({"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"} if DRIFT else {})}
    return JSONResponse(body, status_code=status or STATUS[code], headers={**headers, **DRIFT_HEADERS})


async def get_appointment(request: Request) -> JSONResponse:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error("UNAUTHORIZED", "Missing bearer token", **{"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token.strip(), SECRET, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return error("UNAUTHORIZED", "Invalid token", **{"WWW-Authenticate": "Bearer"})
    appointment_id = request.path_params["appointment_id"]
    if not ID.fullmatch(appointment_id):
        return error("INVALID_REQUEST", "Invalid appointment_id")
    org_values = request.query_params.getlist("org_id")
    if len(org_values) > 1 or any(not ID.fullmatch(value) for value in org_values):
        return error("INVALID_REQUEST", "Invalid org_id")
    org = claims.get("org_id")
    if org is not None and not (isinstance(org, str) and ID.fullmatch(org)):
        return error("UNAUTHORIZED", "Invalid org_id claim")
    org = org or (org_values[0] if org_values else None)
    if org is None:
        return error("INVALID_REQUEST", "No organization")
    if org not in CONNECTED:
        return error("NOT_CONNECTED", f"Cal.com is not connected for {org}")
    booking = CONNECTED[org].get(appointment_id)
    if booking is None:
        return error("CALCOM_API_ERROR", "Cal.com: booking not found")
    agent_id, agent_name, name, email, phone, start, end, status = booking
    appointment = {
        "id": appointment_id, "organization_id": org, "ghl_appointment_id": "", "contact_id": "",
        "agent_id": agent_id, "agent_name": agent_name, "contact_name": name, "contact_email": email,
        "contact_phone": phone, "appointment_time": start, "end_time": end, "status": status,
    }
    body: dict[str, object] = {"success": True, "message": "Appointment retrieved", "data": {"appointment": appointment, "org_id": org, "agent_id": agent_id}}
    if DRIFT:
        appointment["location"] = "Room 4, 12 Harbour Street"
        body["meta"] = {"request_id": "req_7f3a9c"}
    return JSONResponse(body, headers=DRIFT_HEADERS)


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return error("INVALID_REQUEST", "No such route", 404)


async def not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return error("INVALID_REQUEST", "Method not allowed", 405, Allow="GET, HEAD")


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    return error("INTERNAL_ERROR", "Internal server error")


app = Starlette(
    routes=[Route("/api/v1/calcom/appointments/{appointment_id}", get_appointment, methods=["GET"])],
    exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
)
