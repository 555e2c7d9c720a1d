"""cod-confirm (PRODUCT §19): the cash-on-delivery orders to phone before they ship, each with a
call script that names the COD total and its fee; and recording a call (audited: a note and flag
on the order through the notes log, and the result)."""

from __future__ import annotations

from .. import columns as K
from ..errors import ConfigError, UsageError
from ..result import Result
from .fail_on import parse as parse_codes
from .shop import Shop

COMMAND = "cod-confirm"
COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("finding", "情况", "Finding", labels="cod_finding"),
    K.Column("cod_total", "到付金额", "COD total", K.MONEY),
    K.Column("cod_fee", "其中服务费", "COD fee", K.MONEY),
    K.Column("hours_to_cutoff", "距截单(小时)", "Hours to cut-off", K.INT),  # a number (one decimal): right-aligned
    K.Column("script", "电话话术", "Call script", width=60),
    K.Column("phone", "收件电话", "Phone", K.PHONE),
    K.Column("can_call", "可拨打", "Can call", K.BOOL),
    K.Column("due_soon", "临近截单", "Due soon", K.BOOL),
    K.Column("next_action", "下一步", "Next action", width=40),
    K.Column("cutoff_at", "截单时间", "Cut-off", K.TIME),
    K.Column("last_result", "上次结果", "Last result", labels="cod_result"),
    K.Column("attempts", "已打次数", "Calls", K.INT),
    K.Column("last_call_at", "上次致电", "Last call", K.TIME),
    K.Column("last_staff", "致电客服", "Called by"),
    K.Column("buyer", "买家会员名", "Buyer"),
    K.Column("receiver", "收货人", "Receiver", K.NAME),
    K.Column("item", "宝贝", "Item"),
    K.Column("created_at", "下单时间", "Placed at", K.TIME),
    K.Column("status", "订单状态", "Status", labels="order_status"),
]
TABLE_KEYS = ("order_id", "finding", "cod_total", "cod_fee", "hours_to_cutoff", "phone", "next_action")
RECORD_COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("result", "结果", "Result", labels="cod_result"),
    K.Column("attempts", "已打次数", "Calls", K.INT),
    K.Column("staff", "客服", "Staff"),
    K.Column("at", "时间", "At", K.TIME),
    K.Column("flag", "旗帜", "Flag", labels="flag"),
    K.Column("note", "订单备注", "Seller note"),
    K.Column("cod_total", "到付金额", "COD total", K.MONEY),
    K.Column("cod_fee", "其中服务费", "COD fee", K.MONEY),
    K.Column("status", "订单状态", "Status", labels="order_status"),
]
RECORD_TABLE_KEYS = ("order_id", "result", "attempts", "staff", "at", "flag", "note")
_FLAG_SETTINGS = {"agreed": "cod.flag_agreed", "declined": "cod.flag_declined", "unreachable": "cod.flag_unreachable"}


def rules(shop: Shop):
    from ..cs_lists import CodRules

    try:
        return CodRules.from_settings(shop.settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


FAIL_ON = ("due_soon", "unconfirmed", "declined")
DEFAULT_FAIL_ON = ("due_soon",)


def parse_fail_on(values) -> tuple[str, ...]:
    return parse_codes(values, FAIL_ON, DEFAULT_FAIL_ON)


def listing(shop: Shop, *, fail_on=None) -> Result:
    """Every COD order not yet shipped and not confirmed (also what `daily` shows). Exit 1 when a
    row is in `fail_on`: by default `due_soon`, an unconfirmed order whose cut-off is within
    cod.alert_within (or past); `unconfirmed` (any) and `declined` (to close) may be added."""
    from .. import cs_lists as C
    from ..db.cs_lists import open_cod_orders

    fails = parse_fail_on(fail_on)
    moment = shop.now()
    cod_rules = rules(shop)
    rows = C.cod_rows(open_cod_orders(shop.db, shop.iso(moment)), moment, cod_rules)
    summary = C.cod_summary(rows)
    line = (f"cod-confirm: {summary['unconfirmed']} COD order(s) to confirm by phone, {summary['due_soon']} "
            f"due within {shop.settings['cod.alert_within']} of the {shop.settings['shop.cutoff']} cut-off; "
            f"{summary['declined']} declined, to close")
    failing = any(summary[code] for code in fails)
    result = Result(COMMAND, COLUMNS, rows, summary, exit_code=1 if failing else 0, title="货到付款待确认",
                    summary_line=line, table_keys=TABLE_KEYS, generated_at=shop.iso(moment))
    if summary["no_phone"]:
        result.warn(f"{summary['no_phone']} COD order(s) have no phone a person can call: ask the buyer in 旺旺")
    return result


def record(shop: Shop, order: str, result: str | None, *, staff: str | None = None, note: str | None = None) -> Result:
    """Record a confirmation call: the result, and a note and flag on the order through the notes log."""
    from .. import cs_lists as C
    from ..db import cs_lists as store
    from ..db import write_transaction
    from ..db.notes import KEEP
    from ..notes import appended, parse_flag
    from .note import order_number

    if result is None:
        raise UsageError("give --result agreed, declined or unreachable to record a call",
                         hint="without ORDER, cod-confirm lists the COD orders to call")
    try:
        outcome = C.parse_result(result)
    except ValueError as exc:
        raise UsageError(f"--result: {exc}") from None
    setting = _FLAG_SETTINGS[outcome]
    try:
        colour = parse_flag(shop.settings[setting]) if shop.settings[setting] else None
    except ValueError as exc:
        raise ConfigError(f"setting {setting}: {exc}") from None
    order_id = order_number(order)
    at, who = shop.iso(shop.now()), shop.staff(staff)
    with write_transaction(shop.db):
        current = store.order_for_mark(shop.db, order_id)
        if current is None:
            raise UsageError(f"order {order_id} is not in the shop database ({shop.settings.db_path})",
                             hint="check the number, or import the orders export first: shoptool import FILE")
        if not current["is_cod"]:
            raise UsageError(f"order {order_id} is not a cash-on-delivery (货到付款) order",
                             hint="cod-confirm records calls about COD orders only")
        mark = store.record_mark(shop.db, order_id, C.COD_TASK, outcome, at=at, staff=who)
        total, fee = C.cod_amounts(current)
        text = C.cod_note(outcome, mark["attempts"], total, fee, note)
        store.log(shop.db, order_id, at=at, staff=who, action=f"cod_{outcome}", source=COMMAND, text=text,
                  note=appended(current["seller_note"], text), flag=colour if colour else KEEP)
        after = store.order_for_mark(shop.db, order_id)
    row = {"order_id": order_id, "result": outcome, "attempts": mark["attempts"], "staff": who, "at": at,
           "flag": after["flag"], "note": after["seller_note"], "cod_total": total, "cod_fee": fee,
           "status": after["status"]}
    out = Result(f"{COMMAND} record", RECORD_COLUMNS, [row], {"order_id": order_id, "result": outcome,
                                                              "attempts": mark["attempts"]},
                 title=f"订单 {order_id}", generated_at=at, table_keys=RECORD_TABLE_KEYS,
                 summary_line=f"cod-confirm: order {order_id}: {outcome} recorded by {who} (call {mark['attempts']})")
    if after["status"] not in C.OPEN_COD_STATUSES or after["tracking_no"]:
        state = after["status"] + (" with a tracking number" if after["tracking_no"] else "")
        out.warn(f"order {order_id} is already {state}: the call is recorded, but the parcel may be on its way")
    return out
