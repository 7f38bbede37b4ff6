"""The contract rules over a sequence of writes, one small function each, named for the rule it enforces.

A Journey is what the suite did to one item of a resource: create -> read -> list -> update -> read -> delete ->
read -> delete again (and another tenant's attempts), each Step a request and its answer. Each rule looks at the
step it is about and raises ContractViolation, whose message names the rule and shows every step so far, each
with its request, its answer and a curl. Adding a rule is one function with `@stateful_rule`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from mock_server.contract.expected import Expected, unknown_item_answer
from mock_server.contract.masking import mask_text
from mock_server.contract.rules import ContractViolation, Exchange
from mock_server.resources.model import Resource
from mock_server.spec import ApiSpec, Operation


@dataclass
class Step:
    """One request of a journey and its answer."""

    name: str  # "create", "read after create", "delete again", ...
    operation: Operation
    exchange: Exchange
    curl: str
    sent: Any = None  # the JSON body sent, if any


@dataclass
class Journey:
    """What the suite did to one item of a resource, step by step, and what the item should hold."""

    spec: ApiSpec
    resource: Resource
    steps: list[Step] = field(default_factory=list)
    item_id: str | None = None
    written: dict[str, Any] = field(default_factory=dict)  # every field a write sent, as it should be read back
    before_update: dict[str, Any] | None = None  # the item as read before the update
    update_sent: dict[str, Any] = field(default_factory=dict)  # the item fields the update sent
    last_read: dict[str, Any] | None = None  # the item as last read by its owner

    def item_in(self, step: Step) -> dict[str, Any] | None:
        """The item an answer carries, where the spec puts it (None: the answer carries none)."""
        place = self.resource.places.get((step.operation.operation_id, step.exchange.status))
        if place is None:
            return None
        value = step.exchange.json
        for name in place:
            value = value.get(name) if isinstance(value, dict) else None
        return value if isinstance(value, dict) else None

    def items_listed(self, step: Step) -> list[Any] | None:
        """The items a list answer carries (None: it carries no list where the spec puts one)."""
        place = self.resource.list_places.get((step.operation.operation_id, step.exchange.status))
        if place is None:
            return None
        value = step.exchange.json
        for name in place:
            value = value.get(name) if isinstance(value, dict) else None
        return value if isinstance(value, list) else None

    def describe(self) -> str:
        """Every step so far: its request, its answer and a curl for it."""
        lines = [f"  steps on {self.resource.name} {self.item_id or '(no ID yet)'}:"]
        for number, step in enumerate(self.steps, 1):
            lines.append(f"    {number}. {step.name}: {step.exchange.describe()}")
            lines.append(f"       curl: {step.curl}")
        return mask_text("\n".join(lines))


StatefulRule = Callable[[Journey, Step], None]
STATEFUL_RULES: dict[str, StatefulRule] = {}


def stateful_rule(func: StatefulRule) -> StatefulRule:
    """Register a rule over a journey's steps."""
    STATEFUL_RULES[func.__name__] = func
    return func


def broken(func: StatefulRule, journey: Journey, step: Step, what: str) -> ContractViolation:
    """The failure of a stateful rule: its name first, what broke, then every step."""
    return ContractViolation(mask_text(f"[{func.__name__}] {step.name}: {what}\n  {step.exchange.describe()}\n  Reproduce with: {step.curl}"
                                       f"\n{journey.describe()}"), rule=func.__name__)


def same_value(sent: Any, read: Any) -> bool:
    """True when a value read back is the one written (times compared as instants: `...00Z` is `...00.000Z`)."""
    if sent == read:
        return True
    if isinstance(sent, str) and isinstance(read, str):
        first, second = _instant(sent), _instant(read)
        return first is not None and first == second
    return False


def _instant(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _differences(expected: dict[str, Any], item: dict[str, Any]) -> list[str]:
    out = []
    for name, value in expected.items():
        if name not in item:
            out.append(f"/{name} is missing (written {json.dumps(value)})")
        elif not same_value(value, item[name]):
            out.append(f"/{name} is {json.dumps(item[name])}, written {json.dumps(value)}")
    return out


def _is_success(exchange: Exchange) -> bool:
    return 200 <= exchange.status < 300


@stateful_rule
def create_echoes_request(journey: Journey, step: Step) -> None:
    """The create's answer carries the item with every field the request sent."""
    item = journey.item_in(step)
    if item is None:
        return  # the documented answer carries no item: nothing to compare
    wrong = _differences(journey.written, item)
    if wrong:
        raise broken(create_echoes_request, journey, step, "the created item differs from the request: " + "; ".join(wrong))


@stateful_rule
def location_names_created_resource(journey: Journey, step: Step) -> None:
    """Where the create documents `Location`, it is there and names the created item."""
    documented = step.operation.response_for(step.exchange.status)
    if documented is None or not any(name.lower() == "location" for name in documented.headers):
        return
    location = step.exchange.headers.get("location")
    if not location:
        raise broken(location_names_created_resource, journey, step, f"the {step.exchange.status} documents a Location header; none was sent")
    last = unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])
    if journey.item_id is not None and last != journey.item_id:
        raise broken(location_names_created_resource, journey, step, f"Location {location!r} does not name the created item {journey.item_id}")


