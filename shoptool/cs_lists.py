"""The other lists of the CS day (PRODUCT §19): cash-on-delivery orders to phone before they ship,
completed trades whose buyer the seller may still rate, and invoices buyers asked for.

Pure domain: orders are dicts with the `orders` columns plus what staff recorded (`cs_marks`),
settings plain values, money integer fen, times aware datetimes in the shop's zone.

Decisions, so the lists can be explained to staff:
- A COD order waits for its call while it is not shipped (status unpaid or paid, no tracking
  number, no shipment) and not closed, until a call ends in `agreed`. `unreachable` keeps it on
  the list (with the number of attempts); `declined` lists it for closing until an export shows
  it closed. Its cut-off is the first 截单时间 (`shop.cutoff`) after it was placed: the moment by
  which it must be confirmed to ship that day; `hours_to_cutoff` is negative once that is past.
- The COD total is what the courier collects: the export's amount to collect (货到付款金额,
  代收货款) when it gives one, else the order's total (总金额, or goods + postage) plus the buyer's
  COD fee. The script says so in words, whatever the fee is known to be.
- A trade's completion time is the export's 确认收货时间/交易成功时间; else the moment an import
  saw the order turn completed. An order that was already completed when first imported, in an
  export without that column, has no known completion time: it is counted, not listed.
- An invoice is asked for when 发票抬头/开票信息 holds anything but a "no" (不开发票, 无, -). It is
  listed from payment until marked issued; unpaid and closed orders need none.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from . import orders as O

# tasks recorded in cs_marks
COD_TASK, RATED_TASK, INVOICE_TASK = "cod_confirm", "buyer_rated", "invoice"

# cod-confirm: a call's result, and a listed row's finding
AGREED, DECLINED, UNREACHABLE = "agreed", "declined", "unreachable"
RESULTS = (AGREED, DECLINED, UNREACHABLE)
UNCONFIRMED = "unconfirmed"
FINDINGS = (UNCONFIRMED, DECLINED)
OPEN_COD_STATUSES = (O.UNPAID, O.PAID)

# invoices: a row's status
REQUESTED, ISSUED = "requested", "issued"
INVOICE_STATUSES = (REQUESTED, ISSUED)
INVOICE_ORDER_STATUSES = (O.PAID, O.PARTLY_SHIPPED, O.SHIPPED, O.SIGNED, O.COMPLETED)

# rate-buyers: where a completion time came from
FROM_EXPORT, FROM_IMPORT = "export", "import"

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


# ---------------------------------------------------------------- cash on delivery


@dataclass(frozen=True)
class CodRules:
    shop: str
    cutoff: time
    alert_within: timedelta
    script: str

    @classmethod
    def from_settings(cls, settings) -> CodRules:
        """Raises ValueError naming the setting when one cannot be read."""
        from . import clock
        from .settings_defaults import read

        script = read(settings, "cod.script")
        check_script(script)
        return cls(read(settings, "shop.name"), clock.parse_clock(read(settings, "shop.cutoff")),
                   clock.parse_duration(read(settings, "cod.alert_within")), script)


SCRIPT_FIELDS = ("shop", "order_tail", "item", "amount", "cod_total", "cod_fee")


def check_script(template: str) -> None:
    """ValueError when the call script names a placeholder it cannot be given."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"setting cod.script: {exc}") from None
    unknown = sorted(names - set(SCRIPT_FIELDS))
    if unknown:
        raise ValueError(f"setting cod.script: unknown placeholder {{{unknown[0]}}} "
                         f"(use {', '.join('{' + f + '}' for f in SCRIPT_FIELDS)})")


