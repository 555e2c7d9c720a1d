"""Each refund's situation and next step (PRODUCT §17): one finding per refund, joined with its
order, the order's shipments and parcels, the ERP's return record and the buyer's other refunds.

A refund row here is a dict of `refunds` columns plus what db/refunds.py joins to it:
`order_status`, `order_shipped_at`, `order_shipped_seen_at`, `outbound` (the order's tracking
numbers), `shipped_at` (its earliest shipment), `parcel_states` ({tracking: state}, PRODUCT §18,
when parcels are imported), `return_state` (the return parcel's state), `reused` (the return
tracking number is on another order's refund or is the order's own outbound one) and
`buyer_refunds` (the buyer's refunds in the repeat window)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import settings_defaults as D
from . import codes
from .deadlines import deadline, evidence_deadline, hours_left

REFUND_ON_UNSHIPPED = "refund_on_unshipped"
INTERCEPT = "intercept"
INTERCEPT_OR_REFUSE = "intercept_or_refuse"
AGREE_RETURN = "agree_return"
WAITING_BUYER = "waiting_buyer"
RETURN_ARRIVED = "return_arrived"
RETURN_IN_TRANSIT = "return_in_transit"
RETURN_TRACKING_MISSING = "return_tracking_missing"
INTERVENTION_OPEN = "intervention_open"
EVIDENCE_DUE = "evidence_due"
REFUSED_WATCH = "refused_watch"
REFUNDED_BUT_SHIPPED = "refunded_but_shipped"
RETURN_TRACKING_REUSED = "return_tracking_reused"
REPEAT_REFUNDER = "repeat_refunder"
DUE_SOON = "due_soon"
OVERDUE = "overdue"

FINDINGS = (REFUND_ON_UNSHIPPED, INTERCEPT, INTERCEPT_OR_REFUSE, AGREE_RETURN, WAITING_BUYER, RETURN_ARRIVED,
            RETURN_IN_TRANSIT, RETURN_TRACKING_MISSING, INTERVENTION_OPEN, EVIDENCE_DUE, REFUSED_WATCH,
            REFUNDED_BUT_SHIPPED, RETURN_TRACKING_REUSED, REPEAT_REFUNDER, DUE_SOON, OVERDUE)
DEFAULT_FAIL_ON = (OVERDUE, DUE_SOON, EVIDENCE_DUE, INTERVENTION_OPEN, REFUND_ON_UNSHIPPED, INTERCEPT,
                   RETURN_ARRIVED, REFUNDED_BUT_SHIPPED)
INFO = (WAITING_BUYER, RETURN_IN_TRANSIT)


def severity(finding: str) -> str:
    if finding in DEFAULT_FAIL_ON:
        return "error"
    return "info" if finding in INFO else "warning"


NEXT_ACTION = {
    REFUND_ON_UNSHIPPED: "未发货：同意退款，并通知仓库从拣货单中拦下此单（见退款拦截单）",
    INTERCEPT: "包裹还没有揽收：立即通知仓库/快递拦截，拦截成功后同意退款",
    INTERCEPT_OR_REFUSE: "包裹在途：联系快递拦截或请买家拒收，包裹退回后同意退款",
    AGREE_RETURN: "买家已收到货：核实原因后同意退货并发送退货地址（或协商部分退款）",
    WAITING_BUYER: "等待买家寄回退货，暂不需要操作",
    RETURN_ARRIVED: "退货已签收或已入库：先验货，确认无误后同意退款，以免超时自动退款",
    RETURN_IN_TRANSIT: "退货在途：留意物流，到货后验货",
    RETURN_TRACKING_MISSING: "买家称已退货但没有退货物流单号：联系买家补填单号",
    INTERVENTION_OPEN: "客服已介入：在截止前上传凭证、说明情况",
    EVIDENCE_DUE: "举证中：在举证截止前上传凭证（聊天记录、发货与签收证明）",
    REFUSED_WATCH: "已拒绝退款：留意买家修改申请或申请客服介入",
    REFUNDED_BUT_SHIPPED: "退款已成功，但订单在申请退款后发出：联系快递拦截或联系买家退回商品",
    RETURN_TRACKING_REUSED: "退货单号与其他订单的退款或本单发货单号相同：先核实物流，不要直接确认收货",
    REPEAT_REFUNDER: "该买家近期多次退款：仔细核实后再处理",
    DUE_SOON: "即将超时：在截止前处理，否则平台将自动处理",
    OVERDUE: "已超时：平台可能已自动处理，请立即核实",
}

# parcel states (PRODUCT §18) of the outbound parcel
_BEFORE_PICKUP = {"awaiting_pickup", "no_info"}
_AT_BUYER = {"delivered", "at_pickup_point"}
# a return parcel that reached the shop
_RETURN_ARRIVED = {"delivered", "at_pickup_point"}
_SHIPPED_ORDER = {"partly_shipped", "shipped", "signed", "completed"}


@dataclass(frozen=True)
class Rules:
    due_within: timedelta = field(default_factory=lambda: _duration("aftersale.due_within"))
    intercept_within: timedelta = field(default_factory=lambda: _duration("aftersale.intercept_within"))
    repeat_count: int = D.default("aftersale.repeat_count")
    timeouts: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> Rules:
        timeouts = {status: _parse(text) for status, text in settings.section("aftersale.timeouts").items()}
        return cls(settings.duration("aftersale.due_within"), settings.duration("aftersale.intercept_within"),
                   int(settings["aftersale.repeat_count"]), timeouts)


def _parse(text) -> timedelta:
    from ..clock import parse_duration

    return parse_duration(text)


def _duration(path: str) -> timedelta:
    return _parse(D.default(path))


def parse_fail_on(text: str | None) -> frozenset[str]:
    """--fail-on: comma-separated findings ("" for none); unknown codes are a ValueError."""
    if text is None:
        return frozenset(DEFAULT_FAIL_ON)
    codes_ = {c.strip() for c in str(text).split(",") if c.strip()}
    unknown = codes_ - set(FINDINGS)
    if unknown:
        raise ValueError(f"unknown finding(s) {', '.join(sorted(unknown))}; known: {', '.join(FINDINGS)}")
    return frozenset(codes_)


def _time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def shipped(refund: Mapping) -> bool:
    """The order left the warehouse by any sign: its status, a tracking number, a shipment, or the
    export's own 发货物流信息."""
    return bool(refund.get("order_status") in _SHIPPED_ORDER or refund.get("outbound") or refund.get("shipped_at")
                or (refund.get("ship_logistics") or "").strip())


