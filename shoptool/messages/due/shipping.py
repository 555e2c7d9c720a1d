"""Who is due a shipping notice, and why not (PRODUCT §8). Selection only: sending is messages/.

A notice is per parcel, and a parcel is a tracking number: orders the warehouse merged into one
parcel get one text. Where the warehouse's shipments sheet names an order's parcels, it wins over
the platform export's single 物流单号 (the warehouse knows about splits and relabels). The ship
time is the export's own (shipments' or the order's 发货时间), else the moment an import first saw
the order shipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ... import orders as O
from ...orders import tracking_key
from ...phones import buyer_key, classify_phone, receiver_phone
from ..outbox import Draft

PURPOSE = "shipped"
STEP = "notice"

# Reasons (stable codes).
TOO_OLD = "too_old"
DELIVERED = "delivered"
CLOSED = "closed"
NOT_SHIPPED = "not_shipped"
REFUND = "refund"
NO_PHONE = "no_phone"
NO_TRACKING = "no_tracking"

_TRACKING = re.compile(r"[A-Z0-9]{6,40}")


def usable_tracking(value: str | None) -> bool:
    """A real tracking number, not a placeholder ("0", "无需物流") that would join unrelated orders."""
    key = tracking_key(value)
    return key is not None and _TRACKING.fullmatch(key) is not None and any(c.isdigit() for c in key)


def parcel_key(tracking_no: str) -> str:
    """shipped:<parcel>; ASCII and short enough for every provider's out-id. The parcel is the
    tracking number's one spelling (orders.tracking_key), so SF-1400… from the warehouse and
    SF1400… from the platform are one notice. db/outbox.SHIPPED_OPEN_SQL builds the same key from
    the stored number (stored in that spelling), and migration m007 moved older keys to it."""
    norm = tracking_key(tracking_no) or ""
    if re.fullmatch(r"[A-Z0-9]{1,40}", norm):
        return f"s:{norm}"
    return "s:h" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


@dataclass
class Parcel:
    tracking_no: str  # in the one spelling the shop keeps (orders.tracking_key)
    key: str
    orders: list[dict] = field(default_factory=list)  # known orders, by order number
    shipments: list[dict] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)

    @property
    def courier(self) -> str | None:
        for row in self.shipments + self.orders:
            if row.get("courier"):
                return row["courier"]
        return None

    @property
    def shipped_at(self) -> datetime | None:
        """The export's ship time, else when an import first saw it shipped (earliest wins: a
        parcel is shipped once)."""
        for rows, name in ((self.shipments, "shipped_at"), (self.orders, "shipped_at"),
                           (self.orders, "shipped_seen_at"), (self.shipments, "first_seen_at")):
            times = [t for t in (_time(r.get(name)) for r in rows) if t is not None]
            if times:
                return min(times)
        return None


def parcels(orders: Iterable[Mapping], shipments: Iterable[Mapping]) -> list[Parcel]:
    """Group orders and shipment rows into parcels by tracking number."""
    by_id = {o["order_id"]: dict(o) for o in orders}
    found: dict[str, Parcel] = {}

    def parcel_for(tracking: str) -> Parcel:
        key = parcel_key(tracking)
        if key not in found:
            found[key] = Parcel(tracking_key(tracking), key)
        return found[key]

    shipped_by_warehouse: set[str] = set()
    for row in shipments:
        if not usable_tracking(row.get("tracking_no")):
            continue
        parcel = parcel_for(row["tracking_no"])
        parcel.shipments.append(dict(row))
        if row["order_id"] not in parcel.order_ids:
            parcel.order_ids.append(row["order_id"])
        shipped_by_warehouse.add(row["order_id"])
    for order in by_id.values():
        if order["order_id"] in shipped_by_warehouse or not usable_tracking(order.get("tracking_no")):
            continue
        parcel = parcel_for(order["tracking_no"])
        if order["order_id"] not in parcel.order_ids:
            parcel.order_ids.append(order["order_id"])
    for parcel in found.values():
        parcel.order_ids.sort()
        parcel.orders = [by_id[i] for i in parcel.order_ids if i in by_id]
    return sorted(found.values(), key=lambda p: (p.order_ids[0] if p.order_ids else "", p.key))


def no_tracking(orders: Iterable[Mapping], shipments: Iterable[Mapping]) -> list[dict]:
    """Shipped orders with no usable tracking number anywhere: no notice can name their parcel."""
    with_parcel = {s["order_id"] for s in shipments if usable_tracking(s.get("tracking_no"))}
    return [dict(o) for o in orders if o.get("status") == O.SHIPPED and o["order_id"] not in with_parcel
            and not usable_tracking(o.get("tracking_no"))]


def _state(parcel: Parcel) -> str | None:
    """Why this parcel gets no notice for its orders' state, or None when it may."""
    if not parcel.orders:
        return None  # known only from the warehouse's sheet: shipped by its word
    statuses = {o.get("status") for o in parcel.orders}
    if statuses & {O.SIGNED, O.COMPLETED}:
        return DELIVERED
    live = [o for o in parcel.orders if o.get("status") == O.SHIPPED]
    if not live:
        return CLOSED if statuses == {O.CLOSED} else NOT_SHIPPED
    if all(o.get("open_refund") or _refunding(o.get("refund_status")) for o in live):
        return REFUND
    return None


