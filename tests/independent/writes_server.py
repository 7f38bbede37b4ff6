"""An independent implementation of the writes spec (tests/specs/appointment_writes.yaml merged into openapi.yaml):
book, list, read, reschedule and cancel appointments, in memory. Starlette under uvicorn, validation written by hand
from the spec (no schema library, none of the mock's code).

It refuses what its descriptions say a real server refuses and no schema can say: an end not after its start, a
time that is no real date. `GET /__independent/state` tells a test what a run did to the data that existed before it
(changed, deleted) and how many items it created that are still there.

APP_FAULT breaks one rule of writes, one way per rule, so that the suite's tests can show each is caught:
    not_persisted          a create answers 201 but stores nothing
    field_not_echoed       a create's answer gives another contact_name than the one sent
    stored_differently     a create stores another contact_email than the one it answers with
    update_not_persisted   a PATCH answers the change but does not store it
    patch_wipes_unsent     a PATCH replaces: fields it did not send are emptied
    delete_not_effective   a DELETE answers 204 and keeps the item
    second_delete_500      a DELETE of an item that is gone answers 500
    cross_tenant_delete    a DELETE does not check whose item it is
    no_body_validation     a create takes any JSON object, filling what is missing
    create_200             a create answers 200, not the documented 201
    no_location            a create sends no Location header
    invalid_json_500       a body that is not JSON answers 500
    create_without_token   a create does not check the token
Run: APP_JWT_SECRET=... APP_FAULT=... python -m uvicorn tests.independent.writes_server:app --port 8003
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import secrets
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SECRET = os.environ.get("APP_JWT_SECRET", "independent-test-secret")
FAULT = os.environ.get("APP_FAULT", "")
STATUS = {"INVALID_REQUEST": 400, "NOT_CONNECTED": 400, "UNAUTHORIZED": 401, "INTERNAL_ERROR": 500, "CALCOM_API_ERROR": 502}
STATUS.update(json.loads(os.environ.get("APP_ERROR_STATUSES", "{}")))
ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
AGENT = re.compile(r"[A-Za-z0-9_-]{1,64}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"(\+[1-9][0-9]{6,14})?")
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
STATUSES = ("accepted", "pending", "cancelled", "rejected", "awaiting_host")
BASE = "/api/v1/calcom/appointments"
AGENTS = {"agent_ann": "Ann", "agent_bob": "Bob", "agent_cy": "Cy", "agent_maya": "Maya"}


def _booking(uid: str, org: str, agent: str, name: str, email: str, phone: str, start: str, end: str, status: str) -> dict[str, Any]:
    return {"id": uid, "organization_id": org, "ghl_appointment_id": "", "contact_id": "", "agent_id": agent,
            "agent_name": AGENTS[agent], "contact_name": name, "contact_email": email, "contact_phone": phone,
            "appointment_time": start, "end_time": end, "status": status}


INITIAL = {
    "Booking01AlphaAccepted": _booking("Booking01AlphaAccepted", "org_alpha_clinic", "agent_ann", "Jo Park", "jo@example.com", "+14155550111",
                                       "2026-05-01T09:00:00Z", "2026-05-01T09:30:00Z", "accepted"),
    "Booking02AlphaPending_": _booking("Booking02AlphaPending_", "org_alpha_clinic", "agent_bob", "Sam Lee", "sam@example.org", "",
                                       "2026-05-02T10:00:00.000Z", "2026-05-02T11:00:00.000Z", "pending"),
    "Booking03BetaCancelled": _booking("Booking03BetaCancelled", "org_beta_dental", "agent_cy", "Kim Ro", "kim@example.net", "+442071234567",
                                       "2026-06-01T08:00:00Z", "2026-06-01T08:45:00Z", "cancelled"),
}
CONNECTED = {"org_alpha_clinic", "org_beta_dental"}
STORE: dict[str, dict[str, Any]] = copy.deepcopy(INITIAL)
CREATED: set[str] = set()


def error(code: str, message: str, status: int | None = None, **headers: str) -> JSONResponse:
    return JSONResponse({"success": False, "message": message, "code": code}, status_code=status or STATUS[code], headers=headers)


class Refused(Exception):
    def __init__(self, response: Response):
        self.response = response


def organization(request: Request, *, check_token: bool = True) -> str:
    """The caller's organization (token claim, then the org_id query), connected; raises Refused."""
    claims: dict[str, Any] = {}
    if not check_token:  # the fault: claims read, the signature and expiry never checked
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            claims = {}
    if check_token:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(error("UNAUTHORIZED", "Missing bearer token", **{"WWW-Authenticate": "Bearer"}))
        try:
            claims = jwt.decode(token.strip(), SECRET, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.PyJWTError:
            raise Refused(error("UNAUTHORIZED", "Invalid token", **{"WWW-Authenticate": "Bearer"})) from None
    org_values = request.query_params.getlist("org_id")
    if len(org_values) > 1 or any(not ID.fullmatch(v) for v in org_values):
        raise Refused(error("INVALID_REQUEST", "Invalid org_id"))
    org = claims.get("org_id")
    if org is not None and not (isinstance(org, str) and ID.fullmatch(org)):
        raise Refused(error("UNAUTHORIZED", "Invalid org_id claim"))
    return org or (org_values[0] if org_values else "")


def connected(org: str) -> None:
    if not org:
        raise Refused(error("INVALID_REQUEST", "No organization"))
    if org not in CONNECTED:
        raise Refused(error("NOT_CONNECTED", f"Cal.com is not connected for {org}"))


def item_id(request: Request) -> str:
    value = request.path_params["appointment_id"]
    if not ID.fullmatch(value):
        raise Refused(error("INVALID_REQUEST", "Invalid appointment_id"))
    return value


async def json_object(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise Refused(error("INVALID_REQUEST", "The body must be application/json"))
    raw = await request.body()
    if not raw:
        raise Refused(error("INVALID_REQUEST", "A body is required"))
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        if FAULT == "invalid_json_500":
            raise Refused(error("INTERNAL_ERROR", "Internal server error")) from None
        raise Refused(error("INVALID_REQUEST", "The body is not JSON")) from None
    if not isinstance(body, dict):
        raise Refused(error("INVALID_REQUEST", "The body must be an object"))
    return body


def _instant(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(error("INVALID_REQUEST", f"{value} is not a real time")) from None


CHECKS = {
    "agent_id": lambda v: isinstance(v, str) and AGENT.fullmatch(v) is not None,
    "contact_name": lambda v: isinstance(v, str) and 1 <= len(v) <= 200,
    "contact_email": lambda v: isinstance(v, str) and len(v) <= 254 and EMAIL.fullmatch(v) is not None,
    "contact_phone": lambda v: isinstance(v, str) and PHONE.fullmatch(v) is not None,
    "ghl_appointment_id": lambda v: isinstance(v, str) and len(v) <= 128,
    "contact_id": lambda v: isinstance(v, str) and len(v) <= 128,
    "appointment_time": lambda v: isinstance(v, str) and TIME.fullmatch(v) is not None,
    "end_time": lambda v: isinstance(v, str) and TIME.fullmatch(v) is not None,
    "status": lambda v: v in STATUSES,
}
CREATE_FIELDS = ("agent_id", "contact_name", "contact_email", "contact_phone", "ghl_appointment_id", "contact_id", "appointment_time", "end_time")
REQUIRED = ("agent_id", "contact_name", "contact_email", "appointment_time", "end_time")
UPDATE_FIELDS = ("contact_name", "contact_email", "contact_phone", "appointment_time", "end_time", "status")


def check_fields(body: dict[str, Any], allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    for name in body:
        if name not in allowed:
            raise Refused(error("INVALID_REQUEST", f"Unknown field {name}"))
    for name in required:
        if name not in body:
            raise Refused(error("INVALID_REQUEST", f"{name} is required"))
    for name, value in body.items():
        if not CHECKS[name](value):
            raise Refused(error("INVALID_REQUEST", f"Invalid {name}"))


def check_times(item: dict[str, Any]) -> None:
    if _instant(item["end_time"]) <= _instant(item["appointment_time"]):
        raise Refused(error("INVALID_REQUEST", "end_time must be after appointment_time"))


def answer(item: dict[str, Any], message: str, status: int = 200, **headers: str) -> JSONResponse:
    data = {"appointment": item, "org_id": item["organization_id"], "agent_id": item["agent_id"]}
    return JSONResponse({"success": True, "message": message, "data": data}, status_code=status, headers=headers)


def unknown(uid: str) -> JSONResponse:
    return error("CALCOM_API_ERROR", f"Cal.com: booking {uid} not found")


def refusing(handler: Any) -> Any:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refused:
            return refused.response

    return wrapped


@refusing
async def create(request: Request) -> Response:
    org = organization(request, check_token=FAULT != "create_without_token")
    body = await json_object(request)
    if FAULT == "no_body_validation":
        body = {"agent_id": "agent_ann", "contact_name": "Anyone", "contact_email": "any@example.com",
                "appointment_time": "2026-09-01T09:00:00Z", "end_time": "2026-09-01T09:30:00Z",
                **{k: v for k, v in body.items() if k in CREATE_FIELDS and isinstance(v, str)}}
        if not (TIME.fullmatch(body["appointment_time"]) and TIME.fullmatch(body["end_time"])):
            body["appointment_time"], body["end_time"] = "2026-09-01T09:00:00Z", "2026-09-01T09:30:00Z"
    else:
        check_fields(body, CREATE_FIELDS, REQUIRED)
    connected(org)
    uid = "".join(secrets.choice("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") for _ in range(22))
    item = {"id": uid, "organization_id": org, "ghl_appointment_id": body.get("ghl_appointment_id", ""),
            "contact_id": body.get("contact_id", ""), "agent_id": body["agent_id"], "agent_name": AGENTS.get(body["agent_id"], body["agent_id"]),
            "contact_name": body["contact_name"], "contact_email": body["contact_email"], "contact_phone": body.get("contact_phone", ""),
            "appointment_time": body["appointment_time"], "end_time": body["end_time"], "status": "accepted"}
    if FAULT != "no_body_validation":
        check_times(item)
    if FAULT != "not_persisted":
        STORE[uid] = dict(item, contact_email="stored.elsewhere@example.com") if FAULT == "stored_differently" else dict(item)
        CREATED.add(uid)
    shown = dict(item, contact_name="Someone Else") if FAULT == "field_not_echoed" else item
    headers = {} if FAULT == "no_location" else {"Location": f"{BASE}/{uid}"}
    return answer(shown, "Appointment created", 200 if FAULT == "create_200" else 201, **headers)


@refusing
async def list_items(request: Request) -> Response:
    org = organization(request)
    limits = request.query_params.getlist("limit")
    if len(limits) > 1 or (limits and not re.fullmatch(r"-?[0-9]+", limits[0])) or (limits and not 1 <= int(limits[0]) <= 100):
        return error("INVALID_REQUEST", "Invalid limit: an integer from 1 to 100")
    statuses = request.query_params.getlist("status")
    if len(statuses) > 1 or (statuses and statuses[0] not in STATUSES):
        return error("INVALID_REQUEST", "Invalid status")
    connected(org)
    found = [item for item in STORE.values() if item["organization_id"] == org and (not statuses or item["status"] == statuses[0])]
    found = found[: int(limits[0]) if limits else 20]
    return JSONResponse({"success": True, "message": "Appointments retrieved", "data": {"appointments": found, "count": len(found)}})


@refusing
async def read(request: Request) -> Response:
    org = organization(request)
    uid = item_id(request)
    connected(org)
    item = STORE.get(uid)
    if item is None or item["organization_id"] != org:
        return unknown(uid)
    return answer(item, "Appointment retrieved")


@refusing
async def update(request: Request) -> Response:
    org = organization(request)
    uid = item_id(request)
    body = await json_object(request)
    check_fields(body, UPDATE_FIELDS, ())
    if not body:
        return error("INVALID_REQUEST", "Nothing to change")
    connected(org)
    item = STORE.get(uid)
    if item is None or item["organization_id"] != org:
        return unknown(uid)
    base = {**item, "contact_name": "", "contact_phone": ""} if FAULT == "patch_wipes_unsent" else item
    changed = {**base, **body}
    check_times(changed)
    if FAULT != "update_not_persisted":
        STORE[uid] = changed
    return answer(changed, "Appointment updated")


@refusing
async def delete(request: Request) -> Response:
    org = organization(request)
    uid = item_id(request)
    connected(org)
    item = STORE.get(uid)
    if item is None and FAULT == "second_delete_500":
        return error("INTERNAL_ERROR", "Internal server error")
    if item is None or (item["organization_id"] != org and FAULT != "cross_tenant_delete"):
        return unknown(uid)
    if FAULT != "delete_not_effective":
        del STORE[uid]
    return Response(status_code=204)


async def state(request: Request) -> JSONResponse:
    """What runs did to the data that existed before them, and what they created that is still there."""
    changed = [uid for uid, item in INITIAL.items() if uid in STORE and STORE[uid] != item]
    deleted = [uid for uid in INITIAL if uid not in STORE]
    left = [uid for uid in CREATED if uid in STORE]
    return JSONResponse({"changed": changed, "deleted": deleted, "created": len(CREATED), "left": left})


ALLOW = {BASE: "GET, HEAD, POST", "item": "GET, HEAD, PATCH, DELETE"}


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return error("INVALID_REQUEST", "No such route", 404)


async def not_allowed(request: Request, exc: Exception) -> JSONResponse:
    allow = ALLOW[BASE] if request.url.path.rstrip("/") == BASE else ALLOW["item"]
    return error("INVALID_REQUEST", "Method not allowed", 405, Allow=allow)


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    return error("INTERNAL_ERROR", "Internal server error")


app = Starlette(
    routes=[
        Route(BASE, list_items, methods=["GET"]),
        Route(BASE, create, methods=["POST"]),
        Route(BASE + "/{appointment_id}", read, methods=["GET"]),
        Route(BASE + "/{appointment_id}", update, methods=["PATCH"]),
        Route(BASE + "/{appointment_id}", delete, methods=["DELETE"]),
        Route("/__independent/state", state, methods=["GET"]),
    ],
    exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
)
