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
    _remote: dict = field(default_factory=dict, repr=False, compare=False)

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
        if not province:
            return False
        known = self._remote.get(province)
        if known is None:
            known = self._remote[province] = any(region and region in province for region in self.remote_regions)
        return known


@dataclass
class Checked:
    findings: list[str]
    shipped_at: str | None  # ISO, shop time
    since: str | None  # the moment the finding's clock counts from (ISO)
    remote: bool


@dataclass(frozen=True)
class Cuts:
    """The moments `now - threshold` as ISO text in the shop's zone: stored times (ISO with the
    shop's offset) compare with them as text, so a check costs no date parsing per parcel."""

    no_pickup: str
    no_info: str
    stalled: str
    stalled_remote: str
    not_signed: str
    pickup_point: str
    auto_confirm: str  # shipped at or before this: auto-confirm is within auto_confirm_warn

    def quiet_after(self) -> dict[str, str]:
        """A moving parcel whose last event, first scan and ship time are all later than these
        cannot have a finding yet (db/parcels.parcels_to_check leaves it out)."""
        return {"stalled": max(self.stalled, self.stalled_remote), "not_signed": self.not_signed,
                "auto_confirm": self.auto_confirm}

    @classmethod
    def at(cls, now: datetime, rules: Rules) -> Cuts:
        def iso(delta: timedelta) -> str:
            return (now - delta).isoformat(timespec="seconds")

        return cls(iso(rules.no_pickup_after), iso(rules.no_info_after), iso(rules.stalled_after),
                   iso(rules.stalled_after_remote), iso(rules.not_signed_after), iso(rules.pickup_point_after),
                   iso(rules.auto_confirm_after - rules.auto_confirm_warn))


def shipped_at(parcel: dict) -> str | None:
    """Earliest ship time known (ISO): the warehouse's, the orders', the result's own, else when
    an import first saw the order shipped."""
    orders = parcel.get("orders") or ()
    found = [t for t in (parcel.get("shipment_shipped_at"), parcel.get("shipped_at"),
                         *(o.get("shipped_at") for o in orders)) if t]
    if not found:
        found = [o.get("shipped_seen_at") for o in orders if o.get("shipped_seen_at")]
    return min(found) if found else None


_GONE_BACK = frozenset({S.RETURNED, S.RETURNING, S.REJECTED})
_MOVING = frozenset({S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY})


def check(parcel: dict, now: datetime, rules: Rules, *, disputed: bool = False, cuts: Cuts | None = None) -> Checked:
    """The findings of one parcel at `now`, most urgent first (FINDINGS order). Pass `cuts`
    (Cuts.at(now, rules)) when checking many parcels."""
    cuts = cuts or Cuts.at(now, rules)
    state = parcel["state"]
    orders = parcel.get("orders") or ()
    sent = shipped_at(parcel)
    province = next((o.get("province") for o in orders if o.get("province")), None)
    remote = rules.is_remote(province)
    if orders and all(o.get("status") in _DONE_ORDERS for o in orders):
        return Checked([], sent, None, remote)
    if state == S.DELIVERED:
        return Checked([DELIVERED_DISPUTED] if disputed else [], sent, parcel.get("delivered_at"), remote)
    found: list[str] = []
    last = parcel.get("last_event_at")
    first_scan = parcel.get("first_scan_at")
    if state in (S.RETURNED, S.RETURNING):
        found.append(RETURNED)
    if state in (S.EXCEPTION, S.REJECTED):
        found.append(EXCEPTION)
    if state not in _GONE_BACK and sent is not None and sent <= cuts.auto_confirm:
        found.append(AUTO_CONFIRM_RISK)
    if state in (S.AWAITING_PICKUP, S.NO_INFO) or first_scan is None:
        if sent is not None:
            if state == S.NO_INFO and last is None and sent <= cuts.no_info:
                found.append(NO_INFO)
            elif sent <= cuts.no_pickup:
                found.append(NO_PICKUP)
        return Checked(_ordered(found), sent, sent, remote)
    if state == S.AT_PICKUP_POINT and (parcel.get("subtype") == "locker_overdue"
                                       or (last is not None and last <= cuts.pickup_point)):
        found.append(PICKUP_POINT_WAITING)
    if state in _MOVING and last is not None and last <= (cuts.stalled_remote if remote else cuts.stalled):
        found.append(STALLED)
    if state not in _GONE_BACK and first_scan <= cuts.not_signed:
        found.append(NOT_SIGNED)
    if not found:
        return Checked(found, sent, last, remote)
    ordered = _ordered(found)
    since = {STALLED: last, PICKUP_POINT_WAITING: last, NOT_SIGNED: first_scan}
    return Checked(ordered, sent, since.get(ordered[0], last), remote)


_RANK = {finding: rank for rank, finding in enumerate(FINDINGS)}


def _ordered(found: list[str]) -> list[str]:
    return sorted(dict.fromkeys(found), key=_RANK.__getitem__) if len(found) > 1 else found


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
    return {
        "tracking_no": parcel["tracking_no"], "courier": parcel.get("courier"), "order_ids": order_ids,
        "finding": finding, "subtype": subtype, "severity": SEVERITY[finding], "state": parcel["state"],
        "last_event_at": parcel.get("last_event_at"), "last_event": parcel.get("last_event"),
        "hours_since": hours_since(clock.from_iso(checked.since or parcel.get("last_event_at")), now),
        "next_action": M.next_action(finding, subtype), "suggested_message": M.suggested_message(finding, subtype),
        "other_findings": checked.findings[1:], "shipped_at": checked.shipped_at,
        "first_scan_at": parcel.get("first_scan_at"),
        "province": next((o.get("province") for o in orders if o.get("province")), None), "remote": checked.remote,
        "buyer": next((o.get("buyer_nick") for o in orders if o.get("buyer_nick")), None),
    }
