"""Stored rows brought to one identity (PRODUCT §16): the bodies of migrations m006 and m007 of
schema.py, kept here so that schema.py stays a list of steps. Like every migration they are never
edited once landed; a later fix is a new migration."""

from __future__ import annotations

import hashlib
import json
import re


def _rewrite_phones(db, table: str, column: str, stored_phone) -> None:
    """Phones stored as an export wrote them become the 11-digit mobile they are (a landline,
    privacy, masked or invalid number stays as written)."""
    rows = db.execute(
        f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL "
        f"AND NOT (length({column}) = 11 AND {column} NOT GLOB '*[^0-9]*')"
    ).fetchall()
    changed = [(stored_phone(value), rowid) for rowid, value in rows if stored_phone(value) != value]
    db.conn.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", changed)


def normalise_phones(db) -> None:
    from ..phones import stored_phone

    triggers = {}
    for field in ("receiver_mobile", "receiver_tel"):
        name = f"orders_history_{field}"
        triggers[name] = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                    (name,)).fetchone()
        if triggers[name]:
            db.execute(f"DROP TRIGGER {name}")
        _rewrite_phones(db, "orders", field, stored_phone)
    for found in triggers.values():
        if found:
            db.execute(found[0])
    _rewrite_phones(db, "shipments", "receiver_mobile", stored_phone)
    # Opt-outs: two spellings of one phone become one row, opted out since the earlier of the two.
    for phone, opted, first_seen, source, note in db.execute(
        "SELECT phone, opted_out_at, first_seen_at, source, note FROM opt_outs "
        "WHERE NOT (length(phone) = 11 AND phone NOT GLOB '*[^0-9]*')"
    ).fetchall():
        mobile = stored_phone(phone)
        if mobile == phone:
            continue
        if db.execute("SELECT 1 FROM opt_outs WHERE phone = ?", (mobile,)).fetchone():
            db.execute(
                "UPDATE opt_outs SET opted_out_at = CASE WHEN opted_out_at IS NULL THEN ? WHEN ? IS NULL "
                "THEN opted_out_at ELSE min(opted_out_at, ?) END, first_seen_at = min(first_seen_at, ?), "
                "source = COALESCE(source, ?), note = COALESCE(note, ?) WHERE phone = ?",
                (opted, opted, opted, first_seen, source, note, mobile),
            )
            db.execute("DELETE FROM opt_outs WHERE phone = ?", (phone,))
        else:
            db.execute("UPDATE opt_outs SET phone = ? WHERE phone = ?", (mobile, phone))


def _old_parcel_key(tracking: str) -> str:
    """The shipping notice's dedupe key before m007 (kept here as it was, to find old messages)."""
    norm = tracking.strip().upper()
    if re.fullmatch(r"[A-Z0-9-]{1,40}", norm):
        return f"s:{norm}"
    return "s:h" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


# Which of two notices recorded for one parcel keeps its key: the one that may have reached the
# buyer, then the one that was settled, then the first.
_SETTLED_FIRST = {"sent": 0, "unknown": 1, "sending": 2, "failed": 3}


