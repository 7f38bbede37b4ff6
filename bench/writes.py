"""`python -m bench.writes`: what state costs (`make bench` runs it after compare.py and operations.py).

The writes spec (openapi.yaml with book, list, reschedule and cancel merged in: tests/specs/appointment_writes.yaml)
served by the mock (1 worker), once per store: the embedded one (a SQLite file shared by the workers) and Redis
(`--store redis://`, a redis-server started here when Debian's package is installed). For each: Get Appointment's
throughput (GET of a known booking) and the throughput of creates (POST of a valid booking), under wrk, rounds
interleaved, medians. With `--baseline REF` (default: the commit before state came, d065744), Get Appointment's
throughput on openapi.yaml is also measured from that commit's tree, interleaved with this one's: reads must keep
their speed (target: within 5%). Target for creates: at least half of GET on the embedded store.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.compare import find_wrk, parse_wrk
from mock_server.serving.launcher import ROOT, MockProcess
from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"
BASE = "/api/v1/calcom/appointments"
BODY = ('{"agent_id":"agent_maya","contact_name":"contract-test Jordan Lee","contact_email":"jordan.lee@example.com",'
        '"appointment_time":"2026-04-02T15:00:00Z","end_time":"2026-04-02T15:30:00Z"}')
BASELINE = "d065744"


def post_script(folder: Path) -> Path:
    """A wrk script that POSTs one valid booking."""
    script = folder / "post.lua"
    script.write_text(f'wrk.method = "POST"\nwrk.body = \'{BODY}\'\nwrk.headers["Content-Type"] = "application/json"\n', encoding="utf-8")
    return script


def wrk_rps(wrk: str, url: str, headers: dict[str, str], seconds: float, script: Path | None = None) -> float:
    """Requests per second of one wrk run (2 threads, 32 connections), with a script (POST) or without (GET)."""
    command = [wrk, "-t2", "-c32", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    return parse_wrk(output)[0]


class Redis:
    """A redis-server on a free port (no persistence), for the `--store redis://` rows."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)

    def url(self, database: int) -> str:
        """A database of it."""
        return f"redis://127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop it."""
        self.process.terminate()
        self.process.wait(timeout=10)


def baseline_tree(ref: str, folder: Path) -> Path | None:
    """The project as it was at ref, checked out into folder (None: ref is not in this clone)."""
    target = folder / "baseline"
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), ref], capture_output=True, text=True)
    return target if made.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.writes", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per wrk round (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per row, interleaved (default %(default)s)")
    parser.add_argument("--baseline", default=BASELINE, help="git ref whose GET throughput reads must keep (default %(default)s; '' to skip)")
    args = parser.parse_args(argv)
    wrk = find_wrk()
    headers = {"Authorization": f"Bearer {mint_token(expires_in=24 * 3600)}"}
    sys.path.insert(0, str(ROOT))
    from tests.specs import spec_with_writes

    redis = Redis() if shutil.which("redis-server") else None
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        folder = Path(tmp)
        spec = spec_with_writes(folder)
        script = post_script(folder)
        stores = {"embedded (SQLite)": []}
        if redis is not None:
            stores["redis"] = ["--store"]
        get: dict[str, list[float]] = {name: [] for name in stores}
        post: dict[str, list[float]] = {name: [] for name in stores}
        for round_number in range(args.rounds):
            for name, flag in stores.items():
                extra = [*flag, redis.url(round_number + 1)] if flag and redis is not None else []
                with MockProcess("--quiet", "--workers", "1", "--journal-size", "0", "--spec", str(spec), *extra) as mock:
                    wrk_rps(wrk, mock.base_url + f"{BASE}/{KNOWN}", headers, 1)  # warm-up
                    get[name].append(wrk_rps(wrk, mock.base_url + f"{BASE}/{KNOWN}", headers, args.seconds))
                    post[name].append(wrk_rps(wrk, mock.base_url + BASE, headers, args.seconds, script))
        reads: dict[str, list[float]] = {}
        tree = baseline_tree(args.baseline, folder) if args.baseline else None
        if tree is not None:
            reads = {"this tree": [], f"baseline {args.baseline}": []}
            for _round in range(args.rounds):
                for name, cwd in (("this tree", None), (f"baseline {args.baseline}", tree)):
                    mock = MockProcess("--quiet", "--workers", "1")
                    mock.cwd = cwd
                    with mock:
                        wrk_rps(wrk, mock.base_url + f"{BASE}/{KNOWN}", headers, 1)
                        reads[name].append(wrk_rps(wrk, mock.base_url + f"{BASE}/{KNOWN}", headers, args.seconds))
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    if redis is not None:
        redis.stop()
    print("\nWrites: the writes spec served by the mock (1 worker), GET of a known booking and POST of a new one, wrk -t2 -c32\n")
    print(f"{'store':<20} {'GET req/s (rounds)':>40} {'POST req/s (rounds)':>40} {'POST/GET':>9}")
    for name in stores:
        g, p = statistics.median(get[name]), statistics.median(post[name])
        rounds_g = ", ".join(f"{v:,.0f}" for v in get[name])
        rounds_p = ", ".join(f"{v:,.0f}" for v in post[name])
        print(f"{name:<20} {g:>12,.0f} ({rounds_g:>24}) {p:>12,.0f} ({rounds_p:>24}) {p / g:>8.1%}")
    if redis is None:
        print("redis: not measured (redis-server is not installed: apt-get install redis-server)")
    ratio = statistics.median(post["embedded (SQLite)"]) / statistics.median(get["embedded (SQLite)"])
    met = ratio >= 0.5
    print(f"\ncreates: {ratio:.1%} of GET's throughput on the embedded store (target: at least 50%): {'met' if met else 'MISSED'}")
    if reads:
        now, then = (statistics.median(v) for v in reads.values())
        kept = now / then
        print(f"reads: GET on openapi.yaml {now:,.0f} req/s here, {then:,.0f} req/s at {args.baseline} ({kept:.1%}; target: within 5%): "
              f"{'met' if kept >= 0.95 else 'MISSED'}")
        met = met and kept >= 0.95
    else:
        print(f"reads: not compared ({f'{args.baseline} is not in this clone' if args.baseline else 'no --baseline'})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
