"""Command line: `python -m mock_server [serve flags]` and `python -m mock_server token ...`."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from mock_server.config import DEV_JWT_SECRET, ENV, SERVERS, MockConfig
from mock_server.serving.listener import ListenError, bound_port, open_listener

# Only light modules are imported up to here: the serve command opens its socket before it imports the
# rest (PyJWT, jsonschema-rs, Flask, the server), so that clients connecting meanwhile wait, not fail.


COMMANDS = """commands:
  serve    serve the mock (the default; the options above)
  token    print a development JWT that the mock accepts (python -m mock_server token --help)
  record   fetch answers from a live server into a fixtures file, anonymized (python -m mock_server record --help)
  proxy    a validating proxy in front of a live server (python -m mock_server proxy --help)
"""


def _serve_parser(defaults: MockConfig) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mock_server",
        usage="python -m mock_server [serve] [options]\n       python -m mock_server {token,record,proxy} [options]",
        description="Serve the Ravan.ai Get Appointment mock: the API of openapi.yaml, with real JWT checks and an embedded dataset.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=defaults.host, help=f"interface to bind (env {ENV['host']}; default %(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help=f"port (env {ENV['port']}; default %(default)s)")
    parser.add_argument("--server", choices=SERVERS, default=defaults.server, help=f"HTTP server: granian (fast) or gunicorn (JSON envelope even for requests it refuses itself) (env {ENV['server']}; default %(default)s)")
    parser.add_argument("--workers", type=int, default=defaults.workers, help=f"worker processes (env {ENV['workers']}; default %(default)s)")
    parser.add_argument("--threads", type=int, default=defaults.threads, help=f"threads per worker (env {ENV['threads']}; default: 1 under granian, 16 with --latency, 4 under gunicorn)")
    parser.add_argument("--fixtures", type=Path, default=defaults.fixtures, help=f"dataset YAML (env {ENV['fixtures']}; default: the embedded dataset)")
    parser.add_argument("--jwt-secret", default=None, help=f"HS256 secret that bearer tokens must be signed with; given, every bearer token is verified as a JWT (env {ENV['jwt_secret']}; default: the development secret, and tokens verified only where the spec's profile asks)")
    parser.add_argument("--api-key", dest="api_keys", action="append", default=None, metavar="KEY", help=f"an API key the mock accepts (repeatable; env {ENV['api_keys']}, comma-separated); default: any key")
    parser.add_argument("--basic-auth", dest="basic_credentials", action="append", default=None, metavar="USER:PASSWORD", help=f"HTTP basic credentials the mock accepts (repeatable; env {ENV['basic_credentials']}); default: any")
    parser.add_argument("--spec", type=Path, default=defaults.spec, help=f"OpenAPI file (env {ENV['spec']}; default: the repository's openapi.yaml)")
    parser.add_argument("--fault", default=defaults.fault, help=f"serve with one deliberate contract violation (env {ENV['fault']}); see --list-faults")
    parser.add_argument("--latency", default=defaults.latency, help=f"add latency to every answer: MS or MIN-MAX milliseconds (env {ENV['latency']})")
    parser.add_argument("--error-rate", type=float, default=defaults.error_rate, help=f"fraction of answers replaced by 502 CALCOM_API_ERROR or 500 INTERNAL_ERROR (env {ENV['error_rate']})")
    parser.add_argument("--no-cors", dest="cors", action="store_false", default=defaults.cors, help=f"no CORS headers, preflights not answered (env {ENV['cors']}=0)")
    parser.add_argument("--no-admin", dest="admin", action="store_false", default=defaults.admin, help=f"no admin API under /__mock/ (env {ENV['admin']}=0)")
    parser.add_argument("--admin-token", default=defaults.admin_token, help=f"bearer token the admin API requires; needed to serve it beyond loopback (env {ENV['admin_token']})")
    parser.add_argument("--journal-size", type=int, default=defaults.journal_size, help=f"requests the journal keeps per worker; 0 turns it off (env {ENV['journal_size']}; default %(default)s)")
    parser.add_argument("--stateless", dest="stateful", action="store_false", default=defaults.stateful, help=f"writes change nothing: every operation answers from its examples, as in Prism (env {ENV['stateful']}=0; default: stateful, resources inferred from the spec)")
    parser.add_argument("--store", default=defaults.store, metavar="redis://HOST:PORT/N", help=f"keep the dataset, writes and journal in Redis, shared by every mock process that names it (env {ENV['store']}; default: a SQLite file of this host's)")
    parser.add_argument("--check", action="store_true", help="load the spec and dataset, say what would be served (warnings, state), and exit without serving")
    parser.add_argument("--list-faults", action="store_true", help="list the faults, one line each, and exit")
    parser.add_argument("--quiet", action="store_true", default=not defaults.log_requests, help=f"do not log one line per request (env {ENV['log_requests']}=0)")
    return parser


def _token_parser() -> argparse.ArgumentParser:
    from mock_server.tokens import DEFAULT_EXPIRES_IN, DEFAULT_ORG

    parser = argparse.ArgumentParser(prog="python -m mock_server token", description="Print a development JWT that the mock accepts.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--org", default=DEFAULT_ORG, help="organization claim (org_id); default %(default)s")
    group.add_argument("--no-org", action="store_true", help="mint a token without an organization claim")
    parser.add_argument("--expires-in", type=int, default=DEFAULT_EXPIRES_IN, help="lifetime in seconds; negative for an expired token (default %(default)s)")
    parser.add_argument("--subject", default="dev-user", help="the sub claim (default %(default)s)")
    parser.add_argument("--jwt-secret", default=None, help=f"secret to sign with (env {ENV['jwt_secret']}; default: the development secret)")
    return parser


def token_command(argv: list[str]) -> int:
    """Print a development token."""
    from mock_server.tokens import mint_token

    args = _token_parser().parse_args(argv)
    secret = args.jwt_secret or MockConfig.from_env().jwt_secret or DEV_JWT_SECRET
    print(mint_token(None if args.no_org else args.org, secret=secret, expires_in=args.expires_in, subject=args.subject))
    return 0


def serve_command(argv: list[str]) -> int:
    """Open the socket, build the app from flags and environment, then serve it under the chosen server."""
    try:
        defaults = MockConfig.from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = _serve_parser(defaults).parse_args(argv)
    if args.list_faults or args.fault:
        from mock_server.profiles.ravan.faults import describe_faults, find_fault
    if args.list_faults:
        print("\n".join(describe_faults()))
        return 0
    if args.fault:
        try:
            find_fault(args.fault)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    for name in ("port", "workers", "threads", "journal_size"):
        value = getattr(args, name)
        if value is None:
            continue
        if value < (0 if name in ("port", "journal_size") else 1) or value > (10**6 if name == "journal_size" else 65535):
            print(f"error: --{name} is out of range: {value}", file=sys.stderr)
            return 2
    config = replace(
        defaults,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        fixtures=args.fixtures,
        jwt_secret=args.jwt_secret or defaults.jwt_secret,
        verify_jwt=True if args.jwt_secret else defaults.verify_jwt,
        api_keys=tuple(args.api_keys) if args.api_keys else defaults.api_keys,
        basic_credentials=tuple(args.basic_credentials) if args.basic_credentials else defaults.basic_credentials,
        spec=args.spec,
        log_requests=not args.quiet,
        fault=args.fault or None,
        latency=args.latency or None,
        error_rate=args.error_rate,
        server=args.server,
        cors=args.cors,
        admin=args.admin,
        admin_token=args.admin_token or None,
        journal_size=args.journal_size,
        stateful=args.stateful,
        store=args.store,
    )
    if config.store:
        from mock_server.config import check_store_url

        try:
            check_store_url(config.store)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        listener = open_listener(config.host, config.port)
    except ListenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    config = replace(config, port=bound_port(listener))  # --port 0: the port the system chose
    from mock_server.serving.lean_imports import leave_out_unused_imports

    leave_out_unused_imports()
    from mock_server.data.dataset import FixturesError
    from mock_server.app import create_served_app
    from mock_server.serving.server import serve
    from mock_server.spec import SpecError

    try:
        app, parts = create_served_app(config)
    except (FixturesError, SpecError, ValueError) as exc:
        listener.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    spec = parts.spec
    organizations, bookings = parts.store.counts()
    admin = f"admin API on http://{config.host}:{config.port}/__mock/" + (" (admin token required)" if config.admin_token else "")
    data = f"{organizations} organizations, {bookings} bookings from {config.fixtures}; " if parts.dataset_loaded else ""
    profile = f"profile {parts.profile.name}" if parts.profile.name else "no profile (generic)"
    for line in _warning_lines(spec, parts.book.check_examples()) + _state_lines(parts.resources):
        print(line, file=sys.stderr)
    print(
        f"Mock: {_operations_line(spec)} on http://{config.host}:{config.port} under {config.server} "
        f"({data}spec {spec.path.name} v{spec.version}, {profile}). Mint a token: python -m mock_server token\n"
        f"{config.admin_refusal() or admin}; CORS {'on' if config.cors else 'off'}; state in {_state_place(parts.store)}"
        + (f"\nFAULT INJECTED: {config.fault}: this server breaks the contract on purpose" if config.fault else ""),
        file=sys.stderr,
        flush=True,
    )
    if args.check:
        listener.close()
        print("check: the spec and dataset load; nothing served (--check)", file=sys.stderr)
        return 0
    serve(app, config, listener)
    return 0


MAX_WARNINGS = 20


def _state_place(store: Any) -> str:
    """Where the mock's state is: its folder, or the Redis it shares."""
    return getattr(store, "shown_url", None) or str(store.folder)


