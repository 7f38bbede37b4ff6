"""The request journal: what the mock received, for `GET /__mock/requests`, across every worker process.

A memory-mapped file in the server's state folder, divided into one ring of slots per worker process: a
worker claims a free ring (or one whose process has died) the first time it records, and from then on it
is the only writer of that ring, so recording takes no lock between processes, only one between the
threads of a worker. Each slot holds one request (time, method, path, query, the organization its token
named, status, code) and never a header value. A full ring overwrites its oldest slot: the journal is
bounded and never makes a request wait. Reading merges the rings by time.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import mmap
import os
import struct
import threading
import time
from pathlib import Path
from typing import Any

SLOT_SIZE = 512
_HEADER = struct.Struct("<4sIIIQ")  # magic, rings, slots per ring, slot size, epoch (cleared when it changes)
_RING = struct.Struct("<QQ")  # owner pid, slots written so far
_SLOT = struct.Struct("<QdH")  # epoch, time, payload length
MAGIC = b"RVJ1"
_EPOCH = struct.Struct("<Q")
_EPOCH_AT = _HEADER.size - _EPOCH.size
_WRITTEN = struct.Struct("<Q")
_PAYLOAD_LIMIT = SLOT_SIZE - _SLOT.size
FIELD_LIMIT = 200  # characters kept of the path and of the query
_SEPARATOR = "\x1f"


class Journal:
    """A bounded journal of requests, shared by the processes of one server."""

    def __init__(self, path: Path, size: int, rings: int):
        self.path = path
        self.size = size
        self.rings = rings
        self._ring_base = _HEADER.size
        self._slot_base = _HEADER.size + rings * _RING.size
        self._pid = 0
        self._map: mmap.mmap | None = None
        self._ring = -1
        self._ring_at = 0
        self._written = 0
        self._lock = threading.Lock()
        self._orgs: dict[str, str] = {}

    @classmethod
    def create(cls, folder: Path, size: int, workers: int) -> "Journal":
        """A new, empty journal file in the state folder: room for `size` requests per worker ring."""
        rings = max(2, workers * 2)  # spare rings for workers that replace dead ones
        journal = cls(folder / "journal", size, rings)
        total = journal._slot_base + rings * size * SLOT_SIZE
        with open(journal.path, "wb") as handle:
            handle.truncate(total)
            handle.write(_HEADER.pack(MAGIC, rings, size, SLOT_SIZE, 1))
        return journal

    def _mapped(self) -> mmap.mmap:
        if self._pid != os.getpid():
            with open(self.path, "r+b") as handle:
                self._map = mmap.mmap(handle.fileno(), 0)
            self._pid = os.getpid()
            self._ring = -1
        return self._map  # type: ignore[return-value]

    def _epoch(self, view: mmap.mmap) -> int:
        return _HEADER.unpack_from(view, 0)[4]

    def _claim_ring(self, view: mmap.mmap) -> int:
        """The ring this process writes: a free one, or one whose owner has exited."""
        pid = os.getpid()
        with open(self.path, "r+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for index in range(self.rings):
                owner, written = _RING.unpack_from(view, self._ring_base + index * _RING.size)
                if owner == pid or owner == 0 or not _alive(owner):
                    _RING.pack_into(view, self._ring_base + index * _RING.size, pid, written)
                    return index
        return pid % self.rings  # every ring taken by a live process: share one, under this process's lock

    # --- recording (every request) -----------------------------------------------------------------

    def record(self, method: str, path: str, query: str, authorization: str | None, status: int, code: str) -> None:
        """Append one request; a full ring drops its oldest entry. (Kept lean: it runs on every request.)"""
        org = self._orgs.get(authorization, None) if authorization else ""
        if org is None:
            org = self._org_named(authorization)  # type: ignore[arg-type]
        if len(path) > FIELD_LIMIT or _SEPARATOR in path:
            path = _clean(path)
        if query and (len(query) > FIELD_LIMIT or _SEPARATOR in query):
            query = _clean(query)
        payload = f"{method}\x1f{path}\x1f{query}\x1f{org}\x1f{status}\x1f{code}".encode("utf-8", "replace")[:_PAYLOAD_LIMIT]
        if self._pid != os.getpid():
            self._mapped()
        view = self._map
        with self._lock:
            if self._ring < 0:
                self._ring = self._claim_ring(view)  # type: ignore[arg-type]
                self._ring_at = self._ring_base + self._ring * _RING.size
                self._written = _RING.unpack_from(view, self._ring_at)[1]  # type: ignore[arg-type]
            written = self._written
            slot_at = self._slot_base + (self._ring * self.size + written % self.size) * SLOT_SIZE
            view[slot_at + _SLOT.size: slot_at + _SLOT.size + len(payload)] = payload  # type: ignore[index]
            _SLOT.pack_into(view, slot_at, _EPOCH.unpack_from(view, _EPOCH_AT)[0], time.time(), len(payload))  # type: ignore[arg-type]
            self._written = written + 1
            _WRITTEN.pack_into(view, self._ring_at + 8, written + 1)  # type: ignore[arg-type]

    def _org_named(self, authorization: str) -> str:
        """The org_id claim of the bearer token, read without verifying it (memoized); never the token."""
        org = self._orgs.get(authorization)
        if org is None:
            org = _org_claim(authorization)
            if len(self._orgs) >= 4096:
                self._orgs = {}
            self._orgs[authorization] = org
        return org

    # --- reading and clearing (the admin API) ------------------------------------------------------

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The recorded requests, oldest first: the newest `limit` (default: the journal's size)."""
        view = self._mapped()
        epoch = self._epoch(view)
        found: list[tuple[float, int, dict[str, Any]]] = []
        for ring in range(self.rings):
            _owner, written = _RING.unpack_from(view, self._ring_base + ring * _RING.size)
            for index in range(min(written, self.size)):
                slot_at = self._slot_base + (ring * self.size + index) * SLOT_SIZE
                slot_epoch, when, length = _SLOT.unpack_from(view, slot_at)
                if slot_epoch != epoch or not length:
                    continue
                payload = bytes(view[slot_at + _SLOT.size: slot_at + _SLOT.size + length]).decode("utf-8", "replace")
                parts = payload.split(_SEPARATOR)
                if len(parts) != 6:
                    continue  # a slot being written right now
                method, path, query, org, status, code = parts
                entry = {
                    "time": _iso(when), "method": method, "path": path, "query": query,
                    "org_id": org or None, "status": int(status) if status.isdigit() else None, "code": code or None,
                }
                found.append((when, ring, entry))
        found.sort(key=lambda item: (item[0], item[1]))
        newest = found[-(limit or self.size):] if found else []
        return [entry for _, _, entry in newest]

    def clear(self) -> None:
        """Forget every recorded request (a new epoch: older slots no longer count)."""
        view = self._mapped()
        with open(self.path, "r+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            magic, rings, size, slot_size, epoch = _HEADER.unpack_from(view, 0)
            _HEADER.pack_into(view, 0, magic, rings, size, slot_size, epoch + 1)


def _clean(text: str) -> str:
    """A path or query as recorded: no separator or control characters, at most FIELD_LIMIT characters."""
    if len(text) > FIELD_LIMIT:
        text = text[:FIELD_LIMIT] + "…"
    return text.replace(_SEPARATOR, "\ufffd") if _SEPARATOR in text else text


def _org_claim(authorization: str) -> str:
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return ""
    segments = parts[1].split(".")
    if len(segments) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(segments[1] + "=" * (-len(segments[1]) % 4)))
    except (ValueError, binascii.Error):
        return ""
    org = claims.get("org_id") if isinstance(claims, dict) else None
    return org[:128].replace(_SEPARATOR, "") if isinstance(org, str) else ""


def _iso(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when % 1 * 1000):03d}Z"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
