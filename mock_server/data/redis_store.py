"""The store in Redis (`--store redis://HOST:PORT/N`, redis-py): one dataset, its writes and its journal for every
mock process that names the same database, so that several mock hosts behind a load balancer serve one state.

The same interface as SharedStore (store.py), every read a round trip to Redis (no per-process cache: another
host's write is seen at once). The first process seeds the database with the dataset, and keeps a copy of it for
reset; a process that finds the database seeded with the same dataset joins it, one with another is refused. A
Redis that goes away makes each request fail with StoreUnavailable, which the router answers 500 INTERNAL_ERROR
with one log line; redis-py reconnects on the next request once Redis is back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Iterable

from mock_server.data.store import OrganizationState, SharedStore, _matches

log = logging.getLogger("mock_server")
PREFIX = "ravan-mock:"
_SEP = b"\x00"


class StoreUnavailable(RuntimeError):
    """The store (Redis) did not answer."""


def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)


def _guarded(func: Any) -> Any:
    """Turn redis-py's connection failures into StoreUnavailable, with a message and no traceback."""
    import functools

    @functools.wraps(func)
    def call(self: "RedisStore", *args: Any, **kwargs: Any) -> Any:
        import redis

        try:
            return func(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(f"the store at {self.shown_url} did not answer ({type(exc).__name__}: {exc})") from None

    return call


class RedisStore:
    """Organizations, bookings, items of resources and answers set at run time, in one Redis database."""

    def __init__(self, url: str, folder: Path | None = None):
        self.url = url
        self.shown_url = _without_password(url)
        self.folder = folder or SharedStore.new_folder()  # for what stays per host (nothing but its temporary files)
        self.redis = _client(url)
        self.key = lambda name: PREFIX + name  # noqa: E731 - one place for the namespace
        # What this process has read, kept while the database's generation (INCR'd by every write) is the one seen:
        # one round trip per check instead of one per key, and every write seen at once.
        self._seen: bytes | None = None
        self._orgs: dict[str, OrganizationState | None] = {}
        self._bookings: dict[str, tuple[str, bytes] | None] = {}
        self._answers: list[dict[str, Any]] | None = None

    def _fresh(self) -> None:
        current = self.redis.get(self.key("generation"))
        if current != self._seen or current is None:
            self._orgs, self._bookings, self._answers = {}, {}, None
            self._seen = current

    def _changed(self, pipe: Any) -> None:
        """Add the generation bump to a write's pipeline: every process drops what it cached."""
        pipe.incr(self.key("generation"))

    def __repr__(self) -> str:
        return f"RedisStore({self.shown_url})"

    @classmethod
    def create(cls, url: str, organizations: Iterable[OrganizationState], bookings: Iterable[tuple[str, str, bytes]],
               folder: Path | None = None, source: str = "") -> "RedisStore":
        """Seed the database with this dataset, or join it when it already holds the same one."""
        store = cls(url, folder)
        orgs = {o.id: json.dumps([o.name, o.calcom]) for o in organizations}
        rows = {uid: org.encode() + _SEP + body for uid, org, body in bookings}
        fingerprint = hashlib.sha256(json.dumps(sorted(orgs.items())).encode() + b"".join(sorted(rows.values()))).hexdigest()
        try:
            seeded = store.redis.get(store.key("dataset"))
        except Exception as exc:  # noqa: BLE001 - said in one line at start
            raise ValueError(f"--store {store.shown_url}: Redis does not answer ({exc})") from None
        if seeded is not None:
            if seeded.decode() != fingerprint:
                raise ValueError(f"--store {store.shown_url}: the database holds another dataset than {source or 'this one'} "
                                 "(another mock's fixtures): use another database number, or empty it (redis-cli -n N FLUSHDB)")
            return store  # another mock process seeded it: join its state
        pipe = store.redis.pipeline(transaction=True)
        for name in ("orgs", "bookings"):
            pipe.delete(store.key(name), store.key("init:" + name))
        if orgs:
            pipe.hset(store.key("init:orgs"), mapping=orgs)
        if rows:
            for start in range(0, len(rows), 10_000):
                chunk = dict(list(rows.items())[start:start + 10_000])
                pipe.hset(store.key("init:bookings"), mapping=chunk)
        pipe.set(store.key("dataset"), fingerprint)
        pipe.execute()
        store._copy_initial()
        return store

    def _copy_initial(self) -> None:
        pipe = self.redis.pipeline(transaction=True)
        for name in ("orgs", "bookings"):
            pipe.delete(self.key(name))
            pipe.copy(self.key("init:" + name), self.key(name), replace=True)
        for resource in self.redis.smembers(self.key("resources")):
            resource = resource.decode()
            pipe.delete(self.key(f"items:{resource}"))
            pipe.copy(self.key(f"init:items:{resource}"), self.key(f"items:{resource}"), replace=True)
        pipe.delete(self.key("answers"))
        self._changed(pipe)
        pipe.execute()

    # --- reads -------------------------------------------------------------------------------------

    @_guarded
    def organization(self, org_id: str) -> OrganizationState | None:
        """The organization, or None."""
        self._fresh()
        if org_id in self._orgs:
            return self._orgs[org_id]
        found = self.redis.hget(self.key("orgs"), org_id)
        state = None
        if found is not None:
            name, calcom = json.loads(found)
            state = OrganizationState(org_id, name, calcom)
        self._orgs[org_id] = state
        return state

    @_guarded
    def booking(self, uid: str, *, fresh: bool = False) -> tuple[str, bytes] | None:
        """(organization, serialized 200 body) of a booking, or None (fresh=True: the caller just checked freshness)."""
        if not fresh:
            self._fresh()
        if uid in self._bookings:
            return self._bookings[uid]
        found = self.redis.hget(self.key("bookings"), uid)
        row = None
        if found is not None:
            org, _, body = found.partition(_SEP)
            row = (org.decode(), body)
        if len(self._bookings) >= 100_000:
            self._bookings = {}
        self._bookings[uid] = row
        return row

    @_guarded
    def bookings(self, org_id: str | None = None, limit: int = 1000) -> list[tuple[str, str, bytes]]:
        """(organization, uid, serialized body) of stored bookings, by organization then uid."""
        rows = []
        for uid, value in self.redis.hscan_iter(self.key("bookings"), count=1000):
            org, _, body = value.partition(_SEP)
            if org_id is None or org.decode() == org_id:
                rows.append((org.decode(), uid.decode(), body))
        return sorted(rows)[:limit]

    @_guarded
    def counts(self) -> tuple[int, int]:
        """(organizations, bookings) stored now."""
        return int(self.redis.hlen(self.key("orgs"))), int(self.redis.hlen(self.key("bookings")))

    # --- answers set at run time ---------------------------------------------------------------------

    @_guarded
    def answers(self, operation_id: str | None = None) -> list[dict[str, Any]]:
        """The answers set at run time, newest first."""
        self._fresh()
        if self._answers is None:
            self._answers = sorted((json.loads(v) for v in self.redis.hvals(self.key("answers"))), key=lambda a: -a["id"])
        return [a for a in self._answers if operation_id is None or a["operation_id"] == operation_id]

    def answer_for(self, operation_id: str, values: dict[str, Any], body: Any = None) -> tuple[int, Any] | None:
        """The newest answer set for this operation whose parameter values all match the request's."""
        for answer in self.answers(operation_id):
            if all(_matches(values, body, name, wanted) for name, wanted in answer["when"].items()):
                return answer["status"], answer["body"]
        return None

    @_guarded
    def put_answer(self, operation_id: str, match: dict[str, Any], status: int, body: Any) -> int:
        """Set what an operation answers; returns the answer's id."""
        answer_id = int(self.redis.incr(self.key("answer_seq")))
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key("answers"), str(answer_id), json.dumps(
            {"id": answer_id, "operation_id": operation_id, "when": match, "status": status, "body": body}))
        self._changed(pipe)
        pipe.execute()
        return answer_id

    @_guarded
    def clear_answers(self, operation_id: str | None = None) -> int:
        """Forget the answers set at run time (of one operation, or all); returns how many."""
        found = self.answers(operation_id)
        if found:
            pipe = self.redis.pipeline(transaction=True)
            pipe.hdel(self.key("answers"), *[str(a["id"]) for a in found])
            self._changed(pipe)
            pipe.execute()
        return len(found)

    # --- writes ------------------------------------------------------------------------------------

    @_guarded
    def put_booking(self, org_id: str, uid: str, body: bytes, *, org_name: str | None = None) -> None:
        """Add or replace a booking; a new organization is created as connected."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(self.key("orgs"), org_id, json.dumps([org_name or org_id, "connected"]))
        pipe.hset(self.key("bookings"), uid, org_id.encode() + _SEP + body)
        self._changed(pipe)
        pipe.execute()

    @_guarded
    def delete_booking(self, uid: str) -> bool:
        """Remove a booking; False when there was none."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(self.key("bookings"), uid)
        self._changed(pipe)
        return bool(pipe.execute()[0])

    @_guarded
    def reset(self) -> None:
        """Back to the dataset the first process seeded."""
        self._copy_initial()

    # --- items of resources ------------------------------------------------------------------------

    @_guarded
    def item(self, resource: str, item_id: str) -> tuple[str, bytes] | None:
        """(tenant, serialized item), or None."""
        found = self.redis.hget(self.key(f"items:{resource}"), item_id)
        if found is None:
            return None
        tenant, _, rest = found.partition(_SEP)
        return tenant.decode(), rest.partition(_SEP)[2]

    @_guarded
    def items(self, resource: str, tenant: str, limit: int = 100_000) -> list[tuple[str, bytes]]:
        """(id, serialized item) of a tenant's items, oldest first."""
        rows = []
        for item_id, value in self.redis.hscan_iter(self.key(f"items:{resource}"), count=1000):
            owner, _, rest = value.partition(_SEP)
            seq, _, body = rest.partition(_SEP)
            if owner.decode() == tenant:
                rows.append((int(seq), item_id.decode(), body))
        return [(item_id, body) for _, item_id, body in sorted(rows)[:limit]]

    def _row(self, tenant: str, body: bytes) -> bytes:
        return tenant.encode() + _SEP + str(int(self.redis.incr(self.key("item_seq")))).zfill(12).encode() + _SEP + body

    @_guarded
    def put_item(self, resource: str, item_id: str, tenant: str, body: bytes) -> None:
        """Add an item, or replace it in place (it keeps its place in lists)."""
        self.redis.sadd(self.key("resources"), resource)
        current = self.redis.hget(self.key(f"items:{resource}"), item_id)
        if current is not None:
            seq = current.split(_SEP)[1]
            self.redis.hset(self.key(f"items:{resource}"), item_id, tenant.encode() + _SEP + seq + _SEP + body)
        else:
            self.redis.hset(self.key(f"items:{resource}"), item_id, self._row(tenant, body))

    @_guarded
    def seed_items(self, resource: str, items: list[tuple[str, str, bytes]]) -> None:
        """A resource's first state (kept for reset): only the first process to seed it writes it."""
        self.redis.sadd(self.key("resources"), resource)
        if not items or self.redis.exists(self.key(f"init:items:{resource}")):
            return
        rows = {item_id: self._row(tenant, body) for item_id, tenant, body in items}
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key(f"init:items:{resource}"), mapping=rows)
        for item_id, row in rows.items():
            pipe.hsetnx(self.key(f"items:{resource}"), item_id, row)
        pipe.execute()

    @_guarded
    def delete_item(self, resource: str, item_id: str) -> bool:
        """Remove an item; False when there was none."""
        return bool(self.redis.hdel(self.key(f"items:{resource}"), item_id))

    def remove(self) -> None:
        """Delete this host's temporary folder (the state stays in Redis, for the other hosts)."""
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


