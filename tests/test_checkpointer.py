"""db/connect.Checkpointer: while it is active the connection's commits do not checkpoint by
themselves; after_commit() copies the WAL into the file on a thread; nothing is lost when the
checkpoint cannot finish; the connection gets its own checkpoints back afterwards."""

from __future__ import annotations

import shutil
import sqlite3

from shoptool.db.connect import Checkpointer, open_db, write_transaction


def _rows_in_file_alone(path, tmp_path) -> int:
    """Rows of `t` in the database file itself, as a copy without its WAL reads them."""
    copy = tmp_path / "alone.db"
    shutil.copy(path, copy)
    conn = sqlite3.connect(copy)
    try:
        found = conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone()
        return conn.execute("SELECT count(*) FROM t").fetchone()[0] if found else 0
    finally:
        conn.close()


def _write(db, n: int) -> None:
    with write_transaction(db):
        db.conn.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 200,)] * n)


def test_commits_are_checkpointed_on_the_thread_not_by_the_commit(tmp_path):
    path = tmp_path / "shop.db"
    db = open_db(path)
    db.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with Checkpointer(db) as checkpoints:
        assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        _write(db, 100_000)  # ~22 MB: past the usual 1,000 pages (16 KiB each)
        assert _rows_in_file_alone(path, tmp_path) == 0  # still in the WAL only
        checkpoints.after_commit()
    assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert _rows_in_file_alone(path, tmp_path) == 100_000  # copied into the file by the thread
    assert db.conn.execute("SELECT count(*) FROM t").fetchone()[0] == 100_000
    db.conn.close()


def test_a_checkpoint_held_back_by_a_reader_loses_nothing(tmp_path):
    path = tmp_path / "shop.db"
    db = open_db(path)
    db.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    _write(db, 10)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 10  # holds its snapshot
    with Checkpointer(db) as checkpoints:
        _write(db, 5_000)
        checkpoints.after_commit()  # cannot copy past the reader's snapshot
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 10
    reader.execute("COMMIT")
    reader.close()
    assert db.conn.execute("SELECT count(*) FROM t").fetchone()[0] == 5_010
    db.conn.close()
    again = sqlite3.connect(path)
    assert again.execute("SELECT count(*) FROM t").fetchone()[0] == 5_010
    again.close()


def test_a_database_without_a_file_is_left_alone():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    db = type("Db", (), {"conn": conn})()
    before = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    with Checkpointer(db) as checkpoints:
        checkpoints.after_commit()
        assert not checkpoints._threads
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == before
