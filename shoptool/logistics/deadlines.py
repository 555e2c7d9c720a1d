"""Ship-by deadlines (PRODUCT §18): pay time (COD: placed) + the promise, a pre-sale date from the
SKU properties winning; the late-shipment penalty rule; findings ship_overdue / ship_due_soon.
The clock stops at the courier's first scan when tracking is known, else at the ship time."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from .. import clock

SHIP_OVERDUE, SHIP_DUE_SOON = "ship_overdue", "ship_due_soon"
FINDINGS = (SHIP_OVERDUE, SHIP_DUE_SOON)
SEVERITY = {SHIP_OVERDUE: "error", SHIP_DUE_SOON: "warning"}


@dataclass(frozen=True)
class Penalty:
    """What a late shipment may cost: `percent` of the order, clamped to [minimum, maximum] fen."""

    percent: float = 0.0
    minimum: int = 0
    maximum: int | None = None
    flat: int | None = None

    @classmethod
    def parse(cls, text) -> Penalty:
        """"10%:5-100" (10% of the order, at least 5, at most 100 yuan), "10%", "10%:5-", "30" (flat)."""
        raw = unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").replace("元", "")
        if raw in ("", "0", "none"):
            return cls()
        flat = re.fullmatch(r"(\d+(?:\.\d+)?)", raw)
        if flat:
            return cls(flat=_fen(flat.group(1)))
        found = re.fullmatch(r"(\d+(?:\.\d+)?)%(?::(\d+(?:\.\d+)?)?-(\d+(?:\.\d+)?)?)?", raw)
        if not found:
            raise ValueError(f"not a penalty rule: {text!r} (use e.g. 10%:5-100, 10%, or a flat amount)")
        percent, low, high = found.groups()
        minimum, maximum = _fen(low) if low else 0, _fen(high) if high else None
        if maximum is not None and maximum < minimum:
            raise ValueError(f"penalty rule {text!r}: the maximum is below the minimum")
        return cls(percent=float(percent), minimum=minimum, maximum=maximum)

    def of(self, order_fen: int | None) -> int:
        if self.flat is not None:
            return self.flat
        if not self.percent and not self.minimum:
            return 0
        amount = round((order_fen or 0) * self.percent / 100)
        amount = max(amount, self.minimum)
        return min(amount, self.maximum) if self.maximum is not None else amount


def _fen(yuan: str) -> int:
    from decimal import Decimal

    return int(Decimal(yuan) * 100)


# 预售 dates in SKU properties and titles: "预计12月5日发货", "12月5日前发货", "2026-12-05发货",
# "付款后15天内发货" (relative to payment).
_DATE = re.compile(r"(?:(20\d\d)\s*[年./-]\s*)?(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?\s*(?:之?前|左右|开始|起)?\s*"
                   r"(?:陆续|统一|按顺序|依次)?\s*(?:发货|发出|寄出)")
_DAYS = re.compile(r"(?:付款|下单|拍下)后?\s*(\d{1,3})\s*(?:天|日)\s*(?:内|之内)?\s*(?:发货|发出)")


@dataclass
class Promise:
    due_at: datetime
    text: str  # "48h", "7d", "预售 2026-12-05"
    source: str  # default | sku | presale
    sku: str | None = None


def presale_date(texts, placed: datetime) -> tuple[datetime, str] | tuple[timedelta, str] | None:
    """The pre-sale ship date a product text promises (end of that day, shop time), or a relative
    promise (付款后15天内发货) as a timedelta; None when no text names one. A date without a year
    is the first such date not long before the order was placed."""
    for text in texts:
        if not text:
            continue
        folded = unicodedata.normalize("NFKC", str(text))
        days = _DAYS.search(folded)
        if days:
            return timedelta(days=int(days.group(1))), f"付款后{days.group(1)}天内"
        found = _DATE.search(folded)
        if not found:
            continue
        year, month, day = found.groups()
        month, day = int(month), int(day)
        years = [int(year)] if year else [placed.year, placed.year + 1]
        for candidate in years:
            try:
                moment = datetime.combine(datetime(candidate, month, day).date(), time(23, 59, 59), placed.tzinfo)
            except ValueError:
                break
            if year or moment >= placed - timedelta(days=31):
                return moment, f"预售 {moment:%Y-%m-%d}"
    return None


@dataclass
class Rules:
    promise: timedelta = field(default_factory=lambda: clock.parse_duration("48h"))
    sku: dict = field(default_factory=dict)  # sku code → timedelta
    due_within: timedelta = field(default_factory=lambda: clock.parse_duration("6h"))
    penalty: Penalty = field(default_factory=Penalty)
    promise_text: str = "48h"
    sku_text: dict = field(default_factory=dict)


def promise_of(order: dict, items: list[dict], rules: Rules) -> Promise | None:
    """When this order must ship. None when it has no start (no pay time, or no placed time for COD)."""
    start = clock.from_iso(order.get("created_at") if order.get("is_cod") else order.get("paid_at"))
    if order.get("is_cod") and start is None:
        start = clock.from_iso(order.get("paid_at"))
    if start is None:
        return None
    texts = [t for i in items for t in (i.get("attrs"), i.get("title"))] + [order.get("item_title")]
    presale = presale_date(texts, clock.from_iso(order.get("created_at")) or start)
    if presale is not None:
        when, text = presale
        if isinstance(when, timedelta):
            return Promise(start + when, text, "presale")
        return Promise(when, text, "presale")
    best = Promise(start + rules.promise, rules.promise_text, "default", items[0].get("sku_code") if items else None)
    for item in items:  # the order ships as one parcel: the longest promise of its lines holds
        code = item.get("sku_code")
        if code in rules.sku and start + rules.sku[code] >= best.due_at:
            if best.source != "sku" or start + rules.sku[code] > best.due_at:
                best = Promise(start + rules.sku[code], rules.sku_text[code], "sku", code)
    return best


def finding(due_at: datetime, now: datetime, rules: Rules) -> str | None:
    if now > due_at:
        return SHIP_OVERDUE
    if due_at - now <= rules.due_within:
        return SHIP_DUE_SOON
    return None


def hours_left(due_at: datetime, now: datetime) -> float:
    return round((due_at - now).total_seconds() / 3600, 1)
