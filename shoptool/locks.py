"""Single-instance locks for cron jobs: a kernel lock (flock) on a file beside the database, so
the lock disappears with the process that held it, however it died (PRODUCT §8)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import LockedError


def lock_path(db_path: str | os.PathLike, name: str) -> Path:
    # resolved: two runs naming the same database differently (a symlink, ../) share one lock
    db_path = Path(db_path).resolve()
    return db_path.with_name(f"{db_path.name}.{name}.lock")


@contextlib.contextmanager
def single_instance(db_path: str | os.PathLike, name: str) -> Iterator[Path]:
    """Hold the `name` lock of this database for the duration; LockedError (exit 5) if another
    process holds it. Never waits: a cron run that finds the previous one still busy just leaves."""
    import fcntl

    path = lock_path(db_path, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            raise LockedError(
                f"another `shoptool {name}` is running on {Path(db_path).name}{holder}; this run did nothing"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing releases the flock


def is_locked(db_path: str | os.PathLike, name: str) -> bool:
    import fcntl

    path = lock_path(db_path, name)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        pid = os.read(fd, 32).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
