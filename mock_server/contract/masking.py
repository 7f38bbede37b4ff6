"""Secrets never reach the output: masking for messages, reports and ready-to-paste curl commands.

pytest and hypothesis shorten long values when they print them (`'eyJhbGciOi...XVCJ9'`), and a token the
suite derives (tampered, re-encoded, re-signed) shares long runs with the token it came from. So masking
does not look for whole secrets only: any run of PIECE or more characters that also occurs in a known
secret is replaced, whole, by a label. Anything shaped like a JWT is masked whole too, known or not.
"""

from __future__ import annotations

import re
import shlex
import threading
from typing import Iterable, Mapping
from urllib.parse import urlencode

PIECE = 12  # the longest run of a secret's characters that may reach any output is PIECE - 1
MASKED = "[masked]"
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}")
_lock = threading.Lock()
_secrets: dict[str, str] = {}  # secret -> how to show it where it stands whole (e.g. "$CONTRACT_TOKEN")
_pieces: set[str] = set()  # every PIECE-long substring of every secret
_run: re.Pattern[str] | None = None  # runs of characters that secrets are made of, at least PIECE long
_short: dict[str, str] = {}  # secrets shorter than PIECE (an API key, user:password): masked where they stand whole
SHORTEST = 6  # a shorter value is too common a string to mask (and too weak to be anyone's credential)


def mask(token: str) -> str:
    """A printable stand-in for a token: nothing of it is shown."""
    return MASKED


def register_secret(secret: str | None, shown_as: str | None = None) -> None:
    """Remember a secret so that mask_text hides it, and every long piece of it, everywhere.

    shown_as is what stands in its place where it appears whole (e.g. '$CONTRACT_TOKEN', so that a
    printed curl command can be pasted as it is); pieces of it always read MASKED.
    """
    global _run
    if not secret or len(secret) < SHORTEST:
        return
    if len(secret) < PIECE:
        with _lock:
            _short[secret] = shown_as or _short.get(secret) or MASKED
        return
    with _lock:
        if secret in _secrets and (shown_as is None or _secrets[secret] == shown_as):
            return
        _secrets[secret] = shown_as or _secrets.get(secret) or MASKED
        _pieces.update(secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1))
        alphabet = sorted({char for known in _secrets for char in known})
        _run = re.compile("[" + "".join(re.escape(char) for char in alphabet) + "]{%d,}" % PIECE)


def _mask_pieces(text: str, known: list[tuple[str, str]], pieces: set[str], runs: re.Pattern[str]) -> str:
    for secret, shown in known:
        if secret in text:
            text = text.replace(secret, shown)
    out: list[str] = []
    last = 0
    for run in runs.finditer(text):
        start, stop = run.span()
        covered = [False] * (stop - start)
        hit = False
        for i in range(start, stop - PIECE + 1):
            if text[i:i + PIECE] in pieces:
                hit = True
                for j in range(i - start, i - start + PIECE):
                    covered[j] = True
        if not hit:
            continue
        i = 0
        while i < len(covered):
            if covered[i]:
                j = i
                while j < len(covered) and covered[j]:
                    j += 1
                out.append(text[last:start + i])
                out.append(MASKED)
                last = start + j
                i = j
            else:
                i += 1
    out.append(text[last:])
    return "".join(out)


def mask_text(text: str) -> str:
    """Text with every known secret, every long piece of one, and anything shaped like a JWT, masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets.items(), key=lambda item: -len(item[0]))
        pieces, runs = _pieces, _run
        short = sorted(_short.items(), key=lambda item: -len(item[0]))
    if runs is not None:
        text = _mask_pieces(text, known, pieces, runs)
    for secret, shown in short:
        if secret in text:
            text = text.replace(secret, shown)
    return _JWT.sub(MASKED, text)


def curl_command(url: str, headers: Mapping[str, str], params: Iterable[tuple[str, str]] = (), *, method: str = "GET",
                 body: bytes | None = None) -> str:
    """A ready-to-paste curl command; a secret from the environment is shown as its variable."""
    query = urlencode(list(params))
    full = f"{url}?{query}" if query else url
    parts = ["curl", "-sS", "-i"] + (["-X", method] if method not in ("GET", "HEAD") else ["-I"] if method == "HEAD" else [])
    parts.append(shlex.quote(full))
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None:
        parts += ["--data-binary", shlex.quote(body.decode("utf-8", "replace"))]
    command = " ".join(parts)
    with _lock:
        known = list(_secrets.items())
    for secret, shown in [*known, *_short.items()]:
        if shown.startswith("$"):
            command = command.replace(shlex.quote(f"Authorization: Bearer {secret}"), f'"Authorization: Bearer {shown}"')
            command = command.replace(secret, f'"{shown}"') if secret in command else command
    return mask_text(command)
