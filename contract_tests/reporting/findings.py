"""Turning failures into the names of the rules they broke, for summaries, reports and the self-test."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

# "[rule_name] what broke", at the start of a reported line (pytest's "E", schemathesis' "|"), maybe after an exception name.
_OWN_RULE = re.compile(r"^[E|\s]*(?:[\w.]+(?:Violation|Error): )?\[([a-z][a-z0-9]*_[a-z0-9_]+)\] ", re.MULTILINE)
_SCHEMATHESIS_FAILURE = re.compile(r"^\s*[-|]*\s*- (ST\d+) ([^\n]+)$", re.MULTILINE)
_CUSTOM = re.compile(r"Custom check failed: `([a-z0-9_]+)`")


# Answers that break a limit of the suite's session, by the exception that reports them. A request that got
# no answer at all (refused, reset, timed out) breaks no rule: it leaves the check undone (INCONCLUSIVE).
_TRANSPORT = {
    "ResponseTooLarge": "body_size_is_bounded",
    "UnsafeRequestBlocked": "only_get_reaches_a_live_server",
}
_TRANSPORT_ERROR = re.compile(r"^E?\s*[\w.]*\b(" + "|".join(_TRANSPORT) + r"):", re.MULTILINE)


def rules_broken(text: str) -> list[str]:
    """The rules a failure report names, in order of appearance, without repeats."""
    found: list[tuple[int, str]] = []
    for match in _TRANSPORT_ERROR.finditer(text):
        found.append((match.start(), _TRANSPORT[match.group(1)]))
    for match in _SCHEMATHESIS_FAILURE.finditer(text):
        custom = _CUSTOM.match(match.group(2))
        found.append((match.start(), custom.group(1) if custom else f"{match.group(1)} {match.group(2).strip()}"))
    for match in _OWN_RULE.finditer(text):
        found.append((match.start(), match.group(1)))
    names: list[str] = []
    for _, name in sorted(found):
        if name not in names:
            names.append(name)
    return names


@dataclass(frozen=True)
class TestOutcome:
    """One test case of a JUnit report."""

    name: str
    status: str  # passed | failed | error | skipped
    message: str
    rules: tuple[str, ...]


def read_junit(path: Path) -> list[TestOutcome]:
    """The outcomes in a pytest JUnit XML file."""
    outcomes = []
    for case in ET.parse(path).getroot().iter("testcase"):
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                status = "failed" if tag == "failure" else tag
                message = (node.get("message") or "") + "\n" + (node.text or "")
                break
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        carried = [prop.get("value", "") for prop in case.iter("property") if prop.get("name") == "contract_rules"]
        rules = [rule for value in carried for rule in value.split(",") if rule]  # as data, when the run recorded it
        rules += [rule for rule in rules_broken(message) if rule not in rules] if status in ("failed", "error") else []
        outcomes.append(TestOutcome(name, status, message, tuple(rules)))
    return outcomes
