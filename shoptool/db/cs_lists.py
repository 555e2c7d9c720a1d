"""Queries of the other CS lists (PRODUCT §19): open COD orders and their calls, completed trades
in the rating window, invoice requests; and what staff record about them (`cs_marks`, one row per
order and task, with every call and mark also in the notes log: who, when, what)."""

from __future__ import annotations

from collections.abc import Iterable

from . import notes as notes_db

COD_TASK, RATED_TASK, INVOICE_TASK = "cod_confirm", "buyer_rated", "invoice"

# A COD order waits for its call until it ships: unpaid/paid, no tracking number, no shipment
# (as merge-shipping's candidates), placed by `now`. Served by the partial index orders_cod_open.
_OPEN_COD = """
FROM orders o INDEXED BY orders_cod_open
LEFT JOIN cs_marks m ON m.order_id = o.order_id AND m.task = 'cod_confirm'
WHERE o.is_cod = 1 AND o.status IN ('unpaid', 'paid')
  AND coalesce(o.tracking_no, '') = ''
  AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.order_id)
"""
_COD_FIELDS = """
o.order_id, o.shop, o.status, o.buyer_nick, o.receiver_name, o.receiver_mobile, o.receiver_tel, o.created_at,
o.paid_at, o.first_seen_at, o.total_fen, o.goods_fen, o.postage_fen, o.paid_fen, o.cod_fee_fen, o.cod_amount_fen,
o.item_title, m.result AS cod_result, m.attempts AS cod_attempts, m.at AS cod_called_at, m.staff AS cod_staff
"""


def open_cod_orders(db, now_iso: str | None = None) -> list[dict]:
    """COD orders not shipped and not closed, with the last recorded call (if any)."""
    sql = f"SELECT {_COD_FIELDS} {_OPEN_COD}"
    params: dict = {}
    if now_iso:
        sql += " AND coalesce(o.created_at, o.paid_at, o.first_seen_at) <= :now"
        params["now"] = now_iso
    return _dicts(db.conn.execute(sql + " ORDER BY o.created_at, o.order_id", params))


def unconfirmed_cod_order_ids(db) -> set[str]:
    """Order numbers of every COD order not shipped, not closed and not confirmed by a call that
    ended `agreed` (declined ones included: they must not ship either). For the warehouse's
    stop-list and the merge sheet."""
    sql = f"SELECT o.order_id {_OPEN_COD} AND m.result IS NOT 'agreed'"
    return {row[0] for row in db.conn.execute(sql)}


def rating_candidates(db, since_iso: str) -> list[dict]:
    """Completed orders whose export says they completed at or after `since`, or which an import
    saw turn completed since then, not yet marked rated; with the buyer's own rating of the trade
    when the reviews export has it."""
    sql = """
    WITH recent(order_id) AS (
      SELECT order_id FROM orders INDEXED BY orders_finished_at WHERE finished_at >= :since
      UNION
      SELECT order_id FROM order_history INDEXED BY order_history_completed
      WHERE field = 'status' AND new = 'completed' AND changed_at >= :since
    )
    SELECT o.order_id, o.status, o.buyer_nick, o.finished_at, o.item_title, o.total_fen, o.paid_fen,
           CASE WHEN o.finished_at IS NULL THEN
             (SELECT max(h.changed_at) FROM order_history h
               WHERE h.order_id = o.order_id AND h.field = 'status' AND h.new = 'completed') END AS completed_seen_at,
           (SELECT r.rating FROM reviews r WHERE r.order_id = o.order_id
             ORDER BY CASE r.rating WHEN 'bad' THEN 0 WHEN 'neutral' THEN 1 ELSE 2 END LIMIT 1) AS buyer_rating
    FROM recent JOIN orders o ON o.order_id = recent.order_id
    WHERE o.status = 'completed'
      AND NOT EXISTS (SELECT 1 FROM cs_marks k WHERE k.order_id = o.order_id AND k.task = 'buyer_rated')
    """
    return _dicts(db.conn.execute(sql, {"since": since_iso}))


