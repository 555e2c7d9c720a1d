"""Queries for address-check: the open orders to check, who else each buyer is sending to, and the
receiver changes recorded for them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

# What the check reads of an order; the rest of the row (money, items, notes) is not its business.
ORDER_COLUMNS = (
    "order_id", "buyer_nick", "status", "is_cod", "receiver_name", "receiver_mobile", "receiver_tel",
    "address", "address_original", "address_modified", "province", "city", "district", "address_detail",
    "masked", "shipping_method", "courier", "paid_at",
)
# Enough to tell a buyer's orders to different addresses apart (buyer = nick, else phone).
BUYER_COLUMNS = ("order_id", "buyer_nick", "receiver_mobile", "receiver_tel", "address")
_HISTORY_COLUMNS = ("field", "old", "new", "changed_at")


@contextlib.contextmanager
def read_snapshot(db) -> Iterator[None]:
    """One read transaction: the queries inside see the same database even while an import commits,
    so an order cannot be checked without its buyer's other orders."""
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def open_orders(db, statuses: Iterable[str], columns: tuple[str, ...] = ORDER_COLUMNS) -> Iterator[dict]:
    """Orders in one of `statuses` (served by the orders_status index), streamed in order id order:
    a check keeps only what it lists, not every open order."""
    statuses = list(statuses)
    if not statuses:
        return iter(())
    cursor = db.conn.execute(
        f"SELECT {', '.join(columns)} FROM orders WHERE status IN ({_marks(statuses)}) ORDER BY order_id",
        statuses,
    )
    return (dict(zip(columns, row)) for row in cursor)


def open_order_buyers(db, statuses: Iterable[str]) -> Iterator[dict]:
    """Buyer, phones and address of the open orders that may share a buyer with another: those of
    a nick with several open orders, and those without a nick (the buyer is then their phone,
    which the domain reads). A buyer's only open order cannot go somewhere else than itself, and
    most buyers have one: this keeps the across-orders check off most rows."""
    statuses = list(statuses)
    if not statuses:
        return iter(())
    cursor = db.conn.execute(
        f"""
        WITH open AS (
          SELECT {', '.join(BUYER_COLUMNS)}, TRIM(COALESCE(buyer_nick, '')) AS nick
          FROM orders WHERE status IN ({_marks(statuses)})
        )
        SELECT {', '.join(BUYER_COLUMNS)} FROM open
        WHERE nick = '' OR nick IN (SELECT nick FROM open WHERE nick <> '' GROUP BY nick HAVING COUNT(*) > 1)
        """,
        statuses,
    )
    return (dict(zip(BUYER_COLUMNS, row)) for row in cursor)


def order_changes(db, statuses: Iterable[str], fields: Iterable[str]) -> dict[str, list[dict]]:
    """order_id → its history rows for `fields`, oldest first, for orders in one of `statuses`.

    Joined here rather than asked per order: one pass over the history of the open orders only
    (every order's unpaid → paid status change is history too, and is not wanted)."""
    statuses, fields = list(statuses), list(fields)
    if not statuses or not fields:
        return {}
    cursor = db.conn.execute(
        f"""
        SELECT h.order_id, h.field, h.old, h.new, h.changed_at
        FROM order_history h JOIN orders o ON o.order_id = h.order_id
        WHERE o.status IN ({_marks(statuses)}) AND h.field IN ({_marks(fields)})
        ORDER BY h.order_id, h.id
        """,
        [*statuses, *fields],
    )
    changes: dict[str, list[dict]] = {}
    for order_id, *values in cursor:
        changes.setdefault(order_id, []).append(dict(zip(_HISTORY_COLUMNS, values)))
    return changes


def order_count(db) -> int:
    """Orders of any status: tells "nothing open" apart from "nothing imported yet"."""
    return db.conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]


def _marks(values: list) -> str:
    return ", ".join("?" * len(values))
