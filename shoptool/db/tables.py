"""Reading whole tables for `shoptool export`, with each column's kind for the writers."""

from __future__ import annotations

from collections.abc import Iterator

from .. import columns as K

EXPORTABLE = (
    "orders", "order_items", "order_history", "page_stock", "warehouse_stock", "shipments", "reviews",
    "opt_outs", "messages", "notes", "merge_groups", "imports", "audit",
)
_PHONES = {"receiver_mobile", "receiver_tel", "phone"}
_NAMES = {"receiver_name", "buyer"}  # messages.buyer: the nick, or the phone when there is none
_ADDRESSES = {"address", "address_original", "address_modified", "address_detail"}
_IDS = {"order_id", "line_id", "sku_code", "item_id", "sku_id", "tracking_no", "review_id", "sub_order_id",
        "barcode", "goods_no", "provider_id", "dedupe_key", "subject_id"}
_ZH = {
    "order_id": "订单编号", "buyer_nick": "买家会员名", "status": "状态", "receiver_name": "收货人",
    "receiver_mobile": "手机", "receiver_tel": "电话", "address": "收货地址", "created_at": "创建时间",
    "paid_at": "付款时间", "shipped_at": "发货时间", "tracking_no": "物流单号", "courier": "物流公司",
    "sku_code": "商家编码", "title": "标题", "quantity": "数量", "phone": "手机号",
}


# Where the contract masks the buyer nick (PRODUCT §12: reviews, after-sales), their exports do too;
# elsewhere the nick stays visible: staff reach buyers by it in 旺旺.
_MASKED_NICK_TABLES = {"reviews", "refunds", "aftersales"}


def _kind(table: str, name: str) -> str:
    if name in _PHONES:
        return K.PHONE
    if name in _NAMES or (name == "buyer_nick" and table in _MASKED_NICK_TABLES):
        return K.NAME
    if name in _ADDRESSES:
        return K.ADDRESS
    if name.endswith("_fen"):
        return K.MONEY
    if name.endswith("_at"):
        return K.TIME
    if name in _IDS:
        return K.ID
    return K.TEXT


def table_columns(db, table: str) -> list[K.Column]:
    names = [row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")]
    return [K.Column(name, _ZH.get(name, name), name, _kind(table, name)) for name in names]


def count_rows(db, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def table_rows(db, table: str, show_pii: bool = False) -> Iterator[dict]:
    """Every row of `table` in storage order, read as it is written out (a cursor, never a list)."""
    from ..privacy import mask

    cursor = db.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
    names = [d[0] for d in cursor.description]
    for row in cursor:
        record = dict(zip(names, row))
        if record.get("extra") == "{}":
            record["extra"] = None
        # History values of personal fields are personal data too: masked like their columns.
        kind = _HISTORY_PII.get(record.get("field")) if table == "order_history" else None
        if kind and not show_pii:
            record["old"], record["new"] = mask(kind, record["old"]), mask(kind, record["new"])
        yield record


_HISTORY_PII = {"address": "address", "receiver_name": "name", "receiver_mobile": "phone", "receiver_tel": "phone"}
