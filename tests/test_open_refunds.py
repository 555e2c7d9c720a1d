"""db/refunds.open_refund_order_ids (PRODUCT §17: an order with an open refund is never texted):
a few orders are looked up one chunk at a time, a cron run's many against the shop's open refunds
(issue #25); both ways answer the same."""

from __future__ import annotations

from shoptool.db import refunds
from shoptool.jobs import Shop


def test_many_orders_and_few_get_the_same_open_refunds(tmp_path, monkeypatch):
    shop = Shop(tmp_path / "shoptool.db", None)
    statuses = ("wait_seller_agree", "wait_buyer_return", "wait_seller_confirm_goods", "success", "closed", None)
    with shop.db.conn:
        shop.db.conn.executemany(
            "INSERT INTO refunds (refund_id, order_id, status, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [(f"r{n}", f"{n % 700}", statuses[n % len(statuses)], "2026-11-21T10:00:00+08:00",
              "2026-11-21T10:00:00+08:00") for n in range(1200)]
            + [("r-none", None, "wait_seller_agree", "2026-11-21T10:00:00+08:00", "2026-11-21T10:00:00+08:00")])
    asked = [str(n) for n in range(0, 900, 2)] + ["", "5", "5"]
    monkeypatch.setattr(refunds, "_READ_ALL_OPEN_FROM", 10**9)
    looked_up = refunds.open_refund_order_ids(shop.db, asked)
    monkeypatch.setattr(refunds, "_READ_ALL_OPEN_FROM", 10)
    read_all = refunds.open_refund_order_ids(shop.db, asked)
    expected = {o for r, o, s in shop.db.conn.execute("SELECT refund_id, order_id, status FROM refunds")
                if o in set(asked) and s in refunds.OPEN}
    assert looked_up == read_all == expected and len(expected) > 100
    assert "1" not in read_all  # open, but not asked about
    shop.close()
