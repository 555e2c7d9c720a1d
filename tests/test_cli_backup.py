"""shoptool backup: a consistent, owner-only, checked copy, even while an import is writing."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

from builders import DONE, LEGACY_ORDER_HEADER, legacy_order, write_csv

REPO = Path(__file__).resolve().parent.parent
SHOPTOOL = Path(sys.executable).with_name("shoptool")


def small_shop(cli, folder: Path, n: int = 3) -> None:
    rows = [legacy_order(i, DONE) for i in range(n)]
    assert cli("import", write_csv(folder / "small.csv", LEGACY_ORDER_HEADER, rows, encoding="gbk")).exit_code == 0


def open_copy(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_backup_is_owner_only_checked_single_file_and_audited(cli, db, shop_folder):
    small_shop(cli, shop_folder)
    previous = os.umask(0)  # the copy must not depend on a careful umask
    try:
        result = cli("backup", "copy.db")
    finally:
        os.umask(previous)

    assert result.exit_code == 0, result
    [row] = result.rows
    target = shop_folder / "copy.db"
    assert (row["file"], row["integrity"], row["mode"], row["orders"]) == ("copy.db", "ok", "600", 3)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert row["bytes"] == target.stat().st_size
    copy = open_copy(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT count(*) FROM orders").fetchone()[0] == 3
    copy.close()
    assert [p.name for p in shop_folder.iterdir() if p.name.startswith(("copy.db", ".copy.db"))] == ["copy.db"]
    [(action, command, detail)] = db().conn.execute("SELECT action, command, detail FROM audit").fetchall()
    assert (action, command) == ("backup", "backup")
    assert json.loads(detail)["file"] == str(target)


def test_an_existing_file_is_replaced_only_with_force(cli, shop_folder):
    small_shop(cli, shop_folder)
    target = shop_folder / "copy.db"
    target.write_text("yesterday's backup")
    target.chmod(0o644)

    refused = cli("backup", target)

    assert refused.exit_code == 2
    assert "--force" in refused.stderr and refused.stdout == ""
    assert target.read_text() == "yesterday's backup"
    forced = cli("backup", target, "--force")
    assert forced.exit_code == 0, forced
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert open_copy(target).execute("SELECT count(*) FROM orders").fetchone()[0] == 3


def test_no_database_no_backup(cli, shop_folder):
    result = cli("backup", "copy.db")

    assert result.exit_code == 2
    assert "no shop database" in result.stderr
    assert sorted(p.name for p in shop_folder.iterdir()) == []


def test_the_database_itself_is_not_a_target(cli, shop_folder):
    small_shop(cli, shop_folder)
    before = (shop_folder / "shoptool.db").read_bytes()

    result = cli("backup", "shoptool.db", "--force")

    assert result.exit_code == 2
    assert (shop_folder / "shoptool.db").read_bytes() == before


def test_backup_taken_while_a_big_import_writes_is_consistent(cli, db, shop_folder):
    sys.path.insert(0, str(REPO))
    from benchmarks.generate import legacy_orders_csv

    small_shop(cli, shop_folder)
    big = legacy_orders_csv(shop_folder / "big.csv", 200_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPTOOL_")}
    importer = subprocess.Popen([str(SHOPTOOL), "import", str(big), "--format", "json"], cwd=shop_folder, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wal = shop_folder / "shoptool.db-wal"
    deadline = time.monotonic() + 60
    while not (wal.exists() and wal.stat().st_size > 4 * 1024**2):  # rows are being written
        assert importer.poll() is None, importer.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)

    result = cli("backup", "during.db")

    assert result.exit_code == 0, result
    out, err = importer.communicate(timeout=120)
    assert importer.returncode == 0, err
    assert json.loads(out)["rows"][0]["inserted"] == 200_000
    copy = open_copy(shop_folder / "during.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the copy is the state before the import's transaction: all of it or none of it, never half
    assert copy.execute("SELECT count(*) FROM orders").fetchone()[0] == 3
    assert copy.execute("SELECT count(*) FROM imports").fetchone()[0] == 1
    copy.close()
    conn = db().conn
    assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 200_003
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'backup'").fetchone()[0] == 1
