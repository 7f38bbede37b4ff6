"""`make bench`: the mock against Stoplight Prism 5 on the same spec, same machine, same load tool.

Starts each server on 127.0.0.1 (Prism by default, Prism -v error, Prism -m -v error, the mock in its
production configuration with JWT verification on, and a bare WSGI callable under the mock's exact gunicorn
settings), then drives each with wrk for a bounded time per round, several rounds interleaved, on the 200
path (valid token) and the 401 path (no token). Prints requests/s (median and spread), p50 and p99 latency,
time to first answer and peak memory, each as a ratio to Prism's fastest configuration, and the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from bench.procinfo import tree_pss_bytes, tree_rss_bytes
from mock_server.serving.launcher import MockProcess, PrismProcess, ServerProcess
from mock_server.spec import load_spec
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PRISM_LABEL = "prism (default)"
MOCK_LABEL = "mock (production)"
BARE_LABEL = "bare WSGI, same gunicorn"


class BareProcess(ServerProcess):
    """bench.serve_bare: the ceiling."""

    name = "bare-wsgi"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.serve_bare", "--host", self.host, "--port", str(self.port)]


@dataclass
class Contender:
    """A server in the comparison and what was measured of it."""

    label: str
    process: ServerProcess
    first_answers: list[float] = field(default_factory=list)
    peak_rss: int = 0
    peak_pss: int = 0
    rps: dict[str, list[float]] = field(default_factory=lambda: {"200": [], "401": []})
    p50_ms: dict[str, list[float]] = field(default_factory=lambda: {"200": [], "401": []})
    p99_ms: dict[str, list[float]] = field(default_factory=lambda: {"200": [], "401": []})
    errors: int = 0
    failed: str = ""

    @property
    def first_answer_s(self) -> float:
        """The median time to first answer over the starts measured."""
        return statistics.median(self.first_answers)


def find_wrk() -> str:
    """wrk from PATH, installed from Debian's packages when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing it from Debian's packages (apt-get install wrk) ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed for the benchmark: install it (Debian/Ubuntu: apt-get install wrk) and run again")
    return found


