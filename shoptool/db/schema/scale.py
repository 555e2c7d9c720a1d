"""Indexes that keep a cron run's cost with the work on a big shop (issue #25)."""

from __future__ import annotations


def m050_buyer_paid_index(db):
    # "Has this buyer paid another order since?" (PRODUCT §8) for every due reminder at once:
    # orders_buyer finds a buyer's orders, but status and the paid moment are only in the table, so
    # each of the ~250k orders of 80,000 due buyers was read from it (1.2 s on a million orders).
    # This index holds the paid orders by buyer and paid moment: the lookup reads only the matches.
    db.conn.execute(
        "CREATE INDEX IF NOT EXISTS orders_buyer_paid ON orders(buyer_nick, COALESCE(paid_at, created_at)) "
        "WHERE status IN ('paid', 'partly_shipped', 'shipped', 'signed', 'completed')")
