"""Reading whole tables for `shoptool export`, with each column's kind, Chinese header and code
vocabulary for the writers."""

from __future__ import annotations

from collections.abc import Iterator

from .. import columns as K

EXPORTABLE = (
    "orders", "order_items", "order_history", "page_stock", "warehouse_stock", "shipments", "reviews",
    "opt_outs", "messages", "notes", "merge_groups", "cs_marks", "imports", "audit", "cs_performance",
    "consents", "customer_tags", "members", "campaigns", "segment_counts",  # buyers (PRODUCT §20)
    "parcels", "parcel_events",
    "refunds", "refund_history",
)
_PHONES = {"receiver_mobile", "receiver_tel", "phone"}
_NAMES = {"receiver_name", "buyer"}  # messages.buyer: the nick, or the phone when there is none
_ADDRESSES = {"address", "address_original", "address_modified", "address_detail"}
_IDS = {"order_id", "line_id", "sku_code", "item_id", "sku_id", "tracking_no", "review_id", "sub_order_id",
        "barcode", "goods_no", "provider_id", "dedupe_key", "subject_id", "refund_id", "erp_no", "alipay_no",
        "return_tracking", "sku"}
# Chinese headers for staff (PRODUCT §4); a column of one table that means something else in
# another is named in _ZH_BY_TABLE. Money columns hold fen in the database and leave as yuan, so
# they leave without `_fen` in their name too (postage_fen → postage, 买家应付邮费（元）): an agent
# reading `postage: 10.0` is never off by 100×.
_ZH = {
    # PRODUCT §16: which snapshot a row's values come from, and what an import found already known
    "version": "数据版本", "receiver_version": "收货信息版本", "note_version": "备注版本", "out_id": "服务商外部编号",
    "snapshot_at": "导出时间", "snapshot_source": "导出时间来源", "stale": "过时行数", "duplicates": "重复行数",
    "table_name": "数据表", "row_key": "行主键", "known_at": "已知版本时间", "data": "内容",
    "order_id": "订单编号", "shop": "店铺名称", "buyer_nick": "买家会员名", "status": "状态", "status_text": "状态原文",
    "is_cod": "货到付款", "presale_stage": "预售阶段", "refund_status": "退款状态", "refund_fen": "退款金额（元）",
    "goods_fen": "买家应付货款（元）", "postage_fen": "买家应付邮费（元）", "total_fen": "总金额（元）",
    "paid_fen": "买家实际支付金额（元）", "receiver_name": "收货人姓名", "receiver_mobile": "联系手机",
    "receiver_tel": "联系电话", "address": "收货地址", "address_original": "原收货地址",
    "address_modified": "修改后的收货地址", "province": "省", "city": "市", "district": "区/县",
    "address_detail": "详细地址", "masked": "已脱敏", "shipping_method": "运送方式", "created_at": "创建时间",
    "paid_at": "付款时间", "shipped_at": "发货时间", "finished_at": "完成时间", "closed_reason": "订单关闭原因",
    "item_title": "宝贝标题", "item_kinds": "宝贝种类", "item_count": "宝贝总数量", "tracking_no": "物流单号",
    "courier": "物流公司", "buyer_message": "买家留言", "seller_note": "订单备注", "flag": "旗帜",
    "note_tag": "备注标签",
    "extra": "其他列", "first_seen_at": "首次导入时间", "updated_at": "更新时间", "shipped_seen_at": "发现发货时间",
    "import_id": "导入批次", "purged_at": "清理时间",
    "cod_fee_fen": "货到付款服务费（元）", "cod_amount_fen": "货到付款金额（元）", "invoice_title": "发票抬头",
    "invoice_kind": "发票类型", "task": "事项", "result": "结果", "first_at": "首次记录时间",
    "line_id": "子订单编号", "title": "标题", "price_fen": "价格（元）", "quantity": "数量", "sku_code": "商家编码",
    "attrs": "商品属性", "package": "套餐信息", "note": "备注", "item_id": "商品ID",
    "id": "序号", "field": "字段", "old": "原值", "new": "新值", "changed_at": "变更时间",
    "row_no": "行号", "sku_id": "SKU ID", "barcode": "条码", "goods_no": "货品编号", "name": "货品名称",
    "on_hand": "实际库存", "locked": "锁定量", "awaiting_shipment": "待发货量", "available": "可用库存",
    "in_transit": "采购在途", "safety_low": "安全库存下限", "unpaid_qty": "未付款量", "warehouse": "仓库",
    "review_id": "评价ID", "sub_order_id": "子订单编号", "rating": "评价", "rating_raw": "评价原文",
    "content": "评价内容", "reply": "卖家回复", "followup": "追评内容", "followup_at": "追评时间",
    "counts_credit": "计入信用", "status_at": "处理时间", "status_staff": "处理人", "status_note": "处理备注",
    "phone": "手机号", "opted_out_at": "退订时间", "source": "来源",
    "message_id": "消息编号", "dedupe_key": "去重键", "purpose": "用途", "class": "类别", "order_ids": "相关订单",
    "step": "步骤", "buyer": "买家", "template_code": "模板编号", "params": "模板参数", "text": "内容",
    "parts": "计费条数",
    "reason": "原因", "provider": "服务商", "provider_id": "回执编号", "attempts": "尝试次数",
    "next_attempt_at": "下次发送时间", "sent_at": "发送时间", "detail": "说明", "claimed_by": "发送进程",
    "subject": "对象", "subject_id": "对象编号", "at": "时间", "staff": "操作人", "action": "操作",
    "old_note": "原备注", "new_note": "新备注", "old_flag": "原旗帜", "new_flag": "新旗帜", "old_status": "原状态",
    "new_status": "新状态",
    "group_id": "合单号", "postage_paid_fen": "已付邮费（元）", "postage_due_fen": "合单邮费（元）",
    "postage_rule": "邮费规则",
    "file": "文件", "path": "路径", "sha256": "SHA-256", "size": "字节数", "kind": "类型", "shape": "格式",
    "encoding": "编码", "sheet": "工作表", "rows_in": "读入行数", "inserted": "新增", "updated": "更新",
    "unchanged": "未变", "rejected": "拒收", "rejects_file": "拒收明细文件", "message": "说明",
    "started_at": "开始时间", "command": "命令",
    # PRODUCT §18: parcels and their events
    "state": "物流状态", "subtype": "异常类型", "provider_state": "原始状态码", "first_scan_at": "揽收时间",
    "last_event_at": "最新轨迹时间", "last_event": "最新轨迹", "last_location": "最新地点", "delivered_at": "签收时间",
    "result_at": "结果时间", "events": "轨迹条数", "location": "地点", "code": "状态码",
}
_ZH_BY_TABLE = {
    ("refunds", "status"): "退款状态", ("refunds", "amount_fen"): "退款金额（元）", ("refunds", "sku"): "商家编码",
    ("refunds", "title"): "宝贝标题", ("refunds", "deadline_at"): "超时时间", ("refunds", "reason"): "退款原因",
    ("refunds", "requested_at"): "退款的申请时间", ("refunds", "return_tracking"): "退货物流单号",
    ("refunds", "responsible"): "责任方", ("refunds", "refund_id"): "退款编号",
    ("refund_history", "refund_id"): "退款编号", ("refunds", "erp_no"): "ERP退换单号",
    ("refunds", "alipay_no"): "支付宝交易号", ("refunds", "goods_status"): "货物状态",
    ("refunds", "cs_status"): "客服介入状态", ("refunds", "cs_text"): "客服介入状态原文",
    ("refunds", "evidence_deadline_at"): "举证超时", ("refunds", "returned_at"): "买家退货时间",
    ("refunds", "return_courier"): "退货物流公司", ("refunds", "return_logistics"): "退货物流信息",
    ("refunds", "ship_logistics"): "发货物流信息", ("refunds", "warehouse_in"): "入库状态",
    ("refunds", "reason_note"): "买家退款说明", ("refunds", "stage"): "售中或售后",
    ("refunds", "refund_mode"): "手工退款/系统退款", ("refunds", "handled_sig"): "处理时的状态",
    ("refunds", "handled_at"): "处理时间", ("refunds", "handled_staff"): "处理人",
    ("refunds", "handled_note"): "处理备注",
    ("order_items", "status"): "订单状态", ("order_items", "refund_fen"): "退款金额（元）",
    ("order_items", "paid_fen"): "买家实付金额（元）", ("page_stock", "title"): "宝贝标题",
    ("page_stock", "attrs"): "销售属性", ("page_stock", "quantity"): "库存", ("warehouse_stock", "attrs"): "规格名称",
    ("orders", "status"): "订单状态", ("reviews", "status"): "处理状态", ("messages", "status"): "发送状态",
    ("messages", "text"): "短信内容", ("notes", "text"): "内容", ("imports", "status"): "结果",
    ("merge_groups", "order_ids"): "订单编号", ("merge_groups", "refund_fen"): "应退邮费（元）",
    ("reviews", "item_title"): "宝贝标题", ("shipments", "receiver_name"): "收货人",
    ("shipments", "receiver_mobile"): "手机",
    ("audit", "detail"): "详情",
    **{("cs_performance", name): zh for name, zh in {  # 客服绩效 sheets as imported (PRODUCT §23)
        "source": "表格", "nick": "旺旺", "nick_key": "旺旺（比对用）", "period_start": "开始日期",
        "period_end": "结束日期", "period_from": "日期来源", "final": "已定稿", "pending": "延迟统计列",
        "team": "旺旺分组", "consulted": "咨询人数", "received": "接待人数", "effective_received": "有效接待人数",
        "unreplied": "未回复人数", "inquiries": "询单人数", "inquiry_paid": "询单付款人数",
        "conversion_given": "表中转化率", "ordered": "下单人数", "order_amount_fen": "下单金额（元）",
        "sales_fen": "销售额（元）", "sales_qty": "销售量", "order_count": "订单量", "sales_share": "个人销售额占比",
        "avg_order_value_fen": "客单价（元）", "avg_response_s": "平均响应（秒）", "first_response_s": "首次响应（秒）",
        "response_3min_rate": "3分钟响应率", "reply_rate": "回复率", "slow_responses": "慢响应人数",
        "qa_ratio": "答问比", "satisfaction": "客户满意比",
    }.items()},
    # buyers (PRODUCT §20)
    ("consents", "consented_at"): "同意时间", ("consents", "proof"): "凭证", ("consents", "buyer"): "买家会员名",
    ("customer_tags", "tag"): "标签", ("members", "member_key"): "会员", ("members", "nick"): "会员名称",
    ("members", "orders"): "消费数", ("members", "spend_fen"): "消费额（元）", ("members", "blacklisted"): "黑名单",
    ("members", "added_at"): "添加时间", ("members", "receiver_name"): "收货人", ("members", "phone"): "手机",
    ("members", "address"): "地址", ("campaigns", "campaign_id"): "活动编号", ("campaigns", "name"): "活动",
    ("campaigns", "segment"): "人群", ("campaigns", "template"): "模板", ("segment_counts", "segment"): "人群",
    ("segment_counts", "count"): "人数",
    ("parcel_events", "text"): "轨迹", ("parcel_events", "at"): "轨迹时间",
    ("parcels", "source"): "结果来源",
}
# Columns of codes, shown in Chinese to staff (labels.py); JSON keeps the codes.
_LABELS = {
    ("orders", "status"): "order_status", ("order_items", "status"): "order_status",
    ("reviews", "rating"): "review_rating", ("reviews", "status"): "review_status",
    ("messages", "status"): "sms_action", ("messages", "purpose"): "sms_purpose", ("messages", "reason"): "sms_reason",
    ("messages", "step"): "sms_step", ("messages", "provider"): "sms_provider", ("orders", "flag"): "flag",
    ("notes", "action"): "note_action", ("notes", "old_flag"): "flag", ("notes", "new_flag"): "flag",
    ("imports", "kind"): "import_kind", ("imports", "status"): "import_status",
    ("refunds", "status"): "refund_status", ("refunds", "kind"): "refund_kind",
    ("refunds", "goods_status"): "goods_status", ("refunds", "cs_status"): "cs_status",
    ("cs_performance", "source"): "kpi_source", ("cs_performance", "kind"): "kpi_kind",
    ("parcels", "state"): "parcel_state", ("parcels", "subtype"): "parcel_subtype",
}
_BOOLS = {"is_cod", "masked", "counts_credit", "final"}


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
    if name == "invoice_title":
        return K.INVOICE_TITLE
    if name.endswith("_fen"):
        return K.MONEY
    if name.endswith("_at"):
        return K.TIME
    if name in _IDS:
        return K.ID
    if name in _BOOLS:
        return K.BOOL
    return K.TEXT


def export_key(name: str) -> str:
    """The key a column leaves under: money without its `_fen` (the value leaves as yuan)."""
    return name[: -len("_fen")] if name.endswith("_fen") else name


def table_columns(db, table: str) -> list[K.Column]:
    names = [row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")]
    return [K.Column(export_key(name), _ZH_BY_TABLE.get((table, name)) or _ZH.get(name, name), export_key(name),
                     _kind(table, name), labels=_LABELS.get((table, name))) for name in names]


def count_rows(db, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def table_rows(db, table: str, show_pii: bool = False) -> Iterator[dict]:
    """Every row of `table` in storage order, read as it is written out (a cursor, never a list)."""
    from ..privacy import mask

    cursor = db.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
    names = [export_key(d[0]) for d in cursor.description]
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
