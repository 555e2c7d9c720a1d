"""What differs between the sending purposes: which orders are due (notify-shipped,
remind-unpaid), their drafts, and the same draft re-read inside the claiming transaction.
The Runner (runner.py) does the rest the same way for every purpose.
"""

from __future__ import annotations

from datetime import datetime

from .. import clock
from ..db import outbox as q
from ..db import paid_orders
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

        if not orders:
            return []
        # The buyers' paid orders are read meanwhile (db/paid_orders.paid_orders_of_meanwhile): of every
        # candidate order's buyer, a few more than those found due below.
        buyers = {reminders.buyer_of(o) for o in orders} - {None}
        nicks = {o["buyer_nick"] for o in orders if (o.get("buyer_nick") or "").strip()}
        since = min(o.get("created_at") or "" for o in orders)
        paid = paid_orders.paid_orders_of_meanwhile(db, nicks, buyers - nicks, since)
        _mark_open_refunds(db, orders)
        # By order, not by key: steps of an older schedule still waiting are found and settled too.
        records = q.messages_for_orders(db, self.purpose, [o["order_id"] for o in orders])
        recorded = {r["dedupe_key"]: r for r in records}
        due = [d for d in reminders.due_steps(orders, self.schedule, close_after=self.close_after, now=now,
                                              recorded=recorded)
               if not done_dropped or _open(recorded.get(d.key))]
        if not due:
            paid()
            return []
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


class Campaign(Purpose):
    """A marketing text to one campaign's segment (PRODUCT §20): marketing class, through every rule
    of §8; who is due is the segment less every suppressed buyer (db/customers.audience)."""

    purpose = "campaign"
    command = "campaign send"

    def __init__(self, settings, campaign: dict):
        super().__init__(settings)
        self.campaign = campaign
        self.template = campaign["template"]
        self.shop_name = str(settings["shop.name"])

    def audience(self, db, now) -> list[dict]:
        """Every buyer of the segment with would_send or excluded and why (sorted by buyer)."""
        from ..db import customers as cq

        chosen = sorted((p for p in cq.profiles(db, self.settings, now) if self.campaign["segment"] in p.segments),
                        key=lambda p: p.stats.buyer)
        rows = cq.audience(db, self.settings, [p.stats.buyer for p in chosen], now)
        for row, p in zip(rows, chosen):
            row.update(nick=p.stats.nick, tier=p.tier)
        return rows

    def plan(self, db, now):
        from .due import campaign

        return campaign.drafts(self.campaign, self.audience(db, now), shop_name=self.shop_name)

    def recheck_many(self, db, drafts, now):
        from ..db import customers as cq
        from .due import campaign

        rows = cq.audience(db, self.settings, [d.buyer for d in drafts], now)
        by_buyer = {d.buyer: d for d in drafts}
        for row in rows:
            draft = by_buyer.get(row["buyer"])
            row.update(nick=draft.buyer_nick if draft else None, tier=(draft.values.get("tier") if draft else None))
        fresh = {d.key: d for d in campaign.drafts(self.campaign, rows, shop_name=self.shop_name)}
        return {d.key: fresh.get(d.key) for d in drafts}

    def recheck(self, db, draft, now):
        return self.recheck_many(db, [draft], now)[draft.key]
class Care(Purpose):
    """logistics_care (PRODUCT §18): one text per (parcel, finding), for the findings listed in
    [logistics] care; nothing until that list names one."""

    purpose = "logistics_care"
    command = "logistics-check"
    template = "logistics_care"

    def __init__(self, settings):
        from ..errors import ConfigError
        from ..logistics import findings as F

        super().__init__(settings)
        try:
            self.care = F.care_findings(settings["logistics.care"])
            self.rules = F.Rules.from_settings(settings)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.shop_name = str(settings["shop.name"])

    def plan(self, db, now):
        from ..db import parcels as p
        from .due import care

        drafts = self._drafts(db, now, None) if self.care else []
        # a text held back (quiet hours, caps) whose parcel has since recovered is settled, not left waiting
        due = {d.key for d in drafts}
        waiting = p.waiting_care_messages(db, self.iso(now))
        return drafts + [care.resolved(m) for m in waiting if m["dedupe_key"] not in due]

    def recheck(self, db, draft, now):
        return self.recheck_many(db, [draft], now)[draft.key]

    def recheck_many(self, db, drafts, now):
        tracking = [d.extra.get("tracking_no") for d in drafts if d.extra.get("tracking_no")]
        fresh = {d.key: d for d in self._drafts(db, now, tracking)} if self.care else {}
        return {d.key: fresh.get(d.key) for d in drafts}

    def _drafts(self, db, now, tracking_nos) -> list[ob.Draft]:
        from ..db import parcels as p
        from ..db.refunds import open_refund_order_ids
        from ..logistics import findings as F
        from .due import care

        disputed_orders = p.not_received_refund_orders(db)
        links = p.tracking_of_orders(db, disputed_orders) if disputed_orders else {}
        disputed = {t for ts in links.values() for t in ts}
        rows = []
        cuts = F.Cuts.at(now, self.rules)
        for parcel in p.parcels_to_check(db, delivered_too=disputed, tracking_nos=tracking_nos,
                                         quiet_after=cuts.quiet_after()):
            found = F.check(parcel, now, self.rules, disputed=parcel["tracking_no"] in disputed, cuts=cuts)
            if found.findings and found.findings[0] in self.care:
                rows.append(F.listing_row(parcel, found, now))
        order_ids = [o for r in rows for o in r["order_ids"]]
        receivers = p.receivers(db, order_ids)
        return care.drafts(rows, receivers, care=self.care, shop_name=self.shop_name,
                           refunding=open_refund_order_ids(db, order_ids))


PURPOSES["logistics-check"] = Care
