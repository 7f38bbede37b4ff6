"""Step 5 of the pipeline: look the booking up in the organization's (simulated) Cal.com account."""

from __future__ import annotations

from mock_server.data.store import SharedStore
from mock_server.envelope import ApiError


class CalcomAccountFault(RuntimeError):
    """The organization's Cal.com account cannot be used: the app turns this into 500 INTERNAL_ERROR."""


def lookup_booking(store: SharedStore, org_id: str, appointment_id: str) -> bytes:
    """The serialized 200 body for the booking, or the documented error for this organization."""
    org = store.organization(org_id)
    if org is None or org.calcom == "not_connected":
        raise ApiError("NOT_CONNECTED", f"Cal.com is not connected for organization {org_id}")
    if org.calcom == "calcom_error":
        raise ApiError("CALCOM_API_ERROR", "Cal.com API error: the organization's Cal.com API key was rejected (401)")
    if org.calcom == "internal_error":
        raise CalcomAccountFault(f"stored Cal.com credentials of {org_id} cannot be decrypted")
    found = store.booking(appointment_id, fresh=True)  # organization() has just checked the cache is current
    if found is None or found[0] != org_id:
        # Cal.com answers 404 for another organization's booking too: never reveal that it exists.
        raise ApiError("CALCOM_API_ERROR", f"Cal.com API error: booking {appointment_id} not found")
    return found[1]
