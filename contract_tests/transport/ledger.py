"""What the run created, so that it changes nothing else and leaves nothing behind.

Every answer the suite's session gets passes through the ledger: a 2xx to a resource's create records the new
item's ID (from the body where the spec puts it, else from `Location`), a 2xx to its delete marks it deleted.
Against a live URL the session asks the ledger before each write: a create only for a resource the suite can
delete again and within CONTRACT_MAX_CREATES; a change or delete only of an item this run created (or with an
ID the spec's own schema refuses, which names nothing); any other write is not sent. At the end of the run every
item still there is deleted, and the verdict says "created N, deleted N, left 0" (or lists what is left).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote, unquote, urlsplit

from mock_server.resources.model import Resource, ResourceModel
from mock_server.routing import Match, Routes
from mock_server.schemas import spec_validator
from mock_server.spec import ApiSpec, Operation


@dataclass
class Owned:
    """One item this run created."""

    resource: Resource
    item_id: str
    deleted: bool = False


class Ledger:
    """The items the run created, and the rules that keep its writes to them."""

    def __init__(self, spec: ApiSpec, model: ResourceModel, *, live: bool, max_creates: int):
        self.spec = spec
        self.model = model
        self.live = live
        self.max_creates = max_creates
        self.routes = Routes(spec.operations.values())
        self.items: dict[tuple[str, str], Owned] = {}
        self.created = 0
        self.cleaned = False
        self.left: list[str] = []  # "resource ID: why" of the items the final cleanup could not delete
        self._lock = threading.Lock()

    def _route(self, method: str, url: str) -> tuple[Operation, Resource, str, dict[str, str]] | None:
        found = self.routes.match(method.upper(), unquote(urlsplit(url).path))
        if not isinstance(found, Match):
            return None
        resource = self.model.resource_of(found.operation)
        if resource is None:
            return None
        action = resource.action_of(found.operation) or ""
        return found.operation, resource, action, found.path_params

    def refusal(self, method: str, url: str) -> str | None:
        """Why a write must not reach a live URL (None: it may): only the run's own items are changed."""
        routed = self._route(method, url)
        if routed is None:
            return f"{method} {urlsplit(url).path} is not sent to a live server: the spec names no resource for it, so the suite could not undo it"
        operation, resource, action, params = routed
        if action == "create":
            if "delete" not in resource.operations:
                return f"{operation.operation_id} is not sent to a live server: {resource.name} has no delete operation to undo it with"
            if self.created >= self.max_creates:
                return f"{operation.operation_id} is not sent: the run created {self.created} items, CONTRACT_MAX_CREATES={self.max_creates}"
            return None
        item_id = params.get(resource.id_param, "")
        if (resource.name, item_id) in self.items or not spec_validator(self.spec, resource.id_schema).is_valid(_typed(resource, item_id)):
            return None
        return (f"{operation.operation_id} on {item_id} is not sent to a live server: the suite changes only what it created in "
                "this run")

    def observe(self, method: str, url: str, status: int, headers: Any, body: Any) -> None:
        """Record a create's new item, or a delete of one."""
        if not 200 <= status < 300:
            return
        routed = self._route(method, url)
        if routed is None:
            return
        operation, resource, action, params = routed
        with self._lock:
            if action == "create":
                item_id = created_id(resource, operation, status, headers, body)
                self.created += 1
                if item_id is not None:
                    self.items[(resource.name, item_id)] = Owned(resource, item_id)
                else:
                    self.left.append(f"{resource.name}: an item created by {operation.operation_id} whose ID the answer did not give")
            elif action == "delete":
                owned = self.items.get((resource.name, params.get(resource.id_param, "")))
                if owned is not None:
                    owned.deleted = True

    def alive(self, resource: Resource) -> list[str]:
        """The IDs of this run's items of a resource that are not deleted yet, oldest first."""
        return [o.item_id for o in self.items.values() if o.resource.name == resource.name and not o.deleted]

    def owns(self, resource: Resource, item_id: str) -> bool:
        """True when this run created the item."""
        return (resource.name, item_id) in self.items

    def cleanup(self, delete: Callable[[Resource, str], str | None], still_there: Callable[[Resource, str], int | None]) -> None:
        """Delete every item still there (those a test deleted are read again: a delete that answered 2xx may have kept
        the item); `delete` returns None when the item is gone, else why not."""
        if self.cleaned:
            return
        self.cleaned = True
        for owned in list(self.items.values()):
            if owned.deleted and still_there(owned.resource, owned.item_id) is None:
                continue
            owned.deleted = False
            why = delete(owned.resource, owned.item_id)
            owned.deleted = why is None  # (its DELETE's 2xx marked it deleted already: what counts is whether it is gone)
            if why is not None:
                self.left.append(f"{owned.resource.name} {owned.item_id}: {why}")

    @property
    def deleted(self) -> int:
        """Items of this run that are deleted."""
        return sum(1 for o in self.items.values() if o.deleted)

    def summary(self) -> str | None:
        """'created 4, deleted 4, left 0' (None when the run created nothing)."""
        if not self.created:
            return None
        left = self.created - self.deleted
        text = f"created {self.created}, deleted {self.deleted}, left {left}"
        return text + (f" ({'; '.join(self.left[:5])})" if left and self.left else "")


def created_id(resource: Resource, operation: Operation, status: int, headers: Any, body: Any) -> str | None:
    """The ID of the item a create made: from its body where the spec puts the item, else from `Location`."""
    place = resource.places.get((operation.operation_id, status))
    if place is not None and resource.id_field is not None:
        item = body
        for name in place:
            item = item.get(name) if isinstance(item, dict) else None
        if isinstance(item, dict) and item.get(resource.id_field) is not None and not isinstance(item[resource.id_field], (dict, list)):
            return str(item[resource.id_field])
    location = next((v for k, v in dict(headers or {}).items() if k.lower() == "location"), None)
    if isinstance(location, str) and location.strip("/"):
        return unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])
    return None


def item_url(base_url: str, resource: Resource, operation: Operation, item_id: str) -> str:
    """The URL of one item for an operation on it."""
    return base_url + operation.path.replace("{" + resource.id_param + "}", quote(item_id, safe=""))


def _typed(resource: Resource, text: str) -> Any:
    if resource.id_schema.get("type") == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    return text
