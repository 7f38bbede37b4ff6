"""`python -m mock_server record`: bookings fetched from a real server, anonymized, as a fixtures file.

    python -m mock_server record --upstream https://staging.example.com --token "$TOKEN" \\
        --id kko1gv8tFZe8JjpCpct5tG --id 3sDv9hRkTq2nWbXe7UcY4p --output staging.yaml
    python -m mock_server --fixtures staging.yaml

Only GET, throttled (2 requests a second by default), no redirects followed, the token masked in every
line printed. Each answer is checked against openapi.yaml; an answer that is not a conforming 200 is
reported and skipped, never written. Personal data is replaced by consistent, valid-looking fakes: the
same contact name, email or phone gets the same fake everywhere in one recording (and an unrelated one
in the next, as the mapping is salted anew each time). IDs, times, status and agent are kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from mock_server.data import GET_APPOINTMENT
from mock_server.data.dataset import parse_time
from mock_server.schemas import draft4_validator, error_message, error_path
from mock_server.spec import ApiSpec, load_spec
from mock_server.tokens import mask_token

MAX_BODY_BYTES = 1024 * 1024
FIRST_NAMES = ("Avery", "Blake", "Casey", "Dana", "Eden", "Finley", "Gray", "Harper", "Indy", "Jordan", "Kai", "Logan",
               "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Taylor", "Umi", "Val", "Wren", "Yael")
LAST_NAMES = ("Abbott", "Brooks", "Castillo", "Dunn", "Ellis", "Flores", "Garner", "Hale", "Iwata", "Jensen", "Kerr",
              "Lund", "Mendez", "Nakamura", "Okafor", "Price", "Quist", "Rossi", "Sato", "Tran", "Underwood", "Vega", "Wolfe", "Young")
PERSONAL_FIELDS = ("contact_name", "contact_email", "contact_phone")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a redirect is an answer, never followed
        return None


@dataclass
class Anonymizer:
    """Consistent fakes for personal data, salted per recording."""

    salt: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    seen: dict[tuple[str, str], str] = field(default_factory=dict)

    def _number(self, kind: str, value: str) -> int:
        return int.from_bytes(hashlib.sha256(self.salt + kind.encode() + b"\0" + value.encode()).digest()[:8], "big")

    def _person(self, kind: str, value: str) -> tuple[str, str, int]:
        n = self._number(kind, value)
        return FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)], n

    def fake(self, kind: str, value: str) -> str:
        """The fake for one value of contact_name, contact_email or contact_phone ('' stays '')."""
        if not value:
            return value
        key = (kind, value)
        if key not in self.seen:
            first, last, n = self._person(kind, value)
            if kind == "contact_name":
                fake = f"{first} {last}"
            elif kind == "contact_email":
                fake = f"{first.lower()}.{last.lower()}{n % 1000}@example.com"
            else:  # an E.164 number in the range set aside for fiction: +1 NXX 555-01XX
                fake = f"+1{200 + n % 800}55501{n // 800 % 100:02d}"
            self.seen[key] = fake
        return self.seen[key]

    def appointment(self, appointment: dict[str, Any]) -> dict[str, Any]:
        """The appointment with its personal fields replaced."""
        return {name: self.fake(name, value) if name in PERSONAL_FIELDS else value for name, value in appointment.items()}


@dataclass(frozen=True)
class Fetched:
    """One booking asked for: its appointment when it conformed, else why it was skipped."""

    uid: str
    appointment: dict[str, Any] | None
    problem: str = ""
    drift: tuple[str, ...] = ()  # what the answer carried that the spec does not document (not recorded)


def check_answer(spec: ApiSpec, uid: str, status: int, content_type: str, raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """(appointment, '') for a 200 that conforms to the spec, else (None, why not)."""
    if status != 200:
        code = ""
        try:
            code = json.loads(raw).get("code", "")
        except (ValueError, AttributeError):
            pass
        return None, f"answered {status} {code}".rstrip()
    if content_type.split(";")[0].strip().lower() != "application/json":
        return None, f"answered 200 as {content_type or 'untyped'}, not JSON"
    try:
        body = json.loads(raw)
    except ValueError:
        return None, "answered 200 with a body that is not JSON"
    errors = sorted(draft4_validator(spec.operation(GET_APPOINTMENT).responses[200].schema).iter_errors(body), key=lambda e: [str(p) for p in error_path(e)])
    if errors:
        return None, f"the 200 body breaks openapi.yaml: {'.'.join(map(str, error_path(errors[0]))) or '(body)'}: {error_message(errors[0])}"
    data = body["data"]
    appointment = data["appointment"]
    if appointment["id"] != uid:
        return None, f"answered booking {appointment['id']!r} for {uid!r}"
    if data["org_id"] != appointment["organization_id"] or data["agent_id"] != appointment["agent_id"]:
        return None, "data.org_id / data.agent_id do not repeat the appointment's"
    if parse_time(appointment["end_time"]) <= parse_time(appointment["appointment_time"]):
        return None, "end_time is not after appointment_time"
    documented = spec.operation(GET_APPOINTMENT).responses[200].schema["properties"]["data"]["properties"]["appointment"]["properties"]
    return {name: value for name, value in appointment.items() if name in documented}, ""  # drift is reported, not recorded


def fetch(spec: ApiSpec, upstream: str, token: str, uid: str, timeout: float) -> Fetched:
    """GET one booking from the upstream and check it."""
    url = upstream.rstrip("/") + spec.operation(GET_APPOINTMENT).path_for(quote(uid, safe=""))
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    opener = urllib.request.build_opener(_NoRedirects)
    for attempt in range(3):
        try:
            with opener.open(request, timeout=timeout) as answer:
                status, content_type, raw = answer.status, answer.headers.get("Content-Type", ""), answer.read(MAX_BODY_BYTES + 1)
        except urllib.error.HTTPError as error:
            status, content_type, raw = error.code, error.headers.get("Content-Type", ""), error.read(MAX_BODY_BYTES + 1)
            if status == 429 and attempt < 2:
                time.sleep(min(float(error.headers.get("Retry-After") or 1), 60))
                continue
        except (urllib.error.URLError, OSError) as error:
            return Fetched(uid, None, f"no answer: {getattr(error, 'reason', error)}")
        break
    if len(raw) > MAX_BODY_BYTES:
        return Fetched(uid, None, "the answer is larger than 1 MiB")
    appointment, problem = check_answer(spec, uid, status, content_type, raw)
    drift: tuple[str, ...] = ()
    if appointment is not None:
        from mock_server.contract.drift import undocumented_properties

        schema = spec.operation(GET_APPOINTMENT).responses[200].schema
        drift = tuple(path for path, _value in undocumented_properties(schema, json.loads(raw)))
    return Fetched(uid, appointment, problem, drift)


def fixtures(appointments: list[dict[str, Any]], source: str) -> dict[str, Any]:
    """The fixtures file's content: organizations with their agents and bookings."""
    organizations: dict[str, dict[str, Any]] = {}
    for appointment in appointments:
        org = organizations.setdefault(appointment["organization_id"], {
            "id": appointment["organization_id"], "name": f"recorded from {source}", "calcom": "connected", "agents": {}, "appointments": [],
        })
        org["agents"][appointment["agent_id"]] = appointment["agent_name"]
        org["appointments"].append({k: v for k, v in appointment.items() if k not in ("organization_id", "agent_name")})
    return {"organizations": list(organizations.values())}


