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


def has_rows(db, table: str) -> bool:
    return db.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None


def rows_by_code(db):
    """Both snapshots code by code, for stock.check_grouped: (code, page rows, warehouse rows),
    each side in row order, the rows without a code first. One sorted read of both tables, so
    only one code's rows are in memory at a time (100,000 SKUs of dicts were ~130 MB).
    Repeated texts (titles, attributes, warehouse names) are shared, not copied per row."""
    from itertools import groupby

    both = sorted((set(PAGE_COLUMNS) | set(WAREHOUSE_COLUMNS)) - {"row_no", "sku_code"})

    def pick(columns):
        return ", ".join(c if c in columns else f"NULL AS {c}" for c in both)
    cursor = db.conn.execute(
        f"SELECT sku_code, 0 AS side, row_no, {pick(PAGE_COLUMNS)} FROM page_stock "
        f"UNION ALL SELECT sku_code, 1, row_no, {pick(WAREHOUSE_COLUMNS)} FROM warehouse_stock "
        "ORDER BY sku_code, side, row_no")
    names = ("sku_code", "side", "row_no", *both)
    page_at = [names.index(c) for c in PAGE_COLUMNS]
    warehouse_at = [names.index(c) for c in WAREHOUSE_COLUMNS]
    shared_at = [names.index(c) for c in ("title", "name", "attrs", "warehouse")]
    texts: dict = {}
    for code, group in groupby(cursor, key=lambda row: row[0]):
        page, warehouse = [], []
        for row in group:
            row = list(row)
            if len(texts) > 100_000:  # a shop of distinct titles: sharing no longer pays
                texts.clear()
            for at in shared_at:
                if row[at] is not None:
                    row[at] = texts.setdefault(row[at], row[at])
            if row[1] == 0:
                page.append(dict(zip(PAGE_COLUMNS, [row[at] for at in page_at])))
            else:
                warehouse.append(dict(zip(WAREHOUSE_COLUMNS, [row[at] for at in warehouse_at])))
        yield code, page, warehouse


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
