"""Tokens never reach the output: masking for messages, reports and ready-to-paste curl commands."""

from __future__ import annotations

import re
import shlex
import threading
from typing import Iterable, Mapping
from urllib.parse import urlencode

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*")
_lock = threading.Lock()
_secrets: dict[str, str] = {}  # secret -> how to show it


def mask(token: str) -> str:
    """A printable stand-in for a token: its first 6 and last 4 characters."""
    return "***" if len(token) <= 12 else f"{token[:6]}…{token[-4:]}(masked)"


def register_secret(secret: str | None, shown_as: str | None = None) -> None:
    """Remember a secret so that mask_text hides it everywhere (shown_as: e.g. '$CONTRACT_TOKEN')."""
    if secret and len(secret) >= 8:
        with _lock:
            _secrets[secret] = shown_as or mask(secret)


def mask_text(text: str) -> str:
    """Text with every known secret, and anything shaped like a JWT, masked."""
    with _lock:
        known = sorted(_secrets.items(), key=lambda item: -len(item[0]))
    for secret, shown in known:
        if secret in text:
            text = text.replace(secret, shown)
    return _JWT.sub(lambda m: mask(m.group(0)), text)


def curl_command(url: str, headers: Mapping[str, str], params: Iterable[tuple[str, str]] = ()) -> str:
    """A ready-to-paste curl command; a token from the environment is shown as its variable."""
    query = urlencode(list(params))
    full = f"{url}?{query}" if query else url
    parts = ["curl", "-sS", "-i", shlex.quote(full)]
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    command = " ".join(parts)
    with _lock:
        known = list(_secrets.items())
    for secret, shown in known:
        if shown.startswith("$"):
            command = command.replace(shlex.quote(f"Authorization: Bearer {secret}"), f'"Authorization: Bearer {shown}"')
    return mask_text(command)
