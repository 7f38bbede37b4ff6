"""The embedded dataset (or a user's, via --fixtures): loaded, checked against the spec, indexed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mock_server.data.store import OrganizationState, SharedStore
from mock_server.schemas import draft4_validator, error_message, error_path
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import ApiSpec, read_yaml

CALCOM_STATES = ("connected", "not_connected", "calcom_error", "internal_error")
APPOINTMENT_INPUT_FIELDS = (
    "id",
    "ghl_appointment_id",
    "contact_id",
    "agent_id",
    "contact_name",
    "contact_email",
    "contact_phone",
    "appointment_time",
    "end_time",
    "status",
)

# The shape of the fixtures file itself (the served fields are then checked against openapi.yaml).
FIXTURES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["organizations"],
    "additionalProperties": False,
    "properties": {
        "organizations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "calcom"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "calcom": {"enum": list(CALCOM_STATES)},
                    "agents": {"type": "object", "additionalProperties": {"type": "string"}},
                    "appointments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": list(APPOINTMENT_INPUT_FIELDS),
                            "additionalProperties": False,
                            "properties": {name: {"type": "string"} for name in APPOINTMENT_INPUT_FIELDS},
                        },
                    },
                },
            },
        }
    },
}


class FixturesError(ValueError):
    """The fixtures file is unreadable or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Organization:
    """One organization of the dataset, with its Cal.com state and its served bookings."""

    id: str
    name: str
    calcom: str
    bookings: dict[str, bytes]  # booking UID -> the serialized 200 body, built once at load time


@dataclass(frozen=True)
class Dataset:
    """Every organization of the dataset, by ID."""

    source: Path
    organizations: dict[str, Organization]


def create_store(dataset: Dataset, folder: Path | None = None, store_url: str | None = None) -> Any:
    """A new store holding the dataset: the shared SQLite store in a folder of its own, or Redis (--store)."""
    organizations = [OrganizationState(org.id, org.name, org.calcom) for org in dataset.organizations.values()]
    # In key order: the bookings table is a B-tree on the UID, and appending to it costs a third of inserting at random.
    bookings = sorted((uid, org.id, body) for org in dataset.organizations.values() for uid, body in org.bookings.items())
    if store_url:
        from mock_server.data.redis_store import RedisStore

        return RedisStore.create(store_url, organizations, bookings, folder, str(dataset.source))
    return SharedStore.create(organizations, bookings, folder)


def empty_store(store_url: str | None = None) -> Any:
    """A store without a dataset (a spec without Ravan's profile): SQLite, or Redis (--store)."""
    if store_url:
        from mock_server.data.redis_store import RedisStore

        return RedisStore.create(store_url, [], [], None, "no dataset")
    return SharedStore.create([], [])


class StoreSeeding:
    """A fixtures file being loaded, checked and stored by a short-lived child process.

    Parsing a large dataset leaves its memory in the process that did it: done in a child that exits, the
    server process (and the workers forked from it) never hold the dataset, only the shared store's file.
    The child runs while the server process goes on preparing (on the other core); `wait()` returns the
    store, or raises the child's FixturesError with its message.
    """

    def __init__(self, path: Path, spec: ApiSpec, store_url: str | None = None):
        import multiprocessing

        self.path = path
        self.store_url = store_url
        self.folder = SharedStore.new_folder()
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)

        def seed() -> None:
            try:
                create_store(load_dataset(path, spec), self.folder, store_url)
                send.send(("ok", ""))
            except (FixturesError, ValueError) as error:
                send.send(("error", str(error)))
            except BaseException as error:  # noqa: BLE001 - reported to the parent, which decides
                send.send(("crash", f"{type(error).__name__}: {error}"))

        self._child = context.Process(target=seed, name="ravan-mock-seed")
        self._child.start()

    def wait(self) -> SharedStore:
        """The seeded store (raises FixturesError or RuntimeError when seeding failed)."""
        outcome, detail = self._receive.recv() if self._receive.poll(600) else ("crash", "the dataset loader did not answer")
        self._child.join()
        if outcome == "error":
            raise FixturesError(detail)
        if outcome == "crash":
            raise RuntimeError(f"loading {self.path} failed: {detail}")
        return self.store()

    def store(self) -> Any:
        """The store being seeded (usable once wait() returned): the shared SQLite file, or Redis (--store)."""
        if self.store_url:
            from mock_server.data.redis_store import RedisStore

            return RedisStore(self.store_url, self.folder)
        return SharedStore(self.folder)