def main(argv: list[str]) -> int:
    """Record bookings from an upstream server into a fixtures file."""
    parser = argparse.ArgumentParser(prog="python -m mock_server record", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="base URL of the server to record from, e.g. a staging URL")
    parser.add_argument("--token", required=True, help="a bearer token of the organization whose bookings are recorded")
    parser.add_argument("--id", dest="ids", action="append", required=True, help="a booking UID to record (repeatable)")
    parser.add_argument("--output", type=Path, default=Path("recorded-fixtures.yaml"), help="fixtures file to write (default %(default)s)")
    parser.add_argument("--rate-limit", type=float, default=2.0, help="requests per second (default %(default)s; 0: no throttle)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default %(default)s)")
    parser.add_argument("--spec", type=Path, default=None, help="the OpenAPI file to check answers against (default: the package's)")
    args = parser.parse_args(argv)
    parts = urlsplit(args.upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        print(f"error: --upstream must be an http(s) URL, got {args.upstream!r}", file=sys.stderr)
        return 2
    spec = load_spec(args.spec)
    anonymizer = Anonymizer()
    recorded: list[dict[str, Any]] = []
    skipped = 0
    interval = 1.0 / args.rate_limit if args.rate_limit > 0 else 0.0
    source = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"  # never credentials in a URL
    print(f"Recording {len(args.ids)} booking(s) from {source} with token {mask_token(args.token)}", file=sys.stderr)
    for index, uid in enumerate(dict.fromkeys(args.ids)):
        if index and interval:
            time.sleep(interval)
        result = fetch(spec, args.upstream, args.token, uid, args.timeout)
        if result.appointment is None:
            skipped += 1
            print(f"  skipped {uid}: {result.problem}", file=sys.stderr)
            continue
        recorded.append(anonymizer.appointment(result.appointment))
        print(f"  recorded {uid} ({result.appointment['status']}, {result.appointment['organization_id']})", file=sys.stderr)
        if result.drift:
            print(f"  drift in {uid}: {', '.join(result.drift)} (not in the spec: left out of the recording)", file=sys.stderr)
    if not recorded:
        print("error: nothing recorded, so no file was written", file=sys.stderr)
        return 1
    header = (f"# Recorded by `python -m mock_server record` from {source} on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
              f"{len(recorded)} booking(s), contact names, emails and phones replaced by fakes.\n"
              f"# Serve it with: python -m mock_server --fixtures {args.output}\n")
    args.output.write_text(header + yaml.safe_dump(fixtures(recorded, source), sort_keys=False, allow_unicode=True), encoding="utf-8")
    print(f"wrote {args.output}: {len(recorded)} recorded, {skipped} skipped", file=sys.stderr)
    return 1 if skipped else 0
