"""Refunds (PRODUCT §17): the 千牛/卖家中心 退款管理 export in its generations (the 39-column 2017-era
template, the 42-column one, newer ones with more columns kept in `extra`) and the ERPs' sheets
(旺店通 退换单, 百胜 eFAST 退单), FORMATS.md "Refunds / after-sales".

Key: the platform's 退款编号. An ERP row without one is keyed "erp:<退换单号/退单号>" and joined to
the platform's refund through the original order number when both are known (db/refunds.py).
A refund only moves forward along its life (aftersale.codes.LIFE, PRODUCT §16)."""

from __future__ import annotations

from ... import clock
from ...aftersale import codes
from ...db import current, store
from ..convert import Converter, RowRejected
from ..header import ID, LABEL, MONEY, TEXT, TIME, TRACKING, F, Kind

REFUNDS = Kind(
    "refunds",
    (
        F("refund_id", "退款编号|退款单号|退款ID|退款id|refund_id", ID),
        F("erp_no", "退换单号|退单号|售后单号|退货单号", ID),
        F("order_id", "订单编号|原始单号|交易号|原单号|平台订单号|订单号|tid", ID),
        F("sub_order_id", "子订单编号|子订单号|oid", ID),
        F("alipay_no", "支付宝交易号|支付单号", ID),
        F("paid_at", "订单付款时间|付款时间", TIME),
        F("sku", "商家编码|商品编码|货品编码|outer_id", ID),
        F("buyer_nick", "买家会员名称|买家会员名|买家昵称|客户网名|buyer_nick"),
        F("paid_fen", "买家实际支付金额|实付金额", MONEY),
        F("title", "宝贝标题|商品标题|商品名称|货品名称", LABEL),
        F("amount_fen", "买家退款金额|退款金额|实际退款金额|平台退款金额|实际应退款总额|refund_fee", MONEY),
        F("refund_mode", "手工退款/系统退款|手工退款_系统退款", LABEL),
        F("needs_return", "是否需要退货", LABEL),
        F("kind_text", "售后类型|退换单类型|退单类型", LABEL),
        F("requested_at", "退款的申请时间|申请时间|退款申请时间|退款创建时间|退单创建时间|建单时间|created", TIME),
        F("deadline_at", "超时时间|timeout", TIME),
        F("status_text", "退款状态|平台状态|refund_status|status", LABEL),
        # the ERP's own state: read when the sheet gives no platform state for the row
        F("erp_status", "退单状态|状态", LABEL),
        F("goods_text", "货物状态|good_status", LABEL),
        F("return_logistics", "退货物流信息"),
        F("ship_logistics", "发货物流信息"),
        F("cs_text", "客服介入状态|cs_status", LABEL),
        F("return_tracking", "退货物流单号|买家退货物流单号|退回物流单号", TRACKING),
        F("return_courier", "退货物流公司|买家退货快递公司|物流公司名称", LABEL),
        F("reason", "买家退款原因|退款原因|退单原因|reason", LABEL),
        F("reason_note", "买家退款说明|买家退单说明|退款说明|desc"),
        F("returned_at", "买家退货时间|退货时间", TIME),
        F("responsible", "责任方", LABEL),
        F("stage", "售中或售后", LABEL),
        F("seller_note", "商家备注|卖家退单备注|卖家备注"),
        F("finished_at", "退款完结时间|完结时间|确认退款时间", TIME),
        F("evidence", "举证超时", TEXT),
        F("warehouse_in", "入库状态", LABEL),
    ),
    required=(),
    one_of=(("refund_id", "erp_no"), ("status_text", "erp_status")),
    markers=("refund_id", "erp_no", "deadline_at", "goods_text", "cs_text", "return_tracking", "reason",
             "kind_text", "needs_return", "warehouse_in", "amount_fen", "responsible"),
    label="退款管理",
    # the shop's own return address and contacts, and the ERP's copy of the buyer's name: not needed
    discarded=("卖家真实姓名", "卖家真实姓名新", "卖家退货地址", "卖家邮编", "卖家电话", "卖家手机", "退货人"),
)

