"""Refunds as other features read them (PRODUCT §17). A minimal version for the parcels work
(#19): the after-sales work (#18) owns this module and the `refunds` table; until that table
exists these queries answer "none"."""

from __future__ import annotations

from collections.abc import Iterable

OPEN_STATUSES = ("wait_seller_agree", "wait_buyer_return", "wait_seller_confirm_goods")


def has_refunds(db) -> bool:
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refunds'"
    return db.conn.execute(sql).fetchone() is not None


def open_refund_order_ids(db, order_ids: Iterable[str]) -> set[str]:
    """The orders among these with an open refund (PRODUCT §17: waiting for the seller to agree,
    for the buyer's return, or for the seller to confirm the returned goods)."""
    if not has_refunds(db):
        return set()
    ids = list(dict.fromkeys(order_ids))
    found: set[str] = set()
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ", ".join("?" for _ in part)
        found.update(row[0] for row in db.conn.execute(
            f"SELECT DISTINCT order_id FROM refunds WHERE status IN ({statuses}) AND order_id IN ({marks})", part))
    return found
