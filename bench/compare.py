"""`make bench`: the mock against Stoplight Prism 5 and against the fastest bare server, same machine, same load.

Starts each server on 127.0.0.1: Prism (default, -v error, -m -v error), the mock in its production
configuration (Granian, default workers x 1 thread, JWT verification, request log, journal and CORS on), the
mock with the journal off, the mock under gunicorn, the mock as it was before the performance work (commit
BEFORE_COMMIT, exported from git: the same-run reference for "no worse than before"), and a bare WSGI
callable returning the same bytes under Granian (several worker and thread counts) and under gunicorn.
Times each start to the first answer; then a memory round (each server loaded on the 200 path while its
memory is sampled, not timed); then drives each with wrk, several rounds interleaved (only the server under
load running, after a warm-up, nothing sampled), on the 200 path (valid token) and the 401 path (no token).
Prints every figure as a ratio to Prism's fastest configuration and to the fastest bare server, the
targets, a scaling table (bookings -> start, memory, requests/s) and the contract suite's wall time.
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

import tempfile

from bench.datasets import FIRST_UID, write_fixtures
from bench.procinfo import tree_pss_bytes, tree_rss_bytes
from mock_server.config import MockConfig
from mock_server.serving.launcher import MockProcess, PrismProcess, ServerProcess
from mock_server.data import GET_APPOINTMENT
from mock_server.spec import load_spec
from mock_server.tokens import mint_token

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PRISM_LABEL = "prism (default)"
_PRODUCTION = MockConfig()  # the mock's defaults on this machine
MOCK_LABEL = f"mock (production, {_PRODUCTION.workers}x{_PRODUCTION.worker_threads})"
JOURNAL_OFF_LABEL = "mock, journal off"
_GUNICORN = MockConfig(server="gunicorn")  # the mock's gunicorn settings on this machine, which the bare server takes too
GUNICORN_LABEL = f"mock, gunicorn {_GUNICORN.workers}x{_GUNICORN.worker_threads}"
BARE_GRANIAN = {"bare, granian 1x1": (1, 1), "bare, granian 2x1": (2, 1), "bare, granian 2x4": (2, 4), "bare, granian 2x8": (2, 8)}
BARE_GUNICORN_LABEL = f"bare, gunicorn {_GUNICORN.workers}x{_GUNICORN.worker_threads}"
# The commit the performance issue was measured on (gunicorn, 2 workers x 4 threads): its ratios to Prism
# were the targets' "no worse than today", and measuring it in the same run keeps that comparison fair
# when Prism's own start or memory moves between runs.
BEFORE_COMMIT = "15bb742"
BEFORE_LABEL = f"mock before ({BEFORE_COMMIT})"


class BareProcess(ServerProcess):
    """bench.serve_bare: the ceiling a server puts on any app."""

    name = "bare-wsgi"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.serve_bare", "--host", self.host, "--port", str(self.port), *self.args]


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


def export_commit(commit: str, folder: Path) -> str:
    """Write the project as of a commit into folder, byte-compiled; "" on success, else why it cannot."""
    if shutil.which("git") is None:
        return "git is not installed"
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        return f"commit {commit} is not in this clone's history ({archive.stderr.decode(errors='replace').strip()[:120]})"
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "mock_server")], check=False, stdout=subprocess.DEVNULL)
    return ""


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
    10 ms, the same for every server). The last start is left running: the caller stops it.
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
        """Sample this contender (only) while the block runs, and once at its end.

        Reading a process tree's memory stalls a 2-core machine for several milliseconds, which shows in
        the p99 of a server answering in one: memory has a round of its own, and the timed rounds are
        never sampled.
        """
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


def fine_ratio(value: float, base: float) -> str:
    """value/base as '0.204x': for a target that a rounded ratio would hide."""
    return f"{value / base:.3f}x" if base else "n/a"


def random_bookings_script(folder: Path, index: list[tuple[str, str]]) -> Path:
    """A wrk Lua script asking for a random booking of the dataset each time, with its organization's token."""
    orgs = sorted({org for org, _ in index})
    tokens = {org: mint_token(org, expires_in=24 * 3600) for org in orgs}
    prefix = load_spec().route_prefix()
    lines = ["local tokens = {" + ",".join(f'"{tokens[o]}"' for o in orgs) + "}",
             "local ids = {" + ",".join(f'"{uid}"' for _, uid in index) + "}",
             "local orgs = {" + ",".join(str(orgs.index(o) + 1) for o, _ in index) + "}",
             "request = function()",
             "  local i = math.random(#ids)",
             f'  return wrk.format("GET", "{prefix}" .. ids[i], {{["Authorization"] = "Bearer " .. tokens[orgs[i]]}})',
             "end"]
    path = folder / "random.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def state_folder_bytes(process: MockProcess) -> int:
    """Size of this mock's state folder (its SQLite store and journal, on tmpfs: memory too).

    The folder is the one the mock names in its start-up line (`state in ...`), so that folders left
    by other mocks are never counted.
    """
    folders = re.findall(r"state in (\S+)", process.log_text())  # the log holds every start: the last is running
    if not folders:
        return 0
    return sum(file.stat().st_size for file in Path(folders[-1]).glob("*") if file.is_file())


