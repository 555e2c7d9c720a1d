"""Order lines: the legacy 宝贝报表 (one row per line, numbered in file order) and the current 千牛
order-line export (子订单编号)."""

from __future__ import annotations

from ... import orders as O
from ...db import current, store
from ..convert import Converter, require
from ..header import ID, INT, LABEL, MONEY, TIME, F, Kind

ITEMS = Kind(
    "items",
    (
        F("order_id", "订单编号|主订单编号|订单号|tid", ID),
        F("line_id", "子订单编号|子订单号|oid", ID),
        F("title", "标题|商品标题|宝贝标题|商品名称", LABEL),
        F("price_fen", "价格|商品价格|单价|price", MONEY),
        F("quantity", "购买数量|数量|num", INT),
        F("sku_code", "商家编码|外部系统编号|SKU编码|商品编码|outer_sku_id|outer_iid", ID),
        F("attrs", "商品属性|规格名称|销售属性|商品属性SKU|sku_properties_name", LABEL),
        F("package", "套餐信息", LABEL),
        F("note", "备注"),
        F("status_text", "订单状态|status", LABEL),
        F("item_id", "商品ID|宝贝ID|商品id|num_iid", ID),
        F("refund_status", "退款状态|refund_status", LABEL),
        F("refund_fen", "退款金额|refund_fee", MONEY),
        F("paid_fen", "买家实付金额|买家实际支付金额|实付金额|payment", MONEY),
        F("created_at", "创建时间|订单创建时间", TIME),
        F("shipped_at", "发货时间|consign_time", TIME),
    ),
    required=("order_id", "quantity"),
    markers=("line_id", "quantity", "price_fen", "package", "attrs", "sku_code"),
    label="宝贝报表",
)

_ITEM_DATA = ("title", "price_fen", "quantity", "sku_code", "attrs", "package", "note", "item_id",
              "refund_status", "refund_fen", "paid_fen", "created_at", "shipped_at")


class ItemConverter(Converter):
    stateless = False  # numbers legacy lines in file order
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.data = [f for f in _ITEM_DATA if f in self.present]
        status = ["status", "status_text"] if "status_text" in self.present else []
        self.status = bool(status)
        self.columns = ("line_id", "order_id", *self.data, *status, "extra", "first_seen_at", "updated_at",
                        "import_id")
        # Legacy 宝贝报表 has no line id: lines are numbered in file order within each order, so
        # a newer export of the same order lands on the same rows.
        self.ordinals: dict[str, int] = {}

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        order_id = require(v, "order_id", self, "order number")
        line_id = v.get("line_id")
        if line_id is None:
            n = self.ordinals.get(order_id, 0) + 1
            self.ordinals[order_id] = n
            line_id = f"{order_id}-{n}"
        row = [line_id, order_id]
        row.extend(v.get(f) for f in self.data)
        if self.status:
            text = v.get("status_text")
            row.extend((O.canonical_status(text), text))
        now = self.now_iso
        row.extend((self.extra(record), now, now, self.import_id))
        return [tuple(row)]



RULES = current.Rules(key=("line_id",), status="status", events=("created_at", "shipped_at"))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "order_items", RULES, columns, bulk=store.is_bulk(db, "order_items", file_size))


def shape(names: set[str]) -> str:
    return "qianniu" if "子订单编号" in names else "taobao-legacy"