def _state_lines(model: Any) -> list[str]:
    """The resources the mock keeps state for, and a note for each write served from its examples."""
    if model is None:
        return ["state: none (--stateless): writes are answered from their examples and change nothing"]
    lines = [f"state: {resource.describe()}" for resource in model.resources]
    return lines + [f"note: {note}" for note in model.notes]


def _warning_lines(spec: Any, examples: list[str]) -> list[str]:
    """What the mock serves differently from how the spec is written, one line each: the loader's warnings, then the
    examples that break their own schemas (at most MAX_WARNINGS of each, then a count)."""
    lines = []
    for found, kind in ((list(spec.warnings), "of the same kinds"), (examples, "examples that break their own schemas")):
        lines += [f"warning: {text}" for text in found[:MAX_WARNINGS]]
        if len(found) > MAX_WARNINGS:
            lines.append(f"warning: ... and {len(found) - MAX_WARNINGS} more {kind}")
    return lines


def _operations_line(spec: object) -> str:
    """'GET /api/v1/...' for one operation, '3 operations (GET /a, GET /b, ...)' for more."""
    listed = [f"{op.method} {op.path}" for op in spec.operations.values()]  # type: ignore[attr-defined]
    if len(listed) == 1:
        return listed[0]
    return f"{len(listed)} operations ({', '.join(listed[:3])}{', ...' if len(listed) > 3 else ''})"