def parse_result(text: str | None) -> str:
    """agreed | declined | unreachable, also as staff say them (同意, 拒绝/拒收, 未接通/无人接听)."""
    words = {
        "agreed": AGREED, "agree": AGREED, "yes": AGREED, "ok": AGREED, "同意": AGREED, "确认": AGREED,
        "已确认": AGREED,
        "declined": DECLINED, "decline": DECLINED, "no": DECLINED, "拒绝": DECLINED, "拒收": DECLINED, "不要": DECLINED,
        "取消": DECLINED,
        "unreachable": UNREACHABLE, "未接通": UNREACHABLE, "无人接听": UNREACHABLE, "联系不上": UNREACHABLE,
        "打不通": UNREACHABLE,
    }
    key = (text or "").strip().lower()
    if key not in words:
        raise ValueError(f"not a call result: {text!r} (use agreed, declined or unreachable)")
    return words[key]


def cod_amounts(order: Mapping) -> tuple[int | None, int | None]:
    """(what the courier collects, the buyer's COD fee), in fen; None where the export says nothing."""
    fee = order.get("cod_fee_fen")
    collect = order.get("cod_amount_fen")
    if collect:
        return collect, fee
    base = order.get("total_fen")
    if base is None and (order.get("goods_fen") is not None or order.get("postage_fen") is not None):
        base = (order.get("goods_fen") or 0) + (order.get("postage_fen") or 0)
    if base is None:
        base = order.get("paid_fen") or None
    if base is None:
        return None, fee
    return base + (fee or 0), fee


def amount_words(total: int | None, fee: int | None) -> str:
    """How the script says the price: the total, and that the COD fee is in it (or on top)."""
    if total is None:
        return "货款以订单为准，另加货到付款服务费（以快递员收取为准），比在线支付略高"
    if fee is None:
        return f"货款{yuan(total)}元，另加货到付款服务费（以快递员收取为准），比在线支付略高"
    if fee == 0:
        return f"共{yuan(total)}元（无货到付款服务费）"
    return f"共{yuan(total)}元（含货到付款服务费{yuan(fee)}元，比在线支付多{yuan(fee)}元）"


def cod_script(order: Mapping, total: int | None, fee: int | None, rules: CodRules) -> str:
    order_id = str(order.get("order_id") or "")
    item = (order.get("item_title") or "").strip()
    values = {
        "shop": order.get("shop") or rules.shop, "order_tail": order_id[-6:], "item": _short(item, 20) or "宝贝",
        "amount": amount_words(total, fee), "cod_total": yuan(total) if total is not None else "",
        "cod_fee": yuan(fee) if fee is not None else "",
    }
    return rules.script.format_map(values)


def cutoff_after(placed: datetime, cutoff: time) -> datetime:
    """The first 截单时间 at or after the moment an order was placed (an order placed after the
    day's cut-off ships the next day), in the zone of `placed`."""
    day = placed.date()
    candidate = datetime.combine(day, cutoff, tzinfo=placed.tzinfo)
    if placed >= candidate:
        candidate = datetime.combine(day + _DAY, cutoff, tzinfo=placed.tzinfo)
    return candidate


def cod_rows(orders: Iterable[Mapping], now: datetime, rules: CodRules) -> list[dict]:
    """Open COD orders (the caller passes unshipped, unclosed ones with their recorded call) →
    the rows to work through: unconfirmed ones by cut-off, then declined ones to close."""
    from .phones import receiver_phone

    rows = []
    for order in orders:
        result = order.get("cod_result")
        if result == AGREED or order.get("status") not in OPEN_COD_STATUSES:
            continue
        finding = DECLINED if result == DECLINED else UNCONFIRMED
        total, fee = cod_amounts(order)
        placed = _time(order.get("created_at")) or _time(order.get("paid_at")) or _time(order.get("first_seen_at"))
        deadline = cutoff_after((placed or now).astimezone(now.tzinfo), rules.cutoff)
        hours = round((deadline - now) / _HOUR, 1) if finding == UNCONFIRMED else None
        phone = receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"))
        number = (phone.number + (f"转{phone.extension}" if phone.extension else "")) if phone.callable else None
        rows.append({
            "order_id": order.get("order_id"),
            "finding": finding,
            "cod_total": total,
            "cod_fee": fee,
            "hours_to_cutoff": hours,
            "script": cod_script(order, total, fee, rules) if finding == UNCONFIRMED else None,
            "phone": number or phone.raw,
            # additions to the §24 keys
            "can_call": number is not None,
            "due_soon": finding == UNCONFIRMED and deadline - now <= rules.alert_within,
            "next_action": _next_action(finding, result, number is not None),
            "cutoff_at": deadline.isoformat(timespec="seconds") if finding == UNCONFIRMED else None,
            "last_result": result,
            "attempts": order.get("cod_attempts") or 0,
            "last_call_at": order.get("cod_called_at"),
            "last_staff": order.get("cod_staff"),
            "buyer": order.get("buyer_nick"),
            "receiver": order.get("receiver_name"),
            "item": order.get("item_title"),
            "created_at": order.get("created_at"),
            "status": order.get("status"),
            "_deadline": deadline,
        })
    rows.sort(key=lambda r: (r["finding"] != UNCONFIRMED, r["_deadline"], str(r["order_id"])))
    return rows


