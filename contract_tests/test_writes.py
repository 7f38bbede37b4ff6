"""What a write means, for every resource the spec defines (mock_server/resources/model.py infers them): a new
resource's operations need no new test.

- a resource lives through its sequence: create -> read -> list -> update -> read -> (another tenant's read, update
  and delete, all refused, changing nothing) -> delete -> read -> delete again, each step judged by the stateful
  rules (mock_server/contract/stateful_rules.py) and by every single-answer rule;
- a body that breaks its schema (a required field missing, a wrong type, a forbidden property, a broken pattern or
  length, not JSON, another content type, no body) gets the answer the spec promises for invalid input, and
  changes nothing.
Against a live URL these run only with CONTRACT_ALLOW_UNSAFE=1, and touch only what they created (the ledger,
contract_tests/transport/ledger.py), which the run deletes before it ends.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract_tests.generation.bodies import invalid_bodies
from contract_tests.inputs.scope import active_scope
from contract_tests.inputs.settings import active
from contract_tests.inputs.target import Target
from contract_tests.reporting.input_findings import RULE as REFUSAL_RULE, record_refusal
from contract_tests.transport.ledger import Ledger, created_id
from contract_tests.transport.writer import Writer
from mock_server.contract.expected import invalid_input_answer
from mock_server.contract.masking import mask_text
from mock_server.contract.rules import SPEC as API, ContractViolation
from mock_server.contract.stateful_rules import (Journey, Step, create_echoes_request, created_resource_is_listed,
                                                 created_resource_is_readable, deleted_resource_is_gone,
                                                 location_names_created_resource, patch_keeps_unsent_fields,
                                                 read_matches_written, refused_write_changes_nothing, update_is_persisted,
                                                 write_stays_in_its_tenant)
from mock_server.resources.model import Resource, _properties, infer_resources
from mock_server.spec import RAVAN_PROFILE, Operation

WRITES_BLOCKED = active().live and not active().allow_unsafe
CHECKED = {op.operation_id for op in active_scope(API).checked}
RESOURCES = [r for r in infer_resources(API).resources if r.operations["create"].operation_id in CHECKED]
BODY_WRITES = [op for op in active_scope(API).checked if op.method in ("POST", "PUT", "PATCH") and op.request_body is not None]
MODEL = infer_resources(API)


@pytest.fixture(scope="module")
def writer(target: Target, session: Any, ledger: Ledger) -> Writer:
    """The writes' client."""
    return Writer(API, target, session, ledger)


def _skip_when_blocked() -> None:
    if WRITES_BLOCKED:
        pytest.skip("writes reach a live URL only with CONTRACT_ALLOW_UNSAFE=1 (writes skipped)")


def _check(rule: Any, journey: Journey, step: Step) -> None:
    rule(journey, step)


def _item_fields(resource: Resource, body: Any) -> dict[str, Any]:
    known = _properties(resource.item_schema)
    return {k: v for k, v in body.items() if not known or k in known} if isinstance(body, dict) else {}


def _refused_as_invalid(operation: Operation, step: Step) -> bool:
    body = step.exchange.json if isinstance(step.exchange.json, dict) else {}
    return invalid_input_answer(API, operation).matches(step.exchange.status, body.get("code"))


def _business_rule(journey: Journey, step: Step, from_example: bool) -> None:
    """A schema-valid body refused as invalid input: RED for the spec's own example; else a finding (RED when strict)."""
    body = step.exchange.json if isinstance(step.exchange.json, dict) else {}
    message = str(body.get("message") or body.get("detail") or body.get("title") or step.exchange.body[:200])
    if from_example:
        raise ContractViolation(mask_text(
            f"[request_example_is_accepted] {step.name}: the spec's own request example was refused with {step.exchange.status}: {message}"
            f"\n{journey.describe()}"), rule="request_example_is_accepted")
    line = record_refusal(step.operation.operation_id, step.exchange.status, message, json.dumps(step.sent))
    if active().strict_input:
        raise ContractViolation(f"[{REFUSAL_RULE}] {line}\n{journey.describe()}", rule=REFUSAL_RULE)
    pytest.skip(f"finding: the schema admits what the server refuses ({line}); the rest of the sequence was not run")


