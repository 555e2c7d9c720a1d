"""Orders: the legacy 订单报表 (GBK CSV), the current 千牛 xlsx and ERP order sheets (FORMATS.md)."""

from __future__ import annotations

from collections.abc import Callable

from ... import orders as O
from ...cs_lists import asks_for_invoice
from ...db import current, store
from ...tables import cells
from ..codegen import SEEN_LIMIT, cell_expressions, define
from ..convert import Converter, RowRejected
from ..header import FLAG, ID, INT, LABEL, MONEY, PHONE, TEXT, TIME, TRACKING, F, Kind, normalise_header  # noqa: F401

ORDERS = Kind(
    "orders",
    (
        F("order_id", "订单编号|订单号|主订单编号|订单ID|订单id|交易编号|tid|order_id|Order ID", ID),
        F("buyer_nick", "买家会员名|买家昵称|买家账号|买家旺旺|会员名|buyer_nick"),
        F("status_text", "订单状态|交易状态|status", LABEL),
        F("receiver_name", "收货人姓名|收货人|收件人|收件人姓名|receiver_name"),
        F("receiver_mobile", "联系手机|收货人手机|收件人手机|手机号码|手机号|手机|receiver_mobile", PHONE),
        F("receiver_tel", "联系电话|收货人电话|收件人电话|固定电话|电话|receiver_phone", PHONE),
        F("address_original", "收货地址|收件地址|收货人地址|详细地址|地址|receiver_address"),
        F("address_modified", "修改后的收货地址"),
        F("province", "省|省份|收货省份|receiver_state", LABEL),
        F("city", "市|城市|收货城市|receiver_city", LABEL),
        F("district", "区|区县|收货区县|receiver_district", LABEL),
        F("shipping_method", "运送方式|物流方式|配送方式|shipping_type", LABEL),
        F("created_at", "订单创建时间|创建时间|下单时间|拍下时间|created", TIME),
        F("paid_at", "订单付款时间|付款时间|支付时间|pay_time", TIME),
        F("shipped_at", "发货时间|consign_time", TIME),
        F("finished_at", "确认收货时间|交易成功时间|end_time", TIME),
        F("closed_reason", "订单关闭原因|关闭原因", LABEL),
        F("goods_fen", "买家应付货款|商品金额|商品总价|total_fee", MONEY),
        F("postage_fen", "买家应付邮费|邮费|运费|post_fee", MONEY),
        F("total_fen", "总金额|订单金额|订单总金额", MONEY),
        F("paid_fen", "买家实际支付金额|买家实付金额|实付金额|payment", MONEY),
        F("refund_fen", "退款金额|refund_fee", MONEY),
        F("refund_status", "退款状态|refund_status", LABEL),
        F("item_title", "宝贝标题|商品标题|标题|title", LABEL),
        F("item_kinds", "宝贝种类|商品种类", INT),
        F("item_count", "宝贝总数量|商品数量|商品总数量|num", INT),
        F("tracking_no", "物流单号|运单号|快递单号|out_sid", TRACKING),
        F("courier", "物流公司|快递公司|company_name", LABEL),
        F("buyer_message", "买家留言|buyer_message"),
        F("seller_note", "订单备注|商家备注|卖家备注|seller_memo"),
        F("note_tag", "备注标签", LABEL),
        F("flag", "旗帜|卖家旗帜|插旗|seller_flag", FLAG),
        F("shop", "店铺名称|店铺|shop_name", LABEL),
        F("trade_type", "交易类型|订单类型|type", LABEL),
        F("cod", "货到付款状态|是否货到付款|货到付款|发货条件", LABEL),
        # the legacy 订单报表's 买家服务费 is the buyer's COD fee (the API's buyer_cod_fee); it comes
        # last, so a column named for COD wins, and only such a column marks an order as COD
        F("cod_fee_fen", "货到付款服务费|买家货到付款服务费|货到付款买家费用|COD服务费|到付服务费|buyer_cod_fee|"
                         "cod_fee|买家服务费", MONEY),
        F("cod_amount_fen", "货到付款金额|代收货款|代收金额|到付金额|COD金额|cod_amount", MONEY),
        F("invoice_title", "发票抬头|开票信息|发票信息|开票抬头|invoice_name", LABEL),
        F("invoice_kind", "发票类型|开票类型|invoice_type|invoice_kind", LABEL),
        F("presale", "分阶段订单信息|预售状态|预售阶段|step_trade_status", LABEL),
    ),
    required=("order_id", "status_text"),
    markers=(
        "address_original", "receiver_name", "created_at", "paid_at", "total_fen", "postage_fen",
        "goods_fen", "shipping_method", "buyer_message", "item_count", "closed_reason",
        "address_modified", "seller_note",
    ),
    label="订单报表",
    discarded=("买家支付宝账号", "买家身份证号", "买家姓名", "买家手机号"),
)

