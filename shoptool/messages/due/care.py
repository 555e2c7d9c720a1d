"""Who is due a logistics care text (PRODUCT §18), and why not. Selection only: sending is messages/.

A care text is per (parcel, finding): the dedupe key names both, so a parcel gets at most one
text for being stalled, ever, and another only if it later meets another finding. Only findings
listed in `[logistics] care` are texted, and only a parcel's first (most urgent) finding. The
phone is the first textable one among the parcel's orders (by order number); masked exports and
privacy numbers cannot be texted: `no_phone`, listed for 旺旺.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from ...logistics import messages as M
from ...orders import REFUND_DONE, REFUND_OPEN, refund_state
from ...phones import buyer_key, classify_phone, receiver_phone
from ..outbox import Draft

PURPOSE = "logistics_care"
NO_PHONE = "no_phone"
REFUND = "refund"
NO_ORDER = "no_order"
RESOLVED = "resolved"  # the parcel no longer has the finding (or care no longer lists it)


def care_key(tracking_no: str, finding: str) -> str:
    """lc:<finding>:<parcel>; ASCII and short enough for every provider's out-id."""
    if re.fullmatch(r"[A-Z0-9]{1,40}", tracking_no or ""):
        return f"lc:{finding}:{tracking_no}"
    return f"lc:{finding}:h" + hashlib.sha1((tracking_no or "").encode("utf-8")).hexdigest()[:16]


def _phone(orders: list[Mapping]):
    seen = None
    for order in orders:
        phone = (classify_phone(order.get("receiver_mobile")) if order.get("masked")
                 else receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel")))
        if phone.textable:
            return phone
        seen = seen or phone
    return seen or classify_phone(None)


def drafts(rows: Iterable[Mapping], receivers: Mapping[str, Mapping], *, care: Iterable[str], shop_name: str,
           refunding: set[str] = frozenset()) -> list[Draft]:
    """Drafts for logistics-check rows (PRODUCT §24 keys) whose finding is in `care`. `receivers`
    are the orders' receiver fields by order number; `refunding` orders with an open refund."""
    wanted = set(care)
    out: list[Draft] = []
    for row in rows:
        finding = row["finding"]
        if finding not in wanted:
            continue
        orders = [receivers[o] for o in row["order_ids"] if o in receivers]
        phone = _phone(orders)
        skip = None
        if not orders:
            skip = NO_ORDER
        elif all(o["order_id"] in refunding or refund_state(o.get("refund_status")) in (REFUND_OPEN, REFUND_DONE)
                 for o in orders):
            skip = REFUND
        first = orders[0] if orders else {}
        out.append(Draft(
            purpose=PURPOSE, key=care_key(row["tracking_no"], finding), step=finding,
            order_ids=list(row["order_ids"]), phone=phone.mobile, shown_phone=phone.mobile or phone.raw,
            buyer=buyer_key(first) if first else phone.mobile, buyer_nick=first.get("buyer_nick"),
            values={"shop": shop_name, "courier": row.get("courier") or "快递", "tracking_no": row["tracking_no"],
                    "care": M.care_text(finding, row.get("subtype")),
                    "order_id": row["order_ids"][0] if row["order_ids"] else ""},
            skip=skip,
            extra={"tracking_no": row["tracking_no"], "courier": row.get("courier")},
        ))
    return out


def resolved(message: Mapping) -> Draft:
    """A waiting text whose parcel no longer has its finding: skipped as `resolved`."""
    import json

    order_ids = json.loads(message.get("order_ids") or "[]")
    tracking = message["dedupe_key"].rsplit(":", 1)[-1]
    return Draft(purpose=PURPOSE, key=message["dedupe_key"], step=message["step"], order_ids=order_ids, phone=None,
                 shown_phone=message.get("phone"), skip=RESOLVED, extra={"tracking_no": tracking})
