"""`python -m bench.operations`: the cost of a spec with many operations (`make bench` runs it after compare.py).

A spec of N operations (openapi.yaml's Get Appointment and N-1 generated ones, each with an integer path
parameter, a 200 example, a 400 and a 401) is served by the mock beside openapi.yaml itself, one server at a
time: the first answer to Get Appointment (median of the starts, timed from spawning the process), the memory
(PSS) once started, and Get Appointment's throughput under wrk (rounds interleaved, median). Targets: the first
answer at most 2x that of the one-operation spec, the throughput at least 95% of it.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.compare import find_wrk, first_answer_seconds, parse_wrk, run_wrk
from bench.procinfo import tree_pss_bytes
from mock_server.data import GET_APPOINTMENT
from mock_server.serving.launcher import MockProcess
from mock_server.spec import build_spec, load_spec, spec_path
from mock_server.tokens import mint_token

KNOWN = "kko1gv8tFZe8JjpCpct5tG"


def spec_with_operations(count: int, folder: Path) -> Path:
    """openapi.yaml with count-1 generated operations added (Get Appointment is the first)."""
    raw = copy.deepcopy(yaml.safe_load(spec_path().read_text(encoding="utf-8")))
    error = {"$ref": "#/components/schemas/BadRequestError"}
    for index in range(1, count):
        raw["paths"][f"/api/v1/generated/resource{index}/{{item_id}}"] = {"get": {
            "operationId": f"getResource{index}",
            "parameters": [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}, "example": index}],
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["success", "message", "data"], "properties": {
                        "success": {"type": "boolean", "enum": [True]}, "message": {"type": "string"},
                        "data": {"type": "object", "properties": {"id": {"type": "integer"}}}}},
                    "examples": {"item": {"value": {"success": True, "message": "Retrieved", "data": {"id": index}}}},
                }}},
                "400": {"description": "invalid", "content": {"application/json": {"schema": error, "examples": {"invalid": {"value": {"success": False, "message": "Invalid item_id", "code": "INVALID_REQUEST"}}}}}},
                "401": {"description": "unauthorized", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UnauthorizedError"}, "examples": {"unauthorized": {"value": {"success": False, "message": "Missing bearer token", "code": "UNAUTHORIZED"}}}}}},
            },
        }}
    path = folder / f"openapi-{count}-operations.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.operations", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operations", type=int, default=600, help="operations in the large spec (default %(default)s)")
    parser.add_argument("--starts", type=int, default=5, help="starts timed per spec (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per wrk round (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds per spec, interleaved (default %(default)s)")
    args = parser.parse_args(argv)
    wrk = find_wrk()
    token = mint_token(expires_in=24 * 3600)
    headers = {"Authorization": f"Bearer {token}"}
    path = load_spec().operation(GET_APPOINTMENT).path_for(KNOWN)
    with tempfile.TemporaryDirectory(prefix="bench-operations-") as tmp:
        specs = {1: spec_path(), args.operations: spec_with_operations(args.operations, Path(tmp))}
        load_seconds = {}
        for count, spec in specs.items():
            started = time.perf_counter()
            build_spec(spec)  # the loader without its cache: what a start pays
            load_seconds[count] = time.perf_counter() - started
        first: dict[int, float] = {}
        memory: dict[int, float] = {}
        rps: dict[int, list[float]] = {count: [] for count in specs}
        for count, spec in specs.items():
            process = MockProcess("--quiet", "--workers", "1", "--spec", str(spec))
            first[count] = statistics.median(first_answer_seconds(process, path, headers, args.starts))
            memory[count] = tree_pss_bytes(process.process.pid) / 2**20  # type: ignore[union-attr]
            process.stop()
        for _round in range(args.rounds):
            for count, spec in specs.items():
                with MockProcess("--quiet", "--workers", "1", "--spec", str(spec)) as server:
                    run_wrk(wrk, server.base_url + path, headers, 1, 2, 32)  # warm-up
                    rps[count].append(parse_wrk(run_wrk(wrk, server.base_url + path, headers, args.seconds, 2, 32))[0])
    small, large = 1, args.operations
    throughput = {count: statistics.median(values) for count, values in rps.items()}
    print(f"\nMany operations: openapi.yaml (1 operation) against a spec of {large} operations, served by the mock (1 worker)\n")
    print(f"{'spec':<16} {'spec load':>10} {'first answer':>13} {'PSS MB':>8} {'GET appointment req/s (rounds)':>40}")
    for count in (small, large):
        rounds = ", ".join(f"{v:,.0f}" for v in rps[count])
        print(f"{count:>4} operations  {load_seconds[count] * 1000:>8.0f} ms {first[count] * 1000:>10.0f} ms {memory[count]:>8.1f} {throughput[count]:>12,.0f} ({rounds})")
    first_ratio = first[large] / first[small]
    kept = throughput[large] / throughput[small]
    print(f"\nfirst answer: {first_ratio:.2f}x the one-operation spec's (target: at most 2x): {'met' if first_ratio <= 2 else 'MISSED'}")
    print(f"throughput: {kept:.1%} of the one-operation spec's (target: at least 95%): {'met' if kept >= 0.95 else 'MISSED'}")
    print(f"memory: +{memory[large] - memory[small]:.1f} MB PSS for {large - 1} more operations")
    return 0 if first_ratio <= 2 and kept >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