def proxy_command(argv: list[str]) -> int:
    """Serve the validating proxy in front of an upstream server."""
    defaults = MockConfig.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m mock_server proxy",
        description="Forward requests unchanged to an upstream server and check every answer against openapi.yaml "
        "and the contract rules; violations are logged with their rule, and each answer carries X-Contract-Conformance.",
    )
    parser.add_argument("--upstream", required=True, help="base URL of the server to forward to, e.g. a staging URL")
    parser.add_argument("--host", default=defaults.host, help="interface to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=4011, help="port (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the upstream (default %(default)s)")
    parser.add_argument("--spec", type=Path, default=defaults.spec, help=f"the OpenAPI file to judge answers by (env {ENV['spec']}; default: openapi.yaml)")
    args = parser.parse_args(argv)
    if not args.upstream.startswith(("http://", "https://")):
        print(f"error: --upstream must be an http(s) URL, got {args.upstream!r}", file=sys.stderr)
        return 2
    try:
        from mock_server.admin.proxy import ValidatingProxy
    except ImportError as exc:
        print(f"error: the proxy needs the test tools (make install): {exc}", file=sys.stderr)
        return 2
    from mock_server.serving.request_log import RequestRecorder, configure_logging
    from mock_server.serving.server import serve

    try:
        listener = open_listener(args.host, args.port)
    except ListenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging()
    logging.getLogger("mock_server.admin.proxy").setLevel(logging.INFO)
    config = replace(defaults, host=args.host, port=bound_port(listener))
    print(f"Validating proxy on http://{args.host}:{config.port} -> {args.upstream}", file=sys.stderr, flush=True)
    from mock_server.spec import SpecError, load_spec

    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        listener.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve(RequestRecorder(ValidatingProxy(args.upstream, args.timeout, spec)), config, listener)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the `token`, `proxy` or `record` command, or serve."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "token":
        return token_command(argv[1:])
    if argv and argv[0] == "proxy":
        return proxy_command(argv[1:])
    if argv and argv[0] == "record":
        from mock_server.admin.record import main as record_main

        return record_main(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    return serve_command(argv)
