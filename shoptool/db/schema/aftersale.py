"""PRODUCT §17: refunds (the 退款管理 export and ERP 退换单/退单), their status history, and what
staff recorded (handled_*; imports never touch those columns)."""

from __future__ import annotations

# Fields whose changes refund_history keeps (who moved a refund where, by which import)
HISTORY_FIELDS = ("status", "goods_status", "cs_status", "deadline_at", "return_tracking", "warehouse_in")


def m020_refunds(db):
    # One row per refund. The platform's 退款编号 is the key; an ERP sheet's own number (退换单号,
    # 退单号) is kept in erp_no and its rows are keyed "erp:<number>", joined to the platform's
    # refund through the original order number (db/refunds.py). status is canonical (§24);
    # status_text keeps the export's words. Money in fen. version: PRODUCT §16 (db/current.py).
    db.execute(
        """CREATE TABLE refunds (
             refund_id TEXT PRIMARY KEY,
             order_id TEXT,
             source TEXT NOT NULL DEFAULT 'platform',
             erp_no TEXT,
             sub_order_id TEXT,
             alipay_no TEXT,
             sku TEXT,
             title TEXT,
             buyer_nick TEXT,
             paid_fen INTEGER,
             amount_fen INTEGER,
             kind TEXT,
             status TEXT,
             status_text TEXT,
             goods_status TEXT,
             cs_status TEXT,
             cs_text TEXT,
             paid_at TEXT,
             requested_at TEXT,
             deadline_at TEXT,
             evidence_deadline_at TEXT,
             finished_at TEXT,
             returned_at TEXT,
             return_tracking TEXT,
             return_courier TEXT,
             return_logistics TEXT,
             ship_logistics TEXT,
             warehouse_in INTEGER,
             reason TEXT,
             reason_note TEXT,
             responsible TEXT,
             stage TEXT,
             seller_note TEXT,
             refund_mode TEXT,
             extra TEXT NOT NULL DEFAULT '{}',
             first_seen_at TEXT,
             updated_at TEXT,
             import_id INTEGER,
             version TEXT,
             handled_sig TEXT,
             handled_at TEXT,
             handled_staff TEXT,
             handled_note TEXT
           )"""
    )
    for statement in (
        "CREATE INDEX refunds_status ON refunds(status, requested_at)",
        "CREATE INDEX refunds_order ON refunds(order_id)",
        "CREATE INDEX refunds_requested ON refunds(requested_at)",
        "CREATE INDEX refunds_buyer ON refunds(buyer_nick, requested_at) WHERE buyer_nick IS NOT NULL",
        "CREATE INDEX refunds_return_tracking ON refunds(return_tracking) WHERE return_tracking IS NOT NULL",
        """CREATE TABLE refund_history (
             id INTEGER PRIMARY KEY,
             refund_id TEXT NOT NULL,
             field TEXT NOT NULL,
             old TEXT,
             new TEXT,
             changed_at TEXT,
             import_id INTEGER
           )""",
        "CREATE INDEX refund_history_refund ON refund_history(refund_id)",
        """CREATE TRIGGER refunds_history_insert AFTER INSERT ON refunds
           BEGIN
             INSERT INTO refund_history (refund_id, field, old, new, changed_at, import_id)
             VALUES (new.refund_id, 'status', NULL, new.status, new.updated_at, new.import_id);
           END""",
    ):
        db.execute(statement)
    for field in HISTORY_FIELDS:
        db.execute(
            f"""CREATE TRIGGER refunds_history_{field} AFTER UPDATE OF {field} ON refunds
                WHEN old.{field} IS NOT new.{field}
                BEGIN
                  INSERT INTO refund_history (refund_id, field, old, new, changed_at, import_id)
                  VALUES (new.refund_id, '{field}', old.{field}, new.{field}, new.updated_at, new.import_id);
                END"""
        )
