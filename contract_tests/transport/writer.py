"""Sends one operation's request with a body, and returns it as a step of a journey (mock_server/contract/stateful_rules.py).

Path and required parameters come from their examples (else their schemas); the resource's ID from the caller,
always one this run created; the credentials from the run's, or another tenant's. Every answer is also judged by
every single-answer rule (mock_server/contract/rules.py).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from contract_tests.generation.bodies import Body, valid_body
from contract_tests.inputs.credentials import Sent
from contract_tests.inputs.target import Target
from contract_tests.transport.http import ContractSession
from contract_tests.transport.ledger import Ledger, created_id
from mock_server.contract.masking import curl_command, register_secret
from mock_server.contract.rules import ContractViolation, Exchange, check_all
from mock_server.contract.stateful_rules import Step
from mock_server.pipeline.sampler import Sampler
from mock_server.resources.model import Resource
from mock_server.schemas import spec_validator
from mock_server.spec import ApiSpec, Operation, SpecError

NO_CREDENTIAL: Any = object()


class Writer:
    """The suite's client for writes: bodies sent as JSON, answers checked, what is created recorded by the ledger."""

    def __init__(self, spec: ApiSpec, target: Target, session: ContractSession, ledger: Ledger):
        self.spec = spec
        self.target = target
        self.session = session
        self.ledger = ledger
        self.sampler = Sampler(spec)
        self.slot = 0  # each create of the run books its own day

    def values(self, operation: Operation, resource: Resource | None, item_id: str | None) -> tuple[str, list[tuple[str, str]]] | None:
        """The path and query of a request: the item's ID, and every other required parameter's example or derived value."""
        path_values: dict[str, str] = {}
        query: list[tuple[str, str]] = []
        for parameter in operation.parameters:
            if resource is not None and parameter.location == "path" and parameter.name == resource.id_param:
                path_values[parameter.name] = quote(item_id or "", safe="")
                continue
            if not (parameter.location == "path" or (parameter.required and parameter.location == "query")):
                continue
            value = parameter.sample()
            if value is None or (parameter.schema and not spec_validator(self.spec, parameter.schema).is_valid(value)):
                try:
                    value = self.sampler.sample(parameter.schema, f"{operation.label} parameter {parameter.name}")
                except SpecError:
                    return None
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if parameter.location == "path":
                path_values[parameter.name] = quote(text, safe="")
            else:
                query.append((parameter.name, text))
        return operation.path_for(**path_values), query

    def send(self, name: str, operation: Operation, *, resource: Resource | None = None, item_id: str | None = None,
             body: Any = None, data: bytes | None = None, content_type: str | None = None, authorization: Any = None,
             query: list[tuple[str, str]] | None = None, judge: bool = True, check: bool = True) -> Step:
        """One request: body (JSON) or data (raw bytes); authorization None: the run's credentials, NO_CREDENTIAL: none,
        a string: that Authorization header instead."""
        found = self.values(operation, resource, item_id)
        if found is None:
            raise SpecError(f"{operation.label}: a parameter has no example and none can be derived")
        path, params = found
        params += list(query or [])
        sent = Sent()
        sent.params = params
        if authorization is None:
            self.target.credentials.apply(operation, sent)
        elif authorization is not NO_CREDENTIAL:
            register_secret(authorization.removeprefix("Bearer "))
            sent.headers["Authorization"] = authorization
        sent.cookie_header()
        if body is not None:
            data = json.dumps(body).encode()
            content_type = content_type or "application/json"
        if content_type is not None:
            sent.headers["Content-Type"] = content_type
        url = self.target.base_url + path
        response = self.session.request(operation.method, url, headers=sent.headers, params=sent.params, data=data)
        exchange = Exchange.from_response(response)
        exchange.deliberately_invalid = not judge
        curl = curl_command(url, sent.headers, sent.params, method=operation.method, body=data)
        step = Step(name, operation, exchange, curl, body)
        if check:
            self.judge(step)
        return step

    @staticmethod
    def judge(step: Step) -> None:
        """Every single-answer rule on the step's answer."""
        try:
            check_all(step.exchange)
        except ContractViolation as exc:
            raise ContractViolation(f"{exc}\n  step: {step.name}\n  Reproduce with: {step.curl}", rule=exc.rule) from None

    def create_body(self, resource: Resource) -> Body | None:
        """A body for the resource's create: its example made realistic and marked as the suite's (else derived)."""
        self.slot += 1
        return valid_body(self.spec, resource.operations["create"], self.sampler, mark=True, slot=self.slot)

    def owned(self, resource: Resource) -> str | None:
        """The ID of an item of the resource this run created and has not deleted: an existing one, else a new one."""
        alive = self.ledger.alive(resource)
        if alive:
            return alive[-1]
        create = resource.operations.get("create")
        body = self.create_body(resource)
        if create is None or body is None:
            return None
        step = self.send("create (for the test)", create, body=body.value)
        if not 200 <= step.exchange.status < 300:
            return None
        return created_id(resource, create, step.exchange.status, step.exchange.headers, step.exchange.json)