class RedisJournal:
    """The request journal in Redis: one list, newest first, trimmed to its size, shared by every mock host."""

    def __init__(self, store: RedisStore, size: int):
        self.store = store
        self.size = size
        self._said_at = 0.0

    def record(self, method: str, path: str, query: str, authorization: str | None, status: int, code: str, operation_id: str = "") -> None:
        """Append one request (never its headers); a Redis that does not answer loses the entry, said once a minute."""
        from mock_server.data.journal import _org_claim

        entry = {"time": _iso(time.time()), "method": method, "path": path[:200], "query": query[:200], "operation_id": operation_id or None,
                 "org_id": (_org_claim(authorization) if authorization else "") or None, "status": status, "code": code or None}
        try:
            pipe = self.store.redis.pipeline(transaction=False)
            pipe.lpush(self.store.key("journal"), json.dumps(entry))
            pipe.ltrim(self.store.key("journal"), 0, self.size * 4 - 1)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the journal never fails a request
            if time.time() - self._said_at > 60:
                self._said_at = time.time()
                log.error("journal: the store at %s did not answer (%s): entries are lost until it does", self.store.shown_url, type(exc).__name__)

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The recorded requests, oldest first: the newest `limit`."""
        raw = self.store.redis.lrange(self.store.key("journal"), 0, (limit or self.size) - 1)
        return [json.loads(item) for item in reversed(raw)]

    def clear(self) -> None:
        """Forget every recorded request."""
        self.store.redis.delete(self.store.key("journal"))


def _iso(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when % 1 * 1000):03d}Z"


def _without_password(url: str) -> str:
    """The URL as it may be shown: a password in it is replaced."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
