"""Queries of after-sales (PRODUCT §17): the refunds that may need the shop, joined with their
order, shipments and parcels; what other commands ask (`open_refund_order_ids`); the stop-list,
the reasons summary, and staff's "handled" marks audited in the shared `notes` table (subject
'refund'). Imports never touch refunds.handled_*."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .connect import write_transaction

SUBJECT = "refund"
OPEN = ("wait_seller_agree", "wait_buyer_return", "wait_seller_confirm_goods")
OPEN_STATUSES = OPEN  # the name the parcels' queries (db/parcels.py) read
_CHUNK = 500
# what a staff member saw when they marked a refund handled: a change to any of it lists it again
SIGNATURE = ("status", "goods_status", "cs_status", "deadline_at", "evidence_deadline_at", "return_tracking",
             "warehouse_in")


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def has_refunds(db) -> bool:
    """Whether this database has the refunds table (a file not yet migrated, opened read-only)."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refunds'"
    return db.conn.execute(sql).fetchone() is not None


_READ_ALL_OPEN_FROM = 5_000  # orders asked about


def open_refund_order_ids(db, order_ids: Iterable[str]) -> set[str]:
    """The orders among `order_ids` with a refund still open (waiting for the seller to agree, for
    the buyer's return, or for the seller to confirm it): never texted, never merged. Nothing
    when the database has no refunds table (an older file opened read-only). A few orders are
    looked up through refunds_order, many (a cron run's due orders) against the shop's open
    refunds read through refunds_status: either way the cost follows the orders asked about and
    the refunds still open, not the shop's history."""
    import sqlite3

    ids = [i for i in dict.fromkeys(order_ids) if i]
    if not ids:
        return set()
    found: set[str] = set()
    statuses = ", ".join(f"'{s}'" for s in OPEN)
    try:
        if len(ids) > _READ_ALL_OPEN_FROM:
            # A cron run's 80,000 due orders: the shop's open refunds (a few thousand, through
            # refunds_status) are one read; 160 lookups of 500 orders each cost more.
            wanted = set(ids)
            return {r[0] for r in db.conn.execute(
                f"SELECT order_id FROM refunds INDEXED BY refunds_status WHERE status IN ({statuses})")
                if r[0] in wanted}
        for chunk in _chunks(ids):
            marks = ", ".join("?" for _ in chunk)
            found.update(r[0] for r in db.conn.execute(
                f"SELECT DISTINCT order_id FROM refunds INDEXED BY refunds_order "
                f"WHERE order_id IN ({marks}) AND status IN ({statuses})", list(chunk)))
    except sqlite3.OperationalError as exc:
        if "no such" not in str(exc):
            raise
        return set()
    return found


_REFUND_COLUMNS = ("refund_id", "order_id", "source", "erp_no", "sku", "title", "buyer_nick", "amount_fen", "kind",
                   "status", "goods_status", "cs_status", "requested_at", "deadline_at", "evidence_deadline_at",
                   "returned_at", "return_tracking", "return_logistics", "ship_logistics", "warehouse_in", "reason",
                   "responsible", "handled_sig")
# One pass over the refunds that may need the shop (the open ones by the status index, succeeded
# ones only when their order shipped after the request); the order by its key, its shipments by
# theirs (earliest ship time and every tracking number in one cell), and — only for a refund
# whose export gave no 超时时间 — the snapshot that first showed its status.
_SELECT = f"""
SELECT {", ".join(f"r.{c}" for c in _REFUND_COLUMNS)}, o.status AS order_status, o.tracking_no AS order_tracking,
       o.shipped_at AS order_shipped_at, o.shipped_seen_at AS order_shipped_seen_at,
       o.buyer_nick AS order_buyer_nick, o.receiver_mobile AS order_mobile,
       (SELECT min(coalesce(s.shipped_at, s.first_seen_at)) || '|' || group_concat(s.tracking_no, ' ')
          FROM shipments s WHERE s.order_id = r.order_id) AS shipped,
       CASE WHEN r.deadline_at IS NULL THEN
         (SELECT i.snapshot_at FROM refund_history h JOIN imports i ON i.id = h.import_id
           WHERE h.refund_id = r.refund_id AND h.field = 'status' ORDER BY h.id DESC LIMIT 1) END AS status_since
FROM refunds r INDEXED BY refunds_status LEFT JOIN orders o ON o.order_id = r.order_id"""
_WORKLIST = f"""{_SELECT}
WHERE r.status IN ({", ".join(f"'{s}'" for s in (*OPEN, "seller_refused"))})
UNION ALL {_SELECT}
WHERE r.status = 'success' AND r.requested_at >= :lookback AND r.source = 'platform'
  AND (o.shipped_at > r.requested_at
       OR EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = r.order_id AND s.shipped_at > r.requested_at))
"""


