"""Queries of merge-shipping: the candidate orders, and recording applied groups in `merge_groups`
with a note and flag on each order through the notes log."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from ..notes import appended
from . import notes as notes_db

# Only paid or partly shipped orders are candidates: the rest of a million-order shop is never
# read. INDEXED BY holds the plan to that even when ANALYZE statistics (7 statuses over 1M rows)
# make a full scan look as cheap. A paid order the warehouse already gave a tracking number or a
# shipment is on its way, whatever a stale platform export says.
_CANDIDATES = """
SELECT o.order_id, o.shop, o.buyer_nick, o.status, o.is_cod, o.presale_stage, o.refund_status,
       o.refund_fen, o.goods_fen, o.postage_fen, o.receiver_name, o.receiver_mobile, o.receiver_tel,
       o.address, o.masked, o.created_at, o.paid_at, o.buyer_message, o.seller_note, o.shipping_method,
       (SELECT group_concat(i.refund_status, '|') FROM order_items i WHERE i.order_id = o.order_id)
         AS item_refund_status,
       (SELECT max(i.refund_fen) FROM order_items i WHERE i.order_id = o.order_id) AS item_refund_fen
FROM orders o INDEXED BY orders_status
WHERE o.status IN ('paid', 'partly_shipped')
  AND coalesce(o.created_at, o.paid_at) <= :now
  AND (o.status = 'partly_shipped' OR (
        coalesce(o.tracking_no, '') = ''
        AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.order_id)))
"""


def candidate_orders(db, now_iso: str) -> Iterator[dict]:
    """Paid/partly shipped, unshipped orders placed by `now` (ISO with the shop's offset)."""
    cursor = db.conn.execute(_CANDIDATES, {"now": now_iso})
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row))


def recorded_groups(db) -> dict[str, list[str]]:
    """Groups merge-shipping --apply recorded that still have an order waiting to ship."""
    cursor = db.conn.execute(
        "SELECT g.group_id, g.order_ids FROM merge_groups g WHERE EXISTS (SELECT 1 FROM json_each(g.order_ids) j "
        "JOIN orders o ON o.order_id = j.value WHERE o.status IN ('paid', 'partly_shipped'))"
    )
    return {group_id: json.loads(order_ids) for group_id, order_ids in cursor}


def apply_groups(db, groups: Sequence, *, at: str, staff: str, flag: str | None, rule: str) -> dict:
    """Record each merge group and note/flag the orders that joined it since the last run.

    A group is keyed by its id (derived from its first order), so applying the same groups again
    writes nothing; an order joining a recorded group is noted once. Call inside write_transaction."""
    counts = {"groups_new": 0, "groups_updated": 0, "groups_unchanged": 0, "orders_noted": 0}
    for group in groups:
        ids = group.order_ids
        known = db.conn.execute("SELECT order_ids FROM merge_groups WHERE group_id = ?", (group.group_id,)).fetchone()
        before = json.loads(known[0]) if known else []
        if before == ids:
            counts["groups_unchanged"] += 1
            continue
        first = group.orders[0]
        values = {
            "group_id": group.group_id, "order_ids": json.dumps(ids), "shop": first.get("shop"),
            "buyer_nick": first.get("buyer_nick"), "postage_paid_fen": group.postage.paid,
            "postage_due_fen": group.postage.due, "refund_fen": group.postage.refund, "postage_rule": rule,
            "staff": staff, "created_at": at, "updated_at": at,
        }
        db.conn.execute(
            f"INSERT INTO merge_groups ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)}) "
            "ON CONFLICT(group_id) DO UPDATE SET order_ids = excluded.order_ids, "
            "postage_paid_fen = excluded.postage_paid_fen, postage_due_fen = excluded.postage_due_fen, "
            "refund_fen = excluded.refund_fen, postage_rule = excluded.postage_rule, staff = excluded.staff, "
            "updated_at = excluded.updated_at",
            list(values.values()),
        )
        counts["groups_updated" if known else "groups_new"] += 1
        texts = group.note_text()
        for order_id in ids:
            if order_id in before:
                continue
            current = notes_db.find_order(db, order_id)
            written = notes_db.write_note(
                db, order_id, at=at, staff=staff, action="merge", source="merge-shipping",
                note=appended(current["seller_note"] if current else None, texts[order_id]),
                flag=flag if flag else notes_db.KEEP, text=texts[order_id],
            )
            counts["orders_noted"] += written is not None
    return counts
