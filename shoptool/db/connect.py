"""Opening the shop database: owner-only file, WAL, busy timeout, migrations (PRODUCT §2).

Connections run in autocommit mode (isolation_level=None) so that every transaction is one we
opened on purpose: whole-file imports and outbox state changes decide their own boundaries.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, LockedError, UsageError

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 15_000
PAGE_SIZE = 16_384


def open_db(path: str | os.PathLike, *, create: bool = True, migrate: bool = True) -> sqlite_utils.Database:
    import sqlite_utils

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
        if mode.lower() != "wal" and str(path) != ":memory:":
            raise UsageError(f"{path}: could not switch the database to WAL mode (got {mode})")
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LockedError(f"{path}: the database is busy ({exc})") from None
        raise InputError(f"not a shop database ({exc})", file=str(path)) from None
    db = sqlite_utils.Database(conn, execute_plugins=False)
    if migrate:
        from .schema import migrations

        try:
            migrations.apply(db)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LockedError(f"{path}: the database is busy ({exc})") from None
            raise
    return db


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
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock up front, so two runs never deadlock upgrading
    a read transaction, and everything inside lands together or not at all."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():  # nested: a savepoint inside the caller's transaction
            yield db
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise LockedError(f"the database is busy: {exc}") from None
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