def normalise_tracking_numbers(db) -> None:
    from ..messages.due.shipping import parcel_key
    from ..orders import tracking_key

    db.execute("ALTER TABLE messages ADD COLUMN out_id TEXT")
    odd = "tracking_no GLOB '*[^A-Z0-9]*'"
    renamed: dict[str, str] = {}
    for (tracking,) in db.execute(
        f"SELECT tracking_no FROM orders WHERE {odd} UNION SELECT tracking_no FROM shipments WHERE {odd}"
    ).fetchall():
        new = tracking_key(tracking)
        if new:
            renamed[_old_parcel_key(tracking)] = parcel_key(new)
    db.conn.executemany("UPDATE orders SET tracking_no = ? WHERE rowid = ?", [
        (tracking_key(t), rowid)
        for rowid, t in db.execute(f"SELECT rowid, tracking_no FROM orders WHERE {odd}").fetchall()
    ])
    for rowid, order_id, tracking in db.execute(
        f"SELECT rowid, order_id, tracking_no FROM shipments WHERE {odd}"
    ).fetchall():
        new = tracking_key(tracking)
        same = db.execute("SELECT rowid FROM shipments WHERE order_id = ? AND tracking_no = ?",
                          (order_id, new)).fetchone() if new else None
        if new is None:
            db.execute("DELETE FROM shipments WHERE rowid = ?", (rowid,))  # a cell of separators only
        elif same:
            db.execute(
                "UPDATE shipments SET courier = COALESCE(shipments.courier, o.courier), shipped_at = COALESCE("
                "min(shipments.shipped_at, o.shipped_at), shipments.shipped_at, o.shipped_at), "
                "receiver_name = COALESCE(shipments.receiver_name, o.receiver_name), receiver_mobile = "
                "COALESCE(shipments.receiver_mobile, o.receiver_mobile), first_seen_at = "
                "min(shipments.first_seen_at, o.first_seen_at) FROM (SELECT * FROM shipments WHERE rowid = ?) o "
                "WHERE shipments.rowid = ?", (rowid, same[0]),
            )
            db.execute("DELETE FROM shipments WHERE rowid = ?", (rowid,))
        else:
            db.execute("UPDATE shipments SET tracking_no = ? WHERE rowid = ?", (new, rowid))
    moves: dict[int, tuple[str, str]] = {}  # message id -> (old key, new key)
    for message_id, key, params in db.execute(
        "SELECT message_id, dedupe_key, params FROM messages WHERE purpose = 'shipped' "
        "AND (dedupe_key GLOB 's:*-*' OR dedupe_key GLOB 's:h*')"
    ).fetchall():
        if key.startswith("s:h"):
            new = renamed.get(key)
            if new is None:
                written = (json.loads(params or "{}") or {}).get("tracking_no")
                if written and _old_parcel_key(str(written)) == key and tracking_key(str(written)):
                    new = parcel_key(tracking_key(str(written)))
        else:
            new = parcel_key(tracking_key(key[2:])) if tracking_key(key[2:]) else None
        if new and new != key:
            moves[message_id] = (key, new)
    if not moves:
        return
    by_key: dict[str, list[tuple[int, str, str]]] = {}  # new key -> (id, status, old key)
    moving = set(moves)
    for message_id, (old, new) in moves.items():
        status = db.execute("SELECT status FROM messages WHERE message_id = ?", (message_id,)).fetchone()[0]
        by_key.setdefault(new, []).append((message_id, status, old))
    for new, entries in by_key.items():
        for message_id, status in db.execute("SELECT message_id, status FROM messages WHERE dedupe_key = ?", (new,)):
            if message_id not in moving:
                entries.append((message_id, status, new))
    for message_id, (old, _) in moves.items():  # out of the way first: keys are unique
        db.execute("UPDATE messages SET dedupe_key = ?, out_id = COALESCE(out_id, ?) WHERE message_id = ?",
                   (f"m007:{message_id}", old, message_id))
    for new, entries in by_key.items():
        entries.sort(key=lambda e: (_SETTLED_FIRST.get(e[1], 9), e[0]))
        winner, losers = entries[0], entries[1:]
        for message_id, status, old in losers:
            db.execute("UPDATE messages SET dedupe_key = ?, out_id = COALESCE(out_id, ?) WHERE message_id = ?",
                       (f"{new}#{message_id}", old, message_id))
            if status not in _SETTLED_FIRST:
                db.execute("UPDATE messages SET status = 'skipped', reason = 'duplicate_parcel', "
                           "next_attempt_at = NULL WHERE message_id = ?", (message_id,))
        db.execute("UPDATE messages SET dedupe_key = ? WHERE message_id = ?", (new, winner[0]))
