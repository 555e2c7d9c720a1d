"""Opening the shop database: owner-only file, WAL, busy timeout, migrations (PRODUCT §2).

Connections run in autocommit mode (isolation_level=None) so that every transaction is one we
opened on purpose: whole-file imports and outbox state changes decide their own boundaries.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, LockedError, UsageError

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 15_000
PAGE_SIZE = 16_384
CACHE_KIB = 65_536


def load_sqlite_utils():
    """sqlite_utils, imported without pandas and numpy: it imports them whenever they are installed
    (~0.25 s and 85 MB on every command) for DataFrame conveniences shoptool never uses. So a
    command costs the same whatever else the shop's Python has. They stay importable afterwards."""
    import sys

    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    blocked = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import sqlite_utils
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


def open_db(path: str | os.PathLike, *, create: bool = True, migrate: bool = True) -> sqlite_utils.Database:
    sqlite_utils = load_sqlite_utils()

    path = Path(path)
    if not path.exists():
        if not create:
            raise UsageError(f"no shop database at {path}", hint="run `shoptool import` first")
        _create_owner_only(path)
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Only takes effect on a new, empty file. Order rows are wide (~500 bytes): 16 KiB pages
        # load a million-row export ~15% faster than the 4 KiB default, and cost nothing here.
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        # FULL: a message marked `sending` must survive a power cut before the provider is called.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # 64 MiB of page cache (SQLite's default is 2 MiB): a cron run recording 80,000 texts, or
        # a daily run over a million orders, rereads its index pages instead of the file.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if mode.lower() != "wal" and str(path) != ":memory:":
            raise UsageError(f"{path}: could not switch the database to WAL mode (got {mode})")
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LockedError(f"{path}: the database is busy ({exc})") from None
        raise InputError(f"not a shop database ({exc})", file=str(path)) from None
    db = sqlite_utils.Database(conn, execute_plugins=False)
    if migrate:
        _migrate(db, path)
    return db


MIGRATION_WAIT = 120.0  # seconds: another command may be migrating the same file right now


def _migrate(db: sqlite_utils.Database, path: Path) -> None:
    """Apply pending migrations under one exclusive transaction: two commands opening an old
    database at the same moment take turns, and the second finds nothing left to do (the pending
    list is read again inside the lock). A run killed half-way leaves the old schema whole."""
    from .schema import migrations

    if not migrations.pending(db):  # read-only: what nearly every run finds
        return
    conn = db.conn
    try:
        begin(conn, "BEGIN EXCLUSIVE", MIGRATION_WAIT)
    except LockedError:
        raise LockedError(f"{path}: the database is busy (another command is updating its schema)") from None
    try:
        migrations.apply(db)  # each migration a savepoint of this one transaction
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
            raise LockedError(f"{path}: the database is busy ({exc})") from None
        raise
    conn.execute("COMMIT")


def _create_owner_only(path: Path) -> None:
    """Create the file 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same
    permissions as the database, so nothing of the buyers' data is ever readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # a umask can only remove bits; make the intent explicit anyway


@contextlib.contextmanager
def page_cache(db: sqlite_utils.Database, kib: int) -> Iterator[None]:
    """SQLite's page cache of this connection at `kib` KiB for a while (CACHE_KIB otherwise): a
    command that reads each page once needs little of it, and the cache is memory it keeps."""
    conn = db.conn
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


@contextlib.contextmanager
def loading_alone(db: sqlite_utils.Database) -> Iterator[bool]:
    """A shop's first big import, while no other connection has the file open: its one transaction
    runs in SQLite's rollback-journal mode, so the rows are written to the file once instead of to
    the WAL and then again by the checkpoint (a million orders: ~3 s of a 15 s import). Yields
    whether it switched. SQLite refuses the switch while anyone else has the file open, and then
    nothing changes. Meanwhile a command opening the file waits its busy timeout and exits 5, as
    for any lock (a new shop has nothing to show before its first import lands). WAL mode is set
    again afterwards, whatever happened; should another command be opening the file right then,
    its open_db sets it."""
    conn = db.conn
    try:
        switched = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0].lower() == "delete"
    except sqlite3.OperationalError:
        switched = False
    try:
        yield switched
    finally:
        if switched:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database, *, wait: float | None = None) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock up front, so two runs never deadlock upgrading
    a read transaction, and everything inside lands together or not at all.

    `wait`: seconds to keep trying for the lock beyond the busy timeout, for a writer that must
    outlast any import (a sending run recording what the provider answered)."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():  # nested: a savepoint inside the caller's transaction
            yield db
        return
    begin(conn, "BEGIN IMMEDIATE", wait)
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def begin(conn: sqlite3.Connection, statement: str = "BEGIN IMMEDIATE", wait: float | None = None) -> None:
    """Start a write transaction, waiting up to the busy timeout and then `wait` seconds more."""
    deadline = time.monotonic() + (wait or 0)
    while True:
        try:
            conn.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() >= deadline:
                raise LockedError(f"the database is busy: {exc}") from None
            time.sleep(0.05)


def _busy(exc: BaseException) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


class Checkpointer:
    """Checkpoints of one connection's big commits made on a thread, not by the commit itself.

    In WAL mode the commit that grows the WAL past its limit copies the pages back into the
    database file before it returns (SQLite's auto-checkpoint): after a sending run's claim of
    80,000 texts on a million-order shop, ~50 MB and 0.4 s in which nothing else happens. While this is active the
    connection does not checkpoint by itself; `after_commit()` starts a PASSIVE checkpoint on a
    connection of its own in a thread (SQLite lets go of the GIL: the run's Python work goes on
    beside it, and its next transaction may write meanwhile, as WAL allows). A checkpoint that
    finds the file busy leaves the pages in the WAL for the next one: nothing is lost, the WAL
    holds every commit. Ending joins the thread and gives the connection its own checkpoints back."""

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn
        self.path = self.conn.execute("PRAGMA database_list").fetchone()[2]
        self._threads: list = []
        self._before: int | None = None

    def __enter__(self) -> Checkpointer:
        if self.path:
            self._before = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        return self

    def after_commit(self) -> None:
        if self._before is None:
            return
        import threading

        path = self.path

        def checkpoint() -> None:
            try:
                conn = sqlite3.connect(str(path), timeout=0)
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                finally:
                    conn.close()
            except sqlite3.Error:
                pass  # busy or gone: the next checkpoint (any commit's, or the last close) copies the pages

        thread = threading.Thread(target=checkpoint, name="checkpoint", daemon=True)
        thread.start()
        self._threads.append(thread)

    def __exit__(self, *exc) -> None:
        for thread in self._threads:
            thread.join()
        if self._before is not None:
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(self._before)}")