def _next_action(finding: str, result: str | None, callable_: bool) -> str:
    if finding == DECLINED:
        return "千牛关闭订单，勿发货"
    if not callable_:
        return "无可拨电话，旺旺确认"
    if result == UNREACHABLE:
        return "未接通，再打或旺旺留言"
    return "致电确认到付金额"


def cod_summary(rows: list[dict]) -> dict:
    return {
        UNCONFIRMED: sum(1 for r in rows if r["finding"] == UNCONFIRMED),
        DECLINED: sum(1 for r in rows if r["finding"] == DECLINED),
        "due_soon": sum(1 for r in rows if r["due_soon"]),
        "no_phone": sum(1 for r in rows if r["finding"] == UNCONFIRMED and not r["can_call"]),
    }


def cod_note(result: str, attempts: int, total: int | None, fee: int | None, note: str | None = None) -> str:
    """The seller note a recorded call leaves on the order (the notes log says who and when)."""
    if result == AGREED:
        text = "货到付款已电话确认：买家同意"
        if total is not None:
            text += f"，到付{yuan(total)}元" + (f"（含服务费{yuan(fee)}元）" if fee else "")
    elif result == DECLINED:
        text = "货到付款电话确认：买家不要了，请关闭订单，不要发货"
    else:
        text = f"货到付款电话未接通（第{attempts}次）"
    note = (note or "").strip()
    return f"{text}：{note}" if note else text


# ---------------------------------------------------------------- rating buyers


def completion(order: Mapping) -> tuple[datetime | None, str | None, str | None]:
    """When the trade completed (as a time and as stored), and whether the export said so or an
    import saw it happen."""
    for key, source in (("finished_at", FROM_EXPORT), ("completed_seen_at", FROM_IMPORT)):
        text = order.get(key)
        moment = _time(text)
        if moment is not None:
            return moment, text, source
    return None, None, None


def rate_rows(orders: Iterable[Mapping], now: datetime, window_days: int) -> tuple[list[dict], int]:
    """Completed trades still inside the seller's rating window, fewest days left first; and how
    many completed orders have no known completion time."""
    rows, unknown = [], 0
    span = timedelta(days=window_days)
    for order in orders:
        if order.get("status") != O.COMPLETED or order.get("rated_at"):
            continue
        completed, stored, source = completion(order)
        if completed is None:
            unknown += 1
            continue
        ends = completed + span
        if completed > now or ends <= now:
            continue  # not completed yet at --now, or the window has closed
        rows.append({
            "order_id": order.get("order_id"),
            "buyer": order.get("buyer_nick"),
            "completed_at": stored,
            # whole days, as reviews count them: 26 h left is 1, the last day shows 0
            "days_left": math.floor((ends - now) / _DAY),
            # additions to the §24 keys
            "window_ends_at": ends.isoformat(timespec="seconds"),
            "completed_source": source,
            "buyer_rating": order.get("buyer_rating"),
            "item": order.get("item_title"),
            "total": order.get("paid_fen") or order.get("total_fen"),
            "_ends": ends,
        })
    rows.sort(key=lambda r: (r["_ends"], str(r["order_id"])))
    return rows, unknown


