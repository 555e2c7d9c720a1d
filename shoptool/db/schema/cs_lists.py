"""PRODUCT §19: the COD fee and amount, invoice requests, and what staff recorded (cs_marks)."""

from __future__ import annotations

import json
import re

_MONEY_IN_EXTRA = re.compile(r"^[¥￥]?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*元?$")
_NO_INVOICE_IN_EXTRA = {"", "-", "--", "无", "否", "0", "不开发票", "不需要发票", "无需发票", "不需要", "暂不开票",
                        "null", "none"}


def m030_cs_lists(db):
    # The other lists of the CS day (PRODUCT §19): the COD fee and the amount the courier collects,
    # the invoice an order asks for (its 发票抬头/开票信息 as exported), and what staff recorded
    # about each order (cs_marks: the COD call's result, buyer rated, invoice issued; the notes log
    # holds every call and mark with who and when). The indexes are partial: COD orders and
    # invoice requests are a few rows of a big shop, so imports pay nearly nothing for them.
    for statement in (
        "ALTER TABLE orders ADD COLUMN cod_fee_fen INTEGER",
        "ALTER TABLE orders ADD COLUMN cod_amount_fen INTEGER",
        "ALTER TABLE orders ADD COLUMN invoice_title TEXT",
        "ALTER TABLE orders ADD COLUMN invoice_kind TEXT",
        """CREATE TABLE cs_marks (
             order_id TEXT NOT NULL,
             task TEXT NOT NULL,
             result TEXT NOT NULL,
             attempts INTEGER NOT NULL DEFAULT 1,
             staff TEXT,
             at TEXT NOT NULL,
             first_at TEXT NOT NULL,
             PRIMARY KEY (order_id, task)
           )""",
        "CREATE INDEX orders_cod_open ON orders(created_at) WHERE is_cod = 1",
        "CREATE INDEX orders_invoice ON orders(paid_at) WHERE invoice_title IS NOT NULL",
        "CREATE INDEX orders_finished_at ON orders(finished_at) WHERE finished_at IS NOT NULL",
        "CREATE INDEX order_history_completed ON order_history(changed_at) "
        "WHERE field = 'status' AND new = 'completed'",
        # rate-buyers shows the buyer's own rating of each trade
        "CREATE INDEX IF NOT EXISTS reviews_order ON reviews(order_id)",
    ):
        db.execute(statement)
    # Orders imported before this migration kept these cells among their unknown columns (`extra`):
    # read them from there once, so the lists work without importing the exports again.
    conn = db.conn
    fees = []
    for order_id, extra in conn.execute("SELECT order_id, extra FROM orders WHERE is_cod = 1 AND extra != '{}'"):
        values = json.loads(extra)
        for name in ("货到付款服务费", "买家货到付款服务费", "货到付款买家费用", "COD服务费", "买家服务费"):
            match = _MONEY_IN_EXTRA.match(str(values.get(name) or "").strip())
            if match:
                fees.append((int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0")), order_id))
                break
    conn.executemany("UPDATE orders SET cod_fee_fen = ? WHERE order_id = ?", fees)
    titles = []
    for order_id, extra in conn.execute(
            "SELECT order_id, extra FROM orders WHERE extra LIKE '%发票%' OR extra LIKE '%开票%'"):
        values = json.loads(extra)
        for name in ("发票抬头", "开票信息", "发票信息", "开票抬头"):
            text = str(values.get(name) or "").strip()
            if text.lower() not in _NO_INVOICE_IN_EXTRA:
                titles.append((text, order_id))
                break
    conn.executemany("UPDATE orders SET invoice_title = ? WHERE order_id = ?", titles)
