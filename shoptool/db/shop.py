"""Facts about the shop itself in its database: the 店铺名称 its imported orders carry."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def shop_names(db) -> dict[str, int]:
    """店铺名称 of the imported orders → how many orders carry it, most first."""
    return _names(db.conn)


def shop_names_at(path: Path) -> dict[str, int] | None:
    """The same, read-only from a database file that is never created or migrated (doctor);
    None when there is no database, {} when it holds no orders yet."""
    if not Path(path).exists():
        return None
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        return _names(conn)
    finally:
        conn.close()


def _names(conn) -> dict[str, int]:
    try:
        rows = conn.execute("SELECT shop, COUNT(*) FROM orders WHERE shop IS NOT NULL AND TRIM(shop) != '' "
                            "GROUP BY shop ORDER BY COUNT(*) DESC, shop").fetchall()
    except sqlite3.Error:  # an old or foreign file: nothing to say about names
        return {}
    return {name.strip(): count for name, count in rows}


def order_count(db) -> int:
    return db.conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
