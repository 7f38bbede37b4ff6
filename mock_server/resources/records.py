"""Where a resource's items are kept, and how a new item is made from a request body.

Records is the small interface a resource's handler stores through: the generic one keeps items in the shared
store's `items` table (every worker sees every write at once); a profile may give its own (Ravan's keeps its
bookings where Get Appointment reads them). Items are kept per tenant: another tenant's item is unknown.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any, Protocol

from mock_server.pipeline.sampler import Sampler, _pattern_sample
from mock_server.resources.model import Resource, _properties
from mock_server.schemas import spec_validator
from mock_server.spec import ApiSpec, SpecError

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Records(Protocol):
    """A resource's items, by tenant and ID."""

    def get(self, tenant: str, item_id: str) -> dict[str, Any] | None:
        """The tenant's item (None: unknown, or another tenant's)."""

    def exists(self, item_id: str) -> bool:
        """True when any tenant has an item with this ID."""

    def list(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's items, in the order lists show them."""

    def put(self, tenant: str, item_id: str, item: dict[str, Any]) -> None:
        """Store (add or replace) the tenant's item."""

    def delete(self, tenant: str, item_id: str) -> bool:
        """Remove the tenant's item; False when the tenant has none with this ID."""


class ItemTable:
    """A resource's items in the shared store's `items` table."""

    def __init__(self, store: Any, resource: str):
        self.store = store
        self.resource = resource

    def get(self, tenant: str, item_id: str) -> dict[str, Any] | None:
        """The tenant's item."""
        found = self.store.item(self.resource, item_id)
        return json.loads(found[1]) if found is not None and found[0] == tenant else None

    def exists(self, item_id: str) -> bool:
        """True when any tenant has it."""
        return self.store.item(self.resource, item_id) is not None

    def list(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's items, oldest first."""
        return [json.loads(body) for _id, body in self.store.items(self.resource, tenant)]

    def put(self, tenant: str, item_id: str, item: dict[str, Any]) -> None:
        """Store the item."""
        self.store.put_item(self.resource, item_id, tenant, _encode(item).encode())

    def delete(self, tenant: str, item_id: str) -> bool:
        """Remove the tenant's item."""
        return self.get(tenant, item_id) is not None and self.store.delete_item(self.resource, item_id)

    def seed(self, items: dict[str, dict[str, Any]]) -> None:
        """The first state: these items (by ID), for the one tenant of a spec without tenancy."""
        self.store.seed_items(self.resource, [(item_id, "", _encode(item).encode()) for item_id, item in items.items()])


def example_items(spec: ApiSpec, resource: Resource) -> dict[str, dict[str, Any]]:
    """The items the spec's examples show (the read's, the create's, the list's), by ID: a resource's first state, so
    that what Prism answers for an example's ID the mock answers too."""
    found: dict[str, dict[str, Any]] = {}
    validator = spec_validator(spec, resource.item_schema)
    id_examples = [value for op in resource.operations.values() for p in op.parameters
                   if p.location == "path" and p.name == resource.id_param for value in p.examples.values()]
    for (operation_id, status), place in [*resource.places.items(), *resource.list_places.items()]:
        response = spec.operations[operation_id].responses.get(status)
        listed = (operation_id, status) in resource.list_places
        for example in (response.examples.values() if response is not None else ()):
            value: Any = example
            for name in place:
                value = value.get(name) if isinstance(value, dict) else None
            for item in (value if listed and isinstance(value, list) else [value]):
                if not isinstance(item, dict) or not validator.is_valid(item):
                    continue
                item_id = item.get(resource.id_field) if resource.id_field else None
                if item_id is None and len(id_examples) == 1 and not listed:
                    item_id = id_examples[0]
                if item_id is not None and not isinstance(item_id, (dict, list)):
                    found.setdefault(str(item_id), item)
    return found


def _candidates(integer: bool) -> Any:
    """IDs of the usual shapes, most likely first (made one at a time: the first usually fits)."""
    if integer:
        yield secrets.randbelow(900_000_000) + 100_000
        return
    raw = secrets.token_bytes(22)
    yield "".join(BASE58[b % 58] for b in raw)  # Cal.com-like: 22 base58 characters
    identifier = uuid.uuid4()
    yield str(identifier)
    yield identifier.hex
    yield str(secrets.randbelow(900_000_000) + 100_000)


class ItemMaker:
    """New items from request bodies: IDs that match the ID parameter's schema, and values for required fields."""

    def __init__(self, spec: ApiSpec, resource: Resource, sampler: Sampler):
        self.spec = spec
        self.resource = resource
        self.sampler = sampler
        self._id_checks = [spec_validator(spec, resource.id_schema)]
        field_schema = _properties(resource.item_schema).get(resource.id_field or "")
        if isinstance(field_schema, dict) and field_schema:
            self._id_checks.append(spec_validator(spec, field_schema))

    def new_id(self, taken: Any) -> Any:
        """An ID no item has, valid for the ID parameter and the item's ID field: `taken(id)` says whether it is used."""
        integer = self.resource.id_schema.get("type") == "integer" or _properties(self.resource.item_schema).get(
            self.resource.id_field or "", {}).get("type") == "integer"
        for _ in range(20):
            for candidate in _candidates(integer):
                if all(check.is_valid(candidate) for check in self._id_checks) and not taken(str(candidate)):
                    return candidate
        pattern = self.resource.id_schema.get("pattern")
        tried: list[str] = []
        for _ in range(50 if isinstance(pattern, str) else 0):  # a pattern none of the usual shapes fits: derived from it
            value = _pattern_sample(pattern, int(self.resource.id_schema.get("minLength", 0)), self.resource.id_schema.get("maxLength"),
                                    avoid=tuple(tried))
            if value is None:
                break
            if all(check.is_valid(value) for check in self._id_checks) and not taken(value):
                return value
            tried.append(value)
        raise SpecError(f"{self.resource.name}: no new ID can be made that matches the ID parameter's schema")

    def fields_from(self, body: Any) -> dict[str, Any]:
        """The body's fields that are the item's (all of them when the item schema lists no properties)."""
        if not isinstance(body, dict):
            return {}
        known = _properties(self.resource.item_schema)
        closed = self.resource.item_schema.get("additionalProperties") is False
        return {name: value for name, value in body.items() if name in known or (not known and not closed)}

    def body_defaults(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The defaults a request body schema gives the fields a client left out."""
        return {name: sub["default"] for name, sub in _properties(schema).items() if isinstance(sub, dict) and "default" in sub}

    def ordered(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item's fields in the order its schema lists them (then any other)."""
        order = list(self.resource.item_schema.get("required") or ()) + list(_properties(self.resource.item_schema))
        rank = {name: i for i, name in enumerate(dict.fromkeys(order))}
        return dict(sorted(item.items(), key=lambda pair: rank.get(pair[0], len(rank))))

    def fill(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item with every required field it lacks: its default, else the first enum value, else its example,
        else a value derived from its schema."""
        filled = dict(item)
        properties = _properties(self.resource.item_schema)
        for name in self.resource.item_schema.get("required") or ():
            if name in filled:
                continue
            schema = properties.get(name) if isinstance(properties.get(name), dict) else {}
            if "default" in schema:
                filled[name] = schema["default"]
            elif schema.get("enum"):
                filled[name] = schema["enum"][0]
            elif "example" in schema:
                filled[name] = schema["example"]
            elif isinstance(schema.get("examples"), list) and schema["examples"]:
                filled[name] = schema["examples"][0]
            else:
                try:
                    filled[name] = self.sampler.sample(schema, f"{self.resource.name} field {name}")
                except SpecError:
                    filled[name] = self.sampler.closest(schema)
        return self.ordered(filled)