_ORDER_DATA = (
    "shop", "buyer_nick", "refund_status", "refund_fen", "goods_fen", "postage_fen", "total_fen",
    "paid_fen", "receiver_name", "receiver_mobile", "receiver_tel", "address_original",
    "address_modified", "province", "city", "district", "shipping_method", "created_at", "paid_at",
    "shipped_at", "finished_at", "closed_reason", "item_title", "item_kinds", "item_count",
    "tracking_no", "courier", "buyer_message", "seller_note", "note_tag", "flag", "cod_fee_fen", "cod_amount_fen",
    "invoice_title", "invoice_kind",
)
PERSONAL_COLUMNS = ("receiver_name", "receiver_mobile", "receiver_tel", "address", "address_original",
             "address_modified", "masked")
_NOT_CLOSED = {"订单未关闭", "未关闭", "-"}
# a COD fee column that says nothing about COD on its own (the legacy 买家服务费)
_FEE_NOT_COD = normalise_header("买家服务费")


class OrderConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        present = self.present
        data = [f for f in _ORDER_DATA if f in present]
        derived = ["status", "status_text", "is_cod"]
        if present & {"address_original", "address_modified"}:
            derived.append("address")
        personal = [f for f in ("receiver_name", "receiver_mobile", "address_original", "address_modified")
                    if f in present]
        if present & {"receiver_name", "receiver_mobile", "receiver_tel", "address_original", "address_modified"}:
            derived.append("masked")
        if present & {"presale", "trade_type"}:
            derived.append("presale_stage")
        self.data = data
        self.derived = derived
        self.columns = ("order_id", *data, *derived, "extra", "first_seen_at", "updated_at",
                        "shipped_seen_at", "import_id")
        cod_columns = ["cod_amount_fen"]
        if "cod_fee_fen" in present and normalise_header(self.header_of("cod_fee_fen")) != _FEE_NOT_COD:
            cod_columns.append("cod_fee_fen")
        self._flag_fields = [f for f in ("cod", "trade_type", "shipping_method", "presale", *cod_columns)
                             if f in present]
        self._flags_seen: dict[tuple, tuple[int, str | None]] = {}
        self._row = self._generate_row(personal)

    def _generate_row(self, personal: list[str]) -> Callable[[list], tuple]:
        """The hottest loop of a big import, as one generated function: every cell cleaned into a
        local variable, the derived columns worked out, the database row returned as a tuple.
        Reading it: `v_<field>` is a field's clean value."""
        if self._summed:
            raise TypeError("orders have no summed fields")
        namespace: dict = {
            "_CellError": cells.CellError, "_bad_cell": self._find_bad_cell, "_reject": self._reject,
            "_status_of": O.canonical_status, "_flags_seen": self._flags_seen, "_flags": self._flags,
            "_extra": self.extra, "_shipped": frozenset(O.SHIPPED_STATES), "_now": self.now_iso,
            "_import_id": self.import_id, "_pad": self.pad, "_width": self.width,
        }
        after = {"closed_reason": _still_open, "invoice_title": _invoice_asked}
        expressions = cell_expressions(self._simple, self.all_text, after, namespace)
        names = [name for name, _, _ in self._simple]
        lines = ["if len(r) < _width:", "    r = _pad(r)", "try:"]
        lines += [f"    v_{name} = {expr}" for name, expr in zip(names, expressions)]
        lines += [
            "except _CellError:",
            "    _bad_cell(r)",
            "if v_order_id is None:",
            "    _reject('order_id', 'missing order number')",
            "if v_status_text is None:",
            "    _reject('status_text', 'missing order status')",
            "status = _status_of(v_status_text)",
            "if status is None:",
            "    _reject('status_text', f'unknown order status {v_status_text!r}')",
            # is_cod and the pre-sale stage depend on a few repeating labels only
            f"key = (v_status_text, {''.join(f'v_{f}, ' for f in self._flag_fields)})",
            "flags = _flags_seen.get(key)",
            "if flags is None:",
            "    flags = _flags(key)",
        ]
        row = ["v_order_id", *(f"v_{f}" for f in self.data), "status", "v_status_text", "flags[0]"]
        if "address" in self.derived:
            row.append(" or ".join(f"v_{f}" for f in ("address_modified", "address_original") if f in self.present))
        if "masked" in self.derived:
            stars = " or ".join(f"'*' in (v_{f} or '')" for f in personal) or "False"
            row.append(f"(1 if {stars} else 0)")
        if "presale_stage" in self.derived:
            row.append("flags[1]")
        row += ["_extra(r)", "_now", "_now", "_now if status in _shipped else None", "_import_id"]
        lines.append("return (" + ", ".join(row) + ",)")
        return define("order_row", "r", lines, namespace)

    def _reject(self, field: str, reason: str):
        raise RowRejected(self.header_of(field), reason)

    def _flags(self, key: tuple) -> tuple[int, str | None]:
        """(is_cod, presale_stage) for (status text, *flag fields), remembered."""
        status_text, v = key[0], dict(zip(self._flag_fields, key[1:]))
        cod = O.is_cod(cod=v.get("cod"), trade_type=v.get("trade_type"), status_text=status_text,
                       shipping_method=v.get("shipping_method"), cod_fee_fen=v.get("cod_fee_fen"),
                       cod_amount_fen=v.get("cod_amount_fen"))
        presale = O.presale_stage(v.get("presale"), v.get("trade_type")) if "presale_stage" in self.derived else None
        flags = (1 if cod else 0), presale
        if len(self._flags_seen) < SEEN_LIMIT:
            self._flags_seen[key] = flags
        return flags

    def convert(self, record: list, number: int) -> list[tuple]:
        return [self._row(record)]