# ---------------------------------------------------------------- invoices

_NO_INVOICE = {
    "", "-", "--", "—", "/", "无", "否", "0", "n", "no", "null", "none", "不开发票", "不需要发票", "无需发票",
    "不要发票", "不需要", "不开", "暂不开票", "不开票", "无需开票", "不需要开票", "未申请", "未开票申请",
}
_LABELLED = re.compile(
    r"(发票抬头|抬头|名称|单位名称|发票类型|开票类型|类型|税号|纳税人识别号|识别号|发票内容|内容|邮箱|电话|地址|开户行|账号)"
    r"\s*[:：]\s*([^;；,，|\n]*)")
_TITLE_LABELS = ("发票抬头", "抬头", "名称", "单位名称")
_KIND_LABELS = ("发票类型", "开票类型", "类型")


def asks_for_invoice(text: str | None) -> bool:
    """Whether a 发票抬头/开票信息 cell asks for an invoice: anything but blank or a "no"."""
    if text is None:
        return False
    key = re.sub(r"\s", "", str(text)).lower().strip("。.")
    return key not in _NO_INVOICE


@dataclass(frozen=True)
class InvoiceRequest:
    title: str | None  # 发票抬头: a company, 个人, or a person's name
    kind: str | None  # 电子普通发票, 增值税专用发票… when the cell says


def parse_invoice(text: str | None, kind: str | None = None) -> InvoiceRequest | None:
    """"发票类型：电子普通发票；发票抬头：杭州某某科技有限公司；税号：9133…" → the title and kind; a
    bare 发票抬头 cell is the title itself. None when the cell asks for no invoice."""
    if not asks_for_invoice(text):
        return None
    raw = str(text).strip()
    found = {label: value.strip() for label, value in _LABELLED.findall(raw)}
    if not found:
        return InvoiceRequest(raw, kind)
    title = next((found[k] for k in _TITLE_LABELS if found.get(k)), None)
    said = next((found[k] for k in _KIND_LABELS if found.get(k)), None)
    return InvoiceRequest(title, kind or said)


def invoice_rows(orders: Iterable[Mapping], now: datetime, statuses: Iterable[str] = (REQUESTED,)) -> list[dict]:
    """Orders that asked for an invoice, oldest payment first, with their status."""
    wanted = set(statuses)
    rows = []
    for order in orders:
        if order.get("status") not in INVOICE_ORDER_STATUSES:
            continue
        request = parse_invoice(order.get("invoice_title"), order.get("invoice_kind"))
        if request is None:
            continue
        status = ISSUED if order.get("invoice_result") == ISSUED else REQUESTED
        if status not in wanted:
            continue
        since = _time(order.get("paid_at")) or _time(order.get("created_at"))
        rows.append({
            "order_id": order.get("order_id"),
            "invoice_title": request.title,
            "paid_at": order.get("paid_at"),
            "age_days": max(math.floor((now - since) / _DAY), 0) if since else None,
            "status": status,
            # additions to the §24 keys
            "invoice_kind": request.kind,
            "order_status": order.get("status"),
            "buyer": order.get("buyer_nick"),
            "total": order.get("paid_fen") or order.get("total_fen"),
            "issued_at": order.get("invoice_at") if status == ISSUED else None,
            "issued_by": order.get("invoice_staff") if status == ISSUED else None,
            "_since": since,
        })
    rows.sort(key=lambda r: (r["_since"] is None, r["_since"].timestamp() if r["_since"] else 0, str(r["order_id"])))
    return rows


def invoice_summary(rows: list[dict]) -> dict:
    ages = [r["age_days"] for r in rows if r["status"] == REQUESTED and r["age_days"] is not None]
    return {
        REQUESTED: sum(1 for r in rows if r["status"] == REQUESTED),
        ISSUED: sum(1 for r in rows if r["status"] == ISSUED),
        "oldest_days": max(ages) if ages else None,
    }


# ---------------------------------------------------------------- shared


def yuan(fen: int) -> str:
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _time(text) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        return text
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None
