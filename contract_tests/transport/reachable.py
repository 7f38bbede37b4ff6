"""What a correct HTTP stack hands to the application: the only requests live mode sends.

Between the suite and a live API there is always an HTTP layer (gunicorn, uvicorn, Node's llhttp,
nginx, a cloud load balancer). It refuses or rewrites some requests before the API sees them, and
answers with its own HTML or empty 400, which says nothing about the contract:
- header values outside visible ASCII and spaces (RFC 9110 §5.5 forbids control characters; stacks
  differ on tabs and bytes above 0x7F);
- control characters in the path or the query, raw or percent-encoded (llhttp and strict URL
  decoders refuse them; routers match `[^/]+` up to a line break, or not at all);
- path segments that routers and proxies rewrite: `.` and `..`, `/` and `\\` (encoded or not), `;`
  (Java stacks strip "matrix parameters"), `%` (double decoding), and an empty segment (another route).

Against a live URL the suite generates only requests that pass these predicates, unless the user asks
for transport tests with CONTRACT_STRICT_HTTP=1. Against the embedded mock everything is generated:
the mock answers even refused requests with the envelope (tests/test_hardening.py).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Iterable, Mapping
from urllib.parse import unquote

from hypothesis import strategies as st

# Unicode categories that never go into a live request: controls (C0, DEL, C1), surrogates (not
# encodable), and the line and paragraph separators that some stacks treat as line breaks.
UNSENDABLE_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")
# Characters that routers or proxies rewrite inside a path segment.
PATH_REWRITTEN = frozenset("/\\;%")
DOT_SEGMENTS = frozenset({".", ".."})
VISIBLE_ASCII_AND_SPACE = "".join(chr(c) for c in range(0x20, 0x7F))


def _has_unsendable(text: str) -> bool:
    return any(unicodedata.category(char) in UNSENDABLE_CATEGORIES for char in text)


def header_value_reaches_app(value: str) -> bool:
    """True for a header value every stack passes on: visible ASCII and spaces only."""
    return all(" " <= char <= "~" for char in value)


def path_segment_reaches_app(value: str) -> bool:
    """True for a (decoded) path segment no router or proxy refuses or rewrites."""
    return (
        value != ""
        and value not in DOT_SEGMENTS
        and not _has_unsendable(value)
        and PATH_REWRITTEN.isdisjoint(value)
    )


def query_text_reaches_app(value: str) -> bool:
    """True for a (decoded) query name or value with no control character in it."""
    return not _has_unsendable(value)


def _texts(value: Any) -> Iterable[str]:
    """Every string a generated value puts on the wire: nested objects serialize their keys too."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif value is not None:
        yield str(value)


# RFC 6265 section 4.1.1: what a cookie value may hold (a Cookie header cannot carry anything else intact).
_COOKIE_OCTETS = frozenset(chr(c) for c in (0x21, *range(0x23, 0x2C), *range(0x2D, 0x3B), *range(0x3C, 0x5C), *range(0x5D, 0x7F)))


def cookies_are_sendable(case: Any) -> bool:
    """True when every cookie of a schemathesis case fits in a Cookie header as it was generated (RFC 6265);
    a value with `;`, `,`, a space or a quote would reach any server cut or changed."""
    for name, value in (getattr(case, "cookies", None) or {}).items():
        if not all(set(text) <= _COOKIE_OCTETS for text in (str(name), *_texts(value))):
            return False
    return True


MAX_REQUEST_LINE = 8190  # bytes: gunicorn's limit, and about every HTTP stack's (nginx's default is 8 KB too)


def request_line_fits(case: Any) -> bool:
    """True when the request line stays within what an HTTP stack accepts; a longer one is refused by the stack
    (400 or 414) before any application, documented answer or not, sees it."""
    from urllib.parse import urlencode

    path = case.formatted_path if hasattr(case, "formatted_path") else str(getattr(case, "path", ""))
    query = urlencode(list(_pairs(case.query or {})), doseq=True)
    return len(case.method) + len(path) + len(query) + 16 <= MAX_REQUEST_LINE


def _pairs(query: dict[str, Any]) -> Any:
    for name, value in query.items():
        for text in _texts(value):
            yield str(name), text


def case_reaches_app(case: Any) -> bool:
    """True for a schemathesis case whose path, query and headers all reach the application."""
    for value in (case.path_parameters or {}).values():
        if not all(path_segment_reaches_app(unquote(text)) for text in _texts(value)):
            return False
    for name, value in (case.query or {}).items():
        if not all(query_text_reaches_app(text) for text in (str(name), *_texts(value))):
            return False
    for name, value in (case.headers or {}).items():
        if not all(header_value_reaches_app(text) for text in (str(name), *_texts(value))):
            return False
    return True


# Hypothesis alphabets: the live ones leave out what a stack would refuse.
def text_alphabet(live: bool, exclude: str = "") -> st.SearchStrategy[str]:
    """Characters for free text in paths and queries (live: no controls or separators), but exclude."""
    return st.characters(exclude_categories=UNSENDABLE_CATEGORIES if live else ("Cs",), exclude_characters=exclude)


def header_alphabet(live: bool) -> st.SearchStrategy[str]:
    """Characters for header values (live: visible ASCII and space; else any latin-1 but CR, LF, NUL)."""
    if live:
        return st.sampled_from(VISIBLE_ASCII_AND_SPACE)
    return st.characters(codec="latin-1", exclude_characters="\r\n\x00")