_DATA = ("order_id", "sub_order_id", "alipay_no", "paid_at", "sku", "buyer_nick", "paid_fen", "title",
         "amount_fen", "refund_mode", "requested_at", "deadline_at", "return_logistics", "ship_logistics",
         "return_tracking", "return_courier", "reason", "reason_note", "returned_at", "responsible", "stage",
         "seller_note", "finished_at")


def shape(header: set[str]) -> str:
    """Which generation of export (the import log says it)."""
    if "退换单号" in header:
        return "wdt"
    if "退单号" in header:
        return "efast"
    if "主数据编码" in header or "买家会员名称" in header:
        return "refunds-39"
    if "退款原因标签" in header or "业务类型" in header:
        return "refunds-42"
    return "generic"


def warehouse_in(text) -> int | None:
    """入库状态 as a count: > 0 when the return reached the warehouse."""
    if text is None or str(text).strip() == "":
        return None
    value = str(text).strip()
    if value.isdigit() and value.isascii():
        return int(value) if len(value) <= 9 else int(value.strip("0") != "")  # a count, never an overflow
    if "未" in value or "待" in value:
        return 0
    return 1 if "入库" in value or "收货" in value else 0


class RefundConverter(Converter):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        p = self.present
        self.tz = args[2]
        self.data = [f for f in _DATA if f in p]
        derived = ["status", "status_text"]
        if "needs_return" in p or "kind_text" in p:
            derived.append("kind")
        if "goods_text" in p:
            derived.append("goods_status")
        if "cs_text" in p:
            derived += ["cs_status", "cs_text"]
        if "evidence" in p:
            derived.append("evidence_deadline_at")
        if "warehouse_in" in p:
            derived.append("warehouse_in")
        self.derived = derived
        self.columns = ("refund_id", "source", *(("erp_no",) if "erp_no" in p else ()), *self.data, *derived,
                        "extra", "first_seen_at", "updated_at", "import_id")

    def convert(self, record: list, number: int) -> list[tuple]:
        record = self.pad(record)
        v = self.fields(record)
        refund_id, erp_no = v.get("refund_id"), v.get("erp_no")
        if refund_id is None and erp_no is None:
            raise RowRejected(self.header_of("refund_id" if "refund_id" in self.present else "erp_no"),
                              "missing refund number")
        raw = v.get("status_text") or v.get("erp_status")
        status = codes.refund_status(raw)
        if status is None:
            raise RowRejected(self.header_of("status_text" if v.get("status_text") or "erp_status" not in self.present
                                             else "erp_status"),
                              f"not a refund status: {raw!r} (e.g. 买家已经申请退款，等待卖家同意, 退款成功, 退款关闭)")
        row = [refund_id or f"erp:{erp_no}", "platform" if refund_id else "erp"]
        if "erp_no" in self.present:
            row.append(erp_no)
        row.extend(v.get(f) for f in self.data)
        values = {"status": status, "status_text": raw,
                  "kind": codes.refund_kind(v.get("needs_return"), v.get("kind_text")),
                  "goods_status": codes.goods_status(v.get("goods_text")),
                  "cs_status": codes.cs_status(v.get("cs_text")), "cs_text": v.get("cs_text"),
                  "evidence_deadline_at": self._evidence(v.get("evidence")),
                  "warehouse_in": warehouse_in(v.get("warehouse_in"))}
        row.extend(values[c] for c in self.derived)
        now = self.now_iso
        row.extend((self.extra(record), now, now, self.import_id))
        return [tuple(row)]

    def _evidence(self, text) -> str | None:
        # 举证超时 is a moment in the exports that carry one; a 是/否 there says nothing datable
        if not text:
            return None
        try:
            return clock.to_iso(clock.parse_time(text, self.tz), self.tz)
        except ValueError:
            return None


# 超时时间 and 举证超时 are deadlines: never events that date an export (PRODUCT §16)
RULES = current.Rules(key=("refund_id",), status="status", life=codes.LIFE,
                      events=("requested_at", "returned_at", "finished_at"))


def writer(db, columns, file_size: int):
    return store.Upsert(db, "refunds", RULES, columns)
