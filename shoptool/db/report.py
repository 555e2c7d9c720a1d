"""Queries for `shoptool report` (PRODUCT §21): what happened in a window of time (orders paid,
texts sent and what followed them, new 中差评, refunds by reason) and how old each kind of
imported data is.

Windows are given as ISO text bounds, `start <= t < end`. Times are stored with the shop's offset, so
same-zone strings compare as text; the callers widen the window by a day on each side and cut
it exactly in Python, so a time stored with another offset is still counted right.

Another feature's table (refunds, parcels) is read only when it exists: a query over a missing
table or column answers "no data" (None), never an error, so the report works before that
feature has landed and before anything was imported into it.
"""

from __future__ import annotations

from collections.abc import Sequence

# Import log statuses whose rows reached the database (a duplicate stored nothing new).
STORED = ("stored", "partial")


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# The page cache of a run that only reads (daily, report): it reads most pages once, and the OS
# keeps the file cached for rereads. The 64 MiB the cron paths are given (db/connect.py) measured
# 56 MB more peak memory and no less CPU on daily at a million orders (issue #25, round 3).
WORKLIST_CACHE_KIB = 8_192


def worklist_cache(db) -> None:
    """Give this connection the smaller page cache of a read-only worklist run."""
    db.conn.execute(f"PRAGMA cache_size = -{WORKLIST_CACHE_KIB}")


def table_columns(db, table: str) -> set[str]:
    """The columns of `table`; empty when there is no such table."""
    rows = db.conn.execute("SELECT name FROM pragma_table_info(?)", (table,)).fetchall()
    return {row[0] for row in rows}


def has_rows(db, table: str) -> bool:
    """Whether `table` exists and holds at least one row."""
    if not table_columns(db, table):
        return False
    return db.conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None


def paid_orders(db, start: str, end: str) -> list[dict]:
    """Orders paid in the window: `paid_at` and what the buyer paid (fen; the order total when the
    export gives no paid amount)."""
    return _dicts(db.conn.execute(
        "SELECT order_id, paid_at, COALESCE(paid_fen, total_fen, 0) AS amount_fen FROM orders "
        "WHERE paid_at >= ? AND paid_at < ?", (start, end)))


def sent_messages(db, purpose: str, start: str, end: str) -> list[dict]:
    """Texts of one purpose the provider took (`sent`) in the window."""
    return _dicts(db.conn.execute(
        "SELECT message_id, sent_at FROM messages WHERE purpose = ? AND status = 'sent' "
        "AND sent_at >= ? AND sent_at < ?", (purpose, start, end)))


def reminder_orders(db, start: str, end: str) -> list[dict]:
    """Each unpaid reminder sent in the window with each order it was about, and when (if ever)
    that order was paid and for how much: one row per (message, order)."""
    return _dicts(db.conn.execute(
        """SELECT m.message_id, m.sent_at, o.order_id, o.paid_at, COALESCE(o.paid_fen, o.total_fen, 0) AS amount_fen
           FROM messages m, json_each(CASE WHEN json_valid(m.order_ids) THEN m.order_ids ELSE '[]' END) j
           LEFT JOIN orders o ON o.order_id = j.value
           WHERE m.purpose = 'unpaid' AND m.status = 'sent' AND m.sent_at >= ? AND m.sent_at < ?""",
        (start, end)))


def new_reviews(db, start: str, end: str, ratings: Sequence[str]) -> list[dict]:
    """Reviews with one of `ratings` written in the window, with their workflow status now."""
    marks = ", ".join("?" for _ in ratings)
    return _dicts(db.conn.execute(
        f"SELECT review_id, created_at, rating, status, content FROM reviews "
        f"WHERE rating IN ({marks}) AND created_at >= ? AND created_at < ?", (*ratings, start, end)))


# The refunds table belongs to after-sales (PRODUCT §17); these are the names its columns may have.
_REFUND_REASON = ("reason", "refund_reason")
_REFUND_AMOUNT = ("amount_fen", "refund_fen", "refund_amount_fen")
_REFUND_TIME = ("created_at", "applied_at", "requested_at")


def refunds_in(db, start: str, end: str) -> list[dict] | None:
    """Refunds requested in the window: `at`, `reason`, `amount_fen`. None when the shop has no
    refunds table (or one without a request time), i.e. nothing to say yet."""
    columns = table_columns(db, "refunds")
    time_column = next((c for c in _REFUND_TIME if c in columns), None)
    if time_column is None:
        return None
    reason = next((c for c in _REFUND_REASON if c in columns), None)
    amount = next((c for c in _REFUND_AMOUNT if c in columns), None)
    return _dicts(db.conn.execute(
        f"SELECT {time_column} AS at, {reason or 'NULL'} AS reason, {amount or 'NULL'} AS amount_fen "
        f"FROM refunds WHERE {time_column} >= ? AND {time_column} < ?", (start, end)))


def latest_imports(db) -> dict[str, dict]:
    """Per import kind, its newest import that stored rows: file, when it finished, rows in."""
    marks = ", ".join("?" for _ in STORED)
    rows = _dicts(db.conn.execute(
        f"""SELECT kind, file, COALESCE(finished_at, started_at) AS at, rows_in FROM imports
            WHERE kind IS NOT NULL AND status IN ({marks})
            ORDER BY COALESCE(finished_at, started_at), id""", STORED))
    return {row["kind"]: row for row in rows}  # the last one of each kind wins