def first_answer_seconds(process: ServerProcess, path: str, headers: dict[str, str], starts: int) -> list[float]:
    """Start the process `starts` times, timing each start until the operation answers a real request.

    The clock runs from spawning the process to the end of the first answer of `GET path` (polled every
    10 ms, the same for every server). The last start is left running for the load runs.
    """
    process.ready_path, process.ready_headers, process.poll_interval = path, headers, 0.01
    seconds = []
    for attempt in range(starts):
        started = time.perf_counter()
        process.start()
        seconds.append(time.perf_counter() - started)
        if attempt < starts - 1:
            process.stop()
    return seconds


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """requests/s, p50 ms, p99 ms and socket errors + non-2xx/3xx (where unexpected) from wrk --latency."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def pct(name: str) -> float:
        match = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return rps, pct("50"), pct("99"), errors


def run_wrk(wrk: str, url: str, headers: dict[str, str], seconds: float, threads: int, connections: int) -> str:
    """One wrk run; its output."""
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60).stdout


class PeakMemory:
    """Samples the memory of the server being started or loaded every 100 ms and keeps its peak.

    PSS (proportional set size) is the figure compared: gunicorn's workers share the master's pages
    copy-on-write, and RSS would count those pages once per process. RSS is printed beside it. Only the
    server under load is sampled: reading a process tree's memory costs 6-8 ms of CPU, and sampling the
    idle servers too took about a third of a core from the one being measured.
    """

    def __init__(self) -> None:
        self.active: Contender | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @contextlib.contextmanager
    def watching(self, contender: Contender) -> Iterator[None]:
        """Sample this contender (only) while the block runs."""
        self.active = contender
        try:
            yield
        finally:
            self._sample(contender)
            self.active = None

    @staticmethod
    def _sample(c: Contender) -> None:
        if c.process.process is not None and c.process.process.poll() is None:
            c.peak_rss = max(c.peak_rss, tree_rss_bytes(c.process.process.pid))
            c.peak_pss = max(c.peak_pss, tree_pss_bytes(c.process.process.pid))

    def _run(self) -> None:
        while not self._stop.is_set():
            active = self.active
            if active is not None:
                self._sample(active)
            self._stop.wait(0.1)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def contract_suite_seconds() -> float:
    """Wall time of the contract suite against the embedded mock (a subprocess, CI seed)."""
    started = time.perf_counter()
    env = {**os.environ, "CONTRACT_SEED": "20261128"}
    env.pop("CONTRACT_BASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-2000:], file=sys.stderr)
    return time.perf_counter() - started


def ratio(value: float, base: float) -> str:
    """value/base as '1.23x'."""
    return f"{value / base:.2f}x" if base else "n/a"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk duration per run (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, interleaved across servers (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default %(default)s)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default %(default)s)")
    parser.add_argument("--starts", type=int, default=5, help="starts per server timed for the first answer (default %(default)s)")
    parser.add_argument("--skip-suite", action="store_true", help="do not time the contract suite")
    args = parser.parse_args(argv)
    wrk = find_wrk()
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.splitlines()[0:1] or ["wrk"]
    spec = load_spec()
    path = spec.path_for("kko1gv8tFZe8JjpCpct5tG")
    token = mint_token(expires_in=24 * 3600)
    contenders = [
        Contender(DEFAULT_PRISM_LABEL, PrismProcess(startup_timeout=60)),
        Contender("prism -v error", PrismProcess("-v", "error", startup_timeout=60)),
        Contender("prism -m -v error", PrismProcess("-m", "-v", "error", startup_timeout=60)),
        Contender(MOCK_LABEL, MockProcess()),
        Contender(BARE_LABEL, BareProcess()),
    ]
    failed_labels: list[str] = []
    print(f"load tool: {wrk} ({version[0]}); {args.threads} threads, {args.connections} connections, "
          f"{args.seconds:g}s per run, {args.rounds} rounds; machine: {os.cpu_count()} cores", flush=True)
    try:
        with PeakMemory() as memory:
            for c in contenders:
                try:
                    with memory.watching(c):
                        c.first_answers = first_answer_seconds(c.process, path, {"Authorization": f"Bearer {token}"}, args.starts)
                except (RuntimeError, OSError) as exc:  # did not start, or cannot be started here
                    c.failed = next((line.strip() for line in str(exc).splitlines() if "Error" in line), str(exc).splitlines()[0])
                    print(f"{c.label} did not start: {c.failed}", flush=True)
                    continue
                # warm-up (JIT, caches), not measured
                with memory.watching(c):
                    run_wrk(wrk, c.process.base_url + path, {"Authorization": f"Bearer {token}"}, 2, args.threads, args.connections)
            for c in [c for c in contenders if c.failed]:
                contenders.remove(c)
                failed_labels.append(f"{c.label} ({c.failed})")
            started = {c.label for c in contenders}
            if not any(label.startswith("prism") for label in started) or not {MOCK_LABEL, BARE_LABEL} <= started:
                print(f"\nNothing to compare, so no load runs: {'; '.join(failed_labels)}", file=sys.stderr)
                return 1
            for round_no in range(1, args.rounds + 1):
                for c in contenders:
                    for kind, headers in (("200", {"Authorization": f"Bearer {token}"}), ("401", {})):
                        with memory.watching(c):
                            output = run_wrk(wrk, c.process.base_url + path, headers, args.seconds, args.threads, args.connections)
                        rps, p50, p99, errors = parse_wrk(output)
                        c.rps[kind].append(rps)
                        c.p50_ms[kind].append(p50)
                        c.p99_ms[kind].append(p99)
                        c.errors += errors
                print(f"round {round_no}/{args.rounds} done", flush=True)
    finally:
        for c in contenders:
            c.process.stop()

    med = statistics.median
    by_label = {c.label: c for c in contenders}
    prisms = [c for c in contenders if c.label.startswith("prism")]
    mock, bare = by_label[MOCK_LABEL], by_label[BARE_LABEL]
    fastest = max(prisms, key=lambda c: med(c.rps["200"]))
    default = by_label.get(DEFAULT_PRISM_LABEL)
    print(f"\nPrism's fastest configuration here: {fastest.label}. Ratios are to it, measured in this run.")
    for label in failed_labels:
        print(f"Not measured: {label}")
    print()
    header = f"{'server':<26} {'200 req/s (min-max)':>24} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'401 req/s':>10} {'first answer (min-max)':>23} {'ratio':>6} {'PSS MB':>7} {'ratio':>6} {'RSS MB':>7} {'errors':>6}"
    print(header)
    print("-" * len(header))
    for c in contenders:
        r200 = med(c.rps["200"])
        spread = f"{r200:,.0f} ({min(c.rps['200']):,.0f}-{max(c.rps['200']):,.0f})"
        first = f"{c.first_answer_s:.2f}s ({min(c.first_answers):.2f}-{max(c.first_answers):.2f})"
        print(
            f"{c.label:<26} {spread:>24} {ratio(r200, med(fastest.rps['200'])):>6} {med(c.p50_ms['200']):>7.2f} {med(c.p99_ms['200']):>7.2f} "
            f"{ratio(med(c.p99_ms['200']), med(fastest.p99_ms['200'])):>6} {med(c.rps['401']):>10,.0f} {first:>23} "
            f"{ratio(c.first_answer_s, fastest.first_answer_s):>6} {c.peak_pss / 1e6:>7.0f} {ratio(c.peak_pss, fastest.peak_pss):>6} {c.peak_rss / 1e6:>7.0f} {c.errors:>6}"
        )
    targets = [
        ("200 req/s above Prism's fastest", med(mock.rps["200"]) > med(fastest.rps["200"])),
        ("200 req/s at least 3x default Prism", default is not None and med(mock.rps["200"]) >= 3 * med(default.rps["200"])),
        ("p99 no higher than Prism's fastest", med(mock.p99_ms["200"]) <= med(fastest.p99_ms["200"])),
        ("first answer at most 1/4 of Prism's", mock.first_answer_s <= fastest.first_answer_s / 4),
        ("peak memory (PSS) at most 1/2 of Prism's", mock.peak_pss <= fastest.peak_pss / 2),
        ("at least 70% of the bare WSGI callable", med(mock.rps["200"]) >= 0.7 * med(bare.rps["200"])),
    ]
    print(f"\nmock vs bare WSGI under the same gunicorn settings: {med(mock.rps['200']) / med(bare.rps['200']) * 100:.0f}%")
    for name, met in targets:
        print(f"  {'met   ' if met else 'MISSED'} {name}")
    if not args.skip_suite:
        print(f"\ncontract suite against the embedded mock: {contract_suite_seconds():.1f}s wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
