"""Who is due a payment reminder, and why not (PRODUCT §8). Selection only: sending is messages/.

A buyer who orders and does not pay gets a reminder on the shop's schedule of steps — offsets
after the order was placed ("30m", "3h") or before the platform auto-closes it ("close-1h") —
only while the order is still open. Never for cash on delivery or a pre-sale order (its balance
reminder is another purpose), never once the buyer has paid another order (that unpaid one is a
duplicate staff can close), and the per-buyer limit counts a buyer, not an order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import MappingProxyType

from ... import clock
from ... import orders as O
from ...phones import buyer_key, receiver_phone
from ..outbox import Draft

PURPOSE = "unpaid"

# Reasons (stable codes).
PAID = "paid"
CLOSED = "closed"
PRESALE = "presale"
COD = "cod"
REFUND = "refund"  # an open refund (PRODUCT §17)
PAID_OTHER_ORDER = "paid_other_order"
NO_PHONE = "no_phone"
SUPERSEDED = "superseded"
CLOSES_FIRST = "closes_first"
NOT_IN_SCHEDULE = "not_in_schedule"

_STEP = re.compile(r"^close\s*-\s*(.+)$")
_PLAIN = re.compile(r"[A-Za-z0-9_.+-]{1,32}")


@dataclass(frozen=True)
class Step:
    name: str  # as written in the schedule: "30m", "close-1h"
    after: timedelta | None = None  # after the order was placed
    before_close: timedelta | None = None  # before it auto-closes

    def due_at(self, placed: datetime, closes: datetime) -> datetime:
        return placed + self.after if self.after is not None else closes - self.before_close


def parse_schedule(entries: Iterable) -> tuple[Step, ...]:
    """reminders.schedule → steps; raises ValueError naming a step it cannot read."""
    steps: list[Step] = []
    for raw in entries:
        name = re.sub(r"\s+", "", str(raw)).lower()
        match = _STEP.match(name)
        try:
            if match:
                step = Step(name, before_close=clock.parse_duration(match.group(1)))
            elif name == "close":
                step = Step(name, before_close=timedelta(0))
            else:
                step = Step(name, after=clock.parse_duration(name))
        except ValueError:
            raise ValueError(f"reminders.schedule: cannot read step {raw!r} (use e.g. 30m, 3h, close-1h)") from None
        if name in {s.name for s in steps}:
            raise ValueError(f"reminders.schedule: step {raw!r} is listed twice")
        steps.append(step)
    return tuple(steps)


def first_due(schedule: Sequence[Step], close_after: timedelta) -> timedelta:
    """How old an order must be before any step can be due: the cheap bound of the due query."""
    offsets = [s.after if s.after is not None else close_after - s.before_close for s in schedule]
    return max(min(offsets, default=close_after), timedelta(0))


def message_key(order_id: str, step: str) -> str:
    """unpaid:<order>:<step>; ASCII and short enough for every provider's out-id."""
    return f"u:{_token(order_id)}:{_token(step)}"


def _token(text: str) -> str:
    text = str(text)
    if _PLAIN.fullmatch(text):
        return text
    return "h" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def buyer_of(order: Mapping) -> str | None:
    """A buyer is the nick (买家会员名) when the export has one, else the receiver's normalised
    phone: phones.buyer_key, the one rule for reminders, merges and every other check."""
    return buyer_key(order)


def _phone(order: Mapping):
    if order.get("masked"):
        from ...phones import Phone

        return Phone("masked", raw=order.get("receiver_mobile") or order.get("receiver_tel"))
    return receiver_phone(order.get("receiver_mobile"), order.get("receiver_tel"))


def cutoff_hint(moment: datetime, cutoff: time) -> str:
    """What the reminder says about shipping: paid before the cut-off ships today."""
    if moment.timetz().replace(tzinfo=None) < cutoff:
        return f"{cutoff:%H:%M}前付款当天发货，"
    return "付款后将尽快发货，"


@dataclass(slots=True)
class Due:
    """One order's step that is due now (or whose recorded message must be brought up to date)."""

    order: dict
    step: Step | None
    step_name: str
    key: str
    placed: datetime | None
    closes: datetime | None
    skip: str | None = None
    paid_order: Mapping | None = None
    superseded: list[tuple[str, str]] = field(default_factory=list)  # (step name, key)


def due_steps(orders: Iterable[Mapping], schedule: Sequence[Step], *, close_after: timedelta, now: datetime,
              recorded: Mapping[str, Mapping]) -> list[Due]:
    """For each order, the one step to decide on now: the latest step that is due, while the order
    is open (a run that comes late sends one reminder, not the ones it missed). Steps with a
    recorded, still open message that will not go out come back with the reason, so the record
    says why."""
    found: list[Due] = []
    names = {s.name for s in schedule}
    open_by_order: dict[str, dict[str, str]] = {}
    for key, record in recorded.items():
        if record.get("purpose") == PURPOSE and record["status"] in _OPEN:
            open_by_order.setdefault(record.get("order_id"), {})[record["step"]] = key
    # A step is due once the order is as old as its offset, and only if that comes before the
    # order closes: latest offset first, so an order's due step is the first whose moment passed.
    timed = sorted(((s.after if s.after is not None else close_after - s.before_close), s) for s in schedule)
    latest_first = [(now - offset, s) for offset, s in reversed(timed) if offset < close_after]
    tokens = {s.name: _token(s.name) for s in schedule}
    for order in orders:
        order = order if type(order) is dict else dict(order)
        order_id = order["order_id"]
        placed = _time(order.get("created_at"))
        closes = placed + close_after if placed else None
        open_recorded = open_by_order.get(order_id)
        if open_recorded:
            for step_name in sorted(set(open_recorded) - names):
                found.append(Due(order, None, step_name, open_recorded[step_name], placed, closes, NOT_IN_SCHEDULE))
        if order.get("status") != O.UNPAID or placed is None or now >= closes:
            if open_recorded:
                reason = _not_open_reason(order, placed, closes, now)
                for step_name, key in open_recorded.items():
                    if step_name in names:
                        found.append(Due(order, None, step_name, key, placed, closes, reason))
            continue
        n = 0  # the latest step whose moment has passed
        for since, _ in latest_first:
            if placed <= since:
                break
            n += 1
        else:
            continue
        step = latest_first[n][1]
        item = Due(order, step, step.name, f"u:{_token(order_id)}:{tokens[step.name]}", placed, closes)
        if open_recorded:
            item.superseded = [(s.name, message_key(order_id, s.name)) for _, s in reversed(latest_first[n + 1:])
                               if s.name in open_recorded]
        found.append(item)
    return found


