"""Indexes that let the cron paths read what they need at a million orders (issue #25)."""

from __future__ import annotations

from .base import statements


def m008_buyer_paid_index(db):
    # remind-unpaid's "paid another order since" (db/paid_orders.py) asks, for every due buyer,
    # for the orders paid (or placed) since a moment. On orders(buyer_nick) alone SQLite read each
    # of the buyer's orders from the table to look at its status and times: ~285,000 rows for
    # 74,000 due buyers on a million orders, 1.0–2.4 s of a cron run. With the moment and the
    # status in the index it reads the index and only the orders that answer (0.24 s). It replaces
    # orders_buyer (every reader of orders_buyer asks by nick, the index's first column), so an
    # import keeps as many indexes as before; a big import rebuilds it at the end like the old one.
    statements(db,
        """
        DROP INDEX IF EXISTS orders_buyer;
        CREATE INDEX orders_buyer ON orders(buyer_nick, COALESCE(paid_at, created_at), status)
        """
    )


def m009_unpaid_due_covering(db):
    # remind-unpaid reads every unpaid order due a reminder (80,000 on a million-order shop) through
    # orders_unpaid_due, a partial index of the unpaid orders by creation time, and then read each
    # order's row from the table: 0.43–0.49 s of random reads. With the columns it reads in the
    # index (UNPAID_FIELDS, db/outbox.py) it reads the index alone (0.22 s). The index holds the
    # unpaid orders only, so it stays small (7.8 MB there) and an import pays for it on them only.
    statements(db,
        """
        DROP INDEX IF EXISTS orders_unpaid_due;
        CREATE INDEX orders_unpaid_due ON orders(created_at, order_id, status, buyer_nick, receiver_mobile,
                                                 receiver_tel, masked, is_cod, presale_stage)
          WHERE status = 'unpaid'
        """
    )
