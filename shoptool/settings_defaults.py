"""Every setting shoptool knows, with its default and the comment `shoptool init` writes beside it.

One declaration drives the commented shoptool.toml, environment-variable overrides
(SHOPTOOL_<SECTION>_<KEY>), type checking and `shoptool doctor`'s provenance listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    path: str  # dotted: "shop.cutoff"
    default: Any
    comment: str = ""
    secret: bool = False  # never printed, even by doctor


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "shoptool.db", "the shop database; relative paths are relative to this file"),
    # [shop]
    Setting("shop.name", "示例旗舰店", "used in texts"),
    Setting("shop.timezone", "Asia/Shanghai", "decides quiet hours, cut-offs and times without an offset"),
    Setting("shop.cutoff", "16:00", "截单时间: paid before it ships today"),
    Setting("shop.staff", "kf01", "default staff id for notes"),
    Setting("shop.unpaid_close_after", "24h", "platform auto-close window for unpaid orders"),
    # [import]
    Setting("import.max_file_size", "512MB", "larger files are refused"),
    Setting("import.max_cell_length", 32767, "longer cells are rejected (Excel's own limit)"),
    Setting("import.max_xlsx_expanded", "2GB", "an xlsx whose parts unpack to more is refused (zip bomb)"),
    Setting("import.max_xlsx_ratio", 200, "an xlsx part compressed more than this many times is refused"),
    # [import] — scale (#25)
    Setting("import.xlsx_stream_from", "64MB",
            "an xlsx sheet whose XML unpacks to more is read row by row, in bounded memory"),
    # [stock]
    Setting("stock.safety", 0, "units kept back from the page, per SKU overrides in [stock.sku]"),
    Setting("stock.ratio", 1.0, "share of available stock shown on the page, 0 < ratio ≤ 1"),
    Setting("stock.tolerance", 0, "underlisted only when page < available - tolerance"),
    Setting("stock.warehouses", [],
            'warehouses the shop sells from (the sheet\'s 仓库), e.g. ["杭州仓"]; [] = all; stock is their sum'),
    Setting("stock.sku", {}, 'per-SKU safety stock, replaces stock.safety for that SKU, e.g. "TS-001-BLK-M" = 5'),
    # [sms]
    Setting("sms.provider", "file", "file | aliyun | tencent | http"),
    Setting("sms.sign_name", "示例旗舰店", "the 【signature】 registered with the provider"),
    Setting("sms.credentials_file", "", "owner-only file with provider keys (else from the environment)"),
    Setting("sms.outbox_dir", "sms-upload", "where the file provider writes sheets for bulk upload"),
    Setting("sms.per_phone_per_minute", 1, "cap across all purposes"),
    Setting("sms.per_phone_per_day", 10, "cap across all purposes"),
    Setting("sms.max_attempts", 0, "0 = a refused text is retried until its purpose's deadline; N = at most N tries"),
    Setting("sms.timeout", "5s", "the longest one aliyun/tencent call may take, start to end (wall time)"),
    Setting("sms.run_time", "4m", "a sending run claims no new text after this long; the rest wait for the next run"),
    Setting("sms.lock_wait", "10m", "how long a sending run waits for the database (an import may hold it)"),
    Setting("sms.unsubscribe_text", "拒收请回复R", "marketing texts must end with it; notifications must not carry it"),
    Setting("sms.retry.schedule", ["1m", "2m", "5m", "10m", "15m", "30m"],
            "waits after each throttled try; the last repeats until the order closes / notify.max_age"),
    Setting("sms.retry.max_wait", "1h", "a provider's Retry-After is followed up to this long"),
    Setting("sms.file.format", "xlsx", "sheet format of the file provider: xlsx or csv"),
    Setting("sms.http.url", "http://127.0.0.1:8025/send", "POST target of the http provider"),
    Setting("sms.http.timeout", "5s", "the longest one call may take, start to end (a trickling answer too)"),
    Setting("sms.http.token_env", "SHOPTOOL_SMS_HTTP_TOKEN", "environment variable holding a bearer token, if any"),
    Setting("sms.aliyun.endpoint", "dysmsapi.aliyuncs.com", ""),
    Setting("sms.aliyun.region", "cn-hangzhou", ""),
    Setting("sms.tencent.endpoint", "sms.tencentcloudapi.com", ""),
    Setting("sms.tencent.region", "ap-guangzhou", ""),
    Setting("sms.tencent.sdk_app_id", "", "SmsSdkAppId of the Tencent SMS application"),
    Setting("sms.quiet_hours.notification", "21:00-08:00", "shop time; deferred, not dropped"),
    Setting("sms.quiet_hours.reminder", "20:00-08:00", ""),
    Setting("sms.quiet_hours.marketing", "20:00-08:00", ""),
    Setting(
        "sms.templates.shipped",
        {
            "class": "notification",
            "code": "SMS_SHIPPED",
            "text": "您在{shop}的订单已由{courier}发出，运单号{tracking_no}，请留意查收。",
        },
        "shipping notice: provider template code and the local text used for preview and length",
    ),
    Setting(
        "sms.templates.unpaid",
        {
            "class": "reminder",
            "code": "SMS_UNPAID",
            "text": "您在{shop}拍下的宝贝还未付款，{cutoff_hint}请尽快完成支付，如已付款请忽略。",
        },
        "unpaid reminder; {cutoff_hint} reads 16:00前付款当天发货， before the cut-off, else 付款后将尽快发货，",
    ),
    # PRODUCT §18: the logistics_care text of `logistics-check --send` (see [logistics] below)
    Setting(
        "sms.templates.logistics_care",
        {
            "class": "notification",
            "code": "SMS_LOGISTICS_CARE",
            "text": "您在{shop}的包裹{courier}{tracking_no}{care}，我们已在跟进，有进展会及时告知您。",
        },
        "logistics care text (a notification); {care} says what happened to the parcel",
    ),
    # [reminders]
    Setting("reminders.schedule", ["30m"], 'offsets after the order was placed, e.g. ["30m", "3h", "close-1h"]'),
    Setting("reminders.per_buyer_per_day", 1, "at most this many reminders per buyer per shop per 24 h"),
    # [notify]
    Setting("notify.max_age", "2d", "no shipping notice for parcels shipped longer ago"),
    # [postage]
    Setting("postage.rule", "max", "max | first | flat:N | free_over:N  (one parcel's postage)"),
    # [merge]
    Setting("merge.window", "3d", "longest time between a group's first and last order"),
    Setting("merge.flag", "blue", 'flag merge-shipping --apply sets on each order of a group ("" = none)'),
    Setting(
        "merge.courier_words",
        ["顺丰", "京东快递", "EMS", "邮政", "中通", "圆通", "申通", "韵达", "极兔", "德邦", "指定快递"],
        "a buyer message or note naming one of these asks for its own courier",
    ),
    # [address]
    Setting(
        "address.placeholder_words",
        ["不详", "待定", "未知", "测试", "test", "无效", "xxx", "暂无"],
        "an address containing one of these cannot be shipped",
    ),
    Setting("address.min_detail_length", 5, "shorter street details are too short to deliver to"),
    Setting(
        "address.remote_regions",
        ["新疆", "西藏", "青海", "内蒙古", "甘肃", "宁夏", "海南"],
        "remote provinces: shown as info",
    ),
    Setting("address.default_courier", "", "the courier used when an order names none (for courier_unreachable)"),
    Setting("address.courier_unreachable", {}, 'courier → regions it does not reach, e.g. 极兔 = ["西藏"]'),
    # [reviews]
    Setting("reviews.window_days", 30, "days the seller may explain and the buyer may revise"),
    Setting("reviews.alert_after", "2d", "exit 1 when an open negative review is older than this"),
    Setting(
        "reviews.tags",
        {
            "物流": ["物流", "快递", "发货慢", "太慢", "几天", "没收到", "配送"],
            "质量": ["质量", "做工", "线头", "起球", "掉色", "劣质", "假货", "坏了"],
            "尺码": ["尺码", "偏大", "偏小", "码数", "太大", "太小", "不合身"],
            "色差": ["色差", "颜色不一样", "颜色不对", "和图片不"],
            "破损": ["破损", "破了", "压坏", "摔坏", "裂", "漏"],
            "服务": ["客服", "态度", "不理", "不回复", "服务"],
        },
        "reason tags: a review mentioning any keyword gets the tag",
    ),
    # [cod] cash on delivery: the confirmation call before shipping (PRODUCT §19)
    Setting("cod.alert_within", "2h", "cod-confirm exits 1 when an unconfirmed COD order's cut-off is this close"),
    Setting(
        "cod.script",
        "您好，这里是{shop}客服。您在本店下的货到付款订单（订单尾号{order_tail}，{item}），签收时需付给快递员{amount}。"
        "请问您确认要货吗？确认后我们会尽快为您发货。",
        "the call script; {amount} says the COD total and that it includes the COD fee; also {shop}, {order_tail}, "
        "{item}, {cod_total}, {cod_fee}",
    ),
    Setting("cod.flag_agreed", "green", 'flag cod-confirm --result agreed sets ("" = none)'),
    Setting("cod.flag_declined", "red", "flag for declined: the order is to be closed"),
    Setting("cod.flag_unreachable", "yellow", "flag for unreachable: call again"),
    # [shipping] ship-by deadlines (PRODUCT §18: shoptool ship-deadline)
    Setting("shipping.promise", "48h", "promised ship time after payment (COD: after the order was placed)"),
    Setting("shipping.due_within", "6h", "ship_due_soon when the ship-by time is this close"),
    Setting("shipping.late_penalty", "10%:5-100",
            "what a late shipment may cost: P%:MIN-MAX yuan of the order (P%, P%:MIN-, or a flat N also work)"),
    Setting("shipping.sku", {}, 'per-SKU promise, replaces shipping.promise for that SKU, e.g. "CUSTOM-01" = "7d"'),
    # [logistics] parcels in trouble (PRODUCT §18: shoptool logistics-check)
    Setting("logistics.no_pickup_after", "24h", "no_pickup: shipped this long ago and no pickup scan"),
    Setting("logistics.no_info_after", "3d", "no_info: shipped this long ago and no trace at all"),
    Setting("logistics.stalled_after", "48h", "stalled: no new event for this long"),
    Setting("logistics.stalled_after_remote", "72h", "stalled, for parcels to address.remote_regions"),
    Setting("logistics.not_signed_after", "3d", "not_signed: picked up this long ago and not delivered"),
    Setting("logistics.pickup_point_after", "48h", "pickup_point_waiting: at a locker/驿站 this long"),
    Setting("logistics.auto_confirm_after", "10d", "the platform confirms receipt this long after shipping"),
    Setting("logistics.auto_confirm_warn", "2d", "auto_confirm_risk: auto-confirm this close and not delivered"),
    Setting("logistics.care", [],
            'findings that get a care text with logistics-check --send, e.g. ["stalled", "exception"]; [] = none'),
    # [rate_buyers]
    Setting("rate_buyers.window_days", 15, "days after a trade completes in which the seller may rate the buyer"),
    # [aftersale] refunds, returns, disputes (PRODUCT §17)
    Setting("aftersale.due_within", "12h", "a refund whose deadline is this close is due_soon"),
    Setting("aftersale.intercept_within", "12h",
            "a shipment this young with no tracking result yet has no pickup scan to expect: intercept it"),
    Setting("aftersale.repeat_count", 3, "repeat_refunder: a buyer with this many refunds in repeat_window (0 = off)"),
    Setting("aftersale.repeat_window", "90d", "the window repeat_count counts refunds in"),
    Setting("aftersale.shipped_lookback", "30d",
            "refunded_but_shipped: succeeded refunds requested within this long are checked"),
    Setting("aftersale.timeouts.wait_seller_agree", "48h",
            "a request's deadline when the export gives no 超时时间 (from the request)"),
    Setting("aftersale.timeouts.wait_buyer_return", "7d", "the buyer's time to send the return back"),
    Setting("aftersale.timeouts.wait_seller_confirm_goods", "10d",
            "the seller's time to confirm a return (from the buyer's 退货时间)"),
    Setting("aftersale.timeouts.seller_refused", "7d", "the buyer's time to answer a refusal"),
    # [staff] and [kpi]: the CS team's board (PRODUCT §23)
    Setting("staff.nicks", {}, '旺旺 nick → staff id, e.g. "示例旗舰店:小美" = "kf01" (or the sub-account alone)'),
    Setting("kpi.weights",
            {"inquiry_conversion": 40, "first_response_s": 15, "avg_response_s": 10, "reply_rate": 10,
             "satisfaction": 10, "addresses_confirmed": 5, "reviews_revised": 5, "refunds_on_time": 5},
            "weight of each metric in the score; a table of your own replaces this one (metrics left out weigh 0)"),
    Setting("kpi.targets",
            {"inquiry_conversion": 0.5, "first_response_s": 10, "avg_response_s": 30, "reply_rate": 0.98,
             "satisfaction": 0.9, "sales": 50000, "notes": 30, "addresses_confirmed": 10, "reviews_revised": 2,
             "refunds_on_time": 10, "remind_recovered": 5},
            "what full marks need (keys left out keep these): rates as fractions, response times in seconds "
            "(less is better), sales in yuan and counts per month (scaled for a shorter period)"),
    Setting("kpi.cap", 1.2, "a metric scores at most this share of its target (1.2 = 120%)"),
    Setting("kpi.reminders_staff", "", 'staff id credited with 催付 texts followed by payment ("" = no agent)'),
    Setting("kpi.recovered_within", "24h", "a reminded order paid within this long counts as recovered"),
    # [report] the manager's page (PRODUCT §21)
    Setting("report.top", 10, "rows shown per list on the page (deadlines, parcels, stock)"),
    Setting("report.review_days_left", 3, "中差评 whose explanation window ends within this many days are deadlines"),
    Setting("report.stale_after.orders", "1d", "imported data older than this is shown in red, per import kind"),
    Setting("report.stale_after.items", "1d", ""),
    Setting("report.stale_after.page_stock", "1d", ""),
    Setting("report.stale_after.warehouse_stock", "1d", ""),
    Setting("report.stale_after.shipments", "1d", ""),
    Setting("report.stale_after.reviews", "3d", ""),
    Setting("report.stale_after.opt_outs", "7d", ""),
    Setting("report.stale_after.refunds", "1d", "after-sales (PRODUCT §17), once that kind exists"),
    Setting("report.stale_after.tracking", "1d", "parcels' tracking (PRODUCT §18), once that kind exists"),
    Setting("report.stale_after.other", "2d", "any other kind"),
    # [crm] buyers: tiers, segments, who marketing texts may go to (PRODUCT §20)
    Setting("crm.window", "365d", "member tiers count paid orders and spend within this window"),
    Setting("crm.new_within", "30d", "新客: first paid order at most this long ago"),
    Setting("crm.sleeping_after", "90d", "沉睡: last purchase at least this long ago (up to crm.lost_after)"),
    Setting("crm.lost_after", "180d", "流失: last purchase longer ago than this"),
    Setting("crm.quiet_after_bad_review", "30d", "no marketing text to a buyer with a 中差评 this recent"),
    Setting("crm.malicious_tags", ["malicious", "恶意"], "customer tags that keep a buyer from marketing texts"),
    Setting("crm.price_per_part", "0.045", "yuan per billed part, for campaign preview's cost"),
    Setting("crm.paid_within", "7d", "campaign report: buyers who paid within this long after the text"),
    Setting("crm.rfm.recency_days", [30, 90, 180, 365], "R = 5 within the first number of days, 1 after the last"),
    Setting("crm.rfm.frequency", [2, 3, 5, 8], "F = 1, +1 for each number of paid orders reached"),
    Setting("crm.rfm.monetary", [100, 300, 1000, 3000], "M = 1, +1 for each spend (yuan) reached"),
    Setting("crm.tiers", {"普通会员": {"orders": 1}, "高级会员": {"spend": 1000, "orders": 3},
                          "VIP会员": {"spend": 3000, "orders": 8}, "至尊VIP": {"spend": 10000, "orders": 20}},
            "tiers, lowest first: reached by spend (yuan) OR paid orders within crm.window"),
    Setting(
        "sms.templates.campaign",
        {"class": "marketing", "code": "SMS_CAMPAIGN",
         "text": "{shop}老客专享：本周上新，会员下单享优先发货。拒收请回复R"},
        "an example marketing template for `campaign create --template campaign`; also {buyer}, {tier}",
    ),
    # [privacy]
    Setting("privacy.retention", "180d", "default cut for `shoptool purge`"),
    # [mcp]
    Setting("mcp.allow_send", False,
            "let `shoptool mcp` send SMS (notify_shipped_send, remind_unpaid_send); off = dry runs only"),
    Setting("mcp.inbox", "",
            'the only folder `shoptool mcp` may import from, e.g. "inbox" ("" = no import tool)'),
)

BY_PATH = {setting.path: setting for setting in SETTINGS}


def default(path: str) -> Any:
    """A setting's default (a copy: callers may keep and change it)."""
    import copy

    return copy.deepcopy(BY_PATH[path].default)


def read(settings, path: str) -> Any:
    """`settings[path]`, or the default when `settings` (a Settings, or a plain dict in a test)
    does not hold it."""
    return settings[path] if path in settings else default(path)


def section_defaults(prefix: str) -> dict[str, Any]:
    """Every default under a dotted prefix, keyed by the rest of its path: section_defaults("address")."""
    start = prefix + "."
    return {s.path[len(start):]: default(s.path) for s in SETTINGS if s.path.startswith(start)}