@dataclass
class ScaleRow:
    """One dataset size in the scaling table."""

    label: str
    bookings: int
    first_answer: float = 0.0
    pss_idle: int = 0
    pss_loaded: int = 0
    store_bytes: int = 0
    rps_one: float = 0.0
    rps_random_cold: float = float("nan")
    rps_random: float = float("nan")  # warm: after the cold run, as every load run follows a warm-up
    rps_random_bare: float = float("nan")  # the same script against the bare server: what the client itself allows

    @property
    def random_share(self) -> float:
        """Warm random lookups as a share of what the bare server served for the same script."""
        return self.rps_random / self.rps_random_bare if self.rps_random_bare == self.rps_random_bare else float("nan")


def scaling_table(wrk: str, args: argparse.Namespace) -> list[ScaleRow]:
    """Start the mock on datasets of growing size: start time, memory, requests/s (one booking, random ones)."""
    rows = []
    path = load_spec().path_for(FIRST_UID)
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as tmp:
        folder = Path(tmp)
        for size in [0, *args.scale]:
            row = ScaleRow("embedded" if size == 0 else f"{size:,}", size or 15)
            mock_args: list[str] = ["--quiet"]
            org = "org_sunrise_dental"
            index: list[tuple[str, str]] = []
            if size:
                fixtures = folder / f"fixtures-{size}.yaml"
                index = write_fixtures(fixtures, size)
                mock_args += ["--fixtures", str(fixtures)]
                org = index[0][0]
            token = mint_token(org, expires_in=24 * 3600)
            process = MockProcess(*mock_args, startup_timeout=120)
            try:
                row.first_answer = statistics.median(first_answer_seconds(process, path, {"Authorization": f"Bearer {token}"}, 3))
                time.sleep(0.3)
                row.pss_idle = tree_pss_bytes(process.process.pid)  # type: ignore[union-attr]
                row.store_bytes = state_folder_bytes(process)
                row.rps_one = parse_wrk(run_wrk(wrk, process.base_url + path, {"Authorization": f"Bearer {token}"}, args.scale_seconds, args.threads, args.connections))[0]
                if index:
                    script = random_bookings_script(folder, index)
                    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.scale_seconds:g}s", "--latency", "-s", str(script), process.base_url]
                    row.rps_random_cold = parse_wrk(subprocess.run(command, capture_output=True, text=True, timeout=args.scale_seconds + 60).stdout)[0]
                    # the best of two warm runs, as for the control below: one run of a few seconds moved by 10% here
                    row.rps_random = max(parse_wrk(subprocess.run(command, capture_output=True, text=True, timeout=args.scale_seconds + 60).stdout)[0] for _ in range(2))
                row.pss_loaded = tree_pss_bytes(process.process.pid)  # type: ignore[union-attr]
            finally:
                process.stop()
            if index:  # the control: the same random requests against a server that looks nothing up
                with BareProcess("--server", "granian", "--workers", "2", "--threads", "1") as bare:
                    command[-1] = bare.base_url
                    subprocess.run(command, capture_output=True, text=True, timeout=args.scale_seconds + 60)
                    row.rps_random_bare = max(parse_wrk(subprocess.run(command, capture_output=True, text=True, timeout=args.scale_seconds + 60).stdout)[0] for _ in range(2))
            rows.append(row)
            print(f"scaling: {row.label} bookings done", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="wrk duration per run (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, interleaved across servers (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default %(default)s)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default %(default)s)")
    parser.add_argument("--starts", type=int, default=7, help="starts per server timed for the first answer (default %(default)s)")
    parser.add_argument("--scale", type=int, nargs="*", default=[1000, 10000, 50000], help="dataset sizes of the scaling table (default %(default)s)")
    parser.add_argument("--scale-seconds", type=float, default=5.0, help="wrk duration per scaling run (default %(default)s)")
    parser.add_argument("--skip-suite", action="store_true", help="do not time the contract suite")
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.scale_seconds < 1:
        parser.error("--seconds and --scale-seconds must be at least 1 (wrk's shortest run)")
    wrk = find_wrk()
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.splitlines()[0:1] or ["wrk"]
    spec = load_spec().operation(GET_APPOINTMENT)
    path = spec.path_for("kko1gv8tFZe8JjpCpct5tG")
    token = mint_token(expires_in=24 * 3600)
    before_tree = tempfile.TemporaryDirectory(prefix="bench-before-")
    before_process = MockProcess()
    before_process.cwd = Path(before_tree.name)  # python -m mock_server there runs that commit's code
    before = Contender(BEFORE_LABEL, before_process)
    before.failed = export_commit(BEFORE_COMMIT, before_process.cwd)
    contenders = [
        Contender(DEFAULT_PRISM_LABEL, PrismProcess(startup_timeout=60)),
        Contender("prism -v error", PrismProcess("-v", "error", startup_timeout=60)),
        Contender("prism -m -v error", PrismProcess("-m", "-v", "error", startup_timeout=60)),
        Contender(MOCK_LABEL, MockProcess()),
        Contender(JOURNAL_OFF_LABEL, MockProcess("--journal-size", "0")),
        Contender(GUNICORN_LABEL, MockProcess("--server", "gunicorn")),
        before,
        *[Contender(label, BareProcess("--server", "granian", "--workers", str(w), "--threads", str(t))) for label, (w, t) in BARE_GRANIAN.items()],
        Contender(BARE_GUNICORN_LABEL, BareProcess("--server", "gunicorn")),
    ]
    failed_labels: list[str] = []
    print(f"load tool: {wrk} ({version[0]}); {args.threads} threads, {args.connections} connections, "
          f"{args.seconds:g}s per run, {args.rounds} rounds; machine: {os.cpu_count()} cores", flush=True)
    try:
        with PeakMemory() as memory:
            for c in contenders:
                if c.failed:
                    print(f"{c.label} not measured: {c.failed}", flush=True)
                    continue
                try:
                    with memory.watching(c):
                        c.first_answers = first_answer_seconds(c.process, path, {"Authorization": f"Bearer {token}"}, args.starts)
                except (RuntimeError, OSError) as exc:  # did not start, or cannot be started here
                    c.failed = next((line.strip() for line in str(exc).splitlines() if "Error" in line), str(exc).splitlines()[0])
                    print(f"{c.label} did not start: {c.failed}", flush=True)
                    continue
                c.process.stop()  # only the server under load runs: idle servers' timers showed in the p99
            for c in [c for c in contenders if c.failed]:
                contenders.remove(c)
                failed_labels.append(f"{c.label} ({c.failed})")
            started = {c.label for c in contenders}
            if not any(label.startswith("prism") for label in started) or MOCK_LABEL not in started or not started & set(BARE_GRANIAN):
                print(f"\nNothing to compare, so no load runs: {'; '.join(failed_labels)}", file=sys.stderr)
                return 1
            for c in contenders:  # the memory round: peak memory under load, not timed
                c.process.start()
                run_wrk(wrk, c.process.base_url + path, {"Authorization": f"Bearer {token}"}, 2, args.threads, args.connections)
                with memory.watching(c):
                    run_wrk(wrk, c.process.base_url + path, {"Authorization": f"Bearer {token}"}, args.seconds, args.threads, args.connections)
                c.process.stop()
            print("memory round done", flush=True)
            for round_no in range(1, args.rounds + 1):
                for c in contenders:
                    c.process.start()
                    run_wrk(wrk, c.process.base_url + path, {"Authorization": f"Bearer {token}"}, 2, args.threads, args.connections)  # warm-up
                    for kind, headers in (("200", {"Authorization": f"Bearer {token}"}), ("401", {})):
                        output = run_wrk(wrk, c.process.base_url + path, headers, args.seconds, args.threads, args.connections)
                        rps, p50, p99, errors = parse_wrk(output)
                        c.rps[kind].append(rps)
                        c.p50_ms[kind].append(p50)
                        c.p99_ms[kind].append(p99)
                        c.errors += errors
                    c.process.stop()
                print(f"round {round_no}/{args.rounds} done", flush=True)
    finally:
        for c in contenders:
            c.process.stop()
        before_tree.cleanup()

    med = statistics.median
    by_label = {c.label: c for c in contenders}
    prisms = [c for c in contenders if c.label.startswith("prism")]
    bares = [c for c in contenders if c.label.startswith("bare, granian")]
    mock = by_label[MOCK_LABEL]
    fastest = max(prisms, key=lambda c: med(c.rps["200"]))
    ceiling = max(bares, key=lambda c: med(c.rps["200"]))
    print(f"\nPrism's fastest configuration here: {fastest.label}; the fastest bare server: {ceiling.label}. "
          "Ratios are to them, measured in this run.")
    for label in failed_labels:
        print(f"Not measured: {label}")
    print()
    header = (f"{'server':<22} {'200 req/s (min-max)':>24} {'/Prism':>7} {'/bare':>6} {'p50 ms':>7} {'p99 ms (min-max)':>17} {'/Prism':>7} {'/bare':>6} "
              f"{'401 req/s':>10} {'first answer ms (min-max)':>25} {'/Prism':>7} {'PSS MB':>7} {'/Prism':>7} {'RSS MB':>7} {'errors':>6}")
    print(header)
    print("-" * len(header))
    for c in contenders:
        r200 = med(c.rps["200"])
        spread = f"{r200:,.0f} ({min(c.rps['200']):,.0f}-{max(c.rps['200']):,.0f})"
        first = f"{c.first_answer_s * 1e3:.0f} ms ({min(c.first_answers) * 1e3:.0f}-{max(c.first_answers) * 1e3:.0f})"
        p99 = med(c.p99_ms["200"])
        p99_spread = f"{p99:.2f} ({min(c.p99_ms['200']):.2f}-{max(c.p99_ms['200']):.2f})"
        print(
            f"{c.label:<22} {spread:>24} {ratio(r200, med(fastest.rps['200'])):>7} {ratio(r200, med(ceiling.rps['200'])):>6} "
            f"{med(c.p50_ms['200']):>7.2f} {p99_spread:>17} {ratio(p99, med(fastest.p99_ms['200'])):>7} {ratio(p99, med(ceiling.p99_ms['200'])):>6} "
            f"{med(c.rps['401']):>10,.0f} {first:>25} {ratio(c.first_answer_s, fastest.first_answer_s):>7} "
            f"{c.peak_pss / 1e6:>7.0f} {ratio(c.peak_pss, fastest.peak_pss):>7} {c.peak_rss / 1e6:>7.0f} {c.errors:>6}"
        )
    rows = scaling_table(wrk, args) if args.scale is not None else []
    if rows:
        print(f"\nScaling (the production mock; 200 path on one booking, and on a random booking of the dataset; {args.scale_seconds:g}s runs):\n")
        scale_header = (f"{'bookings':>9} {'first answer':>13} {'PSS idle MB':>12} {'PSS loaded MB':>14} {'store MB (tmpfs)':>17} "
                        f"{'req/s one':>10} {'random, cold':>13} {'random, warm':>13} {'same, bare':>11} {'warm/bare':>10}")
        print(scale_header)
        print("-" * len(scale_header))
        for row in rows:
            cold, warm, bare_rps = (f"{value:,.0f}" if value == value else "-" for value in (row.rps_random_cold, row.rps_random, row.rps_random_bare))
            share = f"{row.random_share * 100:.0f}%" if row.random_share == row.random_share else "-"
            print(f"{row.label:>9} {row.first_answer:>12.2f}s {row.pss_idle / 1e6:>12.0f} {row.pss_loaded / 1e6:>14.0f} {row.store_bytes / 1e6:>17.1f} "
                  f"{row.rps_one:>10,.0f} {cold:>13} {warm:>13} {bare_rps:>11} {share:>10}")
    journal_off = by_label.get(JOURNAL_OFF_LABEL)
    largest = rows[-1] if len(rows) > 1 else None
    smallest_random = next((r for r in rows if r.rps_random == r.rps_random), None)
    targets = [
        ("200 req/s at least 4x Prism's fastest", med(mock.rps["200"]) >= 4 * med(fastest.rps["200"])),
        ("p99 at most 0.2x Prism's fastest", med(mock.p99_ms["200"]) <= 0.2 * med(fastest.p99_ms["200"])),
        ("200 req/s at least 50% of the fastest bare server", med(mock.rps["200"]) >= 0.5 * med(ceiling.rps["200"])),
        (f"first answer at most 0.20x Prism's (the ratio in the README before this work): "
         f"{fine_ratio(mock.first_answer_s, fastest.first_answer_s)} ({mock.first_answer_s * 1e3:.1f} ms against {fastest.first_answer_s * 1e3:.1f} ms)",
         mock.first_answer_s <= 0.20 * fastest.first_answer_s),
        (f"peak memory (PSS) at most 0.39x Prism's (the ratio in the README before this work): "
         f"{fine_ratio(mock.peak_pss, fastest.peak_pss)} ({mock.peak_pss / 1e6:.1f} MB against {fastest.peak_pss / 1e6:.1f} MB)",
         mock.peak_pss <= 0.39 * fastest.peak_pss),
    ]
    earlier = by_label.get(BEFORE_LABEL)
    if earlier is not None:
        targets += [
            (f"first answer ratio no worse than the mock before this work, in this run: "
             f"{fine_ratio(mock.first_answer_s, fastest.first_answer_s)} against {fine_ratio(earlier.first_answer_s, fastest.first_answer_s)} "
             f"({mock.first_answer_s * 1e3:.1f} ms against {earlier.first_answer_s * 1e3:.1f} ms)",
             mock.first_answer_s <= earlier.first_answer_s),
            (f"memory ratio no worse than the mock before this work, in this run: "
             f"{fine_ratio(mock.peak_pss, fastest.peak_pss)} against {fine_ratio(earlier.peak_pss, fastest.peak_pss)} "
             f"({mock.peak_pss / 1e6:.1f} MB against {earlier.peak_pss / 1e6:.1f} MB)",
             mock.peak_pss <= earlier.peak_pss),
        ]
    if journal_off is not None:
        targets.append(("journal on within 10% of journal off", med(mock.rps["200"]) >= 0.9 * med(journal_off.rps["200"])))
    if largest is not None:
        targets += [
            (f"{largest.label} bookings: first answer within 3 s", largest.first_answer <= 3.0),
            (f"{largest.label} bookings: PSS at most 150 MB above the embedded dataset's", largest.pss_loaded - rows[0].pss_loaded <= 150e6),
            (f"{largest.label} bookings: random lookups (warm, as a share of the bare server's) within 10% of the smallest dataset's",
             smallest_random is not None and largest.random_share >= 0.9 * smallest_random.random_share),
        ]
    print(f"\nmock vs the fastest bare server ({ceiling.label}): {med(mock.rps['200']) / med(ceiling.rps['200']) * 100:.0f}%")
    if journal_off is not None:
        print(f"journal on vs off: {med(mock.rps['200']) / med(journal_off.rps['200']) * 100:.0f}%")
    for name, met in targets:
        print(f"  {'met   ' if met else 'MISSED'} {name}")
    if not args.skip_suite:
        print(f"\ncontract suite against the embedded mock: {contract_suite_seconds():.1f}s wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