if RESOURCES:

    @pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
    def test_a_resource_lives_through_its_sequence(writer, target, resource):
        _skip_when_blocked()
        journey = Journey(API, resource)
        create = resource.operations["create"]
        body = writer.create_body(resource)
        if body is None:
            pytest.skip(f"{create.operation_id}: no JSON body can be made for it")
        step = writer.send("create", create, body=body.value)
        journey.steps.append(step)
        if _refused_as_invalid(create, step):
            _business_rule(journey, step, body.from_example)
        if not 200 <= step.exchange.status < 300:
            raise ContractViolation(mask_text(f"[create_is_accepted] a valid create was answered {step.exchange.status}, not a 2xx"
                                              f"\n{journey.describe()}"), rule="create_is_accepted")
        journey.item_id = created_id(resource, create, step.exchange.status, step.exchange.headers, step.exchange.json)
        if journey.item_id is None:
            raise ContractViolation(mask_text(f"[location_names_created_resource] the create's answer names no ID: neither its body "
                                              f"where the spec puts the item nor a Location header\n{journey.describe()}"),
                                    rule="location_names_created_resource")
        journey.written = _item_fields(resource, body.value)
        _check(create_echoes_request, journey, step)
        _check(location_names_created_resource, journey, step)
        read = resource.operations.get("read")

        def read_back(name: str) -> Step | None:
            if read is None:
                return None
            found = writer.send(name, read, resource=resource, item_id=journey.item_id)
            journey.steps.append(found)
            return found

        step = read_back("read after create")
        if step is not None:
            _check(created_resource_is_readable, journey, step)
            _check(read_matches_written, journey, step)
            journey.last_read = journey.item_in(step)
        lister = resource.operations.get("list")
        if lister is not None:
            limit = next((p for p in lister.parameters if p.location == "query" and p.name in ("limit", "per_page", "page_size", "size")), None)
            query = [(limit.name, str(limit.schema.get("maximum", 100)))] if limit is not None and limit.schema.get("type") == "integer" else []
            listed = writer.send("list after create", lister, query=query)
            journey.steps.append(listed)
            _check(created_resource_is_listed, journey, listed)
        update = resource.operations.get("update") or resource.operations.get("replace")
        if update is not None:
            writer.slot += 1
            from contract_tests.generation.bodies import valid_body

            change = valid_body(API, update, writer.sampler, mark=True, slot=writer.slot)
            if change is not None:
                journey.before_update = journey.last_read
                step = writer.send("update", update, resource=resource, item_id=journey.item_id, body=change.value)
                journey.steps.append(step)
                if _refused_as_invalid(update, step):
                    _business_rule(journey, step, change.from_example)
                elif not 200 <= step.exchange.status < 300:
                    raise ContractViolation(mask_text(f"[update_is_persisted] a valid update of the item just created was answered "
                                                      f"{step.exchange.status}, not a 2xx\n{journey.describe()}"), rule="update_is_persisted")
                journey.update_sent = _item_fields(resource, change.value)
                journey.written = {**journey.written, **journey.update_sent} if update.method == "PATCH" else dict(journey.update_sent)
                _check(update_is_persisted, journey, step)
                step = read_back("read after update")
                if step is not None:
                    _check(update_is_persisted, journey, step)
                    if update.method == "PATCH":
                        _check(patch_keeps_unsent_fields, journey, step)
                    _check(read_matches_written, journey, step)
                    journey.last_read = journey.item_in(step)
        other = _other_tenant(target)
        if other is not None:
            authorization, query = other
            for name, operation in (("another organization reads it", read), ("another organization updates it", update),
                                    ("another organization deletes it", resource.operations.get("delete"))):
                if operation is None:
                    continue
                change = None
                if operation.request_body is not None:
                    from contract_tests.generation.bodies import valid_body

                    change = valid_body(API, operation, writer.sampler, mark=True, slot=writer.slot + 7)
                step = writer.send(name, operation, resource=resource, item_id=journey.item_id, authorization=authorization,
                                   query=query, body=change.value if change is not None else None, judge=False)
                journey.steps.append(step)
                _check(write_stays_in_its_tenant, journey, step)
            step = read_back("read after the other organization's attempts")
            if step is not None:
                _check(refused_write_changes_nothing, journey, step)
        delete = resource.operations.get("delete")
        if delete is None:
            return
        step = writer.send("delete", delete, resource=resource, item_id=journey.item_id)
        journey.steps.append(step)
        if not 200 <= step.exchange.status < 300:
            raise ContractViolation(mask_text(f"[deleted_resource_is_gone] deleting the item just created was answered "
                                              f"{step.exchange.status}, not a 2xx\n{journey.describe()}"), rule="deleted_resource_is_gone")
        step = read_back("read after delete")
        if step is not None:
            _check(deleted_resource_is_gone, journey, step)
        step = writer.send("delete again", delete, resource=resource, item_id=journey.item_id, judge=False)
        journey.steps.append(step)
        _check(deleted_resource_is_gone, journey, step)


