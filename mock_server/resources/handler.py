"""The handler of a resource's operations: the same checks as every operation, then the action on its items.

authenticate -> validate parameters -> validate the body -> the profile's input rules -> negotiate (`Prefer`,
latency, injected errors) -> an answer set at run time -> the tenant (the profile's: Ravan's organization) ->
create | read | list | update (merge) | replace | delete, in one write. A request refused at any step changes
nothing. An unknown item (another tenant's included) gets what the spec documents for one (the profile says
which: 404, or Ravan's 502 CALCOM_API_ERROR).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from mock_server.envelope import Reply
from mock_server.pipeline.auth import Authenticator, Identity
from mock_server.pipeline.bodies import ResponseBodies
from mock_server.pipeline.generic import AnswerBook, default_status
from mock_server.pipeline.negotiation import negotiate_by_preference
from mock_server.pipeline.request import OperationRequest, Query
from mock_server.pipeline.validation import BodyValidator, ParameterValidator
from mock_server.resources.model import Resource
from mock_server.resources.records import ItemMaker, Records
from mock_server.schemas import spec_validator
from mock_server.spec import ApiSpec, Operation

log = logging.getLogger("mock_server")
LIMIT_NAMES = ("limit", "per_page", "page_size", "size", "max_results", "maxResults", "pageSize", "perPage")
COUNT_NAMES = ("count", "total", "total_count", "totalCount", "total_items", "totalItems")


@dataclass(frozen=True)
class ResourceHandler:
    """One operation of a resource, served from (and changing) the items the mock holds."""

    spec: ApiSpec
    operation: Operation
    resource: Resource
    action: str  # create | read | list | update | replace | delete
    bodies: ResponseBodies
    authenticate: Authenticator
    validator: ParameterValidator
    body_validator: BodyValidator
    answers: AnswerBook | None
    records: Records
    maker: ItemMaker
    profile: Any
    negotiate: Callable[["ResourceHandler", str | None, Query], Reply | None] = negotiate_by_preference

    def __call__(self, request: OperationRequest) -> Reply | tuple[int, Any]:
        """Check the request as every operation is checked, then act on the resource."""
        identity = self.authenticate(self.operation, request.authorization, request.query, request.header)
        values = self.validator.validate(request)
        body = self.body_validator.validate(request)
        self.profile.check_input(self.operation, body)
        forced = self.negotiate(self, request.prefer, request.query)
        if forced is not None:
            return forced
        if self.answers is not None:
            stored = self.answers.answer_for(self.operation.operation_id, values, body)
            if stored is not None:
                return stored
        tenant = self.profile.tenant(self.operation, identity, values)
        act = getattr(self, f"_{self.action}")
        try:
            return act(values, body, tenant, identity)
        except _Undocumented as unknown:  # the spec documents no answer for an unknown item: answered as Prism does
            return self._as_documented(unknown.item_id, values)

    def _as_documented(self, item_id: str, values: dict[str, Any]) -> Reply:
        """The documented answer, its item (derived, when it carries one) with the requested ID; nothing is stored."""
        status = default_status(self.operation)
        reply = self.bodies.reply(status)
        place = self.resource.places.get((self.operation.operation_id, status))
        item = _at(reply.body, place) if place is not None else None
        if isinstance(item, dict) and self.resource.id_field is not None:
            return self.render(status, {**item, self.resource.id_field: values.get(self.resource.id_param, item_id)})
        return reply

    # --- the actions ---------------------------------------------------------------------------------

    def _item_id(self, values: dict[str, Any]) -> str:
        return str(values.get(self.resource.id_param, ""))

    def _known(self, tenant: str, item_id: str) -> dict[str, Any]:
        item = self.records.get(tenant, item_id)
        if item is None:
            if not self.profile.documents_unknown_item(self.operation):
                raise _Undocumented(item_id)
            raise self.profile.unknown_item(self.operation, item_id)
        return item

    def _create(self, values: dict[str, Any], body: Any, tenant: str, identity: Identity | None) -> Reply:
        new_id = self.maker.new_id(self.records.exists)
        fields = {**self.maker.body_defaults(self.resource.create_body_schema), **self.maker.fields_from(body)}
        item = self._made(new_id, fields, tenant)
        self.records.put(tenant, str(new_id), item)
        status = 201 if 201 in self.operation.responses else default_status(self.operation)
        return self.render(status, item, location=str(new_id))

    def _made(self, item_id: Any, fields: dict[str, Any], tenant: str) -> dict[str, Any]:
        item = dict(fields)
        if self.resource.id_field is not None:
            item[self.resource.id_field] = item_id
        item = self.maker.fill(self.profile.fill_item(self.resource, item, tenant, self.records))
        self.profile.check_item(self.operation, item)
        return item

    def _read(self, values: dict[str, Any], body: Any, tenant: str, identity: Identity | None) -> Reply:
        return self.render(default_status(self.operation), self._known(tenant, self._item_id(values)))

    def _update(self, values: dict[str, Any], body: Any, tenant: str, identity: Identity | None) -> Reply:
        item_id = self._item_id(values)
        stored = self._known(tenant, item_id)
        item = {**stored, **self.maker.fields_from(body)}
        if self.resource.id_field is not None and self.resource.id_field in stored:
            item[self.resource.id_field] = stored[self.resource.id_field]  # an ID is never changed
        self.profile.check_item(self.operation, item)
        self.records.put(tenant, item_id, item)
        return self.render(default_status(self.operation), item)

    def _replace(self, values: dict[str, Any], body: Any, tenant: str, identity: Identity | None) -> Reply:
        item_id = self._item_id(values)
        existed = self.records.get(tenant, item_id) is not None
        if not existed and (201 not in self.operation.responses or self.records.exists(item_id)):
            raise self.profile.unknown_item(self.operation, item_id)
        typed_id = values.get(self.resource.id_param, item_id)
        item = self._made(typed_id, self.maker.fields_from(body), tenant)
        self.records.put(tenant, item_id, item)
        status = default_status(self.operation) if existed else 201
        return self.render(status, item, location=item_id if not existed else None)

    def _delete(self, values: dict[str, Any], body: Any, tenant: str, identity: Identity | None) -> Reply:
        item_id = self._item_id(values)
        item = self._known(tenant, item_id)
        self.records.delete(tenant, item_id)
        return self.render(default_status(self.operation), item)

    def _list(self, values: dict[str, Any], body: Any, tenant: str, identity: Identity | None) -> Reply:
        items = self.records.list(tenant)
        fields = set().union(*(item.keys() for item in items)) if items else set()
        for name, value in values.items():
            if name in fields and name != self.resource.id_param and not isinstance(value, (list, dict)):
                items = [item for item in items if _same(item.get(name), value)]
        limit = next((values[name] for name in LIMIT_NAMES if isinstance(values.get(name), int) and not isinstance(values[name], bool)), None)
        if limit is None:
            limit = next((p.schema.get("default") for p in self.operation.parameters
                          if p.name in LIMIT_NAMES and p.location == "query" and isinstance(p.schema.get("default"), int)), None)
        if isinstance(limit, int):
            items = items[:max(limit, 0)]
        return self.render_list(default_status(self.operation), items)

    # --- the answers ---------------------------------------------------------------------------------

    def render(self, status: int, item: dict[str, Any], location: str | None = None) -> Reply:
        """The documented answer with the item where its body carries one (and `Location` naming it)."""
        reply = self.bodies.reply(status)
        headers = reply.headers
        if location is not None:
            documented = self.operation.response_for(status)
            named = next((name for name in (documented.headers if documented else {}) if name.lower() == "location"), None)
            if named is not None:
                path = self.resource.item_path.replace("{" + self.resource.id_param + "}", quote(location, safe=""))
                headers = tuple(h for h in headers if h[0].lower() != "location") + ((named, path),)
        place = self.resource.places.get((self.operation.operation_id, status))
        if place is None or reply.body is None:
            return Reply(status, reply.body, reply.content_type, headers)
        body = _placed(reply.body, place, dict(item))
        body = self.profile.shape_item_body(self.operation, status, body, place, item)
        return self._checked(Reply(status, body, reply.content_type, headers), reply)

    def render_list(self, status: int, items: list[dict[str, Any]]) -> Reply:
        """The documented answer with the items where its body carries the list, and a count beside it agreeing."""
        reply = self.bodies.reply(status)
        place = self.resource.list_places.get((self.operation.operation_id, status))
        if place is None or reply.body is None:
            return reply
        body = _placed(reply.body, place, list(items))
        container = _at(body, place[:-1]) if place else None
        if isinstance(container, dict):
            for name in COUNT_NAMES:
                if isinstance(container.get(name), int) and not isinstance(container.get(name), bool):
                    container[name] = len(items)
        return self._checked(Reply(status, body, reply.content_type, reply.headers), reply)

    def _checked(self, reply: Reply, template: Reply) -> Reply:
        response = self.operation.response_for(reply.status)
        if response is None or not response.schema or spec_validator(self.spec, response.schema).is_valid(reply.body):
            return reply
        error = next(iter(spec_validator(self.spec, response.schema).iter_errors(reply.body)))
        log.warning("%s: the stored item does not fit the %s answer's schema (at /%s): answered the documented body instead",
                    self.operation.label, reply.status, "/".join(map(str, error.instance_path)))
        return Reply(template.status, template.body, template.content_type, reply.headers)


class _Undocumented(Exception):
    """An unknown item, where the operation documents no answer for one."""

    def __init__(self, item_id: str):
        super().__init__(item_id)
        self.item_id = item_id


def _same(value: Any, wanted: Any) -> bool:
    if value == wanted:
        return True
    return str(value).lower() == str(wanted).lower() if isinstance(value, bool) or isinstance(wanted, bool) else str(value) == str(wanted)


def _at(body: Any, place: tuple[str, ...]) -> Any:
    for name in place:
        body = body.get(name) if isinstance(body, dict) else None
    return body


def _placed(template: Any, place: tuple[str, ...], value: Any) -> Any:
    """A copy of the template body with value at place (containers made as needed; only the path is copied: the rest
    of the template is shared, never changed)."""
    if not place:
        return value
    body = dict(template) if isinstance(template, dict) else {}
    container = body
    for name in place[:-1]:
        nxt = container.get(name)
        nxt = dict(nxt) if isinstance(nxt, dict) else {}
        container[name] = nxt
        container = nxt
    container[place[-1]] = value
    return body


def build_resource_handler(spec: ApiSpec, operation: Operation, resource: Resource, bodies: ResponseBodies,
                           authenticate: Authenticator, answers: AnswerBook | None, records: Records, maker: ItemMaker,
                           profile: Any) -> ResourceHandler:
    """The handler of one of a resource's operations."""
    action = resource.action_of(operation)
    assert action is not None
    return ResourceHandler(spec, operation, resource, action, bodies, authenticate, ParameterValidator(spec, operation),
                           BodyValidator(spec, operation), answers, records, maker, profile)