def _refunding(text: str | None) -> bool:
    # a refund asked for or done stops the notice; a refused one lets the parcel go on its way
    return O.refund_state(text) in (O.REFUND_OPEN, O.REFUND_DONE)


def _best_phone(parcel: Parcel):
    """The first textable number among the parcel's orders (by order number), then the warehouse's."""
    seen = None
    for order in parcel.orders:
        phone = (classify_phone(order.get("receiver_mobile")) if order.get("masked")
                 else receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel")))
        if phone.textable:
            return phone
        seen = seen or phone
    for row in parcel.shipments:
        phone = classify_phone(row.get("receiver_mobile"))
        if phone.textable:
            return phone
        seen = seen or phone
    return seen or classify_phone(None)


def draft(parcel: Parcel, *, now: datetime, max_age: timedelta, shop_name: str) -> Draft:
    phone = _best_phone(parcel)
    shipped = parcel.shipped_at
    deadline = shipped + max_age if shipped is not None else None
    skip = _state(parcel)
    if skip is None and (deadline is None or now >= deadline):
        skip = TOO_OLD
    first = parcel.orders[0] if parcel.orders else {}
    return Draft(
        purpose=PURPOSE,
        key=parcel.key,
        step=STEP,
        order_ids=list(parcel.order_ids),
        phone=phone.mobile,
        shown_phone=phone.mobile or phone.raw,
        buyer=buyer_key(first) if first else phone.mobile,
        buyer_nick=first.get("buyer_nick"),
        values={"shop": shop_name, "courier": parcel.courier or "快递", "tracking_no": parcel.tracking_no,
                "order_id": parcel.order_ids[0] if parcel.order_ids else ""},
        skip=skip,
        deadline=deadline,
        deadline_reason=TOO_OLD,
        extra={"tracking_no": parcel.tracking_no, "courier": parcel.courier},
    )


def _time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def no_tracking_draft(order: Mapping, *, shop_name: str) -> Draft:
    """A shipped order no notice can be written for: listed so staff see it, keyed by the order."""
    phone = (classify_phone(order.get("receiver_mobile")) if order.get("masked")
             else receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel")))
    return Draft(
        purpose=PURPOSE, key=f"s:o:{_order_token(order['order_id'])}", step=STEP, order_ids=[order["order_id"]],
        phone=phone.mobile, shown_phone=phone.mobile or phone.raw, buyer=buyer_key(order),
        buyer_nick=order.get("buyer_nick"), values={"shop": shop_name}, skip=NO_TRACKING,
        extra={"tracking_no": order.get("tracking_no"), "courier": order.get("courier")},
    )


def _order_token(order_id: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", order_id):
        return order_id
    return "h" + hashlib.sha1(order_id.encode("utf-8")).hexdigest()[:16]