def _still_open(reason: str | None) -> str | None:
    """订单未关闭 ("not closed") is no closing reason."""
    return None if reason in _NOT_CLOSED else reason


def _invoice_asked(text: str | None) -> str | None:
    """发票抬头/开票信息 as stored: only a cell that asks for an invoice (不开发票, - and 无 do not)."""
    return text if asks_for_invoice(text) else None


# How exports of one order at different moments make its current state (db/current.py): the
# status only moves forward, and a row further along is the newer; the receiver travels as one
# group (a masked one never replaces a real one); notes and flags, which `shoptool note` and
# merge-shipping also write, have their own moment and are never blanked by an empty cell.
RULES = current.Rules(
    key=("order_id",), status="status", events=("created_at", "paid_at", "shipped_at", "finished_at"),
    keep_first=("shipped_seen_at",), maximum=("is_cod",),
    groups=(current.Group(PERSONAL_COLUMNS, "receiver_version", masked="masked"),
            current.Group(("seller_note", "flag", "note_tag"), "note_version", blank_keeps=True, by_time=True)),
)


def writer(db, columns, file_size: int):
    return store.Upsert(db, "orders", RULES, columns, bulk=store.is_bulk(db, "orders", file_size))


def shape(names: set[str]) -> str:
    return "taobao-legacy" if names & {"买家会员名", "联系手机", "收货人姓名"} else "qianniu"
