"""What differs between the sending purposes: which orders are due (notify-shipped,
remind-unpaid), their drafts, and the same draft re-read inside the claiming transaction.
The Runner (runner.py) does the rest the same way for every purpose.
"""

from __future__ import annotations

from datetime import datetime

from .. import clock
from ..db import outbox as q
from . import outbox as ob


class Purpose:
    purpose: str
    command: str
    template: str  # sms.templates.<template>

    def __init__(self, settings):
        self.settings = settings

    def plan(self, db, now: datetime) -> list[ob.Draft]:
        raise NotImplementedError

    def recheck(self, db, draft: ob.Draft, now: datetime) -> ob.Draft | None:
        """The same message as seen by the database now (inside the claiming transaction)."""
        raise NotImplementedError

    def recheck_many(self, db, drafts: list[ob.Draft], now: datetime) -> dict[str, ob.Draft | None]:
        """recheck() for a batch of drafts, by key (a purpose may read them all at once)."""
        return {d.key: self.recheck(db, d, now) for d in drafts}

    def iso(self, moment: datetime | None) -> str | None:
        return clock.to_iso(moment, self.settings.tz)


class Shipped(Purpose):
    purpose = "shipped"
    command = "notify-shipped"
    template = "shipped"

    def __init__(self, settings):
        super().__init__(settings)
        self.max_age = settings.duration("notify.max_age")
        self.shop_name = str(settings["shop.name"])

    def plan(self, db, now):
        ids = q.shipped_due_order_ids(db, self.iso(now - self.max_age))
        ids += q.pending_order_ids(db, self.purpose, self.iso(now))
        return self._drafts(db, ids, now, done_dropped=True)

    def recheck(self, db, draft, now):
        for fresh in self._drafts(db, draft.order_ids, now, done_dropped=False):
            if fresh.key == draft.key:
                return fresh
        return None

    def recheck_many(self, db, drafts, now):
        ids = list(dict.fromkeys(i for d in drafts for i in d.order_ids))
        fresh = {d.key: d for d in self._drafts(db, ids, now, done_dropped=False)}
        return {d.key: fresh.get(d.key) for d in drafts}

    def _drafts(self, db, order_ids, now, *, done_dropped: bool) -> list[ob.Draft]:
        from .due import shipping

        orders, shipments = q.parcel_rows(db, order_ids, shipping.usable_tracking)
        _mark_open_refunds(db, orders)
        found = shipping.parcels(orders, shipments)
        bare = shipping.no_tracking(orders, shipments)
        keys = [p.key for p in found] + [shipping.no_tracking_draft(o, shop_name="").key for o in bare]
        recorded = q.messages_by_key(db, keys) if done_dropped else {}
        out = [shipping.draft(p, now=now, max_age=self.max_age, shop_name=self.shop_name)
               for p in found if _open(recorded.get(p.key))]
        out += [d for d in (shipping.no_tracking_draft(o, shop_name=self.shop_name) for o in bare)
                if _open(recorded.get(d.key))]
        return out


class Unpaid(Purpose):
    purpose = "unpaid"
    command = "remind-unpaid"
    template = "unpaid"

    def __init__(self, settings):
        from ..errors import ConfigError
        from .due import reminders

        super().__init__(settings)
        try:
            self.schedule = reminders.parse_schedule(settings["reminders.schedule"])
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.close_after = settings.duration("shop.unpaid_close_after")
        self.cutoff = clock.parse_clock(settings["shop.cutoff"])
        self.per_buyer = int(settings["reminders.per_buyer_per_day"])
        self.shop_name = str(settings["shop.name"])

    def plan(self, db, now):
        from .due import reminders

        first = reminders.first_due(self.schedule, self.close_after)
        last = max(self.schedule, key=lambda s: s.after if s.after is not None else self.close_after - s.before_close)
        orders = {o["order_id"]: o for o in q.unpaid_due(db, self.iso(now - self.close_after), self.iso(now - first),
                                                          last.name)}
        pending = [i for i in q.pending_order_ids(db, self.purpose, self.iso(now)) if i not in orders]
        orders.update({o["order_id"]: o for o in q.orders_by_id(db, pending)})
        return self._drafts(db, list(orders.values()), now, done_dropped=True)

    def recheck(self, db, draft, now):
        for fresh in self._drafts(db, q.orders_by_id(db, draft.order_ids), now, done_dropped=False):
            if fresh.key == draft.key:
                return fresh
        return None

    def recheck_many(self, db, drafts, now):
        ids = list(dict.fromkeys(i for d in drafts for i in d.order_ids))
        fresh = {d.key: d for d in self._drafts(db, q.orders_by_id(db, ids), now, done_dropped=False)}
        return {d.key: fresh.get(d.key) for d in drafts}

    def _drafts(self, db, orders, now, *, done_dropped: bool) -> list[ob.Draft]:
        from .due import reminders

        _mark_open_refunds(db, orders)
        # By order, not by key: steps of an older schedule still waiting are found and settled too.
        records = q.messages_for_orders(db, self.purpose, [o["order_id"] for o in orders])
        recorded = {r["dedupe_key"]: r for r in records}
        due = [d for d in reminders.due_steps(orders, self.schedule, close_after=self.close_after, now=now,
                                              recorded=recorded)
               if not done_dropped or _open(recorded.get(d.key))]
        if not due:
            return []
        buyers = {reminders.buyer_of(d.order) for d in due} - {None}
        nicks = {d.order["buyer_nick"] for d in due if (d.order.get("buyer_nick") or "").strip()}
        phones = buyers - nicks
        since = min(d.order.get("created_at") or "" for d in due)
        paid = q.paid_orders_of(db, nicks, phones, since)
        return reminders.drafts(due, paid_orders=paid, now=now, cutoff=self.cutoff, shop_name=self.shop_name,
                                per_buyer_per_day=self.per_buyer)


PURPOSES = {"notify-shipped": Shipped, "remind-unpaid": Unpaid}


def _mark_open_refunds(db, orders) -> None:
    """Orders with an open refund (PRODUCT §17) are never texted: `open_refund` tells due/."""
    from ..db.refunds import open_refund_order_ids

    refunding = open_refund_order_ids(db, [o["order_id"] for o in orders])
    for order in orders:
        if order["order_id"] in refunding:
            order["open_refund"] = True


def _open(record) -> bool:
    return record is None or record["status"] in ob.CLAIMABLE
