"""A plain, independent implementation of the Get Appointment contract: Flask under plain gunicorn.

Written from the contract (README's table), not from the mock: no shared code, none of the mock's
hardening (gunicorn answers what it refuses itself with its own HTML page). Run:
    APP_JWT_SECRET=... gunicorn -b 127.0.0.1:8003 tests.independent.flask_server:app
"""

from __future__ import annotations

import json
import os
import re

import jwt
from flask import Flask, jsonify, request

SECRET = os.environ.get("APP_JWT_SECRET", "independent-test-secret")
ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
BOOKINGS = {
    ("org_alpha_clinic", "Booking01AlphaAccepted"): ("agent_ann", "Ann", "Jo Park", "jo@example.com", "+14155550111", "2026-05-01T09:00:00Z", "2026-05-01T09:30:00Z", "accepted"),
    ("org_alpha_clinic", "Booking02AlphaPending_"): ("agent_bob", "Bob", "Sam Lee", "sam@example.org", "", "2026-05-02T10:00:00.000Z", "2026-05-02T11:00:00.000Z", "pending"),
    ("org_beta_dental", "Booking03BetaCancelled"): ("agent_cy", "Cy", "Kim Ro", "kim@example.net", "+442071234567", "2026-06-01T08:00:00Z", "2026-06-01T08:45:00Z", "cancelled"),
}
CONNECTED = {org for org, _ in BOOKINGS}
# The status of each code; a team that moved one in its spec starts the server with APP_ERROR_STATUSES.
STATUS = {"INVALID_REQUEST": 400, "NOT_CONNECTED": 400, "UNAUTHORIZED": 401, "INTERNAL_ERROR": 500, "CALCOM_API_ERROR": 502}
STATUS.update(json.loads(os.environ.get("APP_ERROR_STATUSES", "{}")))

app = Flask(__name__)


def error(code: str, message: str, status: int | None = None, headers: dict[str, str] | None = None):
    return jsonify(success=False, message=message, code=code), status or STATUS[code], headers or {}


@app.errorhandler(404)
def not_found(_error):
    return error("INVALID_REQUEST", "No such route", 404)


@app.errorhandler(405)
def not_allowed(_error):
    return error("INVALID_REQUEST", "Method not allowed", 405, {"Allow": "GET, HEAD"})


@app.errorhandler(Exception)
def internal(_error):
    return error("INTERNAL_ERROR", "Internal server error")


@app.get("/api/v1/calcom/appointments/<appointment_id>")
def get_appointment(appointment_id: str):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error("UNAUTHORIZED", "Missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token.strip(), SECRET, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return error("UNAUTHORIZED", "Invalid token", headers={"WWW-Authenticate": "Bearer"})
    if not ID.fullmatch(appointment_id):
        return error("INVALID_REQUEST", "Invalid appointment_id")
    org_values = request.args.getlist("org_id")
    if len(org_values) > 1 or any(not ID.fullmatch(v) for v in org_values):
        return error("INVALID_REQUEST", "Invalid org_id")
    org = claims.get("org_id")
    if org is not None and not (isinstance(org, str) and ID.fullmatch(org)):
        return error("UNAUTHORIZED", "Invalid org_id claim")
    org = org or (org_values[0] if org_values else None)
    if org is None:
        return error("INVALID_REQUEST", "No organization")
    if org not in CONNECTED:
        return error("NOT_CONNECTED", f"Cal.com is not connected for {org}")
    found = BOOKINGS.get((org, appointment_id))
    if found is None:
        return error("CALCOM_API_ERROR", "Cal.com: booking not found")
    agent_id, agent_name, name, email, phone, start, end, status = found
    appointment = dict(
        id=appointment_id, organization_id=org, ghl_appointment_id="", contact_id="", agent_id=agent_id,
        agent_name=agent_name, contact_name=name, contact_email=email, contact_phone=phone,
        appointment_time=start, end_time=end, status=status,
    )
    return jsonify(success=True, message="Appointment retrieved", data=dict(appointment=appointment, org_id=org, agent_id=agent_id))