def _other_tenant(target: Target) -> tuple[str, list[tuple[str, str]]] | None:
    """Another organization's credential (Ravan's profile: a token of CONTRACT_OTHER_ORG_ID, or the org-less token with
    the org_id fallback naming it); None where the spec has no tenancy or the run has no such credential."""
    if API.profile != RAVAN_PROFILE or not target.other_org_id:
        return None
    if target.tokens is not None:
        return f"Bearer {target.tokens.for_org(target.other_org_id)}", []
    if target.token_without_org:
        return f"Bearer {target.token_without_org}", [("org_id", target.other_org_id)]
    return None


if BODY_WRITES:

    @pytest.mark.parametrize("operation", BODY_WRITES, ids=lambda op: op.operation_id)
    def test_a_body_that_breaks_its_schema_is_invalid_input(writer, operation):
        _skip_when_blocked()
        resource = MODEL.resource_of(operation)
        item_id = None
        if resource is not None and resource.action_of(operation) != "create":
            item_id = writer.owned(resource)
            if item_id is None:
                pytest.skip(f"{operation.operation_id}: no item of {resource.name} could be created to send it to")
        from contract_tests.generation.bodies import valid_body

        base = valid_body(API, operation, writer.sampler, mark=True)
        bad = invalid_bodies(API, operation, base.value if base is not None else {})
        if not bad:
            pytest.skip(f"{operation.operation_id}: its body is not JSON")
        expected = invalid_input_answer(API, operation)
        journey = Journey(API, resource) if resource is not None else None
        before = None
        read = resource.operations.get("read") if resource is not None else None
        if item_id is not None and read is not None and journey is not None:
            journey.item_id = item_id
            step = writer.send("read before", read, resource=resource, item_id=item_id)
            journey.steps.append(step)
            before = journey.item_in(step)
        failures = []
        for case in bad:
            step = writer.send(f"body with {case.what}", operation, resource=resource, item_id=item_id, data=case.data,
                               content_type=case.content_type, judge=False, check=False)
            body = step.exchange.json if isinstance(step.exchange.json, dict) else {}
            if expected.matches(step.exchange.status, body.get("code")) or (case.wrong_media and step.exchange.status == 415):
                writer.judge(step)  # the refusal itself keeps every single-answer rule
                continue
            failures.append(f"{case.what}: expected {expected.describe()}, got {step.exchange.status} {body.get('code') or ''}".rstrip()
                            + f"\n    {step.exchange.describe()}\n    Reproduce with: {step.curl}")
        if failures:
            raise ContractViolation(mask_text(f"[invalid_body_is_rejected] {operation.label}: {len(failures)} of {len(bad)} invalid bodies "
                                              "were not answered as invalid input:\n  " + "\n  ".join(failures)), rule="invalid_body_is_rejected")
        if before is not None and journey is not None and read is not None:
            journey.last_read = before
            step = writer.send("read after the refused bodies", read, resource=resource, item_id=item_id)
            journey.steps.append(step)
            _check(refused_write_changes_nothing, journey, step)