def _return_arrived(refund: Mapping) -> bool:
    return bool((refund.get("warehouse_in") or 0) > 0 or refund.get("return_state") in _RETURN_ARRIVED
                or codes.says_arrived(refund.get("return_logistics")))


def _agree_finding(refund: Mapping, now: datetime, rules: Rules) -> str | None:
    """A request waiting for the seller: where are the goods?"""
    if not shipped(refund):
        if refund.get("order_status") is None and refund.get("goods_status") not in (None, codes.NOT_RECEIVED):
            return AGREE_RETURN  # order not imported, but the buyer says the goods came
        return REFUND_ON_UNSHIPPED if refund.get("order_status") or refund.get("goods_status") else None
    states = set((refund.get("parcel_states") or {}).values())
    if refund.get("goods_status") in (codes.RECEIVED, codes.RETURNED) or refund.get("order_status") in (
            "signed", "completed") or states & _AT_BUYER or codes.says_arrived(refund.get("ship_logistics")):
        return AGREE_RETURN
    if states:
        return INTERCEPT if states <= _BEFORE_PICKUP else INTERCEPT_OR_REFUSE
    left = _time(refund.get("shipped_at")) or _time(refund.get("order_shipped_at")) or _time(
        refund.get("order_shipped_seen_at"))
    if left is not None and now - left <= rules.intercept_within:
        return INTERCEPT  # just created: no pickup scan to expect yet
    return INTERCEPT_OR_REFUSE


def refunded_after_request_shipped(refund: Mapping) -> bool:
    asked = _time(refund.get("requested_at"))
    if asked is None:
        return False
    # the exports' ship times only: when an import first saw the order shipped says nothing of
    # whether that was before or after the request
    left = [t for t in (_time(refund.get("shipped_at")), _time(refund.get("order_shipped_at"))) if t is not None]
    return bool(left) and min(left) > asked