def _where(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _fail(source: Path, where: str, message: str) -> FixturesError:
    return FixturesError(f"{source}: {where}: {message}")


def _check(validator: Any, instance: Any, source: Path, prefix: str) -> None:
    """Raise FixturesError for the first schema violation, naming its field below prefix."""
    if validator.is_valid(instance):
        return  # the common case, without building an iterator of errors
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in error_path(e)])
    if errors:
        error = errors[0]
        where = _where(error_path(error))
        if prefix:
            where = prefix if where == "(top level)" else f"{prefix}{'' if where.startswith('[') else '.'}{where}"
        raise _fail(source, where, error_message(error))


def parse_time(value: str) -> datetime:
    """An RFC 3339 time of the dataset ("Z" for UTC) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def success_body(spec: ApiSpec, appointment: dict[str, str]) -> dict[str, Any]:
    """The 200 envelope for one appointment (the message is the one the spec pins)."""
    message = spec.operation(GET_APPOINTMENT).responses[200].schema["properties"]["message"]["enum"][0]
    return {
        "success": True,
        "message": message,
        "data": {
            "appointment": appointment,
            "org_id": appointment["organization_id"],
            "agent_id": appointment["agent_id"],
        },
    }


def load_dataset(path: Path, spec: ApiSpec) -> Dataset:
    """Read, validate and index a fixtures file; raise FixturesError naming the file and field."""
    source = Path(path)
    try:
        raw = read_yaml(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixturesError(f"{source}: cannot read the fixtures file: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FixturesError(f"{source}: not valid YAML: {exc}") from None
    _check(draft4_validator(FIXTURES_SCHEMA), raw, source, "")
    operation = spec.operation(GET_APPOINTMENT)
    appointment_schema = operation.responses[200].schema["properties"]["data"]["properties"]["appointment"]
    served = draft4_validator(appointment_schema)
    field_order = appointment_schema["required"]  # the reference page's order
    org_pattern = operation.parameter_pattern("org_id", "query")
    id_pattern = operation.parameter_pattern("appointment_id", "path")
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # one encoder for 50,000 bodies
    organizations: dict[str, Organization] = {}
    seen_uids: dict[str, str] = {}
    for i, org in enumerate(raw["organizations"]):
        where = f"organizations[{i}]"
        if not org_pattern.fullmatch(org["id"]):
            raise _fail(source, f"{where}.id", f"{org['id']!r} does not match {org_pattern.pattern}")
        if org["id"] in organizations:
            raise _fail(source, f"{where}.id", f"organization {org['id']!r} is listed twice")
        agents = org.get("agents", {})
        appointments = org.get("appointments", [])
        if appointments and org["calcom"] != "connected":
            raise _fail(source, f"{where}.appointments", f"only a connected organization has appointments, not {org['calcom']!r}")
        bookings: dict[str, bytes] = {}
        for j, item in enumerate(appointments):
            at = f"{where}.appointments[{j}]"
            if item["agent_id"] not in agents:
                raise _fail(source, f"{at}.agent_id", f"{item['agent_id']!r} is not one of this organization's agents")
            if not id_pattern.fullmatch(item["id"]):
                raise _fail(source, f"{at}.id", f"{item['id']!r} does not match {id_pattern.pattern}")
            if item["id"] in seen_uids:
                raise _fail(source, f"{at}.id", f"booking UID {item['id']!r} is already used by {seen_uids[item['id']]}")
            fields = {**item, "organization_id": org["id"], "agent_name": agents[item["agent_id"]]}
            appointment = {name: fields[name] for name in field_order}
            _check(served, appointment, source, at)
            if parse_time(item["end_time"]) <= parse_time(item["appointment_time"]):
                raise _fail(source, f"{at}.end_time", "must be after appointment_time")
            seen_uids[item["id"]] = org["id"]
            bookings[item["id"]] = encode(success_body(spec, appointment)).encode()
        organizations[org["id"]] = Organization(org["id"], org.get("name", org["id"]), org["calcom"], bookings)
    return Dataset(source, organizations)
