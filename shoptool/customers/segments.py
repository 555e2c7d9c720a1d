"""Segments and RFM scores (PRODUCT §20), the 客户运营平台's own words: 成交客户 (paid at least
once), 未成交客户 (orders, none paid), 新客 (first paid order within crm.new_within, default 30
days), 复购 (two or more paid orders), 沉睡 (last purchase 90–180 days ago), 流失 (more than 180).
A buyer is in every segment that fits; `primary` picks the one a list shows.

RFM: R from days since the last purchase, F from paid orders, M from spend, each 1–5 against
ascending thresholds in [crm.rfm] (R: 5 within the first threshold of days; F and M: 1 below the
first threshold, +1 for each one reached)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

PAID = "成交客户"
UNPAID = "未成交客户"
NEW = "新客"
REPEAT = "复购"
SLEEPING = "沉睡"
LOST = "流失"
SEGMENTS = (PAID, UNPAID, NEW, REPEAT, SLEEPING, LOST)
# English spellings accepted on the command line (JSON keeps the Chinese names)
ALIASES = {"paid": PAID, "unpaid": UNPAID, "new": NEW, "repeat": REPEAT, "sleeping": SLEEPING, "lost": LOST}


@dataclass(slots=True)
class Stats:
    """What the orders held say about one buyer (db/customers.py aggregates them)."""

    buyer: str
    orders: int = 0  # orders of any status
    paid_orders: int = 0
    spend_fen: int = 0
    window_orders: int = 0  # paid orders within crm.window
    window_spend_fen: int = 0
    first_paid_at: str | None = None
    last_paid_at: str | None = None
    nick: str | None = None


@dataclass(frozen=True)
class Rules:
    new_within: timedelta = timedelta(days=30)
    sleeping_after: timedelta = timedelta(days=90)
    lost_after: timedelta = timedelta(days=180)
    recency_days: tuple[int, ...] = (30, 90, 180, 365)
    frequency: tuple[int, ...] = (2, 3, 5, 8)
    monetary_fen: tuple[int, ...] = (10_000, 30_000, 100_000, 300_000)


@dataclass(slots=True)
class Profile:
    stats: Stats
    tier: str | None
    segments: list[str] = field(default_factory=list)
    segment: str | None = None
    r: int | None = None
    f: int | None = None
    m: int | None = None
    days_since: int | None = None


class Clock:
    """Calendar days in shop time from a stored moment to `now` (0 today, 1 yesterday…), cached by
    day: a shop's history has a few hundred distinct days, its buyers hundreds of thousands."""

    def __init__(self, now: datetime):
        self.now = now
        self.today = now.date()
        offset = now.isoformat()[19:]  # "+08:00": stored moments in the shop's offset carry their own date
        self.offset = offset if offset.startswith(("+", "-")) else None
        self.cache: dict[str, int] = {}

    def days(self, iso: str | None) -> int | None:
        if not iso:
            return None
        if self.offset and iso.endswith(self.offset) and len(iso) >= 10:
            key = iso[:10]
            found = self.cache.get(key)
            if found is None:
                found = self.cache[key] = (self.today - date.fromisoformat(key)).days
            return found
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is not None and self.now.tzinfo is not None:
            moment = moment.astimezone(self.now.tzinfo)
        return (self.today - moment.date()).days


def segments_of(stats: Stats, clock: Clock, rules: Rules, last: int | None = None) -> list[str]:
    if stats.paid_orders <= 0:
        return [UNPAID] if stats.orders > 0 else []
    found = [PAID]
    first = clock.days(stats.first_paid_at)
    if first is not None and first <= rules.new_within.days:
        found.append(NEW)
    if stats.paid_orders >= 2:
        found.append(REPEAT)
    if last is None:
        last = clock.days(stats.last_paid_at)
    if last is not None:
        if last > rules.lost_after.days:
            found.append(LOST)
        elif last >= rules.sleeping_after.days:
            found.append(SLEEPING)
    return found


_PRIMARY = (LOST, SLEEPING, NEW, REPEAT, PAID, UNPAID)


def primary(segments: Sequence[str]) -> str | None:
    """The one segment a list shows: lifecycle first (流失, 沉睡, 新客), then 复购, 成交客户."""
    for name in _PRIMARY:
        if name in segments:
            return name
    return None


def score_up(value: float, thresholds: Sequence[float]) -> int:
    """1 below the first threshold, +1 for each threshold reached (at most 5); thresholds ascending."""
    return min(1 + bisect_right(thresholds, value), 5)


