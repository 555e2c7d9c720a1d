"""The report's arithmetic, as plain functions over rows: windows of time, days of a trend,
what followed a reminder. No database and no drawing here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

PERIODS = {"day": 1, "week": 7, "month": 30}
PERIOD_LABELS = {"day": "近24小时", "week": "近7天", "month": "近30天"}
PERIOD_TITLES = {"day": "经营日报", "week": "经营周报", "month": "经营月报"}
TREND_DAYS = 30
RECOVERY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """`(start, end]`: the period ending at the report's moment (a text sent at that very moment
    counts), and the one before it."""

    start: datetime
    end: datetime

    @property
    def previous(self) -> Window:
        return Window(self.start - (self.end - self.start), self.start)

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start < moment <= self.end

    def query_bounds(self, tz: tzinfo) -> tuple[str, str]:
        """ISO bounds for a text comparison, a day wider on each side: a time stored with another
        offset than the shop's still falls inside; `holds` then cuts exactly."""
        return ((self.start - timedelta(days=1)).astimezone(tz).isoformat(timespec="seconds"),
                (self.end + timedelta(days=1)).astimezone(tz).isoformat(timespec="seconds"))


def period_window(now: datetime, period: str) -> Window:
    """The rolling period ending now: 24 hours, 7 days or 30 days (a morning report then covers
    all of yesterday's business, whatever hour cron runs it)."""
    return Window(now - timedelta(days=PERIODS[period]), now)


def trend_days(now: datetime, days: int = TREND_DAYS) -> list[date]:
    """The last `days` calendar days in shop time, oldest first, today (so far) last."""
    today = now.date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def trend_window(now: datetime, days: int = TREND_DAYS) -> Window:
    first = trend_days(now, days)[0]
    return Window(datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo) - timedelta(microseconds=1), now)


def parse(text: str | None, tz: tzinfo) -> datetime | None:
    """A stored ISO time as an aware datetime in shop time; None for blanks and garbage."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)


def per_day(rows: Iterable[Mapping], time_key: str, days: list[date], tz: tzinfo,
            value_key: str | None = None, until: datetime | None = None) -> list[int]:
    """How many rows (or the sum of `value_key`) fell on each of `days`, in shop time; none after
    `until` (today counts up to the report's moment, also on a replayed --now)."""
    index = {day: n for n, day in enumerate(days)}
    totals = [0] * len(days)
    for row in rows:
        moment = parse(row.get(time_key), tz)
        if moment is None or (until is not None and moment > until):
            continue
        n = index.get(moment.date())
        if n is not None:
            totals[n] += 1 if value_key is None else int(row.get(value_key) or 0)
    return totals


def within(rows: Iterable[Mapping], time_key: str, window: Window, tz: tzinfo) -> list[Mapping]:
    return [row for row in rows if window.holds(parse(row.get(time_key), tz))]


@dataclass(frozen=True)
class Reminder:
    message_id: int
    sent_at: datetime
    paid: bool  # one of its orders was paid within 24 h of the text
    recovered_fen: int  # what those orders brought


def reminder_outcomes(rows: Iterable[Mapping], tz: tzinfo, window: timedelta = RECOVERY_WINDOW,
                      until: datetime | None = None) -> list[Reminder]:
    """One Reminder per text from rows of (message, order): an order counts as recovered when it
    was paid after the text went out and at most `window` later — and, on a report about a past
    moment (`until`, a replayed --now), not after that moment."""
    by_message: dict[int, dict] = {}
    for row in rows:
        sent = parse(row.get("sent_at"), tz)
        if sent is None:
            continue
        entry = by_message.setdefault(row["message_id"], {"sent": sent, "fen": 0, "paid": False, "seen": set()})
        paid = parse(row.get("paid_at"), tz)
        if (paid is not None and sent <= paid <= sent + window and (until is None or paid <= until)
                and row.get("order_id") not in entry["seen"]):
            entry["seen"].add(row.get("order_id"))
            entry["paid"] = True
            entry["fen"] += int(row.get("amount_fen") or 0)
    return [Reminder(mid, e["sent"], e["paid"], e["fen"]) for mid, e in by_message.items()]


def age_hours(moment: datetime | None, now: datetime) -> float | None:
    """Hours from `moment` to now; an import logged after the report's moment (a replayed
    `--now`) is 0 hours old, not negative."""
    if moment is None:
        return None
    return max((now - moment).total_seconds() / 3600, 0.0)


def age_text(hours: float | None) -> str:
    """刚刚, 3 小时前, 2 天前: how people say how old a thing is."""
    if hours is None:
        return "从未导入"
    if hours < 1:
        return "刚刚"
    if hours < 48:
        return f"{int(hours)} 小时前"
    return f"{int(hours // 24)} 天前"


def duration_text(hours: float) -> str:
    """12 小时, 1 天, 7 天."""
    if hours < 24 or hours % 24:
        return f"{hours:g} 小时"
    return f"{int(hours // 24)} 天"
