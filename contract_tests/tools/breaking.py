"""`make breaking BASE=<git ref>`: fail when openapi.yaml changed in a way that breaks clients.

Two checks, both on the spec at BASE against the working copy:
1. openapi-diff (Atlassian's maintained tool, pinned in package-lock.json) classifies every change of
   paths, parameters and request/response schemas as breaking or not;
2. a small check of what openapi-diff does not see here: which status carries each error `code` (the
   codes sit in allOf enums), which responses exist, and the operation's parameters. A removed response
   or code, a code moved to another status, a new required input or a stricter parameter breaks clients.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mock_server.spec import ApiSpec, Operation, load_spec, read_yaml

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_DIFF = ROOT / "node_modules" / ".bin" / "openapi-diff"


@dataclass(frozen=True)
class Change:
    """One difference between two versions of the spec."""

    breaking: bool
    rule: str
    where: str
    detail: str = ""

    def line(self) -> str:
        """One line for people."""
        return f"{'BREAKING' if self.breaking else 'ok      '}  {self.rule}: {self.where}{f' ({self.detail})' if self.detail else ''}"


def operation_changes(old: ApiSpec, new: ApiSpec) -> list[Change]:
    """Per operation: removed ones break clients, added ones do not; then each kept one's responses and inputs."""
    changes = []
    for operation_id, before in old.operations.items():
        after = new.operations.get(operation_id)
        if after is None:
            changes.append(Change(True, "operation.removed", f"{operation_id} ({before.method} {before.path})"))
            continue
        if (before.method, before.path) != (after.method, after.path):
            changes.append(Change(True, "operation.moved", operation_id, f"{before.method} {before.path} -> {after.method} {after.path}"))
        prefix = f"{operation_id}: " if len(old.operations) > 1 or len(new.operations) > 1 else ""
        for change in pairing_changes(before, after) + parameter_changes(before, after):
            changes.append(Change(change.breaking, change.rule, prefix + change.where, change.detail))
    for operation_id, after in new.operations.items():
        if operation_id not in old.operations:
            changes.append(Change(False, "operation.added", f"{operation_id} ({after.method} {after.path})"))
    return changes


def pairing_changes(old: Operation, new: Operation) -> list[Change]:
    """Removed responses, removed codes and codes that moved to another status; added ones are fine."""
    changes = []
    for status in old.statuses:
        if status not in new.responses:
            changes.append(Change(True, "response.removed", f"status {status}", "clients lose a documented answer"))
    for code in old.error_codes:
        if code not in new.error_codes:
            changes.append(Change(True, "error-code.removed", code))
        elif old.status_for_code(code) != new.status_for_code(code):
            changes.append(Change(True, "error-code.status-changed", code, f"{old.status_for_code(code)} -> {new.status_for_code(code)}"))
    for status in new.statuses:
        if status not in old.responses:
            changes.append(Change(False, "response.added", f"status {status}"))
    for code in new.error_codes:
        if code not in old.error_codes:
            changes.append(Change(False, "error-code.added", code, f"status {new.status_for_code(code)}"))
    return changes


def parameter_changes(old: Operation, new: Operation) -> list[Change]:
    """New required inputs and stricter parameter schemas break clients; optional additions do not."""
    changes = []
    old_parameters = {(p.name, p.location): p for p in old.parameters}
    new_parameters = {(p.name, p.location): p for p in new.parameters}
    for key, param in new_parameters.items():
        where = f"{key[1]} parameter {key[0]}"
        before = old_parameters.get(key)
        if before is None:
            changes.append(Change(param.required, "parameter.added", where, "required" if param.required else "optional"))
            continue
        if param.required and not before.required:
            changes.append(Change(True, "parameter.became-required", where))
        was, now = before.schema, param.schema
        if was.get("type") != now.get("type"):
            changes.append(Change(True, "parameter.type-changed", where, f"{was.get('type')} -> {now.get('type')}"))
        if was.get("pattern") != now.get("pattern"):
            changes.append(Change(True, "parameter.pattern-changed", where, "values accepted before may now be rejected"))
        if now.get("maxLength", float("inf")) < was.get("maxLength", float("inf")) or now.get("minLength", 0) > was.get("minLength", 0):
            changes.append(Change(True, "parameter.length-narrowed", where))
        if set(now.get("enum", [])) < set(was.get("enum", [])) or ("enum" in now and "enum" not in was):
            changes.append(Change(True, "parameter.enum-narrowed", where))
    for key in old_parameters:
        if key not in new_parameters:
            changes.append(Change(key[1] == "path", "parameter.removed", f"{key[1]} parameter {key[0]}"))
    return changes


def openapi_diff_changes(old_path: Path, new_path: Path) -> list[Change]:
    """openapi-diff's verdicts on two spec files (converted to JSON, the format it documents)."""
    if not OPENAPI_DIFF.exists():
        raise SystemExit(f"{OPENAPI_DIFF} is missing: run `make install` (it installs the pinned Node tools)")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, path in (("old.json", old_path), ("new.json", new_path)):
            target = Path(tmp) / name
            target.write_text(json.dumps(read_yaml(path.read_text(encoding="utf-8"))), encoding="utf-8")
            files.append(str(target))
        result = subprocess.run([str(OPENAPI_DIFF), *files], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    if "{" not in output:
        if "No changes found" in output:
            return []
        raise SystemExit(f"openapi-diff failed: {output.strip()[:2000]}")
    report = json.loads(output[output.index("{"):])
    changes = []
    for key, breaking in (("breakingDifferences", True), ("nonBreakingDifferences", False), ("unclassifiedDifferences", False)):
        for difference in report.get(key, []):
            details = difference.get("destinationSpecEntityDetails") or difference.get("sourceSpecEntityDetails") or [{}]
            where = details[0].get("location", "?")
            note = "unclassified by openapi-diff: review it" if key == "unclassifiedDifferences" else ""
            changes.append(Change(breaking, difference.get("code", difference.get("type", "?")), where, note))
    return changes


def spec_at(ref: str, workdir: Path) -> Path:
    """openapi.yaml as it was at a git ref, written to a temporary file."""
    result = subprocess.run(["git", "show", f"{ref}:openapi.yaml"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"cannot read openapi.yaml at {ref!r}: {result.stderr.strip()}")
    path = workdir / "base-openapi.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def compare(old_path: Path, new_path: Path) -> list[Change]:
    """Every change between two spec files, breaking ones first."""
    old, new = load_spec(old_path), load_spec(new_path)
    changes = openapi_diff_changes(old_path, new_path) + operation_changes(old, new)
    return sorted(changes, key=lambda c: not c.breaking)


def main(argv: list[str] | None = None) -> int:
    """Compare and print; exit 1 on a breaking change."""
    parser = argparse.ArgumentParser(prog="python -m contract_tests.tools.breaking", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="git ref of the spec to compare with (a branch, tag or commit)")
    parser.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml", help="the new spec (default: the working copy)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        changes = compare(spec_at(args.base, Path(tmp)), args.spec.resolve())
    breaking = [c for c in changes if c.breaking]
    print(f"openapi.yaml against {args.base}: {len(changes)} change(s), {len(breaking)} breaking for clients")
    for change in changes:
        print("  " + change.line())
    return 1 if breaking else 0


if __name__ == "__main__":
    sys.exit(main())
