"""The request journal: what the mock received, for `GET /__mock/requests`, across every worker process.

A memory-mapped file in the server's state folder, divided into one ring of slots per worker process: a
worker claims a free ring (or one whose process has died) the first time it records, and from then on it
is the only writer of that ring, so recording takes no lock between processes, only one between the
threads of a worker. Each slot holds one request (time, method, path, query, the organization its token
named, status, code) and never a header value. A full ring overwrites its oldest slot: the journal is
bounded and never makes a request wait. Reading merges the rings by time.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from mock_server.tokens import claims_of

SLOT_SIZE = 512
_HEADER = struct.Struct("<4sIIId")  # magic, rings, slots per ring, slot size, time of the last clear
_RING = struct.Struct("<QQ")  # owner pid, slots written so far
_SLOT = struct.Struct("<dH")  # time, payload length
_TIME, _LENGTH = struct.Struct("<d"), struct.Struct("<H")  # the slot's two fields, written apart
MAGIC = b"RVJ1"
_CLEARED = struct.Struct("<d")
_CLEARED_AT = _HEADER.size - _CLEARED.size
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
        self._attached = False  # set per process: a fork hook clears it in the child (no getpid per request)
        self._map: mmap.mmap | None = None
        self._ring = -1
        self._ring_at = 0
        self._ring_slots = 0
        self._written = 0
        self._lock = threading.Lock()
        self._orgs: dict[str, str] = {}
        self._entries: dict[tuple[str, str, str, str | None, int, str], bytes] = {}
        _forget_in_forked_children(self)

    @classmethod
    def create(cls, folder: Path, size: int, workers: int) -> "Journal":
        """A new, empty journal file in the state folder: room for `size` requests per worker ring."""
        rings = max(2, workers * 2)  # spare rings for workers that replace dead ones
        journal = cls(folder / "journal", size, rings)
        total = journal._slot_base + rings * size * SLOT_SIZE
        with open(journal.path, "wb") as handle:
            handle.truncate(total)
            handle.write(_HEADER.pack(MAGIC, rings, size, SLOT_SIZE, 0.0))
        return journal

    def _mapped(self) -> mmap.mmap:
        if not self._attached:
            with open(self.path, "r+b") as handle:
                self._map = mmap.mmap(handle.fileno(), 0)
            self._attached = True
        return self._map  # type: ignore[return-value]

    def _forget_process(self) -> None:
        """In a forked child: its own ring and lock, claimed on first use."""
        self._attached = False
        self._ring = -1
        self._lock = threading.Lock()

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

    def record(self, method: str, path: str, query: str, authorization: str | None, status: int, code: str, operation_id: str = "") -> None:
        """Append one request; a full ring drops its oldest entry. (Kept lean: it runs on every request.)"""
        key = (method, path, query, authorization, status, code, operation_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entry_for(key)
        view = self._map if self._attached else self._mapped()
        with self._lock:
            if self._ring < 0:
                self._ring = self._claim_ring(view)  # type: ignore[arg-type]
                self._ring_at = self._ring_base + self._ring * _RING.size
                self._ring_slots = self._slot_base + self._ring * self.size * SLOT_SIZE
                self._written = _RING.unpack_from(view, self._ring_at)[1]  # type: ignore[arg-type]
            written = self._written
            slot_at = self._ring_slots + written % self.size * SLOT_SIZE
            view[slot_at: slot_at + len(entry) + _TIME.size] = _TIME.pack(time.time()) + entry  # type: ignore[index]
            self._written = written + 1
            _WRITTEN.pack_into(view, self._ring_at + 8, written + 1)  # type: ignore[arg-type]

    def _entry_for(self, key: tuple[str, str, str, str | None, int, str, str]) -> bytes:
        """A slot's bytes after its time, for one kind of request (memoized: a client repeats its requests)."""
        method, path, query, authorization, status, code, operation_id = key
        org = self._org_named(authorization) if authorization else ""
        if len(path) > FIELD_LIMIT or _SEPARATOR in path:
            path = _clean(path)
        if query and (len(query) > FIELD_LIMIT or _SEPARATOR in query):
            query = _clean(query)
        payload = f"{method}\x1f{path}\x1f{query}\x1f{org}\x1f{status}\x1f{code}\x1f{operation_id}".encode("utf-8", "replace")[:_PAYLOAD_LIMIT]
        entry = _LENGTH.pack(len(payload)) + payload
        if len(self._entries) >= 1024:
            self._entries = {}
        self._entries[key] = entry
        return entry

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
        cleared = _CLEARED.unpack_from(view, _CLEARED_AT)[0]
        found: list[tuple[float, int, dict[str, Any]]] = []
        for ring in range(self.rings):
            _owner, written = _RING.unpack_from(view, self._ring_base + ring * _RING.size)
            for index in range(min(written, self.size)):
                slot_at = self._slot_base + (ring * self.size + index) * SLOT_SIZE
                when, length = _SLOT.unpack_from(view, slot_at)
                if when <= cleared or not length:
                    continue
                payload = bytes(view[slot_at + _SLOT.size: slot_at + _SLOT.size + length]).decode("utf-8", "replace")
                parts = payload.split(_SEPARATOR)
                if len(parts) != 7:
                    continue  # a slot being written right now
                method, path, query, org, status, code, operation_id = parts
                entry = {
                    "time": _iso(when), "method": method, "path": path, "query": query, "operation_id": operation_id or None,
                    "org_id": org or None, "status": int(status) if status.isdigit() else None, "code": code or None,
                }
                found.append((when, ring, entry))
        found.sort(key=lambda item: (item[0], item[1]))
        newest = found[-(limit or self.size):] if found else []
        return [entry for _, _, entry in newest]

    def clear(self) -> None:
        """Forget every recorded request: entries from before this moment no longer count."""
        _CLEARED.pack_into(self._mapped(), _CLEARED_AT, time.time())


def _forget_in_forked_children(journal: Journal) -> None:
    """Reset the journal's per-process state in every child forked after this (weakly: no leak)."""
    ref = weakref.ref(journal)

    def after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive._forget_process()

    os.register_at_fork(after_in_child=after_fork)


def _clean(text: str) -> str:
    """A path or query as recorded: no separator or control characters, at most FIELD_LIMIT characters."""
    if len(text) > FIELD_LIMIT:
        text = text[:FIELD_LIMIT] + "…"
    return text.replace(_SEPARATOR, "\ufffd") if _SEPARATOR in text else text


def _org_claim(authorization: str) -> str:
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return ""
    org = claims_of(parts[1]).get("org_id")
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
