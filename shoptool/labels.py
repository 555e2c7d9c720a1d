"""Codes as staff read them (PRODUCT §4): `超卖风险`, not `oversell_risk`, in tables and staff files;
JSON keeps the English codes. The one home of every code's Chinese label.

A result column says which vocabulary its values come from (`Column(..., labels="stock_finding")`);
`for_people` turns a result's rows into what a table or a staff file shows: codes as labels in the
language of the headers (`--headers en` keeps the codes, which are English), lists of codes label
by label, booleans as 是/否 or yes/no. A value a vocabulary does not know is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}

VOCABULARIES: dict[str, dict[str, str]] = {
    "severity": SEVERITY,
    "stock_finding": {
        "oversell_risk": "超卖风险", "missing_in_warehouse": "仓库无此编码", "no_sku_code": "缺商家编码",
        "duplicate_sku": "编码重复", "negative_stock": "负库存", "underlisted": "页面库存偏少", "not_listed": "未上架",
    },
    "address_finding": {
        "placeholder": "占位或测试地址", "region_mismatch": "省市区对不上", "region_incomplete": "省市区不全",
        "detail_too_short": "详细地址不全", "phone_missing": "缺少电话", "phone_invalid": "电话无效",
        "name_invalid": "收货人无效", "courier_unreachable": "快递不到", "region_unknown": "区划待核实",
        "address_changed": "付款后改过地址", "multiple_addresses": "同一买家多个地址", "masked": "已脱敏",
        "remote_region": "偏远地区",
    },
    "order_status": {
        "unpaid": "等待买家付款", "paid": "买家已付款", "partly_shipped": "部分发货", "shipped": "卖家已发货",
        "signed": "买家已签收", "completed": "交易成功", "closed": "交易关闭",
    },
    "review_rating": {"good": "好评", "neutral": "中评", "bad": "差评"},
    "review_status": {
        "open": "待处理", "contacted": "已联系", "resolved": "已解决", "revised": "已改评", "malicious": "恶意评价",
        "closed": "已关闭",
    },
    "sms_purpose": {"shipped": "发货通知", "unpaid": "催付", "logistics_care": "物流关怀", "campaign": "营销短信"},
    "sms_step": {
        "notice": "发货通知", "no_pickup": "发货未揽收", "no_info": "无物流信息", "stalled": "物流停滞",
        "not_signed": "久未签收", "pickup_point_waiting": "驿站待取", "exception": "物流异常", "returned": "已退回",
        "auto_confirm_risk": "即将自动确认收货", "delivered_disputed": "签收有争议",
    },
    # buyers (PRODUCT §20)
    "customer_event": {
        "order": "订单", "refund": "退款", "review": "评价", "note": "备注", "tag": "标签", "opt_out": "退订",
        "consent": "同意营销", "sms": "短信",
    },
    "campaign_action": {"would_send": "将发送", "excluded": "不发送", "already_sent": "已发过"},
    "campaign_reason": {
        "no_phone": "无手机号", "masked_phone": "手机号已脱敏", "privacy_number": "隐私号", "no_consent": "未同意营销",
        "opted_out": "已退订", "open_refund": "退款中", "bad_review": "近期中差评", "malicious": "恶意标签",
        "blacklisted": "黑名单", "same_phone": "同一手机号", "sent": "已发送", "sending": "发送中",
        "unknown": "结果不明", "failed": "发送失败",
    },
    "sms_action": {
        "sent": "已发送", "queued": "已排队", "deferred": "延后发送", "skipped": "不发送", "failed": "发送失败",
        "unknown": "结果不明", "would_send": "将发送", "sending": "发送中", "retry": "待重试",
    },
    "sms_reason": {
        "quiet_hours": "免打扰时段", "phone_minute_cap": "每分钟条数上限", "phone_day_cap": "每日条数上限",
        "opted_out": "已退订", "buyer_reminded": "今天已催过", "too_old": "发货已久", "delivered": "已签收",
        "closed": "订单已关闭", "not_shipped": "未发货", "refund": "退款中", "no_phone": "没有可发短信的手机号",
        "no_tracking": "没有物流单号", "paid": "已付款", "presale": "预售订单", "cod": "货到付款",
        "paid_other_order": "已付款另一笔订单", "superseded": "已有更新的催付", "closes_first": "发送前订单会关闭",
        "not_in_schedule": "不在催付计划内", "interrupted": "发送中断", "provider_retry": "服务商要求重试",
        "provider_limit": "服务商限额", "provider_stopped": "服务商停止发送", "retries_exhausted": "重试次数用完",
        "handover_failed": "交接失败", "not_due": "未到发送时间", "staged": "已写入上传表",
        "resolved": "物流问题已解决", "no_order": "找不到订单",
    },
    "sms_provider": {"file": "上传表格", "aliyun": "阿里云", "tencent": "腾讯云", "http": "HTTP接口"},
    "merge_conflict": {
        "cod": "货到付款", "refunding": "退款中", "presale": "预售", "partly_shipped": "部分发货",
        "courier_request": "指定快递", "different_address": "收货地址不同",
    },
    "import_kind": {
        "orders": "订单", "items": "订单明细", "page-stock": "宝贝库存", "warehouse-stock": "仓库库存",
        "shipments": "发货单", "reviews": "评价", "opt-outs": "退订名单", "cs-performance": "客服绩效",
        "consents": "营销同意名单", "customers": "会员列表",
        "tracking": "物流跟踪",
        "refunds": "退款",
    },
    "import_status": {
        "stored": "已导入", "partial": "部分导入", "duplicate": "已导入过", "refused": "未导入", "failed": "失败",
    },
    "check_status": {"ok": "正常", "warning": "警告", "error": "错误"},
    "file_action": {"created": "已创建", "overwritten": "已覆盖", "kept": "保留"},
    "note_action": {
        "note": "备注", "flag": "旗帜", "note_flag": "备注和旗帜", "merge": "合并发货", "status_changed": "状态变更",
        "address_changed": "地址变更", "receiver_name_changed": "收货人变更", "receiver_mobile_changed": "手机变更",
        "receiver_tel_changed": "电话变更", "address_modified_changed": "修改后地址变更",
        "cod_agreed": "货到付款已确认", "cod_declined": "货到付款拒收", "cod_unreachable": "货到付款未接通",
        "buyer_rated": "已评价买家", "invoice_issued": "已开发票", "refund_handled": "售后已处理",
        "refund_reopened": "售后重新处理",
    },
    "flag": {"red": "红旗", "yellow": "黄旗", "green": "绿旗", "blue": "蓝旗", "purple": "紫旗"},
    "daily_check": {
        "stock": "库存风险", "addresses": "待确认地址", "merges": "可合并发货", "reminders": "待催付",
        "notices": "待发货通知", "reviews": "待处理中差评", "outbox": "短信待处理",
        "cod": "货到付款待确认", "rate_buyers": "待评价买家", "invoices": "待开发票", "aftersale": "售后待处理",
        "ship_deadline": "发货时效", "logistics": "物流异常",
    },
    # PRODUCT §18: ship-by deadlines and parcels in trouble
    "ship_finding": {"ship_overdue": "已超时未发货", "ship_due_soon": "即将超时"},
    "promise_source": {"default": "默认时效", "sku": "商品时效", "presale": "预售时间"},
    "logistics_finding": {
        "no_pickup": "发货未揽收", "no_info": "无物流信息", "stalled": "物流停滞", "not_signed": "久未签收",
        "pickup_point_waiting": "驿站待取", "exception": "物流异常", "returned": "已退回",
        "auto_confirm_risk": "即将自动确认收货", "delivered_disputed": "签收有争议",
    },
    "parcel_state": {
        "awaiting_pickup": "待揽收", "picked_up": "已揽收", "in_transit": "运输中", "out_for_delivery": "派件中",
        "at_pickup_point": "待取件", "delivered": "已签收", "exception": "问题件", "returning": "退回中",
        "returned": "已退回", "rejected": "拒收", "no_info": "暂无轨迹",
    },
    "parcel_subtype": {
        "address_unclear": "地址不详", "phone_wrong": "电话错误", "unreachable": "联系不上", "damaged": "破损",
        "refused": "拒收", "lost": "丢失", "intercepted": "拦截", "cancelled": "取消", "delayed": "延误",
        "missorted": "错分", "out_of_area": "超区", "locker_overdue": "超时未取", "delivery_failed": "派件异常",
        "held": "滞留", "overdue": "超时未签收",
    },
    "report_panel": {
        "refunds_due": "退款即将超时", "ship_due": "超过发货时限", "reviews_due": "中差评解释期将满",
        "parcels": "异常包裹", "worklist": "今日待办", "period": "本期数据", "refund_reasons": "退款原因",
        "stock": "库存风险", "trends": "趋势", "freshness": "数据新鲜度",
    },
    "report_state": {"ok": "正常", "attention": "需处理", "missing": "暂无数据"},
    "cod_finding": {"unconfirmed": "待确认", "declined": "拒收待关闭"},
    "cod_result": {"agreed": "同意", "declined": "拒绝", "unreachable": "未接通"},
    "completed_source": {"export": "导出表", "import": "导入时发现"},
    "invoice_status": {"requested": "待开票", "issued": "已开票"},
    "mark_source": {"argument": "命令行"},
    "kpi_kind": {"agent": "客服", "benchmark": "对标"},
    "kpi_source": {
        "qianniu_reception": "千牛接待分析", "shop_daily": "生意参谋询单到付款(日)",
        "sycm_account": "生意参谋询单到付款(子账号)", "agent_daily": "客服日数据", "plugin": "客服绩效插件",
    },
    "kpi_better": {"higher": "越高越好", "lower": "越低越好", "count": "越多越好"},
    "kpi_reason": {
        "no_weight": "权重为0", "no_data": "本期无此数据", "no_refunds_table": "未导入退款数据",
        "not_credited": "催付由系统发送,未计入个人",
    },
    "kpi_sheet_status": {
        "used": "已计入", "not_needed": "未用(其他表格更全)", "partly_outside": "部分在期间外,未计入",
        "overlapped": "与更长的表格重叠,未计入",
    },
    "mark_action": {
        "marked": "已记录", "already": "之前已记录", "not_found": "库中无此订单", "not_completed": "交易未成功",
        "no_invoice": "未申请发票", "agreed": "同意", "declined": "拒绝", "unreachable": "未接通",
    },
}

# PRODUCT §17 and §24: after-sales
VOCABULARIES.update({
    "aftersale_finding": {
        "refund_on_unshipped": "未发货退款", "intercept": "需拦截", "intercept_or_refuse": "拦截或拒收",
        "agree_return": "同意退货", "waiting_buyer": "等待买家退货", "return_arrived": "退货已到",
        "return_in_transit": "退货在途", "return_tracking_missing": "缺退货单号", "intervention_open": "客服介入中",
        "evidence_due": "待举证", "refused_watch": "已拒绝待观察", "refunded_but_shipped": "退款后仍发货",
        "return_tracking_reused": "退货单号重复", "repeat_refunder": "多次退款买家", "due_soon": "即将超时",
        "overdue": "已超时",
    },
    "refund_status": {
        "wait_seller_agree": "等待卖家同意", "wait_buyer_return": "等待买家退货", "wait_seller_confirm_goods":
        "等待卖家确认收货", "seller_refused": "卖家拒绝退款", "closed": "退款关闭", "success": "退款成功",
    },
    "refund_kind": {"refund_only": "仅退款", "return_refund": "退货退款", "exchange": "换货"},
    "goods_status": {"not_received": "买家未收到货", "received": "买家已收到货", "returned": "买家已退货"},
    "cs_status": {"none": "不需客服介入", "requested": "需要客服介入", "intervening": "客服已介入",
                  "evidence": "举证中", "appeal": "开放申诉", "done": "客服处理完成"},
    "deadline_source": {"export": "导出表超时时间", "config": "按设置推算"},
})

BOOL_WORDS = {"zh": ("是", "否"), "en": ("yes", "no")}


def label(vocabulary: str | None, code, language: str = "zh"):
    """The label of one code for people reading `language` (zh: Chinese; anything else: the code)."""
    if vocabulary is None or language != "zh" or not isinstance(code, str):
        return code
    return VOCABULARIES[vocabulary].get(code, code)


def for_people(columns: Sequence, rows: Iterable[Mapping], language: str = "zh") -> Iterator[dict]:
    """Rows as a table or a staff file shows them: codes as labels, booleans as words. `language`
    is the headers' (zh, en), or "code" for a file meant for programs (codes and true/false kept).
    Lazy: an export of a million rows is labelled one row at a time as it is written."""
    from . import columns as K

    labelled = [(c.key, c.labels) for c in columns if getattr(c, "labels", None) and c.kind != K.JSON]
    booleans = [c.key for c in columns if c.kind == K.BOOL]
    nested = [(c.key, c.labels) for c in columns if c.kind == K.JSON]
    if language == "code" or not (labelled or booleans or nested):
        yield from rows
        return
    yes, no = BOOL_WORDS.get(language, BOOL_WORDS["en"])
    for row in rows:
        copy = dict(row)
        for key, vocabulary in labelled:
            value = copy.get(key)
            if isinstance(value, (list, tuple)):
                copy[key] = [label(vocabulary, v, language) for v in value]
            elif value is not None:
                copy[key] = label(vocabulary, value, language)
        for key in booleans:
            value = copy.get(key)
            if value is not None and not isinstance(value, str):
                copy[key] = yes if value else no
        for key, vocabulary in nested:
            if isinstance(copy.get(key), (dict, list)):
                copy[key] = readable(copy[key], vocabulary, language)
        yield copy


def readable(value, vocabulary: str | None = None, language: str = "zh") -> str:
    """A nested value as a line people read, not JSON: {"3912…": ["cod"]} → 3912…：货到付款."""
    if isinstance(value, dict):
        return "；".join(f"{k}：{readable(v, vocabulary, language)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(readable(v, vocabulary, language) for v in value)
    return str(label(vocabulary, value, language)) if value is not None else ""


def unknown_vocabularies(columns: Sequence) -> list[str]:
    """Vocabularies named by columns that this module does not define (a test keeps it empty)."""
    return [c.labels for c in columns if getattr(c, "labels", None) and c.labels not in VOCABULARIES]