def situation(refund: Mapping, now: datetime, rules: Rules) -> str | None:
    """The refund's own finding before the clock (None: nothing for the shop to do)."""
    status = refund.get("status")
    if status == codes.SUCCESS:
        return REFUNDED_BUT_SHIPPED if refunded_after_request_shipped(refund) else None
    if status == codes.CLOSED or status is None:
        return None
    cs = refund.get("cs_status")
    if cs in codes.CS_OPEN:
        return EVIDENCE_DUE if cs == codes.CS_EVIDENCE or refund.get("evidence_deadline_at") else INTERVENTION_OPEN
    if status == codes.SELLER_REFUSED:
        return REFUSED_WATCH
    if status == codes.WAIT_SELLER_AGREE:
        return _agree_finding(refund, now, rules)
    tracking = refund.get("return_tracking")
    if tracking and refund.get("reused"):
        return RETURN_TRACKING_REUSED
    if _return_arrived(refund):
        return RETURN_ARRIVED
    if status == codes.WAIT_BUYER_RETURN:
        return RETURN_IN_TRANSIT if tracking else WAITING_BUYER
    # wait_seller_confirm_goods: the buyer says it is on its way back
    return RETURN_IN_TRANSIT if tracking else RETURN_TRACKING_MISSING


# findings the clock outranks when it runs short: nothing more specific than "it is coming"
_SOFT = {None, RETURN_IN_TRANSIT}
# findings a repeat refunder's warning outranks: the seller is deciding or waiting
_DECIDING = {AGREE_RETURN, RETURN_IN_TRANSIT, WAITING_BUYER, None}


def assess(refund: Mapping, now: datetime, rules: Rules) -> dict | None:
    """The refund's row of the worklist: finding, deadline and where it came from, hours left,
    next action and severity; `flags` lists every code that applies. None: not on the list."""
    base = situation(refund, now, rules)
    open_ = refund.get("status") in codes.OPEN or refund.get("status") == codes.SELLER_REFUSED
    if base is None and not open_:
        return None
    due = deadline(refund, rules.timeouts)
    at = due.at
    if base == EVIDENCE_DUE and evidence_deadline(refund) is not None:
        at, source = evidence_deadline(refund), "export"
    else:
        source = due.source
    left = hours_left(at, now)
    clock = None
    if at is not None and refund.get("status") in codes.OPEN and base != WAITING_BUYER:
        clock = OVERDUE if at <= now else (DUE_SOON if at - now <= rules.due_within else None)
    if base == EVIDENCE_DUE or base == INTERVENTION_OPEN:
        clock = (OVERDUE if at <= now else DUE_SOON if at - now <= rules.due_within else None) if at else None
    repeat = rules.repeat_count > 0 and (refund.get("buyer_refunds") or 0) >= rules.repeat_count
    flags = [c for c, on in ((clock, clock is not None), (REPEAT_REFUNDER, repeat),
                             (RETURN_TRACKING_REUSED, bool(refund.get("reused") and refund.get("return_tracking"))))
             if on]
    finding = base
    if finding in _SOFT and clock is not None:
        finding = clock
    elif finding in _DECIDING and repeat:
        finding = REPEAT_REFUNDER
    if finding is None:  # open, but neither the order nor the export says where the goods are
        finding = clock or AGREE_RETURN
    if finding not in flags:
        flags.insert(0, finding)
    return {"finding": finding, "deadline": at, "deadline_source": source if at is not None else None,
            "hours_left": left, "next_action": NEXT_ACTION[finding], "severity": severity(finding), "flags": flags}


def sort_key(row: Mapping):
    """Most urgent deadline first; rows without a clock after, errors before warnings."""
    at = row.get("_deadline")
    rank = {"error": 0, "warning": 1, "info": 2}.get(row.get("severity"), 3)
    return (at is None, at.timestamp() if at is not None else 0.0, rank, row.get("refund_id") or "")


def summarize(rows: Iterable[Mapping]) -> dict:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["finding"]] = counts.get(row["finding"], 0) + 1
    return {code: counts[code] for code in FINDINGS if code in counts}
