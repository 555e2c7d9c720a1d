"""The notes log on orders: every change of an order's seller note or flag is a `notes` row (who,
when, old → new) written in the same transaction as the change itself (PRODUCT §9)."""

from __future__ import annotations

KEEP = object()  # "leave this as it is" for write_note's note and flag


def find_order(db, order_id: str) -> dict | None:
    cursor = db.conn.execute(
        "SELECT order_id, status, buyer_nick, seller_note, flag FROM orders WHERE order_id = ?", (order_id,)
    )
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row)) if row else None


def write_note(db, order_id: str, *, at: str, staff: str, source: str, action: str | None = None, note=KEEP,
               flag=KEEP, text: str | None = None) -> dict | None:
    """Set the order's seller note and/or flag and log old → new. Returns the log row, or None when
    nothing would change (so repeating a note never fills the log). `action` defaults to what
    changed: note, flag or note_flag. Call inside write_transaction."""
    current = find_order(db, order_id)
    if current is None:
        return None
    new_note = current["seller_note"] if note is KEEP else note
    new_flag = current["flag"] if flag is KEEP else flag
    if new_note == current["seller_note"] and new_flag == current["flag"]:
        return None
    if action is None:
        pairs = (("note", current["seller_note"], new_note), ("flag", current["flag"], new_flag))
        changed = [name for name, old, new in pairs if old != new]
        action = "_".join(changed)
    db.conn.execute("UPDATE orders SET seller_note = ?, flag = ? WHERE order_id = ?", (new_note, new_flag, order_id))
    row = {
        "subject": "order", "subject_id": order_id, "at": at, "staff": staff, "action": action,
        "old_note": current["seller_note"], "new_note": new_note, "old_flag": current["flag"], "new_flag": new_flag,
        "text": text, "source": source,
    }
    cursor = db.conn.execute(
        f"INSERT INTO notes ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
    )
    return {"id": cursor.lastrowid, **row}


def notes_of(db, order_id: str) -> list[dict]:
    return _rows(db, "SELECT * FROM notes WHERE subject = 'order' AND subject_id = ? ORDER BY id", order_id)


def changes_of(db, order_id: str) -> list[dict]:
    return _rows(db, "SELECT * FROM order_history WHERE order_id = ? ORDER BY id", order_id)


def _rows(db, sql: str, *params) -> list[dict]:
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]
