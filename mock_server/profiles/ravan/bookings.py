"""Step 5 of the pipeline: look the booking up in the organization's (simulated) Cal.com account."""

from __future__ import annotations

import json
from typing import Any

from mock_server.data.store import SharedStore
from mock_server.envelope import ApiError
from mock_server.spec import ApiSpec

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class CalcomAccountFault(RuntimeError):
    """The organization's Cal.com account cannot be used: the app turns this into 500 INTERNAL_ERROR."""


def check_connected(store: SharedStore, org_id: str) -> None:
    """Nothing when the organization's Cal.com account can be used; else its documented error."""
    org = store.organization(org_id)
    if org is None or org.calcom == "not_connected":
        raise ApiError("NOT_CONNECTED", f"Cal.com is not connected for organization {org_id}")
    if org.calcom == "calcom_error":
        raise ApiError("CALCOM_API_ERROR", "Cal.com API error: the organization's Cal.com API key was rejected (401)")
    if org.calcom == "internal_error":
        raise CalcomAccountFault(f"stored Cal.com credentials of {org_id} cannot be decrypted")


def lookup_booking(store: SharedStore, org_id: str, appointment_id: str) -> bytes:
    """The serialized 200 body for the booking, or the documented error for this organization."""
    check_connected(store, org_id)
    found = store.booking(appointment_id, fresh=True)  # organization() has just checked the cache is current
    if found is None or found[0] != org_id:
        # Cal.com answers 404 for another organization's booking too: never reveal that it exists.
        raise ApiError("CALCOM_API_ERROR", f"Cal.com API error: booking {appointment_id} not found")
    return found[1]


def unknown_booking(appointment_id: str) -> ApiError:
    """Cal.com's answer for a booking the organization's account does not have (another organization's included)."""
    return ApiError("CALCOM_API_ERROR", f"Cal.com API error: booking {appointment_id} not found")


class BookingRecords:
    """The bookings resource's items, kept where Get Appointment and the listings read them (the bookings table,
    each as its Get Appointment answer), so that a booked appointment is read, listed and cancelled like any other."""

    def __init__(self, store: SharedStore, spec: ApiSpec):
        self.store = store
        self.spec = spec

    def get(self, tenant: str, item_id: str) -> dict[str, Any] | None:
        """The organization's booking."""
        found = self.store.booking(item_id)
        return json.loads(found[1])["data"]["appointment"] if found is not None and found[0] == tenant else None

    def exists(self, item_id: str) -> bool:
        """True when any organization has a booking with this UID."""
        return self.store.booking(item_id) is not None

    def list(self, tenant: str) -> list[dict[str, Any]]:
        """The organization's bookings, as the store orders them."""
        return [json.loads(body)["data"]["appointment"] for _org, _uid, body in self.store.bookings(tenant, limit=100_000)]

    def put(self, tenant: str, item_id: str, item: dict[str, Any]) -> None:
        """Store the booking as its Get Appointment answer."""
        from mock_server.data.dataset import success_body

        self.store.put_booking(tenant, item_id, _encode(success_body(self.spec, item)).encode())

    def delete(self, tenant: str, item_id: str) -> bool:
        """Remove the organization's booking."""
        return self.get(tenant, item_id) is not None and self.store.delete_booking(item_id)
