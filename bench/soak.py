"""Sustained load on the mock: concurrent keep-alive clients for a bounded time, every answer checked.

    python -m bench.soak [--seconds 60] [--connections 64]

Starts the mock in its production configuration on 127.0.0.1 (only), drives it with a mix of requests
(200, 400 INVALID_REQUEST, 400 NOT_CONNECTED, 401, 502), and reports requests served, transport errors,
undocumented or unexpected answers, latency percentiles and the server's memory before and after.
Exits non-zero on any error, any unexpected answer, or memory growth of 10% or more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass, field

from bench.procinfo import tree_rss_bytes
from mock_server.serving.launcher import MockProcess
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec
from mock_server.tokens import mint_token

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Probe:
    """One request of the mix and the answer it must get."""

    path: str
    token: str | None
    status: int
    code: str | None

    def bytes(self) -> bytes:
        """The HTTP/1.1 keep-alive request."""
        auth = f"Authorization: Bearer {self.token}\r\n" if self.token else ""
        return f"GET {self.path} HTTP/1.1\r\nHost: {HOST}\r\n{auth}\r\n".encode()


def probes() -> list[Probe]:
    """The request mix, with expectations from the spec."""
    spec = load_spec().operation(GET_APPOINTMENT)
    good, harbor = mint_token(expires_in=7200), mint_token("org_harbor_physio", expires_in=7200)
    return [
        Probe(spec.path_for("kko1gv8tFZe8JjpCpct5tG"), good, 200, None),
        Probe(spec.path_for("3sDv9hRkTq2nWbXe7UcY4p"), good, 200, None),
        Probe(spec.path_for("kko1gv8tFZe8JjpCpct5tG"), None, spec.status_for_code("UNAUTHORIZED"), "UNAUTHORIZED"),
        Probe(spec.path_for("bad%20id"), good, spec.status_for_code("INVALID_REQUEST"), "INVALID_REQUEST"),
        Probe(spec.path_for("9xQmR4tLwZ8cVb2Nf6Hj3k"), good, spec.status_for_code("CALCOM_API_ERROR"), "CALCOM_API_ERROR"),
        Probe(spec.path_for("kko1gv8tFZe8JjpCpct5tG"), harbor, spec.status_for_code("NOT_CONNECTED"), "NOT_CONNECTED"),
    ]


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    transport_errors: int = 0
    unexpected: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """Keep the first few problems for the report."""
        if len(self.examples) < 5:
            self.examples.append(text)


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def client(port: int, mix: list[Probe], offset: int, deadline: float, tally: Tally) -> None:
    """One keep-alive connection sending the mix in turn until the deadline; reconnects after an error."""
    i = offset
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 5)
        except (OSError, asyncio.TimeoutError) as exc:
            tally.transport_errors += 1
            tally.note(f"connect: {exc!r}")
            await asyncio.sleep(0.05)
            continue
        try:
            while time.monotonic() < deadline:
                probe = mix[i % len(mix)]
                i += 1
                started = time.perf_counter()
                writer.write(probe.bytes())
                status, headers, body = await asyncio.wait_for(_read_answer(reader), 10)
                tally.latencies.append(time.perf_counter() - started)
                code = None
                try:
                    code = json.loads(body).get("code")
                except ValueError:
                    pass
                if status != probe.status or code != probe.code or headers.get("content-type") != "application/json":
                    tally.unexpected += 1
                    tally.note(f"{probe.path}: expected {probe.status} {probe.code}, got {status} {code}")
                if headers.get("connection", "").lower() == "close":
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError) as exc:
            tally.transport_errors += 1
            tally.note(f"transport: {exc!r}")
        finally:
            writer.close()


async def drive(port: int, seconds: float, connections: int) -> Tally:
    """Run the clients for `seconds`."""
    tally, mix = Tally(), probes()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(port, mix, n, deadline, tally) for n in range(connections)))
    return tally


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    """Soak the mock and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to drive the server (default %(default)s)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent keep-alive clients (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the memory baseline (default %(default)s)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 3600 or not 0 < args.connections <= 1024:
        parser.error("--seconds must be in (0, 3600] and --connections in (0, 1024]")
    with MockProcess("--quiet") as server:
        assert server.process is not None
        asyncio.run(drive(server.port, args.warmup, args.connections))
        rss_before = tree_rss_bytes(server.process.pid)
        started = time.perf_counter()
        tally = asyncio.run(drive(server.port, args.seconds, args.connections))
        elapsed = time.perf_counter() - started
        rss_after = tree_rss_bytes(server.process.pid)
        alive = server.process.poll() is None
    served = len(tally.latencies)
    growth = (rss_after - rss_before) / rss_before * 100 if rss_before else float("nan")
    ms = [v * 1000 for v in tally.latencies]
    print(f"soak: {args.connections} connections for {elapsed:.1f}s against the mock on {HOST} (after {args.warmup:g}s warm-up)")
    print(f"  requests served     {served} ({served / elapsed:.0f}/s)")
    print(f"  transport errors    {tally.transport_errors}")
    print(f"  unexpected answers  {tally.unexpected}")
    print(f"  latency ms          p50 {percentile(ms, 50):.2f}  p90 {percentile(ms, 90):.2f}  p99 {percentile(ms, 99):.2f}  max {max(ms, default=float('nan')):.2f}  mean {statistics.fmean(ms) if ms else float('nan'):.2f}")
    print(f"  server memory (RSS) {rss_before / 2**20:.1f} MiB before, {rss_after / 2**20:.1f} MiB after ({growth:+.1f}%)")
    for example in tally.examples:
        print(f"  e.g. {example}")
    ok = alive and served > 0 and tally.transport_errors == 0 and tally.unexpected == 0 and growth < 10
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
