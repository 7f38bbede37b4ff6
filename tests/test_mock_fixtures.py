"""--fixtures: a user's dataset of the same shape, and clear errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mock_server import MockConfig, create_app
from mock_server.config import DEFAULT_FIXTURES
from mock_server.data.dataset import FixturesError, load_dataset
from mock_server.tokens import mint_token


def _embedded() -> dict:
    return yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "my-fixtures.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def _booking(data: dict) -> dict:
    return data["organizations"][0]["appointments"][2]


BROKEN = {
    "no organizations": (lambda d: d.pop("organizations"), "organizations", "missing"),
    "unknown calcom state": (lambda d: d["organizations"][1].update(calcom="sleepy"), "organizations[1].calcom", "sleepy"),
    "bad email": (lambda d: _booking(d).update(contact_email="not-an-email"), "organizations[0].appointments[2].contact_email", "not-an-email"),
    "bad phone": (lambda d: _booking(d).update(contact_phone="555-0100"), "organizations[0].appointments[2].contact_phone", "555-0100"),
    "status outside the enum": (
        lambda d: _booking(d).update(status="done"),
        "organizations[0].appointments[2].status",
        '"done" is not one of "accepted", "pending", "cancelled", "rejected", "awaiting_host"',
    ),
    "local time": (lambda d: _booking(d).update(appointment_time="2026-03-17T14:00:00+02:00"), "organizations[0].appointments[2].appointment_time", "2026"),
    "end before start": (lambda d: _booking(d).update(end_time="2026-03-17T13:00:00Z"), "organizations[0].appointments[2].end_time", "after"),
    "unknown agent": (lambda d: _booking(d).update(agent_id="agent_ghost"), "organizations[0].appointments[2].agent_id", "agent_ghost"),
    "missing field": (lambda d: _booking(d).pop("contact_name"), "organizations[0].appointments[2].contact_name", "missing"),
    "number for a string": (lambda d: _booking(d).update(contact_id=12), "organizations[0].appointments[2].contact_id", "12"),
    "malformed uid": (lambda d: _booking(d).update(id="has space"), "organizations[0].appointments[2].id", "has space"),
    "uid used twice": (lambda d: _booking(d).update(id="kko1gv8tFZe8JjpCpct5tG"), "organizations[0].appointments[2].id", "already used"),
    "org listed twice": (lambda d: d["organizations"][1].update(id="org_sunrise_dental"), "organizations[1].id", "twice"),
    "unknown key": (lambda d: d["organizations"][2].update(colour="blue"), "organizations[2]", "colour"),
    "appointments on an unconnected org": (
        lambda d: d["organizations"][2].update(appointments=[_booking(d)]),
        "organizations[2].appointments",
        "connected",
    ),
}


@pytest.mark.parametrize("mutate,where,mentions", list(BROKEN.values()), ids=list(BROKEN))
def test_a_malformed_dataset_names_file_and_field(tmp_path, spec, mutate, where, mentions):
    data = _embedded()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(FixturesError) as caught:
        load_dataset(path, spec)
    message = str(caught.value)
    assert message.startswith(f"{path}: {where}: "), message
    assert mentions in message


@pytest.mark.parametrize("text,mentions", [("organizations: [", "not valid YAML"), ("- just\n- a list\n", "is not of type .object.")])
def test_unparseable_files_are_reported(tmp_path, spec, text, mentions):
    with pytest.raises(FixturesError, match=mentions):
        load_dataset(_write(tmp_path, text), spec)


def test_a_missing_file_is_reported(tmp_path, spec):
    with pytest.raises(FixturesError, match="cannot read"):
        load_dataset(tmp_path / "absent.yaml", spec)


def test_a_users_dataset_is_served(tmp_path, spec, get_appointment):
    data = {
        "organizations": [
            {
                "id": "org_custom",
                "calcom": "connected",
                "agents": {"agent_x": "X"},
                "appointments": [
                    {
                        "id": "customBooking_1",
                        "ghl_appointment_id": "",
                        "contact_id": "",
                        "agent_id": "agent_x",
                        "contact_name": "Sam",
                        "contact_email": "sam@example.com",
                        "contact_phone": "",
                        "appointment_time": "2026-05-01T09:00:00Z",
                        "end_time": "2026-05-01T09:30:00Z",
                        "status": "pending",
                    }
                ],
            }
        ]
    }
    app = create_app(MockConfig(fixtures=_write(tmp_path, data), log_requests=False))
    response = app.test_client().get(get_appointment.path_for("customBooking_1"), headers={"Authorization": f"Bearer {mint_token('org_custom')}"})
    assert response.status_code == 200
    assert response.get_json()["data"]["appointment"]["agent_name"] == "X"
