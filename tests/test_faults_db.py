"""Fault injection for the shop database (issue #16): commands opening an old-schema database at
the same moment, and a command killed while it migrates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def old_database(path: Path, stop_before: str = "m003_sms_outbox", orders: int = 300_000) -> None:
    """A shop database as an older shoptool left it: only the migrations before `stop_before`."""
    from shoptool.db.connect import load_sqlite_utils
    from shoptool.db.schema import migrations

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrations.apply(load_sqlite_utils().Database(conn), stop_before=stop_before)
    # Enough orders that building m003's index takes a while: the window two openers race in.
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO orders (order_id, status, receiver_mobile, first_seen_at, updated_at) "
        "VALUES (?, 'unpaid', ?, '2026-11-21', '2026-11-21')",
        ((str(n), f"138{n:08d}") for n in range(orders)))
    conn.execute("COMMIT")
    conn.close()
    os.chmod(path, 0o600)


def applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]


def command(path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    return subprocess.Popen([sys.executable, "-m", "shoptool", "sms", "outbox", "--db", str(path), "--format", "json"],
                            cwd=path.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_commands_opening_an_old_database_at_once_migrate_it_once(tmp_path):
    from shoptool.db.schema import migrations

    path = tmp_path / "shoptool.db"
    old_database(path)
    procs = [command(path) for _ in range(4)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0] * 4, results
    names = applied(path)
    assert sorted(names) == sorted(m.name for m in migrations._migrations) and len(names) == len(set(names))
    with sqlite3.connect(path) as conn:
        assert "claimed_by" in [r[1] for r in conn.execute("PRAGMA table_info(messages)")]
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (300_000,), "no data lost"


def test_a_command_killed_while_migrating_leaves_a_database_the_next_one_migrates(tmp_path):
    from shoptool.db.schema import migrations

    path = tmp_path / "shoptool.db"
    old_database(path, stop_before="m002_merge_groups", orders=1)
    for delay in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3):
        proc = command(path)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        names = applied(path)
        assert names == [m.name for m in migrations._migrations][:len(names)], "whole migrations only, in order"
    final = command(path)
    assert final.wait(timeout=60) == 0, final.stderr.read()
    assert applied(path) == [m.name for m in migrations._migrations]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (1,)


@pytest.mark.parametrize("blocked", ["pandas", "numpy"])
def test_opening_the_database_never_imports_pandas_or_numpy(tmp_path, blocked):
    """sqlite-utils imports pandas and numpy whenever they are installed; a stand-in module that
    records its import shows shoptool's startup never pays for them."""
    fake = tmp_path / "site"
    fake.mkdir()
    (fake / f"{blocked}.py").write_text("import sys\nsys.stderr.write('IMPORTED\\n')\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    env["PYTHONPATH"] = str(fake)
    done = subprocess.run([sys.executable, "-m", "shoptool", "remind-unpaid", "--db", str(tmp_path / "s.db"),
                           "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "IMPORTED" not in done.stderr
    after = subprocess.run([sys.executable, "-c", f"import shoptool.db.connect as c; c.load_sqlite_utils(); "
                            f"import {blocked}"], env=env, capture_output=True, text=True, timeout=60)
    assert after.returncode == 0 and "IMPORTED" in after.stderr, "still importable by whoever wants it"
