"""Which operations of a spec make one resource, and where its items are in their bodies (no code per API).

The conventions (docs/writes.md):
- A POST on a collection path `/x` and the operations on its item path `/x/{id}` (one more segment, a parameter)
  make a resource; so do the operations a POST's 2xx `links` name with a parameter taken from its answer
  (`$response.body#/data/id`, or `$response.header.Location`).
- The item is the object schema, in the item GET's 2xx body (else the create's), that carries the ID: the field
  a link's pointer names, else one named like the ID parameter, `id` or `uid`. Other bodies carry it where the
  same schema is (a list: where an array of it is).
- A GET on the collection lists; GET, PATCH, PUT and DELETE on the item read, merge, replace and delete.
Where a spec does not let the mock infer a resource, the operation is served from its examples, said at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.spec import ApiSpec, Operation, is_json_media

ID_NAMES = ("id", "uid", "uuid", "key")
_PARAM = re.compile(r"^{([^{}]+)}$")
ACTIONS = {"POST": "create", "GET": "read", "PATCH": "update", "PUT": "replace", "DELETE": "delete"}
Place = tuple[str, ...]  # property names from the top of a body down to the item (or to a list's array)


@dataclass(repr=False)
class Resource:
    """One resource: its operations by action, its ID parameter and field, and where its items are in each body."""

    name: str
    item_path: str
    id_param: str
    id_schema: dict[str, Any]
    item_schema: dict[str, Any]
    id_field: str | None
    operations: dict[str, Operation] = field(default_factory=dict)  # action -> operation ("create", "list", ...)
    places: dict[tuple[str, int], Place] = field(default_factory=dict)  # (operationId, status) -> the item's place
    list_places: dict[tuple[str, int], Place] = field(default_factory=dict)  # (operationId, status) -> the array's place

    def __repr__(self) -> str:
        return f"Resource({self.describe()})"

    def action_of(self, operation: Operation) -> str | None:
        """What this operation does to the resource (None: it is not one of its operations)."""
        return next((action for action, op in self.operations.items() if op is operation), None)

    @property
    def create_body_schema(self) -> dict[str, Any]:
        """The JSON schema of the create's body ({} when it has none)."""
        return json_body_schema(self.operations.get("create"))

    def describe(self) -> str:
        """'appointments: create, read, list, update, delete (ID appointment_id = id)'."""
        return f"{self.name}: {', '.join(self.operations)} (ID {self.id_param}{' = ' + self.id_field if self.id_field else ''})"


@dataclass(frozen=True)
class ResourceModel:
    """The spec's resources, and a line for every write the mock serves without state."""

    resources: tuple[Resource, ...]
    notes: tuple[str, ...]

    def resource_of(self, operation: Operation) -> Resource | None:
        """The resource an operation belongs to."""
        return next((r for r in self.resources if r.action_of(operation) is not None), None)


def json_body_schema(operation: Operation | None) -> dict[str, Any]:
    """The schema of an operation's JSON request body ({} when none)."""
    if operation is None or operation.request_body is None:
        return {}
    media = next((m for m in operation.request_body.content.values() if is_json_media(m.media_type)), None)
    return media.schema if media is not None and isinstance(media.schema, dict) else {}


def success_statuses(operation: Operation) -> list[int]:
    """The operation's documented 2xx statuses, lowest first."""
    return [s for s in operation.statuses if 200 <= s < 300]


