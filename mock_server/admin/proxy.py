"""`python -m mock_server proxy --upstream URL`: forward requests unchanged, check every answer.

Like Prism's proxy mode, but the answers are checked with this project's rules (mock_server/contract/rules.py):
the schema of each documented status plus the custom rules (code per status, success flag, echoes, times,
tenant, token echo, HTML or stack traces). Each violation is logged with the rule it breaks, and every
answer carries `X-Contract-Conformance: pass` or `fail; rules=<names>`. `GET /__proxy/summary` (answered by the
proxy itself) returns the running drift (what the answers carry that the spec does not document) and coverage
(which documented responses, examples and parameters went through), in the layout of contract-coverage.json.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable
from urllib.parse import parse_qs

import requests

from mock_server.contract.masking import mask_text
from mock_server.contract.observations import Observations
from mock_server.contract.rules import Exchange, current_spec, use_spec, violations
from mock_server.spec import ApiSpec
from mock_server.serving.wsgi import StartResponse, status_line

log = logging.getLogger("mock_server.admin.proxy")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "host", "content-length", "content-encoding"}
CONFORMANCE_HEADER = "X-Contract-Conformance"
SUMMARY_PATH = "/__proxy/summary"  # the running drift and coverage, as JSON (never forwarded)
MAX_BODY = 8 * 1024 * 1024


class ValidatingProxy:
    """WSGI app that forwards each request to the upstream and checks the answer against the contract."""

    def __init__(self, upstream: str, timeout: float = 30.0, spec: ApiSpec | None = None):
        if spec is not None:
            use_spec(spec)  # judge by this spec's operations (default: openapi.yaml, or MOCK_SPEC)
        self.upstream = upstream.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.observations = Observations(spec or current_spec())

    def summary(self) -> dict[str, Any]:
        """The running drift and coverage of every answer that passed through (GET /__proxy/summary)."""
        return self.observations.summary()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if environ.get("PATH_INFO") == SUMMARY_PATH and method == "GET":
            payload = json.dumps(self.summary()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        target = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        if "RAW_URI" not in environ and environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in HOP_BY_HOP
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, MAX_BODY)) if length else None
        url = self.upstream + target
        try:
            upstream = self.session.request(method, url, headers=headers, data=body, allow_redirects=False, timeout=self.timeout)
        except requests.RequestException as exc:
            log.error("PROXY %s %s: upstream unreachable: %s", method, target[:200], type(exc).__name__)
            payload = b'{"success":false,"message":"The upstream server did not answer the proxy","code":"INTERNAL_ERROR"}'
            start_response("502 Bad Gateway", [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), (CONFORMANCE_HEADER, "fail; rules=server_is_available")])
            return [payload]
        exchange = Exchange(method, url, headers, upstream.status_code, {k.lower(): v for k, v in upstream.headers.items()}, upstream.content)
        self.observations.record(method, exchange.path, parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
                                 exchange.status, dict(exchange.headers), exchange.json)
        broken = violations(exchange)
        if broken:
            names = [v.rule for v in broken]
            verdict = f"fail; rules={','.join(names)}"
            for violation in broken:
                log.warning("PROXY %s %s -> %s VIOLATES %s", method, target[:200], upstream.status_code, mask_text(str(violation).splitlines()[0]))
        else:
            verdict = "pass"
            log.info("PROXY %s %s -> %s conforms", method, target[:200], upstream.status_code)
        out_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
        out_headers += [("Content-Length", str(len(upstream.content))), (CONFORMANCE_HEADER, verdict)]
        start_response(status_line(upstream.status_code), out_headers)
        return [] if method == "HEAD" else [upstream.content]