def rfm(stats: Stats, clock: Clock, rules: Rules, last: int | None = None
        ) -> tuple[int | None, int | None, int | None, int | None]:
    if stats.paid_orders <= 0:
        return None, None, None, None
    days = clock.days(stats.last_paid_at) if last is None else last
    whole = max(days, 0) if days is not None else None
    # R: 5 within the first number of days, one less past each threshold
    r = None if whole is None else 5 - min(bisect_left(rules.recency_days, whole), 4)
    return r, score_up(stats.paid_orders, rules.frequency), score_up(stats.spend_fen, rules.monetary_fen), whole


def profile(stats: Stats, now: datetime | Clock, rules: Rules, tiers) -> Profile:
    from .tiers import tier_of

    clock = now if isinstance(now, Clock) else Clock(now)
    last = clock.days(stats.last_paid_at) if stats.paid_orders > 0 else None
    found = segments_of(stats, clock, rules, last)
    r, f, m, days = rfm(stats, clock, rules, last)
    return Profile(stats, tier_of(tiers, orders=stats.window_orders, spend_fen=stats.window_spend_fen), found,
                   found[-1] if len(found) == 1 else primary(found), r, f, m, days)


def profiles(stats: Iterable[Stats], now: datetime, rules: Rules, tiers) -> list[Profile]:
    return list(iter_profiles(stats, now, rules, tiers))


def iter_profiles(stats: Iterable[Stats], now: datetime, rules: Rules, tiers) -> Iterator[Profile]:
    """profiles() one at a time, as `stats` are read."""
    clock = Clock(now)
    for s in stats:
        yield profile(s, clock, rules, tiers)


def segment_name(text: str) -> str | None:
    """A segment as typed: its Chinese name or English alias; None when unknown."""
    text = (text or "").strip()
    return text if text in SEGMENTS else ALIASES.get(text.lower())


def counts(profiles: Sequence[Profile]) -> dict[str, int]:
    found = {name: 0 for name in SEGMENTS}
    for p in profiles:
        for name in p.segments:
            found[name] += 1
    return found


def rules_from(settings: Mapping) -> Rules:
    from .. import clock
    from ..settings_defaults import read

    def ints(path: str, scale: int = 1) -> tuple[int, ...]:
        return tuple(round(float(v) * scale) for v in read(settings, path))

    return Rules(clock.parse_duration(read(settings, "crm.new_within")),
                 clock.parse_duration(read(settings, "crm.sleeping_after")),
                 clock.parse_duration(read(settings, "crm.lost_after")),
                 ints("crm.rfm.recency_days"), ints("crm.rfm.frequency"), ints("crm.rfm.monetary", 100))


@dataclass
class Tally:
    """What `segments` reports: buyers per segment, per tier, per R/F/M score."""

    buyers: int = 0
    segments: dict[str, int] = field(default_factory=lambda: {name: 0 for name in SEGMENTS})
    tiers: dict[str, int] = field(default_factory=dict)
    rfm: dict[str, dict[int, int]] = field(default_factory=lambda: {"r": {}, "f": {}, "m": {}})


def tally(stats: Iterable[Stats], now: datetime, rules: Rules, tiers) -> Tally:
    """The counts of profiles(stats…), without a Profile per buyer: the same rules (tests hold the
    two to the same answer), inlined because a shop has hundreds of thousands of buyers."""
    from .tiers import tier_of

    clock, out = Clock(now), Tally()
    seg, tier_count, r_count, f_count, m_count = out.segments, out.tiers, out.rfm["r"], out.rfm["f"], out.rfm["m"]
    new_days, sleeping, lost = rules.new_within.days, rules.sleeping_after.days, rules.lost_after.days
    recency, frequency, monetary = rules.recency_days, rules.frequency, rules.monetary_fen
    days = clock.days
    for s in stats:
        out.buyers += 1
        if s.paid_orders <= 0:
            if s.orders > 0:
                seg[UNPAID] += 1
            continue
        seg[PAID] += 1
        first = days(s.first_paid_at)
        if first is not None and first <= new_days:
            seg[NEW] += 1
        if s.paid_orders >= 2:
            seg[REPEAT] += 1
        last = days(s.last_paid_at)
        if last is not None:
            if last > lost:
                seg[LOST] += 1
            elif last >= sleeping:
                seg[SLEEPING] += 1
            r = 5 - min(bisect_left(recency, max(last, 0)), 4)
            r_count[r] = r_count.get(r, 0) + 1
        f = min(1 + bisect_right(frequency, s.paid_orders), 5)
        f_count[f] = f_count.get(f, 0) + 1
        m = min(1 + bisect_right(monetary, s.spend_fen), 5)
        m_count[m] = m_count.get(m, 0) + 1
        name = tier_of(tiers, orders=s.window_orders, spend_fen=s.window_spend_fen)
        if name:
            tier_count[name] = tier_count.get(name, 0) + 1
    return out
