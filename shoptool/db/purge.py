"""The SQL of `shoptool purge`: which orders, and every row that holds their buyers' data.

What is removed and why is decided in `shoptool/purge.py`; this module finds the rows and writes
them. The whole purge is one transaction under `PRAGMA secure_delete`, so SQLite zeroes the old
bytes instead of leaving them in free space; `wipe_leftovers` then rebuilds the file (VACUUM) and
empties the WAL, where earlier versions of the same pages may still sit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from .. import purge as P

PAGE = 2000
_TEMP = "temp.purge_orders"


def purge(db, *, cut_iso: str, at: str, apply: bool, staff: str, older_than: str,
          statuses: Sequence[str] = P.FINISHED) -> dict:
    """Select, scrub and audit in one transaction, then wipe what SQLite left behind. With
    `apply` false nothing is written: the counts say what a real run would change."""
    from .connect import write_transaction
    from .store import audit

    conn = db.conn
    result: dict = {"wipe": None}
    if not apply:
        result["by_status"] = select_orders(db, cut_iso, statuses)
        result["rows"] = scrub(db, at=at, apply=False)
        drop_selection(db)
        return result
    conn.execute("PRAGMA secure_delete = ON")  # per connection: zero what this run deletes
    with write_transaction(db):
        result["by_status"] = select_orders(db, cut_iso, statuses)
        result["rows"] = scrub(db, at=at, apply=True)
        audit(db, "purge", at=at, command="purge", staff=staff,
              detail={"cut": cut_iso, "older_than": older_than, "orders_by_status": result["by_status"],
                      "rows": result["rows"]})
    drop_selection(db)
    # Nothing purged: no new leftovers, but a WAL a reader kept from being emptied last time is.
    result["wipe"] = wipe_leftovers(db, vacuum=bool(sum(result["by_status"].values())))
    return result


def _due(statuses: Sequence[str]) -> str:
    """WHERE clause of the orders a purge takes (parameters: statuses, then the cut): finished,
    not purged yet, and nothing known to have happened to them since the cut. julianday() reads
    the stored offset, so the comparison holds whatever zone wrote the times."""
    marks = ", ".join("?" for _ in statuses)
    return f"""status IN ({marks}) AND purged_at IS NULL
              AND COALESCE(NULLIF(max(
                    COALESCE(julianday(finished_at), 0), COALESCE(julianday(shipped_at), 0),
                    COALESCE(julianday(paid_at), 0), COALESCE(julianday(created_at), 0),
                    COALESCE((SELECT max(julianday(h.changed_at)) FROM order_history h
                              WHERE h.order_id = orders.order_id AND h.field = 'status'), 0)
                  ), 0), julianday(first_seen_at)) < julianday(?)"""


def select_orders(db, cut_iso: str, statuses: Sequence[str] = P.FINISHED) -> dict[str, int]:
    """Fill temp.purge_orders with the orders due; returns how many per status."""
    conn = db.conn
    conn.execute(f"DROP TABLE IF EXISTS {_TEMP}")
    conn.execute("CREATE TEMP TABLE purge_orders (order_id TEXT PRIMARY KEY, status TEXT) WITHOUT ROWID")
    conn.execute(f"INSERT INTO {_TEMP} (order_id, status) SELECT order_id, status FROM orders WHERE {_due(statuses)}",
                 (*statuses, cut_iso))
    return dict(conn.execute(f"SELECT status, count(*) FROM {_TEMP} GROUP BY status ORDER BY status").fetchall())


def count_due(conn, cut_iso: str, statuses: Sequence[str] = P.FINISHED) -> int:
    """How many orders a purge with this cut would take: for doctor, on a read-only connection."""
    return conn.execute(f"SELECT count(*) FROM orders WHERE {_due(statuses)}", (*statuses, cut_iso)).fetchone()[0]


def scrub(db, *, at: str, apply: bool) -> dict[str, int]:
    """Anonymise every row tied to temp.purge_orders; returns rows changed (or that would change,
    when `apply` is false) per table. Call inside a write transaction when applying."""
    conn = db.conn
    known = _known_lookup(conn)
    counts: dict[str, int] = {}
    # Related rows first: their free texts are redacted with the order's values, read from the
    # order before it is emptied.
    counts["order_items"] = _texts(
        conn, apply, known, table="order_items", key="line_id", order_col="order_id",
        texts=("note",), clear={"extra": "{}"},
    )
    counts["messages"] = _texts(
        conn, apply, known, table="messages", key="message_id", order_col="order_id",
        texts=("text", "detail"), clear={"phone": None, "buyer": None, "params": "{}"},
    )
    counts["reviews"] = _texts(
        conn, apply, known, table="reviews", key="review_id", order_col="order_id",
        texts=("content", "reply", "followup", "status_note"), clear={"buyer_nick": None, "extra": "{}"},
    )
    counts["notes"] = _notes(conn, apply, known)
    counts["shipments"] = _set_based(
        conn, apply, "shipments",
        where=f"order_id IN (SELECT order_id FROM {_TEMP}) "
              "AND (receiver_name IS NOT NULL OR receiver_mobile IS NOT NULL OR extra IS NOT '{}')",
        sets="receiver_name = NULL, receiver_mobile = NULL, extra = '{}'",
    )
    counts["merge_groups"] = _set_based(
        conn, apply, "merge_groups",
        where=f"buyer_nick IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(merge_groups.order_ids) j "
              f"JOIN {_TEMP} p ON p.order_id = j.value)",
        sets="buyer_nick = NULL",
    )
    # ERP member rows of buyers none of whose orders stay (PRODUCT §20); their consents stay: the
    # consent table is the shop's evidence that a text was allowed, and is never purged.
    counts["members"] = _set_based(
        conn, apply, "members",
        where=f"member_key IN (SELECT o.buyer_nick FROM orders o JOIN {_TEMP} p ON p.order_id = o.order_id) "
              "AND NOT EXISTS (SELECT 1 FROM orders o2 WHERE o2.buyer_nick = members.member_key "
              f"AND o2.order_id NOT IN (SELECT order_id FROM {_TEMP})) "
              "AND (receiver_name IS NOT NULL OR phone IS NOT NULL OR address IS NOT NULL OR extra IS NOT '{}')",
        sets="receiver_name = NULL, phone = NULL, address = NULL, extra = '{}'",
    )
    # After-sales (PRODUCT §17) and parcels (§18): the buyer's nick and the free texts — a refund's
    # logistics lines and notes, a parcel's trace ("已签收，签收人：张三 138…") — of purged orders.
    counts["refunds"] = _texts(
        conn, apply, known, table="refunds", key="refund_id", order_col="order_id",
        texts=("return_logistics", "ship_logistics", "reason_note", "seller_note", "handled_note"),
        clear={"buyer_nick": None, "extra": "{}"},
    )
    _select_parcels(conn)
    counts["parcels"] = _parcel_texts(conn, apply, known, table="parcels", key="tracking_no", text="last_event")
    counts["parcel_events"] = _parcel_texts(conn, apply, known, table="parcel_events", key="id", text="text")
    history_before = conn.execute("SELECT COALESCE(max(id), 0) FROM order_history").fetchone()[0]
    counts["orders"] = _orders(conn, apply, known, at)
    personal = ", ".join(f"'{f}'" for f in P.HISTORY_PERSONAL)
    if apply:
        # Emptying the columns fired the history triggers: those rows hold the very values removed.
        conn.execute(f"DELETE FROM order_history WHERE id > ? AND order_id IN (SELECT order_id FROM {_TEMP})",
                     (history_before,))
    counts["order_history"] = _set_based(
        conn, apply, "order_history",
        where=f"field IN ({personal}) AND order_id IN (SELECT order_id FROM {_TEMP}) "
              "AND (old IS NOT NULL OR new IS NOT NULL)",
        sets="old = NULL, new = NULL",
    )
    return counts


def wipe_leftovers(db, *, vacuum: bool = True) -> dict:
    """Rebuild the file and empty the WAL, so the purged values survive nowhere in it: not in free
    pages, not in the slack of rewritten pages (earlier imports rewrote rows without
    secure_delete), not in older WAL frames. Outside any transaction."""
    conn = db.conn
    if vacuum:
        conn.execute("VACUUM")
    busy, log_frames, checkpointed = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return {"vacuumed": vacuum, "wal_truncated": not busy}


def drop_selection(db) -> None:
    db.conn.execute(f"DROP TABLE IF EXISTS {_TEMP}")
    db.conn.execute("DROP TABLE IF EXISTS temp.purge_parcels")


# ---------------------------------------------------------------- steps

def _known_lookup(conn) -> Callable[[str], list[str]]:
    columns = (*P.ORDER_PERSONAL, "province", "city", "district")

    @lru_cache(maxsize=4096)
    def known(order_id: str) -> tuple[str, ...]:
        row = conn.execute(f"SELECT {', '.join(columns)} FROM orders WHERE order_id = ?", (order_id,)).fetchone()
        return tuple(P.known_values(dict(zip(columns, row)))) if row else ()

    return lambda order_id: list(known(order_id))


def _texts(conn, apply: bool, known, *, table: str, key: str, order_col: str, texts: tuple[str, ...],
           clear: dict) -> int:
    """Rows of `table` belonging to purged orders: personal columns cleared, texts redacted."""
    wanted = (key, order_col, *texts, *clear)
    select = (f"SELECT {', '.join(f't.{c}' for c in wanted)} FROM {table} t "
              f"JOIN {_TEMP} p ON p.order_id = t.{order_col} WHERE t.{key} > ? ORDER BY t.{key} LIMIT {PAGE}")
    assignments = ", ".join(f"{c} = ?" for c in (*texts, *clear))
    update = f"UPDATE {table} SET {assignments} WHERE {key} = ?"
    changed = 0
    last: object = _lowest(conn, table, key)
    while True:
        rows = conn.execute(select, (last,)).fetchall()
        if not rows:
            return changed
        updates = []
        for row in rows:
            values = dict(zip(wanted, row))
            values_known = known(values[order_col])
            new = [P.redact(values[c], values_known) for c in texts] + list(clear.values())
            old = [values[c] for c in texts] + [values[c] for c in clear]
            if new != old:
                updates.append((*new, values[key]))
        changed += len(updates)
        if apply and updates:
            conn.executemany(update, updates)
        last = rows[-1][0]


def _notes(conn, apply: bool, known) -> int:
    """The notes log of purged orders and of their reviews: texts redacted, who/when/what kept."""
    select = (
        "SELECT n.id, COALESCE(o.order_id, r.order_id), n.old_note, n.new_note, n.text FROM notes n "
        f"LEFT JOIN {_TEMP} o ON n.subject = 'order' AND o.order_id = n.subject_id "
        "LEFT JOIN reviews r ON n.subject = 'review' AND r.review_id = n.subject_id "
        f"WHERE n.id > ? AND (o.order_id IS NOT NULL OR r.order_id IN (SELECT order_id FROM {_TEMP})) "
        f"ORDER BY n.id LIMIT {PAGE}"
    )
    changed, last = 0, -1
    while True:
        rows = conn.execute(select, (last,)).fetchall()
        if not rows:
            return changed
        updates = []
        for note_id, order_id, *texts in rows:
            values_known = known(order_id)
            new = [P.redact(t, values_known) for t in texts]
            if new != texts:
                updates.append((*new, note_id))
        changed += len(updates)
        if apply and updates:
            conn.executemany("UPDATE notes SET old_note = ?, new_note = ?, text = ? WHERE id = ?", updates)
        last = rows[-1][0]


def _select_parcels(conn) -> None:
    """temp.purge_parcels: the purged orders' parcels — a parcel is its tracking number, joined by
    equality with the numbers shipments and orders store (db/parcels.py)."""
    conn.execute("DROP TABLE IF EXISTS temp.purge_parcels")
    conn.execute("CREATE TEMP TABLE purge_parcels (tracking_no TEXT PRIMARY KEY, order_id TEXT) WITHOUT ROWID")
    conn.execute(f"""INSERT OR IGNORE INTO temp.purge_parcels (tracking_no, order_id)
        SELECT s.tracking_no, s.order_id FROM shipments s JOIN {_TEMP} p ON p.order_id = s.order_id
         WHERE s.tracking_no IS NOT NULL AND s.tracking_no != ''
        UNION ALL SELECT o.tracking_no, o.order_id FROM orders o JOIN {_TEMP} p ON p.order_id = o.order_id
         WHERE o.tracking_no IS NOT NULL AND o.tracking_no != ''
        UNION ALL SELECT pa.tracking_no, pa.order_id FROM parcels pa JOIN {_TEMP} p ON p.order_id = pa.order_id""")


def _parcel_texts(conn, apply: bool, known, *, table: str, key: str, text: str) -> int:
    """A parcel's last event, or its trace, for the purged orders' parcels: texts redacted (a
    trace reads "已签收，签收人：张三 138…")."""
    select = (f"SELECT t.{key}, p.order_id, t.{text} FROM {table} t "
              f"JOIN temp.purge_parcels p ON p.tracking_no = t.tracking_no WHERE t.{key} > ? "
              f"ORDER BY t.{key} LIMIT {PAGE}")
    changed, last = 0, _lowest(conn, table, key)
    while True:
        rows = conn.execute(select, (last,)).fetchall()
        if not rows:
            return changed
        updates = [(new, row_key) for row_key, order_id, value in rows
                   if (new := P.redact(value, known(order_id))) != value]
        changed += len(updates)
        if apply and updates:
            conn.executemany(f"UPDATE {table} SET {text} = ? WHERE {key} = ?", updates)
        last = rows[-1][0]


def _orders(conn, apply: bool, known, at: str) -> int:
    emptied = ", ".join(f"{c} = NULL" for c in P.ORDER_PERSONAL if c != "address")
    update = (f"UPDATE orders SET {emptied}, address = ?, buyer_message = ?, seller_note = ?, extra = '{{}}', "
              "purged_at = ? WHERE order_id = ?")
    select = (f"SELECT o.order_id, o.address, o.buyer_message, o.seller_note FROM {_TEMP} p "
              f"JOIN orders o ON o.order_id = p.order_id WHERE p.order_id > ? ORDER BY p.order_id LIMIT {PAGE}")
    changed, last = 0, ""
    while True:
        rows = conn.execute(select, (last,)).fetchall()
        if not rows:
            return changed
        updates = []
        for order_id, address, message, note in rows:
            values_known = known(order_id)
            updates.append((P.region_only(address), P.redact(message, values_known), P.redact(note, values_known),
                            at, order_id))
        changed += len(rows)
        if apply:
            conn.executemany(update, updates)
        last = rows[-1][0]


def _set_based(conn, apply: bool, table: str, *, where: str, sets: str) -> int:
    if not apply:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    return conn.execute(f"UPDATE {table} SET {sets} WHERE {where}").rowcount


def _lowest(conn, table: str, key: str):
    """A value below every key of the table: '' for text keys, -inf-ish for integer ones."""
    kind = next((r[2] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] == key), "")
    return -1 if "INT" in kind.upper() else ""