def completed_without_time(db, since_iso: str, placed_after_iso: str) -> int:
    """Completed orders first imported since `since`, already completed then and without a
    completion time, placed (or paid or shipped) after `placed_after`: their rating window cannot
    be told (an export with 确认收货时间 would). Older orders are long out of any window."""
    sql = """
    SELECT count(*) FROM orders o INDEXED BY orders_status
    WHERE o.status = 'completed' AND o.finished_at IS NULL AND o.first_seen_at >= :since
      AND coalesce(o.shipped_at, o.paid_at, o.created_at, o.first_seen_at) >= :placed_after
      AND NOT EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.order_id AND h.field = 'status'
                      AND h.new = 'completed')
    """
    return db.conn.execute(sql, {"since": since_iso, "placed_after": placed_after_iso}).fetchone()[0]


def invoice_orders(db) -> list[dict]:
    """Orders that asked for an invoice (served by the partial index orders_invoice), with the
    issued mark when staff recorded one."""
    sql = """
    SELECT o.order_id, o.status, o.buyer_nick, o.invoice_title, o.invoice_kind, o.paid_at, o.created_at,
           o.total_fen, o.paid_fen, m.result AS invoice_result, m.at AS invoice_at, m.staff AS invoice_staff
    FROM orders o INDEXED BY orders_invoice
    LEFT JOIN cs_marks m ON m.order_id = o.order_id AND m.task = 'invoice'
    WHERE o.invoice_title IS NOT NULL AND o.status NOT IN ('unpaid', 'closed')
    """
    return _dicts(db.conn.execute(sql))


# ---------------------------------------------------------------- marks


def order_for_mark(db, order_id: str) -> dict | None:
    """The order as a mark needs it, with its recorded marks by task (`marks`)."""
    cursor = db.conn.execute(
        "SELECT order_id, status, is_cod, tracking_no, seller_note, flag, total_fen, goods_fen, postage_fen, paid_fen,"
        " cod_fee_fen, cod_amount_fen, invoice_title, invoice_kind, finished_at FROM orders WHERE order_id = ?",
        (order_id,))
    rows = _dicts(cursor)
    if not rows:
        return None
    order = rows[0]
    marks = db.conn.execute("SELECT task, result, attempts, staff, at FROM cs_marks WHERE order_id = ?", (order_id,))
    order["marks"] = {task: {"result": result, "attempts": attempts, "staff": staff, "at": at}
                      for task, result, attempts, staff, at in marks}
    return order


def existing_orders(db, order_ids: Iterable[str]) -> set[str]:
    ids = list(dict.fromkeys(order_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        sql = f"SELECT order_id FROM orders WHERE order_id IN ({', '.join('?' for _ in chunk)})"
        found.update(row[0] for row in db.conn.execute(sql, chunk))
    return found


def record_mark(db, order_id: str, task: str, result: str, *, at: str, staff: str) -> dict:
    """Record a task's result on an order (a repeated result counts one more attempt). Call inside
    write_transaction, with the notes-log row (`log`)."""
    db.conn.execute(
        "INSERT INTO cs_marks (order_id, task, result, attempts, staff, at, first_at) VALUES (?, ?, ?, 1, ?, ?, ?) "
        "ON CONFLICT(order_id, task) DO UPDATE SET result = excluded.result, attempts = cs_marks.attempts + 1, "
        "staff = excluded.staff, at = excluded.at",
        (order_id, task, result, staff, at, at),
    )
    row = db.conn.execute("SELECT task, result, attempts, staff, at, first_at FROM cs_marks "
                          "WHERE order_id = ? AND task = ?", (order_id, task)).fetchone()
    return dict(zip(("task", "result", "attempts", "staff", "at", "first_at"), row))


def log(db, order_id: str, *, at: str, staff: str, action: str, source: str, text: str,
        note=notes_db.KEEP, flag=notes_db.KEEP) -> dict:
    """The notes-log row of a call or mark: through write_note when the seller note or flag
    changes, else a row of its own, so every call is in the order's history (`shoptool note`)."""
    written = notes_db.write_note(db, order_id, at=at, staff=staff, source=source, action=action, note=note,
                                  flag=flag, text=text)
    if written is not None:
        return written
    row = {"subject": "order", "subject_id": order_id, "at": at, "staff": staff, "action": action, "text": text,
           "source": source}
    cursor = db.conn.execute(f"INSERT INTO notes ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                             list(row.values()))
    return {"id": cursor.lastrowid, **row}


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
