"""Failures as a person acts on them: each one's request, its answer as it came and a curl that runs; and failures
grouped by cause (the rules broken, the operation, the answer), so that one problem with one fix reads as one.

The suite's own failures carry `METHOD URL -> STATUS` and the answer indented below it (mock_server/contract/rules.py,
Exchange.describe), then `Reproduce with: curl ...`; schemathesis' carry `[STATUS] Reason:` with the body, and
`curl -X ...` whose credential it filtered out, which is put back here as the run's own reference to it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from mock_server.contract.masking import mask_text

METHODS = "GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE"
_REQUEST = re.compile(rf"^(?P<prefix>.*?)(?P<request>(?:{METHODS}) https?://\S+) -> (?P<status>\d{{3}})\s*$", re.MULTILINE)
_OUR_CURL = re.compile(r"(curl -sS [^\n]+)")
_THEIR_CURL = re.compile(r"(curl -X (?P<method>[A-Z]+) [^\n]+)")
_THEIR_ANSWER = re.compile(r"\[(?P<status>\d{3})\] [^:\n]*:\s*\n\s*\|?\s*`(?P<body>[^`]*)`")
_PIPE = re.compile(r"^\s*\|\s?", re.MULTILINE)
_BARE = re.compile(r"^E(?=\s|$)")  # pytest's mark before each line of an exception's message


def _indent(line: str) -> int:
    """Where a line's text starts, pytest's `E` counted as indentation."""
    bare = _BARE.sub(" ", line, count=1)
    return len(bare) - len(bare.lstrip())
_TOKENISH = re.compile(r"\$\(python -m contract_tests\.tokens [^)]*\)|\$CONTRACT_[A-Z_]+|\[masked\]")
# what differs between requests of one cause: IDs (a long word with a digit in it), hex, times, numbers
_VOLATILE = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{12,}\b|\b[0-9a-f]{8,}\b|\d{4}-\d{2}-\d{2}T[\d:.]+Z?|\d+")


@dataclass(frozen=True)
class Shown:
    """One failure's request, answer and reproduction, as they will be shown."""

    request: str = ""  # "GET http://host/path?query"
    status: str = ""
    answer: str = ""  # as it came: status line, headers that matter, the body (JSON pretty-printed)
    curl: str = ""

    @property
    def operation_key(self) -> str:
        """The request's method and path, for grouping (the operation, once routed)."""
        if not self.request:
            return ""
        method, _, url = self.request.partition(" ")
        from mock_server.contract.rules import operation_for

        operation = operation_for(method, unquote(urlsplit(url).path))
        return operation.operation_id if operation is not None else f"{method} {urlsplit(url).path}"


def shown(text: str, run_credential: str | None = None) -> Shown:
    """The first request of a failure's text, its answer and a curl for it (schemathesis' too)."""
    found = _REQUEST.search(text)
    if found is not None:
        own = _indent(found.group("prefix"))
        following = text[found.end():].splitlines()[1:]
        depth = _indent(following[0]) if following else 0
        answer_lines: list[str] = []
        if depth > own:  # the answer is indented below its request
            for line in following:
                if not _BARE.sub("", line, count=1).strip():
                    answer_lines.append("")
                elif _indent(line) >= depth:
                    answer_lines.append(line[depth:])
                else:
                    break
        curl = _OUR_CURL.search(text[found.end():]) or _OUR_CURL.search(text)
        return Shown(found.group("request"), found.group("status"), "\n".join(answer_lines).strip("\n"), curl.group(1).strip() if curl else "")
    clean = _PIPE.sub("", text)
    theirs = _THEIR_CURL.search(clean)
    answer = _THEIR_ANSWER.search(clean)
    if theirs is None and answer is None:
        return Shown()
    request, curl = "", ""
    if theirs is not None:
        curl = theirs.group(1).strip()
        if run_credential:
            curl = curl.replace("-H 'Authorization: [Filtered]'", f'-H "Authorization: Bearer {run_credential}"')
        url = next((part for part in _split(curl) if part.startswith("http")), "")
        request = f"{theirs.group('method')} {url}"
    status, body = (answer.group("status"), answer.group("body")) if answer is not None else ("", "")
    try:
        pretty = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = body
    return Shown(request, status, f"HTTP {status}\n\n{pretty}".strip() if status else "", curl)


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


@dataclass
class Cause:
    """Failures with one cause: the same rules broken by the same operation's same answer."""

    rules: tuple[str, ...]
    operation: str
    status: str
    example: Any  # the first failure (a TestResult), shown in full
    shown: Shown
    tests: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many failures it covers."""
        return len(self.tests)

    def title(self) -> str:
        """'token_is_not_echoed in getAppointment (401)'."""
        where = f" in {self.operation}" if self.operation else ""
        status = f" ({self.status})" if self.status else ""
        return f"{', '.join(self.rules) or '(no rule named)'}{where}{status}"


def _answer_key(answer: str) -> str:
    """An answer with what varies between requests of one cause (tokens, IDs, times, numbers) left out."""
    return _VOLATILE.sub("#", _TOKENISH.sub("<token>", mask_text(answer)))


def group(results: list[Any], run_credential: str | None = None) -> list[Cause]:
    """Failed results grouped by cause, the largest first (then in the order they failed)."""
    causes: dict[tuple[Any, ...], Cause] = {}
    for result in results:
        view = shown(result.text, run_credential)
        key = (tuple(result.rules), view.operation_key, view.status, _answer_key(view.answer))
        cause = causes.get(key)
        if cause is None:
            cause = causes[key] = Cause(tuple(result.rules), view.operation_key, view.status, result, view)
        cause.tests.append(result.test)
    ordered = list(causes.values())
    return sorted(ordered, key=lambda c: -c.count)