def _properties(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        found.update(_properties(part))
    return found


def find_place(schema: Any, wanted: Any, depth: int = 0) -> Place | None:
    """Where, below a body schema, the schema `wanted` is (by identity, or as an object with its ID field)."""
    if not isinstance(schema, dict) or depth > 4:
        return None
    if schema is wanted or (callable(wanted) and wanted(schema)):
        return ()
    for name, sub in _properties(schema).items():
        found = find_place(sub, wanted, depth + 1)
        if found is not None:
            return (name, *found)
    return None


def find_array(schema: Any, item: dict[str, Any], id_field: str | None, depth: int = 0) -> Place | None:
    """Where, below a body schema, an array of the item is."""
    if not isinstance(schema, dict) or depth > 4:
        return None
    if schema.get("type") == "array" or "items" in schema:
        items = schema.get("items")
        if items is item or (isinstance(items, dict) and id_field is not None and id_field in _properties(items)
                             and set(_properties(items)) >= set(_properties(item))):
            return ()
        return None
    for name, sub in _properties(schema).items():
        found = find_array(sub, item, id_field, depth + 1)
        if found is not None:
            return (name, *found)
    return None


def _id_candidates(id_param: str) -> list[str]:
    stem = re.sub(r"(_id|Id|ID|_uid|Uid)$", "", id_param)
    return [id_param, *ID_NAMES, f"{stem}_id" if stem != id_param else id_param]


def _item_in(schema: Any, id_param: str, pointer: Place | None) -> tuple[Place, dict[str, Any], str] | None:
    """(place, item schema, ID field) of the item in a response schema."""
    if pointer:
        place, id_field = pointer[:-1], pointer[-1]
        sub: Any = schema
        for name in place:
            sub = _properties(sub).get(name)
        if isinstance(sub, dict) and id_field in _properties(sub):
            return place, sub, id_field
        return None
    for candidate in _id_candidates(id_param):
        place = find_place(schema, lambda s, c=candidate: s.get("type", "object") == "object" and c in _properties(s))
        if place is not None:
            sub = schema
            for name in place:
                sub = _properties(sub)[name]
            return place, sub, candidate
    return None


def _json_schema(operation: Operation, status: int) -> dict[str, Any]:
    response = operation.responses.get(status)
    if response is None or response.media_type is None or not is_json_media(response.media_type):
        return {}
    return response.schema or {}


def _link_targets(spec: ApiSpec, create: Operation) -> dict[str, tuple[str, Place | None]]:
    """operationId -> (its parameter the link fills, the pointer into the create's body, None for Location)."""
    targets: dict[str, tuple[str, Place | None]] = {}
    for status in success_statuses(create):
        links = (create.raw.get("responses", {}).get(str(status), {}) or {}).get("links") or {}
        for link in links.values():
            if not isinstance(link, dict) or not isinstance(link.get("parameters"), dict):
                continue
            operation_id = link.get("operationId")
            if operation_id not in spec.operations:
                continue
            for name, expression in link["parameters"].items():
                name = str(name).split(".")[-1]
                if not isinstance(expression, str):
                    continue
                if expression.startswith("$response.body#/"):
                    pointer = tuple(part.replace("~1", "/").replace("~0", "~") for part in expression.split("#/", 1)[1].split("/"))
                    targets[operation_id] = (name, pointer)
                elif expression.lower() == "$response.header.location":
                    targets[operation_id] = (name, None)
    return targets


_MODELS: dict[int, tuple[ApiSpec, ResourceModel]] = {}


def infer_resources(spec: ApiSpec) -> ResourceModel:
    """Every resource the spec lets the mock infer, and a note for each write it serves without state (one model per
    spec: every part of a run sees the same Resource objects)."""
    found = _MODELS.get(id(spec))
    if found is None or found[0] is not spec:
        found = (spec, _infer(spec))
        _MODELS[id(spec)] = found
    return found[1]


def _infer(spec: ApiSpec) -> ResourceModel:
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in spec.operations.values():
        by_path.setdefault(operation.path, {})[operation.method] = operation
    resources: list[Resource] = []
    unfollowed: list[str] = []  # creates whose answers name neither the created item nor its Location
    for collection, methods in by_path.items():
        create = methods.get("POST")
        if create is None:
            continue
        members: dict[str, Operation] = {}
        id_param = None
        pointer: Place | None = None
        for operation_id, (name, link_pointer) in _link_targets(spec, create).items():
            linked = spec.operations[operation_id]
            if linked.method in ACTIONS and linked.method != "POST" and name in linked.path_parameters:
                members.setdefault(linked.method, linked)
                id_param = id_param or name
                pointer = pointer or link_pointer
        for template, item_methods in by_path.items():
            rest = template[len(collection):] if template.startswith(collection.rstrip("/") + "/") else None
            match = _PARAM.match(rest.lstrip("/")) if rest else None
            if match is None or "/" in rest.strip("/"):
                continue
            for method, operation in item_methods.items():
                if method in ACTIONS and method != "POST" and (id_param is None or id_param == match.group(1)):
                    members.setdefault(method, operation)
                    id_param = id_param or match.group(1)
        if id_param is None:
            continue
        resource = _resource(spec, collection, create, members, methods.get("GET"), id_param, pointer)
        if resource is not None:
            resources.append(resource)
        else:
            unfollowed.append(create.operation_id)
    taken = {id(op) for r in resources for op in r.operations.values()}
    notes = []
    for operation in spec.operations.values():
        if operation.method in ("POST", "PUT", "PATCH", "DELETE") and id(operation) not in taken:
            why = ("its answer names neither the created item nor a Location" if operation.operation_id in unfollowed else
                   "the spec names no resource for it: no POST on a collection with an item path /{id} below it, nor links from a create")
            notes.append(f"{operation.label}: served from its examples, nothing stored ({why})")
    return ResourceModel(tuple(resources), tuple(notes))


def _resource(spec: ApiSpec, collection: str, create: Operation, members: dict[str, Operation], lister: Operation | None,
              id_param: str, pointer: Place | None) -> Resource | None:
    """The resource made of these operations, when an item schema can be found in their bodies."""
    found = None
    for source in [members.get("GET"), create]:
        if source is None:
            continue
        for status in success_statuses(source):
            found = _item_in(_json_schema(source, status), id_param, pointer)
            if found is not None:
                break
        if found is not None:
            break
    if found is None:
        return None
    _place, item_schema, id_field = found
    item_path = next((op.path for op in members.values()), f"{collection.rstrip('/')}/{{{id_param}}}")
    id_schema = next((p.schema for op in members.values() for p in op.parameters if p.location == "path" and p.name == id_param), {"type": "string"})
    name = next((part for part in reversed(collection.split("/")) if part and "{" not in part), "items")
    resource = Resource(name, item_path, id_param, id_schema, item_schema, id_field)
    resource.operations["create"] = create
    actions = {"GET": "read", "PATCH": "update", "PUT": "replace", "DELETE": "delete"}
    for method, operation in members.items():
        resource.operations[actions[method]] = operation
    if lister is not None:
        resource.operations["list"] = lister
    for action, operation in resource.operations.items():
        for status in success_statuses(operation):
            schema = _json_schema(operation, status)
            if action == "list":
                place = find_array(schema, item_schema, id_field)
                if place is not None:
                    resource.list_places[(operation.operation_id, status)] = place
                continue
            place = find_place(schema, item_schema)
            if place is None:
                item = _item_in(schema, id_param, None)
                place = item[0] if item is not None and item[2] == id_field else None
            if place is not None:
                resource.places[(operation.operation_id, status)] = place
    if "list" in resource.operations and not resource.list_places:
        del resource.operations["list"]  # a GET on the collection that carries no array of items is not its list
    create_says_where = any(key[0] == create.operation_id for key in resource.places) or any(
        name.lower() == "location" for status in success_statuses(create) for name in create.responses[status].headers)
    if not create_says_where:
        return None  # a create whose answer names neither the item nor its Location: nobody could find what it made
    return resource
