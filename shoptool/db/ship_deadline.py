"""Queries of ship-deadline (PRODUCT §18): orders whose ship-by clock still runs, and their lines."""

from __future__ import annotations

from collections.abc import Iterable

from .parcels import has_table

_FIELDS = ("order_id", "status", "is_cod", "presale_stage", "created_at", "paid_at", "shipped_at", "total_fen",
           "paid_fen", "goods_fen", "item_title", "buyer_nick", "tracking_no", "refund_status")
# Not shipped: paid (or COD, whatever its pay state), no tracking number, no shipment row. A
# pre-sale order waiting for its deposit or balance has no clock yet.
_UNSHIPPED = f"""
SELECT {', '.join('o.' + f for f in _FIELDS)}, NULL AS parcel_state, NULL AS parcel_tracking
FROM orders o
WHERE (o.status IN ('paid', 'partly_shipped') OR (o.is_cod = 1 AND o.status = 'unpaid'))
  AND coalesce(o.presale_stage, '') NOT IN ('deposit_unpaid', 'balance_unpaid')
  AND (o.status = 'partly_shipped' OR (coalesce(o.tracking_no, '') = ''
       AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.order_id)))
"""
# Shipped, but its parcel's tracking shows no first scan yet: the clock has not stopped.
_NOT_SCANNED = f"""
SELECT {', '.join('o.' + f for f in _FIELDS)}, p.state AS parcel_state, p.tracking_no AS parcel_tracking
FROM parcels p INDEXED BY parcels_state
JOIN orders o ON o.order_id IN (SELECT s.order_id FROM shipments s WHERE s.tracking_no = p.tracking_no
                                UNION SELECT x.order_id FROM orders x WHERE x.tracking_no = p.tracking_no)
WHERE p.state IN ('awaiting_pickup', 'no_info') AND p.first_scan_at IS NULL
  AND o.status IN ('paid', 'partly_shipped', 'shipped')
"""


def running_clocks(db) -> list[dict]:
    """Orders not yet shipped, and shipped ones whose parcel has no pickup scan, by order number."""
    sql = _UNSHIPPED + (" UNION " + _NOT_SCANNED if has_table(db, "parcels") else "") + " ORDER BY 1"
    cursor = db.conn.execute(sql)
    names = [d[0] for d in cursor.description]
    out: dict[str, dict] = {}
    for values in cursor:
        row = dict(zip(names, values))
        out.setdefault(row["order_id"], row)
    return list(out.values())


def lines_of(db, order_ids: Iterable[str]) -> dict[str, list[dict]]:
    ids = list(dict.fromkeys(order_ids))
    out: dict[str, list[dict]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ", ".join("?" for _ in part)
        cursor = db.conn.execute(
            f"SELECT order_id, sku_code, attrs, title FROM order_items WHERE order_id IN ({marks}) "
            "ORDER BY order_id, line_id", part)
        for order_id, sku, attrs, title in cursor:
            out.setdefault(order_id, []).append({"sku_code": sku, "attrs": attrs, "title": title})
    return out