_OPEN = ("queued", "retry", "deferred", "skipped")


def _not_open_reason(order: Mapping, placed, closes, now) -> str:
    status = order.get("status")
    if status == O.CLOSED or placed is None or (closes is not None and now >= closes):
        return CLOSED
    return PAID if status in (O.PAID, O.PARTLY_SHIPPED, O.SHIPPED, O.SIGNED, O.COMPLETED) else CLOSED


def paid_since(order: Mapping, paid_orders: Iterable[Mapping]) -> Mapping | None:
    """Another order of the same buyer paid since this one was placed: this one is a duplicate."""
    buyer = buyer_of(order)
    placed = order.get("created_at") or ""
    if not buyer:
        return None
    for other in sorted(paid_orders, key=lambda o: o.get("paid_at") or o.get("created_at") or ""):
        if other["order_id"] == order["order_id"]:
            continue
        same = buyer_key(other) == buyer
        if same and (other.get("paid_at") or other.get("created_at") or "") >= placed:
            return other
    return None


class PaidIndex:
    """paid_since() for many orders: the paid orders grouped by buyer (phones.buyer_key, as
    paid_since compares them) and sorted once per run, so each due order costs a lookup, not a
    sort of every paid order (80,000 due reminders)."""

    def __init__(self, paid_orders: Iterable[Mapping]):
        # grouped by the same buyer_key() paid_since() compares, so a nick spelled " tb_a " or a
        # phone spelled "+86 138 …" lands with its buyer
        by_buyer: dict[str, list] = {}
        for n, other in enumerate(paid_orders):
            buyer = buyer_key(other)
            if buyer:
                by_buyer.setdefault(buyer, []).append((other.get("paid_at") or other.get("created_at") or "", n, other))
        for entries in by_buyer.values():
            entries.sort(key=lambda e: (e[0], e[1]))
        self._by_buyer = by_buyer

    def first_since(self, order: Mapping, buyer: str | None = None) -> Mapping | None:
        """What paid_since(order, paid_orders) returns; `buyer`: buyer_of(order), if known."""
        from bisect import bisect_left

        buyer = buyer or buyer_of(order)
        if not buyer:
            return None
        entries = self._by_buyer.get(buyer, ())
        start = bisect_left(entries, (order.get("created_at") or "", -1))
        for _, _, other in entries[start:]:
            if other["order_id"] != order["order_id"]:
                return other
        return None


# What most drafts' rows say of another order: one read-only mapping shared by 80,000 of them.
_NOT_PAID = MappingProxyType({"paid_order_id": None})


def drafts(due: Iterable[Due], *, paid_orders, now: datetime, cutoff: time, shop_name: str,
           per_buyer_per_day: int) -> list[Draft]:
    """The messages to decide on: each due step, plus superseded earlier steps to record as such.
    `paid_orders`: the buyers' paid orders, or a function that gives them (db/outbox reads them
    meanwhile): it is called once everything that does not need them is made."""
    out: list[Draft] = []
    hint = cutoff_hint(now, cutoff)
    cutoff_text = f"{cutoff:%H:%M}"
    to_check: list[tuple[Draft, dict]] = []  # drafts whose buyer may have paid another order
    for item in due:
        order = item.order
        order_id = order["order_id"]
        phone = _phone(order)
        buyer = buyer_of(order)
        skip = item.skip
        if skip is None:
            if order.get("open_refund"):
                skip = REFUND
            elif order.get("presale_stage"):
                skip = PRESALE
            elif order.get("is_cod"):
                skip = COD
        draft = Draft(purpose=PURPOSE, key=item.key, step=item.step_name, order_ids=[order_id], phone=phone.mobile,
                      shown_phone=phone.mobile or phone.raw, buyer=buyer, buyer_nick=order.get("buyer_nick"),
                      values={"shop": shop_name, "cutoff_hint": hint, "cutoff": cutoff_text, "order_id": order_id},
                      skip=skip, deadline=item.closes, deadline_reason=CLOSES_FIRST, buyer_limit=per_buyer_per_day,
                      extra=_NOT_PAID)
        out.append(draft)
        if skip is None:
            to_check.append((draft, order))
        for step_name, key in item.superseded:
            out.append(Draft(PURPOSE, key, step_name, [order_id], phone.mobile,
                             shown_phone=phone.mobile or phone.raw, buyer=draft.buyer,
                             buyer_nick=draft.buyer_nick, skip=SUPERSEDED, extra=_NOT_PAID))
    paid_index = PaidIndex(paid_orders() if callable(paid_orders) else paid_orders)
    for draft, order in to_check:
        paid = paid_index.first_since(order, draft.buyer)
        if paid is not None:
            draft.skip = PAID_OTHER_ORDER
            draft.extra = {"paid_order_id": paid["order_id"]}
    return out


def _time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
