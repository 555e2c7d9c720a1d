"""Parcels in trouble (PRODUCT §18 logistics-check): one parcel → its findings, the most urgent
first. Plain functions over a parcel row (db/parcels.parcels_to_check) and thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import clock
from . import states as S

NO_PICKUP, NO_INFO, STALLED, NOT_SIGNED = "no_pickup", "no_info", "stalled", "not_signed"
PICKUP_POINT_WAITING, EXCEPTION, RETURNED = "pickup_point_waiting", "exception", "returned"
AUTO_CONFIRM_RISK, DELIVERED_DISPUTED = "auto_confirm_risk", "delivered_disputed"
# Most urgent first: a parcel's row shows the first that applies, and lists the others.
FINDINGS = (RETURNED, EXCEPTION, DELIVERED_DISPUTED, AUTO_CONFIRM_RISK, NO_PICKUP, NO_INFO, PICKUP_POINT_WAITING,
            STALLED, NOT_SIGNED)
SEVERITY = {
    NO_PICKUP: "error", EXCEPTION: "error", RETURNED: "error", AUTO_CONFIRM_RISK: "error",
    DELIVERED_DISPUTED: "warning", NO_INFO: "warning", STALLED: "warning", PICKUP_POINT_WAITING: "warning",
    NOT_SIGNED: "info",
}
DEFAULT_FAIL_ON = ("ship_overdue", NO_PICKUP, EXCEPTION, RETURNED, AUTO_CONFIRM_RISK)
# Orders in these statuses are finished with: their parcels are not followed any more.
_DONE_ORDERS = frozenset({"completed", "closed"})


def _d(text) -> timedelta:
    return clock.parse_duration(text)


@dataclass
class Rules:
    no_pickup_after: timedelta = field(default_factory=lambda: _d("24h"))
    no_info_after: timedelta = field(default_factory=lambda: _d("3d"))
    stalled_after: timedelta = field(default_factory=lambda: _d("48h"))
    stalled_after_remote: timedelta = field(default_factory=lambda: _d("72h"))
    not_signed_after: timedelta = field(default_factory=lambda: _d("3d"))
    pickup_point_after: timedelta = field(default_factory=lambda: _d("48h"))
    auto_confirm_after: timedelta = field(default_factory=lambda: _d("10d"))
    auto_confirm_warn: timedelta = field(default_factory=lambda: _d("2d"))
    remote_regions: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings) -> Rules:
        """From [logistics] (and address.remote_regions). ValueError names a bad duration."""
        from ..settings_defaults import read

        values = {}
        for name in ("no_pickup_after", "no_info_after", "stalled_after", "stalled_after_remote", "not_signed_after",
                     "pickup_point_after", "auto_confirm_after", "auto_confirm_warn"):
            try:
                values[name] = _d(read(settings, f"logistics.{name}"))
            except ValueError as exc:
                raise ValueError(f"logistics.{name}: {exc}") from None
        return cls(**values, remote_regions=tuple(read(settings, "address.remote_regions") or ()))

    def is_remote(self, province: str | None) -> bool:
        return bool(province) and any(region and region in province for region in self.remote_regions)


@dataclass
class Checked:
    findings: list[str]
    shipped_at: datetime | None
    since: datetime | None  # the moment the finding's clock counts from
    remote: bool


def shipped_at(parcel: dict) -> datetime | None:
    """Earliest ship time known: the warehouse's, the orders', the result's own, else when an
    import first saw the order shipped."""
    times = [parcel.get("shipment_shipped_at"), parcel.get("shipped_at")]
    orders = parcel.get("orders") or ()
    times += [o.get("shipped_at") for o in orders]
    found = [t for t in times if t]
    if not found:
        found = [o.get("shipped_seen_at") for o in orders if o.get("shipped_seen_at")]
    return clock.from_iso(min(found)) if found else None


def check(parcel: dict, now: datetime, rules: Rules, *, disputed: bool = False) -> Checked:
    """The findings of one parcel at `now`, most urgent first (FINDINGS order)."""
    state = parcel["state"]
    orders = parcel.get("orders") or ()
    sent = shipped_at(parcel)
    province = next((o.get("province") for o in orders if o.get("province")), None)
    remote = rules.is_remote(province)
    found: list[str] = []
    last = clock.from_iso(parcel.get("last_event_at"))
    first_scan = clock.from_iso(parcel.get("first_scan_at"))
    if orders and all(o.get("status") in _DONE_ORDERS for o in orders):
        return Checked([], sent, None, remote)
    if state == S.DELIVERED:
        delivered = clock.from_iso(parcel.get("delivered_at"))
        return Checked([DELIVERED_DISPUTED] if disputed else [], sent, delivered, remote)
    if state in (S.RETURNED, S.RETURNING):
        found.append(RETURNED)
    if state in (S.EXCEPTION, S.REJECTED):
        found.append(EXCEPTION)
    in_hand = state not in (S.RETURNED, S.RETURNING, S.REJECTED)
    if in_hand and sent is not None and sent + rules.auto_confirm_after - now <= rules.auto_confirm_warn:
        found.append(AUTO_CONFIRM_RISK)
    if state in (S.AWAITING_PICKUP, S.NO_INFO) or first_scan is None:
        if sent is not None:
            if state == S.NO_INFO and last is None and now - sent >= rules.no_info_after:
                found.append(NO_INFO)
            elif now - sent >= rules.no_pickup_after:
                found.append(NO_PICKUP)
        return Checked(_ordered(found), sent, sent, remote)
    if state == S.AT_PICKUP_POINT and (parcel.get("subtype") == "locker_overdue"
                                       or (last is not None and now - last >= rules.pickup_point_after)):
        found.append(PICKUP_POINT_WAITING)
    moving = state in (S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY)
    limit = rules.stalled_after_remote if remote else rules.stalled_after
    if moving and last is not None and now - last >= limit:
        found.append(STALLED)
    if state not in (S.RETURNED, S.RETURNING, S.REJECTED) and now - first_scan >= rules.not_signed_after:
        found.append(NOT_SIGNED)
    since = {STALLED: last, PICKUP_POINT_WAITING: last, NOT_SIGNED: first_scan}
    ordered = _ordered(found)
    return Checked(ordered, sent, since.get(ordered[0], last) if ordered else last, remote)


def _ordered(found: list[str]) -> list[str]:
    return sorted(dict.fromkeys(found), key=FINDINGS.index)


def hours_since(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round((now - moment).total_seconds() / 3600, 1)


def care_findings(values) -> tuple[str, ...]:
    """[logistics] care: the findings that get a care text. ValueError for an unknown one."""
    picked = [str(v).strip() for v in (values or ()) if str(v).strip()]
    wrong = [v for v in picked if v not in FINDINGS]
    if wrong:
        raise ValueError(f"logistics.care: unknown finding {wrong[0]!r} (use {', '.join(FINDINGS)})")
    return tuple(dict.fromkeys(picked))


def listing_row(parcel: dict, checked: Checked, now: datetime) -> dict:
    """A logistics-check row (PRODUCT §24) for a parcel with findings; the first is its finding."""
    from . import messages as M

    finding = checked.findings[0]
    subtype = parcel.get("subtype") if finding in (EXCEPTION, RETURNED, PICKUP_POINT_WAITING) else None
    if finding == EXCEPTION and subtype is None:
        subtype = "refused" if parcel["state"] == S.REJECTED else None
    orders = parcel.get("orders") or ()
    order_ids = sorted({o["order_id"] for o in orders} | ({parcel["order_id"]} if parcel.get("order_id") else set()))
    last = clock.from_iso(parcel.get("last_event_at"))
    return {
        "tracking_no": parcel["tracking_no"], "courier": parcel.get("courier"), "order_ids": order_ids,
        "finding": finding, "subtype": subtype, "severity": SEVERITY[finding], "state": parcel["state"],
        "last_event_at": parcel.get("last_event_at"), "last_event": parcel.get("last_event"),
        "hours_since": hours_since(checked.since or last, now),
        "next_action": M.next_action(finding, subtype), "suggested_message": M.suggested_message(finding, subtype),
        "other_findings": checked.findings[1:], "shipped_at": checked.shipped_at.isoformat(timespec="seconds")
        if checked.shipped_at else None, "first_scan_at": parcel.get("first_scan_at"),
        "province": next((o.get("province") for o in orders if o.get("province")), None), "remote": checked.remote,
        "buyer": next((o.get("buyer_nick") for o in orders if o.get("buyer_nick")), None),
    }
