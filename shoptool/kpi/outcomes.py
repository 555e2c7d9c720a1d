"""What each agent did in shoptool over a period, read from shoptool's own audit (PRODUCT §23):

- notes: notes and flags written with `shoptool note` (the notes log, source `note`);
- addresses_confirmed: orders on which the agent wrote such a note or flag while the order's
  receiver data, as they stood at that moment, gave address-check a warning or an error (a buyer
  contacted about an address); one per order and agent;
- reviews_revised: 中差评 the agent moved to `revised` (`reviews update --status revised`);
- refunds_handled / refunds_on_time: refunds the agent marked handled (notes log, subject
  `refund`), and those marked before the refund's deadline;
- remind_recovered: unpaid orders reminded by SMS that were paid within `[kpi] recovered_within`
  (24h) of a reminder. Reminders are sent by shoptool, not by an agent: they are credited to the
  staff id in `[kpi] reminders_staff` when one is set, and always counted for the shop.

Pure domain: rows of the audit in, counts out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .periods import Period

OUTCOMES = ("notes", "addresses_confirmed", "reviews_revised", "refunds_handled", "refunds_on_time",
            "remind_recovered")
# The order fields whose history tells what an address looked like when a note was written.
ADDRESS_FIELDS = ("address", "receiver_name", "receiver_mobile", "receiver_tel")
_DERIVED = ("province", "city", "district", "address_detail")


def moment(text) -> datetime | None:
    if text is None or isinstance(text, datetime):
        return text
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


@dataclass
class Outcomes:
    by_staff: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    remind_sent: int = 0
    recovered_fen: int = 0
    refunds_known: bool = True  # the refunds table exists

    def add(self, staff: str | None, name: str, count: int = 1) -> None:
        self.totals[name] += count
        if staff:
            self.by_staff.setdefault(staff, dict.fromkeys(OUTCOMES, 0))[name] += count

    def of(self, staff: str) -> dict[str, int]:
        return self.by_staff.get(staff, dict.fromkeys(OUTCOMES, 0))


def order_as_of(order: Mapping, history: Sequence[Mapping], at: datetime) -> tuple[dict, list[dict]]:
    """The order's receiver data as they stood at `at` (a later change's `old` value), and the
    changes recorded until then."""
    row = dict(order)
    earlier: list[dict] = []
    later: dict[str, Mapping] = {}
    for change in sorted(history, key=lambda c: str(c.get("changed_at") or "")):
        when = moment(change.get("changed_at"))
        if when is not None and when > at:
            later.setdefault(change["field"], change)
        else:
            earlier.append(dict(change))
    for name, change in later.items():
        if name in ADDRESS_FIELDS:
            row[name] = change.get("old")
    if "address" in later and row.get("address") != order.get("address"):
        row.update(dict.fromkeys(_DERIVED))  # read the older address from its own text
    return row, earlier


def needed_confirmation(order: Mapping, history: Sequence[Mapping], at: datetime, rules) -> bool:
    """Whether address-check would have asked for this order's address to be confirmed at `at`
    (a warning or an error; the buyer's other orders are not looked at)."""
    from ..address import check_order

    row, earlier = order_as_of(order, history, at)
    return check_order(row, rules, history=earlier).needs_attention


# Noted orders are read and checked this many at a time (a busy month of a big shop notes tens of
# thousands of orders; holding them all at once would cost memory for nothing).
CHUNK = 2000


def count(period: Period, *, notes: Iterable[Mapping], orders: Mapping[str, Mapping] | None = None,
          history: Mapping[str, Sequence[Mapping]] | None = None, refunds: Iterable[Mapping] | None,
          reminders: Iterable[Mapping], address_rules, reminders_staff: str | None = None,
          recovered_within: timedelta = timedelta(hours=24),
          load_orders: Callable[[Sequence[str]], tuple[Mapping, Mapping]] | None = None) -> Outcomes:
    """`notes`: notes-log rows (subject, subject_id, at, staff, action, source, old_status,
    new_status); `orders`/`history`: the noted orders and their recorded changes — or
    `load_orders(order_ids)` giving both for a few of them at a time; `refunds`: handled marks with
    the refund's deadline (refund_id, staff, at, deadline), or None when the shop has no refunds
    table; `reminders`: unpaid-order texts sent (order_id, sent_at, paid_at, paid_fen)."""
    out = Outcomes(refunds_known=refunds is not None)
    first_note: dict[tuple[str, str], datetime] = {}
    revised: set[tuple[str, str]] = set()
    for note in notes:
        when = moment(note.get("at"))
        staff = note.get("staff")
        if not period.holds(when) or not staff:
            continue
        if note.get("subject") == "order" and note.get("source") == "note":
            out.add(staff, "notes")
            key = (staff, note["subject_id"])
            if key not in first_note or when < first_note[key]:
                first_note[key] = when
        elif note.get("subject") == "review" and note.get("new_status") == "revised" \
                and note.get("old_status") != "revised" and (staff, note["subject_id"]) not in revised:
            revised.add((staff, note["subject_id"]))
            out.add(staff, "reviews_revised")
    if load_orders is None:
        load_orders = lambda ids: (orders or {}, history or {})  # noqa: E731
    noted = sorted(first_note.items(), key=lambda item: (item[0][1], item[0][0]))
    for start in range(0, len(noted), CHUNK):
        chunk = noted[start:start + CHUNK]
        known, changes = load_orders(sorted({order_id for (_, order_id), _ in chunk}))
        for (staff, order_id), when in chunk:
            order = known.get(order_id)
            if order is not None and needed_confirmation(order, changes.get(order_id, ()), when, address_rules):
                out.add(staff, "addresses_confirmed")
    _refunds(out, period, refunds or ())
    _reminders(out, period, reminders, reminders_staff, recovered_within)
    return out


def _refunds(out: Outcomes, period: Period, marks: Iterable[Mapping]) -> None:
    first: dict[tuple[str, str], tuple[datetime, datetime | None]] = {}
    for mark in marks:
        when, staff = moment(mark.get("at")), mark.get("staff")
        if not period.holds(when) or not staff:
            continue
        key = (staff, str(mark["refund_id"]))
        if key not in first or when < first[key][0]:
            first[key] = (when, moment(mark.get("deadline")))
    for (staff, _), (when, deadline) in sorted(first.items()):
        out.add(staff, "refunds_handled")
        if deadline is not None and when <= deadline:
            out.add(staff, "refunds_on_time")


def _reminders(out: Outcomes, period: Period, reminders: Iterable[Mapping], staff: str | None,
               within: timedelta) -> None:
    sent: dict[str, list[datetime]] = {}
    paid: dict[str, tuple[datetime | None, int | None]] = {}
    for message in reminders:
        when = moment(message.get("sent_at"))
        if not period.holds(when) or not message.get("order_id"):
            continue
        out.remind_sent += 1
        sent.setdefault(message["order_id"], []).append(when)
        paid[message["order_id"]] = (moment(message.get("paid_at")), message.get("paid_fen"))
    for order_id, times in sorted(sent.items()):
        paid_at, paid_fen = paid[order_id]
        if paid_at is not None and any(t < paid_at <= t + within for t in times):
            out.add(staff or None, "remind_recovered")
            out.recovered_fen += paid_fen or 0