@stateful_rule
def created_resource_is_readable(journey: Journey, step: Step) -> None:
    """What a create made is there: its GET answers a 2xx."""
    if not _is_success(step.exchange):
        raise broken(created_resource_is_readable, journey, step, f"the item just created was answered {step.exchange.status}, not a 2xx")


@stateful_rule
def read_matches_written(journey: Journey, step: Step) -> None:
    """What is read is what was written: every field a create or an update sent."""
    item = journey.item_in(step)
    if item is None:
        return
    wrong = _differences(journey.written, item)
    if wrong:
        raise broken(read_matches_written, journey, step, "what is read differs from what was written: " + "; ".join(wrong))


@stateful_rule
def created_resource_is_listed(journey: Journey, step: Step) -> None:
    """The list of the resource includes the item just created (when the list is not cut short by its limit)."""
    items = journey.items_listed(step)
    if items is None or journey.item_id is None or journey.resource.id_field is None:
        return
    ids = {str(item.get(journey.resource.id_field)) for item in items if isinstance(item, dict)}
    limit = step.exchange.query.get("limit") or step.exchange.query.get("per_page") or step.exchange.query.get("size")
    if journey.item_id not in ids and not (limit and len(items) >= int(limit[0]) if limit and limit[0].isdigit() else False):
        raise broken(created_resource_is_listed, journey, step, f"{journey.item_id} is not among the {len(items)} items listed")


@stateful_rule
def update_is_persisted(journey: Journey, step: Step) -> None:
    """An update's answer, and the read after it, carry the fields it sent."""
    item = journey.item_in(step)
    if item is None:
        return
    wrong = _differences(journey.update_sent, item)
    if wrong:
        raise broken(update_is_persisted, journey, step, "the update did not stick: " + "; ".join(wrong))


_SERVER_MANAGED = re.compile(r"updated|modified|version|etag|revision|changed", re.IGNORECASE)


@stateful_rule
def patch_keeps_unsent_fields(journey: Journey, step: Step) -> None:
    """A PATCH changes only what it sent: every other field keeps its value (the server's own `updated_at`-like
    fields aside)."""
    item = journey.item_in(step)
    if item is None or journey.before_update is None:
        return
    kept = {name: value for name, value in journey.before_update.items()
            if name not in journey.update_sent and not _SERVER_MANAGED.search(name)}
    wrong = _differences(kept, item)
    if wrong:
        raise broken(patch_keeps_unsent_fields, journey, step, "fields the PATCH did not send changed: " + "; ".join(wrong))


def gone_answer(journey: Journey, operation: Operation) -> Expected | None:
    """What an operation on a deleted item must get (None: the spec documents no answer for an unknown item)."""
    return unknown_item_answer(journey.spec, operation)


@stateful_rule
def deleted_resource_is_gone(journey: Journey, step: Step) -> None:
    """After a delete, the item's GET and a second DELETE get the documented unknown-item answer: never a 2xx, never an
    undocumented 5xx."""
    expected = gone_answer(journey, step.operation)
    body = step.exchange.json if isinstance(step.exchange.json, dict) else {}
    if expected is None and step.exchange.status < 500:
        return  # the spec documents no answer for an unknown item: a 2xx may be its soft delete, and nothing is claimed
    if _is_success(step.exchange):
        raise broken(deleted_resource_is_gone, journey, step, f"the deleted item was answered {step.exchange.status}: it is still there")
    if expected is not None and not expected.matches(step.exchange.status, body.get("code") if expected.code else None):
        raise broken(deleted_resource_is_gone, journey, step,
                     f"expected {expected.describe()} (the spec's answer for an unknown item), got {step.exchange.status} {body.get('code') or ''}".rstrip())
    if expected is None and step.exchange.status >= 500:
        raise broken(deleted_resource_is_gone, journey, step, f"the deleted item was answered {step.exchange.status}, a server error")


@stateful_rule
def write_stays_in_its_tenant(journey: Journey, step: Step) -> None:
    """Another tenant can neither read, change nor delete the item."""
    if _is_success(step.exchange):
        raise broken(write_stays_in_its_tenant, journey, step, f"another organization was answered {step.exchange.status}: it reached this item")
    if step.exchange.status >= 500 and gone_answer(journey, step.operation) is None:
        raise broken(write_stays_in_its_tenant, journey, step, f"another organization's attempt was answered {step.exchange.status}, a server error")


@stateful_rule
def refused_write_changes_nothing(journey: Journey, step: Step) -> None:
    """After refused writes (invalid bodies, another tenant), the item reads as it did before them."""
    item = journey.item_in(step)
    if item is None or journey.last_read is None:
        return
    wrong = _differences(journey.last_read, item)
    if wrong:
        raise broken(refused_write_changes_nothing, journey, step, "a refused write changed the item: " + "; ".join(wrong))
