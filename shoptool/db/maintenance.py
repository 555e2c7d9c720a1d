"""Looking after the database file itself: consistent backups, integrity, migrations status.

Nothing here creates or migrates a database it was only asked to look at: `doctor` must be able to
inspect an old file (or a missing one) without changing it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError, LockedError, UsageError
from .connect import BUSY_TIMEOUT_MS


@contextlib.contextmanager
def inspect(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to an existing database: no WAL switch, no migrations."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not a readable SQLite database ({exc})", file=str(path)) from None
    try:
        yield conn
    finally:
        conn.close()


def integrity(conn: sqlite3.Connection, quick: bool = False) -> list[str]:
    """['ok'] for a sound file, else SQLite's list of problems (at most 20)."""
    pragma = "quick_check" if quick else "integrity_check"
    return [row[0] for row in conn.execute(f"PRAGMA {pragma}(20)")]


def journal_mode(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA journal_mode").fetchone()[0]


def migrations_status(conn: sqlite3.Connection) -> dict:
    """Names applied, pending (known to this shoptool, not yet applied) and unknown (applied by a
    newer shoptool)."""
    import sqlite_utils

    from .schema import migrations

    db = sqlite_utils.Database(conn, execute_plugins=False)
    applied = [m.name for m in migrations.applied(db)]
    known = [m.name for m in migrations._migrations]
    return {
        "applied": applied,
        "pending": [m.name for m in migrations.pending(db)],
        "unknown": [name for name in applied if name not in known],
    }


def file_facts(path: Path) -> dict:
    """Size and permission bits of the database and its -wal/-shm companions that exist."""
    facts = {}
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        try:
            st = candidate.stat()
        except FileNotFoundError:
            continue
        facts[candidate.name] = {"size": st.st_size, "mode": stat.S_IMODE(st.st_mode)}
    return facts


def facts(path: Path, *, quick: bool = False, retention_cut: str | None = None) -> dict | None:
    """What doctor reports about the database file; None when there is none (and none is made).
    `retention_due`: finished orders a purge with this cut would take (None: cannot tell yet)."""
    if not path.exists():
        return None
    found: dict = {"files": file_facts(path), "quick": quick, "retention_due": None}
    try:
        with inspect(path) as conn:
            found["integrity"] = integrity(conn, quick)
            found["journal_mode"] = journal_mode(conn)
            found["migrations"] = migrations_status(conn)
            if retention_cut and found["integrity"] == ["ok"]:
                from .purge import count_due

                try:
                    found["retention_due"] = count_due(conn, retention_cut)
                except sqlite3.OperationalError:  # an old schema, before purged_at existed
                    pass
    except InputError as exc:
        found["error"] = exc.reason
    except sqlite3.DatabaseError as exc:
        found["error"] = f"cannot read the database: {exc}"
    return found


# ---------------------------------------------------------------- backup

def backup(db, target: Path, *, force: bool, audit_at: str, staff: str, wait_seconds: float = 600) -> dict:
    """Copy the open shop database to `target` through SQLite's backup API: one read snapshot,
    so the copy is consistent while other runs keep writing. The copy is owner-only, a single file
    (journal mode DELETE), checked with integrity_check, and recorded in the audit log before it
    is put in place: a backup is audited or not made."""
    from .store import audit

    target = Path(target)
    source = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    if target.exists():
        if target.is_dir():
            raise UsageError(f"{target} is a folder; give a file name for the backup")
        if _same_file(source, target):
            raise UsageError(f"{target} is the shop database itself")
        if not force:
            raise UsageError(f"{target} already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise UsageError(f"folder {target.parent} does not exist")
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write in {target.parent}: {exc.strerror}") from None
    os.close(fd)
    os.chmod(temp, 0o600)  # a umask can only remove bits; say what we mean
    placed = False
    try:
        copy = sqlite3.connect(str(temp), isolation_level=None)
        try:
            db.conn.backup(copy)  # pages=-1: one step, one snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            problems = integrity(copy)
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
            orders = _count(copy, "orders")
        finally:
            copy.close()
        if problems != ["ok"]:
            raise InputError(f"the copy failed its integrity check: {'; '.join(problems[:3])}", file=str(source),
                             hint="run `shoptool doctor` on the shop database")
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        size = temp.stat().st_size
        _audit_waiting(db, wait_seconds, lambda: audit(
            db, "backup", at=audit_at, command="backup", staff=staff,
            detail={"file": str(target.resolve()), "bytes": size, "orders": orders}))
        if force:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)  # fails if someone created the file meanwhile: never overwrite
            except FileExistsError:
                raise UsageError(f"{target} already exists; pass --force to replace it") from None
            temp.unlink()
        placed = True
    finally:
        if not placed:
            temp.unlink(missing_ok=True)
    return {"file": str(target), "source": str(source), "bytes": size, "pages": pages, "orders": orders,
            "integrity": "ok", "mode": f"{stat.S_IMODE(target.stat().st_mode):o}"}


def _audit_waiting(db, wait_seconds: float, write) -> None:
    """An import holds the write lock for its whole file: wait it out rather than make a backup
    nobody recorded."""
    from .connect import write_transaction

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with write_transaction(db):
                write()
            return
        except (LockedError, sqlite3.OperationalError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise LockedError("another run kept the database busy, so the backup could not be recorded in "
                                  "the audit log; no backup was made") from None


def _count(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.DatabaseError:
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
