"""The store the pipeline looks bookings up in: one SQLite file shared by every worker process.

The dataset is written once, by the process that starts the server, into a SQLite database in a state
folder (in /dev/shm when there is one). Every worker reads the same file, so the dataset's memory is
the operating system's page cache, shared, however many workers there are; the admin API's writes are
seen by every worker at once. Reads stay as fast as a dict: each process keeps what it has looked up,
and drops it when a shared generation counter (eight bytes, memory-mapped) says the data changed.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import shutil
import sqlite3
import struct
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

SCHEMA = """
CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, calcom TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE bookings (uid TEXT PRIMARY KEY, org_id TEXT NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE initial_organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, calcom TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE initial_bookings (uid TEXT PRIMARY KEY, org_id TEXT NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE answers (id INTEGER PRIMARY KEY, operation_id TEXT NOT NULL, match TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE items (resource TEXT NOT NULL, id TEXT NOT NULL, tenant TEXT NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (resource, id)) WITHOUT ROWID;
CREATE TABLE initial_items (resource TEXT NOT NULL, id TEXT NOT NULL, tenant TEXT NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (resource, id)) WITHOUT ROWID;
"""
_GENERATION = struct.Struct("<Q")
_MISSING = object()
CACHE_LIMIT = 100_000  # looked-up UIDs kept per process (unknown ones included) before the cache is cleared


def _same(value: Any, wanted: Any) -> bool:
    """A request's (typed) parameter value against one given in JSON: equal, or equal as text (7 and "7")."""
    if value == wanted:
        return True
    if isinstance(value, bool) or isinstance(wanted, bool):
        return str(value).lower() == str(wanted).lower()
    return str(value) == str(wanted)


def _matches(values: dict[str, Any], body: Any, name: str, wanted: Any) -> bool:
    """A `when` entry against a request: a parameter's value, or (a key starting with /) a body value by JSON pointer."""
    if name.startswith("/"):
        found: Any = body
        for part in name[1:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(found, dict) and part in found:
                found = found[part]
            elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
                found = found[int(part)]
            else:
                return False
        return _same(found, wanted)
    return name in values and _same(values[name], wanted)


def state_root() -> Path:
    """Where state folders go: shared memory when the machine has it, else the temporary folder."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


@dataclass(frozen=True)
class OrganizationState:
    """An organization and how its Cal.com account behaves."""

    id: str
    name: str
    calcom: str


class SharedStore:
    """Organizations and bookings (each booking's 200 body, serialized) in a SQLite file, cached per process."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.db_path = folder / "store.sqlite"
        self._generation_path = folder / "generation"
        self._local = threading.local()
        self._attached = False  # per process: a fork hook clears it in the child (no getpid per request)
        self._map: mmap.mmap | None = None
        self._seen_generation = -1
        self._orgs: dict[str, OrganizationState] = {}
        self._bookings: dict[str, Any] = {}
        self._answers: dict[str, list[tuple[dict[str, str], int, Any]]] | None = None
        self._lock = threading.Lock()
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: ref() is not None and ref()._detach())  # type: ignore[union-attr]

    def _detach(self) -> None:
        """In a forked child: connections and mappings are the parent's, so open new ones on first use."""
        self._attached = False
        self._local = threading.local()
        self._lock = threading.Lock()
        self._seen_generation = -1

    @staticmethod
    def new_folder() -> Path:
        """A new, empty state folder."""
        return Path(tempfile.mkdtemp(prefix="ravan-mock-", dir=state_root()))

    @classmethod
    def create(cls, organizations: Iterable[OrganizationState], bookings: Iterable[tuple[str, str, bytes]], folder: Path | None = None) -> "SharedStore":
        """A new store in a (new) state folder, holding this dataset (and a copy of it for reset)."""
        folder = folder or cls.new_folder()
        store = cls(folder)
        with sqlite3.connect(store.db_path) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # a mock's state: nothing to keep across a crash
            db.executescript(SCHEMA)
            orgs = [(o.id, o.name, o.calcom) for o in organizations]
            db.executemany("INSERT INTO initial_organizations VALUES (?, ?, ?)", orgs)
            db.executemany("INSERT INTO initial_bookings VALUES (?, ?, ?)", bookings)
            db.execute("INSERT INTO organizations SELECT * FROM initial_organizations")
            db.execute("INSERT INTO bookings SELECT * FROM initial_bookings")
        db.close()
        store._generation_path.write_bytes(_GENERATION.pack(1))
        return store

    # --- per process -------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (connections never cross a fork)."""
        if not self._attached:
            self._attach()
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=10, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA synchronous=OFF")  # a mock's state: nothing to keep across a crash
            db.execute("PRAGMA mmap_size=268435456")  # read through shared mappings: no copies, no read() calls
            self._local.db = db
        return db

    def _attach(self) -> None:
        with open(self._generation_path, "r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), _GENERATION.size)
        self._attached = True
        self._seen_generation = -1

    @property
    def generation(self) -> int:
        """A number that changes whenever any process changes the data."""
        if not self._attached:
            self._attach()
        return _GENERATION.unpack_from(self._map, 0)[0]  # type: ignore[arg-type]

    def _fresh(self) -> None:
        """Drop this process's cache when another process changed the data."""
        if not self._attached:
            self._attach()
        current = _GENERATION.unpack_from(self._map, 0)[0]  # type: ignore[arg-type]
        if current != self._seen_generation:
            with self._lock:
                rows = self._db().execute("SELECT id, name, calcom FROM organizations").fetchall()
                self._orgs = {row[0]: OrganizationState(*row) for row in rows}
                self._bookings = {}
                self._answers = None
                self._seen_generation = current

    # --- reads (the hot path) ----------------------------------------------------------------------

    def organization(self, org_id: str) -> OrganizationState | None:
        """The organization, or None when the dataset does not know it."""
        self._fresh()
        return self._orgs.get(org_id)

    def booking(self, uid: str, *, fresh: bool = False) -> tuple[str, bytes] | None:
        """(organization, serialized 200 body) of a booking, or None (fresh=True: the caller just checked freshness)."""
        if not fresh:
            self._fresh()
        found = self._bookings.get(uid, _MISSING)
        if found is _MISSING:
            row = self._db().execute("SELECT org_id, body FROM bookings WHERE uid = ?", (uid,)).fetchone()
            found = (row[0], bytes(row[1])) if row else None
            if len(self._bookings) >= CACHE_LIMIT:
                self._bookings = {}
            self._bookings[uid] = found
        return found  # type: ignore[return-value]

    def bookings(self, org_id: str | None = None, limit: int = 1000) -> list[tuple[str, str, bytes]]:
        """(organization, uid, serialized 200 body) of stored bookings, by organization then uid; org_id narrows them."""
        where, args = ("WHERE org_id = ?", (org_id,)) if org_id is not None else ("", ())
        rows = self._db().execute(f"SELECT org_id, uid, body FROM bookings {where} ORDER BY org_id, uid LIMIT ?", (*args, limit))
        return [(row[0], row[1], bytes(row[2])) for row in rows]

    def answer_for(self, operation_id: str, values: dict[str, Any], body: Any = None) -> tuple[int, Any] | None:
        """The answer set at run time for this operation whose `when` all matches the request (its parameters' values,
        its body's by JSON pointer), newest first."""
        self._fresh()
        answers = self._answers
        if answers is None:
            answers = {}
            rows = self._db().execute("SELECT operation_id, match, status, body FROM answers ORDER BY id DESC")
            for operation, match, status, answer in rows:
                answers.setdefault(operation, []).append((json.loads(match), status, json.loads(answer)))
            self._answers = answers
        for match, status, answer in answers.get(operation_id, ()):
            if all(_matches(values, body, name, wanted) for name, wanted in match.items()):
                return status, answer
        return None

    def answers(self, operation_id: str | None = None) -> list[dict[str, Any]]:
        """The answers set at run time (newest first), for one operation or all."""
        where, args = ("WHERE operation_id = ?", (operation_id,)) if operation_id else ("", ())
        rows = self._db().execute(f"SELECT id, operation_id, match, status, body FROM answers {where} ORDER BY id DESC", args)
        return [{"id": r[0], "operation_id": r[1], "when": json.loads(r[2]), "status": r[3], "body": json.loads(r[4])} for r in rows]

    def put_answer(self, operation_id: str, match: dict[str, Any], status: int, body: Any) -> int:
        """Set what an operation answers (for requests whose parameters match `match`); returns the answer's id."""
        self._write([("INSERT INTO answers (operation_id, match, status, body) VALUES (?, ?, ?, ?)",
                      (operation_id, json.dumps(match, sort_keys=True), status, json.dumps(body)))])
        return int(self._db().execute("SELECT max(id) FROM answers").fetchone()[0])

    def clear_answers(self, operation_id: str | None = None) -> int:
        """Forget the answers set at run time (of one operation, or all); returns how many."""
        count = len(self.answers(operation_id))
        if operation_id:
            self._write([("DELETE FROM answers WHERE operation_id = ?", (operation_id,))])
        else:
            self._write([("DELETE FROM answers", ())])
        return count

    def counts(self) -> tuple[int, int]:
        """(organizations, bookings) stored now."""
        db = self._db()
        return db.execute("SELECT count(*) FROM organizations").fetchone()[0], db.execute("SELECT count(*) FROM bookings").fetchone()[0]

    # --- writes (the admin API) --------------------------------------------------------------------

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]], local: Any = None) -> None:
        """Run the statements in one transaction, then tell every process the data changed. `local` applies the same
        change to this process's cache, which then stays current (when it was): a writer does not reload its cache."""
        db = self._db()
        with open(self._generation_path, "r+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time across processes, generation included
            before = self.generation
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    db.execute(sql, args)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            _GENERATION.pack_into(self._map, 0, before + 1)  # type: ignore[arg-type]
            if local is not None and self._seen_generation == before:
                with self._lock:
                    local()
                    self._seen_generation = before + 1

    def put_booking(self, org_id: str, uid: str, body: bytes, *, org_name: str | None = None) -> None:
        """Add or replace a booking; a new organization is created as connected."""
        def local() -> None:
            self._orgs.setdefault(org_id, OrganizationState(org_id, org_name or org_id, "connected"))
            self._bookings[uid] = (org_id, body)

        self._write([
            ("INSERT OR IGNORE INTO organizations VALUES (?, ?, 'connected')", (org_id, org_name or org_id)),
            ("INSERT OR REPLACE INTO bookings VALUES (?, ?, ?)", (uid, org_id, body)),
        ], local)

    def delete_booking(self, uid: str) -> bool:
        """Remove a booking; False when there was none."""
        if self.booking(uid) is None:
            return False
        self._write([("DELETE FROM bookings WHERE uid = ?", (uid,))], lambda: self._bookings.__setitem__(uid, None))
        return True

    # --- items of the resources the spec defines (mock_server/resources/) ------------------------------

    def item(self, resource: str, item_id: str) -> tuple[str, bytes] | None:
        """(tenant, serialized item) of one item of a resource, or None."""
        row = self._db().execute("SELECT tenant, body FROM items WHERE resource = ? AND id = ?", (resource, item_id)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def items(self, resource: str, tenant: str, limit: int = 100_000) -> list[tuple[str, bytes]]:
        """(id, serialized item) of a tenant's items of a resource, oldest first."""
        rows = self._db().execute("SELECT id, body FROM items WHERE resource = ? AND tenant = ? ORDER BY seq LIMIT ?",
                                  (resource, tenant, limit))
        return [(row[0], bytes(row[1])) for row in rows]

    def put_item(self, resource: str, item_id: str, tenant: str, body: bytes) -> None:
        """Add an item, or replace it in place (it keeps its place in lists)."""
        self._write([("INSERT INTO items VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM items), ?) "
                      "ON CONFLICT (resource, id) DO UPDATE SET tenant = excluded.tenant, body = excluded.body",
                      (resource, item_id, tenant, body))], lambda: None)  # items are not cached

    def seed_items(self, resource: str, items: list[tuple[str, str, bytes]]) -> None:
        """A resource's first state, (id, tenant, serialized item) each: stored, and brought back by reset."""
        rows = [(resource, item_id, tenant, body) for item_id, tenant, body in items]
        self._write([(f"INSERT OR IGNORE INTO {table} VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM {table}), ?)", row)
                     for row in rows for table in ("initial_items", "items")])

    def delete_item(self, resource: str, item_id: str) -> bool:
        """Remove an item; False when there was none."""
        if self.item(resource, item_id) is None:
            return False
        self._write([("DELETE FROM items WHERE resource = ? AND id = ?", (resource, item_id))], lambda: None)
        return True

    def reset(self) -> None:
        """Back to the dataset the server started with."""
        self._write([
            ("DELETE FROM items", ()),
            ("INSERT INTO items SELECT * FROM initial_items", ()),
            ("DELETE FROM organizations", ()),
            ("DELETE FROM bookings", ()),
            ("INSERT INTO organizations SELECT * FROM initial_organizations", ()),
            ("INSERT INTO bookings SELECT * FROM initial_bookings", ()),
            ("DELETE FROM answers", ()),
        ])

    def remove(self) -> None:
        """Delete the state folder (by the process that created it, at exit)."""
        shutil.rmtree(self.folder, ignore_errors=True)
