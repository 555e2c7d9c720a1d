"""ship-deadline (PRODUCT §18): paid (and COD) orders whose ship-by clock still runs — not shipped,
or shipped with no pickup scan yet — with their ship-by time and what a late shipment may cost."""

from __future__ import annotations

from .. import columns as K
from ..errors import ConfigError
from ..result import Result
from .fail_on import parse as parse_codes
from .shop import Shop

COMMAND = "ship-deadline"
COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("finding", "情况", "Finding", labels="ship_finding"),
    K.Column("due_at", "最晚发货时间", "Ship by", K.TIME),
    K.Column("hours_left", "剩余(小时)", "Hours left", K.INT),
    K.Column("promise", "发货时效", "Promise"),
    K.Column("money_at_risk", "可能赔付", "Money at risk", K.MONEY),
    K.Column("status", "订单状态", "Status", labels="order_status"),
    K.Column("sku", "商家编码", "SKU", K.ID),
    K.Column("severity", "级别", "Severity", labels="severity"),
    K.Column("promise_source", "时效来源", "Promise source", labels="promise_source"),
    K.Column("paid_at", "付款时间", "Paid at", K.TIME),
    K.Column("is_cod", "货到付款", "COD", K.BOOL),
    K.Column("tracking_no", "物流单号", "Tracking no.", K.ID),
    K.Column("parcel_state", "物流状态", "Parcel state", labels="parcel_state"),
    K.Column("buyer", "买家会员名", "Buyer"),
    K.Column("item", "宝贝", "Item"),
    K.Column("next_action", "下一步", "Next action", width=40),
]
TABLE_KEYS = ("order_id", "finding", "due_at", "hours_left", "money_at_risk", "tracking_no")
FAIL_ON = ("ship_overdue", "ship_due_soon")
DEFAULT_FAIL_ON = ("ship_overdue",)
_NEXT = {
    "ship_overdue": "已超过承诺发货时间：立即安排发货并联系快递揽收，主动告知买家",
    "ship_due_soon": "即将超过承诺发货时间：优先打包发货",
}
_NEXT_SHIPPED = "已发货但快递未揽收：联系快递尽快上门揽收（揽收前时效仍在计算）"


def rules(shop: Shop):
    from .. import clock
    from ..logistics.deadlines import Penalty, Rules

    settings = shop.settings
    try:
        penalty = Penalty.parse(settings["shipping.late_penalty"])
    except ValueError as exc:
        raise ConfigError(f"shipping.late_penalty: {exc}") from None
    try:
        sku_text = {str(k): str(v) for k, v in (settings["shipping.sku"] or {}).items()}
        return Rules(promise=settings.duration("shipping.promise"), due_within=settings.duration("shipping.due_within"),
                     penalty=penalty,
                     promise_text=str(settings["shipping.promise"]),
                     sku={k: clock.parse_duration(v) for k, v in sku_text.items()}, sku_text=sku_text)
    except ValueError as exc:
        raise ConfigError(f"shipping.promise / shipping.due_within / shipping.sku: {exc}") from None


def parse_fail_on(values) -> tuple[str, ...]:
    return parse_codes(values, FAIL_ON, DEFAULT_FAIL_ON)


def run(shop: Shop, *, fail_on=None, all_orders: bool = False) -> Result:
    """Orders due to ship, soonest first. Exit 1 when a row's finding is in `fail_on` (default
    ship_overdue). `all_orders` lists every running clock, not only those overdue or due soon."""
    from ..db.ship_deadline import lines_of, running_clocks
    from ..logistics import deadlines as D

    fails = parse_fail_on(fail_on)
    moment = shop.now()
    the_rules = rules(shop)
    orders = running_clocks(shop.db)
    lines = lines_of(shop.db, [o["order_id"] for o in orders])
    rows = []
    no_start = 0
    for order in orders:
        promise = D.promise_of(order, lines.get(order["order_id"], []), the_rules)
        if promise is None:
            no_start += 1
            continue
        finding = D.finding(promise.due_at, moment, the_rules)
        if finding is None and not all_orders:
            continue
        shipped = order["parcel_state"] is not None
        rows.append({
            "order_id": order["order_id"], "finding": finding, "due_at": shop.iso(promise.due_at),
            "hours_left": D.hours_left(promise.due_at, moment), "promise": promise.text,
            "money_at_risk": the_rules.penalty.of(order["paid_fen"] or order["total_fen"]),
            "status": order["status"], "sku": promise.sku, "severity": D.SEVERITY.get(finding, "info"),
            "promise_source": promise.source, "paid_at": order["paid_at"], "is_cod": bool(order["is_cod"]),
            "tracking_no": order["parcel_tracking"], "parcel_state": order["parcel_state"],
            "buyer": order["buyer_nick"], "item": order["item_title"],
            "next_action": _NEXT_SHIPPED if shipped and finding else _NEXT.get(finding),
        })
    rows.sort(key=lambda r: (r["due_at"], r["order_id"]))
    summary = {code: sum(1 for r in rows if r["finding"] == code) for code in D.FINDINGS}
    summary["money_at_risk"] = round(sum(r["money_at_risk"] for r in rows if r["finding"] == D.SHIP_OVERDUE) / 100, 2)
    line = (f"ship-deadline: {summary['ship_overdue']} order(s) past their ship-by time, {summary['ship_due_soon']} "
            f"due within {shop.settings['shipping.due_within']}; {summary['money_at_risk']:g} yuan at risk")
    failing = any(summary[c] for c in fails)
    result = Result(COMMAND, COLUMNS, rows, summary, exit_code=1 if failing else 0, title="发货时效",
                    summary_line=line, table_keys=TABLE_KEYS, generated_at=shop.iso(moment))
    if no_start:
        result.warn(f"{no_start} paid order(s) have no pay time (COD: no order time) in the exports: no ship-by "
                    "time can be worked out for them")
    return result
