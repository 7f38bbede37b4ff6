"""Which handler serves each operation of the spec: one the spec's profile registers for it, else a resource's
(mock_server/resources/: the operations of a resource inferred from the spec act on its items), else the generic one.

Ravan's profile registers Get Appointment's pipeline (its dataset, its organization rules, the faults that swap
its steps) and its listings of bookings; every other operation, of any spec, is served from the spec.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from mock_server.data.store import SharedStore
from mock_server.envelope import Reply
from mock_server.pipeline.auth import Authenticator, TokenVerifier
from mock_server.pipeline.bodies import BodyBook
from mock_server.pipeline.generic import AnswerBook, build_example_handler
from mock_server.pipeline.request import OperationRequest
from mock_server.pipeline.resilience import Resilience, with_resilience
from mock_server.profiles import Profile
from mock_server.resources.handler import build_resource_handler
from mock_server.resources.model import ResourceModel
from mock_server.resources.records import ItemMaker, ItemTable, example_items
from mock_server.spec import ApiSpec

if TYPE_CHECKING:
    from mock_server.profiles.ravan.faults import Fault

Handler = Callable[[OperationRequest], "Reply | tuple[int, Any]"]


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may be built from."""

    spec: ApiSpec
    store: SharedStore
    secret: str
    verifier: TokenVerifier | None  # None: bearer tokens are accepted unverified (a spec without a JWT profile)
    answers: AnswerBook | None
    fault: "Fault | None"
    profile: Profile
    book: BodyBook
    api_keys: tuple[str, ...] = ()  # accepted API keys (empty: any)
    basic_credentials: tuple[str, ...] = ()  # accepted user:password pairs (empty: any)
    resources: ResourceModel | None = None  # the resources inferred from the spec (None: every operation stateless)


def build_handlers(context: HandlerContext, resilience: Resilience, rng: random.Random | None = None) -> dict[str, Handler]:
    """A handler for every operation of the spec, with the server-wide latency and error rate."""
    handlers: dict[str, Handler] = {}
    specific = context.profile.handler_builders()
    authenticator = Authenticator(context.verifier, context.profile.realm, context.api_keys, context.basic_credentials)
    model = context.resources
    made: dict[int, tuple[Any, Any]] = {}
    for operation_id, operation in context.spec.operations.items():
        build = specific.get(operation_id)
        resource = model.resource_of(operation) if model is not None else None
        if build is not None:
            handler = build(context, operation)
        elif resource is not None:
            if id(resource) not in made:
                records = context.profile.records_for(resource, context.store)
                if records is None:
                    records = ItemTable(context.store, resource.name)
                    records.seed(example_items(context.spec, resource))  # the examples are the first state
                made[id(resource)] = (records, ItemMaker(context.spec, resource, context.book.sampler))
            records, maker = made[id(resource)]
            handler = build_resource_handler(context.spec, operation, resource, context.book.of(operation), authenticator,
                                             context.answers, records, maker, context.profile)
        else:
            handler = build_example_handler(context.spec, operation, context.book.of(operation), authenticator, context.answers)
        handlers[operation_id] = with_resilience(handler, resilience, rng)
    return handlers