def worklist(db, *, lookback: str) -> list[dict]:
    """Open and refused refunds, and succeeded ones requested since `lookback` (ISO) whose order
    shipped after the request, with their order's status, tracking and ship times, the order's
    shipments (`shipped`: "<earliest ship time>|<tracking numbers>") and when the status began."""
    cursor = db.conn.execute(_WORKLIST, {"lookback": lookback})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def erp_records(db, order_ids: Sequence[str]) -> dict[str, list[dict]]:
    """ERP 退换单/退单 rows by original order number (joined to the platform's refund by it)."""
    found: dict[str, list[dict]] = {}
    for chunk in _chunks([i for i in dict.fromkeys(order_ids) if i]):
        marks = ", ".join("?" for _ in chunk)
        cursor = db.conn.execute(
            f"SELECT order_id, erp_no, status, warehouse_in, return_tracking, return_courier FROM refunds "
            f"INDEXED BY refunds_order WHERE order_id IN ({marks}) AND source = 'erp'", list(chunk))
        for order_id, erp_no, status, into, tracking, courier in cursor:
            found.setdefault(order_id, []).append({"erp_no": erp_no, "status": status, "warehouse_in": into,
                                                   "return_tracking": tracking, "return_courier": courier})
    return found


def reused_return_trackings(db, trackings: Sequence[str]) -> set[str]:
    """Those of these return tracking numbers (stored in their one spelling) given on refunds of
    two or more different orders: two refunds of one order may well travel back in one parcel."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(trackings))):
        marks = ", ".join("?" for _ in chunk)
        found.update(r[0] for r in db.conn.execute(
            f"SELECT return_tracking FROM refunds INDEXED BY refunds_return_tracking "
            f"WHERE return_tracking IN ({marks}) AND source = 'platform' "
            f"GROUP BY return_tracking HAVING count(DISTINCT order_id) > 1", list(chunk)))
    return found


def refunds_by_buyer(db, nicks: Sequence[str], phones: Sequence[str], since: str) -> dict[str, int]:
    """Platform refunds requested since `since` by each of these buyers (PRODUCT §16's buyer key:
    the refund's nick, else its order's nick, else the order's receiver phone)."""
    counts: dict[str, int] = {}
    for chunk in _chunks(sorted(set(nicks))):
        marks = ", ".join("?" for _ in chunk)
        for sql in (
            # refunds that carry the nick (the 39-column export, ERPs)
            f"SELECT r.buyer_nick, count(*) FROM refunds r INDEXED BY refunds_buyer WHERE r.buyer_nick IN ({marks}) "
            f"AND r.requested_at >= ? AND r.source = 'platform' GROUP BY r.buyer_nick",
            # refunds without one (the 42-column export): their order's
            f"SELECT o.buyer_nick, count(*) FROM orders o INDEXED BY orders_buyer JOIN refunds r "
            f"INDEXED BY refunds_order ON r.order_id = o.order_id WHERE o.buyer_nick IN ({marks}) "
            f"AND r.buyer_nick IS NULL AND r.requested_at >= ? AND r.source = 'platform' GROUP BY o.buyer_nick",
        ):
            for buyer, n in db.conn.execute(sql, [*chunk, since]):
                counts[buyer] = counts.get(buyer, 0) + n
    for chunk in _chunks(sorted(set(phones))):
        marks = ", ".join("?" for _ in chunk)
        for buyer, n in db.conn.execute(
                f"SELECT o.receiver_mobile, count(*) FROM orders o INDEXED BY orders_mobile_no_nick JOIN refunds r "
                f"INDEXED BY refunds_order ON r.order_id = o.order_id WHERE o.buyer_nick IS NULL "
                f"AND o.receiver_mobile IN ({marks}) AND r.buyer_nick IS NULL AND r.requested_at >= ? "
                f"AND r.source = 'platform' GROUP BY o.receiver_mobile", [*chunk, since]):
            counts[buyer] = counts.get(buyer, 0) + n
    return counts


def stop_list(db) -> list[dict]:
    """Open refunds whose order has not left: no shipment, no tracking number, and an order that is
    paid (or not imported, and the refund export says nothing was shipped)."""
    statuses = ", ".join(f"'{s}'" for s in OPEN)
    cursor = db.conn.execute(f"""
        SELECT r.refund_id, r.order_id, r.sku, r.title, coalesce(r.buyer_nick, o.buyer_nick) AS buyer,
               r.amount_fen, r.status, r.requested_at, r.deadline_at, o.status AS order_status, o.is_cod
        FROM refunds r INDEXED BY refunds_status LEFT JOIN orders o ON o.order_id = r.order_id
        WHERE r.status IN ({statuses}) AND r.order_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = r.order_id)
          AND coalesce(o.tracking_no, '') = ''
          AND (o.status IN ('paid', 'partly_shipped')
               OR (o.order_id IS NULL AND r.status = 'wait_seller_agree' AND coalesce(r.ship_logistics, '') = ''
                   AND coalesce(r.goods_status, 'not_received') = 'not_received'))
        ORDER BY r.order_id, r.refund_id""")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def reasons(db, since: str) -> list[dict]:
    """Platform refunds requested since `since`: count and amounts by reason × SKU × 责任方."""
    cursor = db.conn.execute(
        "SELECT coalesce(reason, '') AS reason, coalesce(sku, '') AS sku, coalesce(responsible, '') AS responsible, "
        "count(*) AS refunds, sum(coalesce(amount_fen, 0)) AS amount_fen, "
        "sum(status = 'success') AS succeeded, sum(CASE WHEN status = 'success' THEN coalesce(amount_fen, 0) END) "
        "AS refunded_fen, max(title) AS title "
        "FROM refunds WHERE requested_at >= ? AND source = 'platform' GROUP BY 1, 2, 3 "
        "ORDER BY refunds DESC, amount_fen DESC, reason, sku, responsible", (since,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def candidates(db, ident: str) -> list[dict]:
    """Refunds whose 退款编号, ERP number or order number is `ident`."""
    cursor = db.conn.execute(
        f"SELECT refund_id, order_id, status, {', '.join(c for c in SIGNATURE if c != 'status')}, handled_sig, "
        "handled_at, handled_staff, handled_note FROM refunds WHERE refund_id = ? OR erp_no = ? OR order_id = ? "
        "ORDER BY source DESC, refund_id", (ident, ident, ident))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def signature(row) -> str:
    return "|".join("" if row.get(c) is None else str(row.get(c)) for c in SIGNATURE)


def mark(db, refund_id: str, *, handled: bool, note: str | None, staff: str, at: str,
         source: str = "aftersale") -> dict:
    """Take a refund off the worklist until it changes again (handled), or put it back; audited."""
    with write_transaction(db):
        rows = [r for r in candidates(db, refund_id) if r["refund_id"] == refund_id]
        if not rows:
            raise LookupError(refund_id)
        row = rows[0]
        was = "handled" if row["handled_sig"] is not None and row["handled_sig"] == signature(row) else "open"
        new = "handled" if handled else "open"
        db.conn.execute(
            "INSERT INTO notes (subject, subject_id, at, staff, action, old_note, new_note, old_status, new_status,"
            " text, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (SUBJECT, refund_id, at, staff, "refund_handled" if handled else "refund_reopened", row["handled_note"],
             note if note is not None else row["handled_note"], was, new, note, source))
        db.conn.execute(
            "UPDATE refunds SET handled_sig = ?, handled_at = ?, handled_staff = ?, "
            "handled_note = COALESCE(?, handled_note) WHERE refund_id = ?",
            (signature(row) if handled else None, at, staff, note, refund_id))
    return [r for r in candidates(db, refund_id) if r["refund_id"] == refund_id][0]


def history(db, refund_id: str) -> list[dict]:
    """The refund's changes from imports (refund_history, at the export's snapshot moment, with the
    file's name) and staff's marks (notes), oldest first."""
    cursor = db.conn.execute(
        "SELECT at, staff, action, old_status, new_status, text FROM ("
        " SELECT coalesce(i.snapshot_at, h.changed_at) AS at, NULL AS staff, h.field || '_changed' AS action,"
        "  h.old AS old_status, h.new AS new_status, i.file AS text, 0 AS kind, h.id AS id"
        "  FROM refund_history h LEFT JOIN imports i ON i.id = h.import_id WHERE h.refund_id = ?"
        " UNION ALL"
        " SELECT n.at, n.staff, n.action, n.old_status, n.new_status, n.text, 1, n.id FROM notes n"
        "  WHERE n.subject = ? AND n.subject_id = ?) ORDER BY at, kind, id",
        (refund_id, SUBJECT, refund_id))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
