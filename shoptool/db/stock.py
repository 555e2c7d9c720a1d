"""Queries for stock-check: the imported stock snapshots and units held by unpaid orders."""

from __future__ import annotations

PAGE_COLUMNS = ("row_no", "sku_code", "item_id", "sku_id", "title", "attrs", "quantity")
WAREHOUSE_COLUMNS = ("row_no", "sku_code", "name", "attrs", "on_hand", "locked", "awaiting_shipment", "available",
                     "warehouse")


def page_rows(db) -> list[dict]:
    return _rows(db, "page_stock", PAGE_COLUMNS)


def warehouse_rows(db) -> list[dict]:
    return _rows(db, "warehouse_stock", WAREHOUSE_COLUMNS)


def _rows(db, table: str, columns: tuple[str, ...]) -> list[dict]:
    cursor = db.conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY row_no")
    return [dict(zip(columns, row)) for row in cursor]


def snapshot_source(db, kind: str) -> dict | None:
    """The import the current snapshot of a stock kind came from: file and when, for the log line."""
    row = db.conn.execute(
        "SELECT file, COALESCE(finished_at, started_at) FROM imports "
        "WHERE kind = ? AND status IN ('stored', 'partial') ORDER BY id DESC LIMIT 1",
        (kind,),
    ).fetchone()
    return None if row is None else {"file": row[0], "imported_at": row[1]}


def unpaid_held(db, *, opened_after: str, now: str) -> dict[str, int]:
    """Units per SKU code in orders still unpaid and not yet auto-closed by the platform at `now`
    (created after `opened_after`; an order without a creation time is counted, as it may be open).
    Times are ISO texts with the shop's offset, so they compare as text."""
    cursor = db.conn.execute(
        """
        SELECT i.sku_code, SUM(i.quantity)
        FROM orders o JOIN order_items i ON i.order_id = o.order_id
        WHERE o.status = 'unpaid' AND i.sku_code IS NOT NULL AND i.quantity IS NOT NULL
          AND (o.created_at IS NULL OR (o.created_at > ? AND o.created_at <= ?))
        GROUP BY i.sku_code
        """,
        (opened_after, now),
    )
    return {code: units for code, units in cursor if units}
