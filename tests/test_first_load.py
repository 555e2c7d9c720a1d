"""A shop's first big import runs alone in rollback-journal mode (db/connect.loading_alone): the
rows are written once, the database is in WAL mode again afterwards, and nothing else changes —
not when someone else has the file open, not for a later import, not when the import is refused."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from builders import LEGACY_ORDER_HEADER, legacy_order, write_csv

from shoptool.db import store


@pytest.fixture
def every_file_is_big(monkeypatch):
    monkeypatch.setattr(store, "FIRST_LOAD_BYTES", 0)


@pytest.fixture
def modes_while_loading(monkeypatch):
    """The journal mode of the importing connection, read inside the import's transaction."""
    seen: list[str] = []
    real = store.Upsert.finish

    def finish(self, *args, **kwargs):
        seen.append(self.db.conn.execute("PRAGMA journal_mode").fetchone()[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(store.Upsert, "finish", finish)
    return seen


def orders_file(folder, name: str, first: int, count: int = 5):
    rows = [legacy_order(n) for n in range(first, first + count)]
    return write_csv(folder / name, LEGACY_ORDER_HEADER, rows, encoding="gbk")


def journal_mode(path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


def test_the_first_big_import_loads_alone_and_leaves_the_shop_in_wal_mode(
        cli, shop_folder, every_file_is_big, modes_while_loading):
    path = orders_file(shop_folder, "orders.csv", 1)
    result = cli("import", path, "--format", "json")
    assert result.exit_code == 0, result
    assert result.rows[0]["inserted"] == 5
    assert modes_while_loading == ["delete"]
    database = shop_folder / "shoptool.db"
    assert journal_mode(database) == "wal"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert not (shop_folder / "shoptool.db-journal").exists()
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 5
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # the next import is no first load: the WAL, as for every other write
    again = cli("import", orders_file(shop_folder, "more.csv", 10), "--format", "json")
    assert again.exit_code == 0 and again.rows[0]["inserted"] == 5
    assert modes_while_loading == ["delete", "wal"]
    assert journal_mode(database) == "wal"


def test_a_small_first_import_and_an_open_file_keep_the_wal(cli, shop_folder, modes_while_loading, monkeypatch):
    assert cli("import", orders_file(shop_folder, "small.csv", 1)).exit_code == 0
    assert modes_while_loading == ["wal"]  # far below FIRST_LOAD_BYTES

    from shoptool.db import open_db

    monkeypatch.setattr(store, "FIRST_LOAD_BYTES", 0)
    database = shop_folder / "other.db"
    open_db(database).conn.close()  # the shop exists, nothing imported
    with sqlite3.connect(database) as watching:  # e.g. the MCP server, open on the shop
        watching.execute("SELECT count(*) FROM orders").fetchone()
        assert cli("import", orders_file(shop_folder, "first.csv", 20), "--db", database).exit_code == 0
    assert modes_while_loading == ["wal", "wal"]  # SQLite refused the switch; nothing else changed
    assert journal_mode(database) == "wal"


def test_a_refused_first_load_stores_nothing_and_the_shop_is_in_wal_mode(cli, shop_folder, every_file_is_big):
    rows = [legacy_order(n, 订单编号="1.23457E+18") for n in range(1, 4)]  # every row rejected
    path = write_csv(shop_folder / "bad.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")
    result = cli("import", path, "--format", "json")
    assert result.exit_code == 3
    database = shop_folder / "shoptool.db"
    assert journal_mode(database) == "wal"
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_a_command_opening_the_shop_during_its_first_load_waits_and_is_told_it_is_busy(
        cli, shop_folder, every_file_is_big, monkeypatch):
    """Exit 5's LockedError, as for any lock — never a usage error about the journal mode."""
    from shoptool.db import connect
    from shoptool.errors import LockedError

    met: list = []
    real = store.Upsert.finish

    def finish(self, *args, **kwargs):
        monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 200)
        # SQLite spills the load to the file from here on; force it as a big file would
        self.db.conn.execute("PRAGMA cache_size = 1")
        self.db.conn.execute("UPDATE orders SET seller_note = seller_note")
        try:
            connect.open_db(shop_folder / "shoptool.db").conn.close()
        except LockedError as exc:
            met.append(exc)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(store.Upsert, "finish", finish)
    assert cli("import", orders_file(shop_folder, "orders.csv", 1)).exit_code == 0
    assert len(met) == 1 and "busy" in str(met[0])
    assert journal_mode(shop_folder / "shoptool.db") == "wal"


def test_a_first_load_read_by_the_forked_reader_stores_every_row(cli, shop_folder, every_file_is_big,
                                                                 modes_while_loading, monkeypatch):
    """The reader child is forked inside the rollback-journal transaction (as big files are read):
    it never touches the database, and what it sends lands whole."""
    from shoptool.imports import pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 3)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    result = cli("import", orders_file(shop_folder, "orders.csv", 1, count=20), "--format", "json")
    assert result.exit_code == 0 and result.rows[0]["inserted"] == 20
    assert modes_while_loading == ["delete"]
    with sqlite3.connect(shop_folder / "shoptool.db") as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 20
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
