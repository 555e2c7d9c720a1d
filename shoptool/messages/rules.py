"""The rules every text obeys, whatever its purpose (PRODUCT §8): quiet hours per class in shop
time, per-phone caps across purposes, the opt-out list.

Pure: moments and counts in, decisions out. A rule that holds a text back says until when, so
the outbox can defer it rather than drop it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .. import clock
from ..settings_defaults import read

MINUTE = timedelta(minutes=1)
DAY = timedelta(hours=24)

# Reasons a rule gives (stable codes: they land in messages.reason and in JSON).
QUIET_HOURS = "quiet_hours"
PHONE_MINUTE_CAP = "phone_minute_cap"
PHONE_DAY_CAP = "phone_day_cap"
OPTED_OUT = "opted_out"
BUYER_REMINDED = "buyer_reminded"

@dataclass(frozen=True)
class QuietHours:
    """A daily window in shop time during which a class of text is held back, e.g. 21:00-08:00.
    A window whose start is after its end runs over midnight."""

    start: time | None = None
    end: time | None = None

    @classmethod
    def parse(cls, text: str | None) -> QuietHours:
        window = clock.parse_quiet_hours(text)
        return cls(*window) if window else cls()

    def until(self, moment: datetime) -> datetime | None:
        """The end of the quiet period `moment` (aware, in shop time) falls in; None when a text
        may go out now."""
        if self.start is None or self.end is None or self.start == self.end:
            return None
        now = moment.timetz().replace(tzinfo=None)
        day = moment.date()
        if self.start < self.end:  # e.g. 12:00-14:00, within one day
            quiet = self.start <= now < self.end
            end_day = day
        elif now >= self.start:  # evening part of an overnight window
            quiet, end_day = True, day + timedelta(days=1)
        else:  # morning part
            quiet, end_day = now < self.end, day
        if not quiet:
            return None
        return datetime.combine(end_day, self.end, tzinfo=moment.tzinfo)


def cap_wait(moment: datetime, recent: Iterable[datetime], *, per_minute: int, per_day: int
             ) -> tuple[str, datetime] | None:
    """When a phone may next be texted, if a cap holds it back at `moment`: (reason, until).

    `recent` are the moments texts to this phone went out (or may have: `sending`, `unknown`),
    across purposes. A cap of 0 or less means no cap.
    """
    if not recent:  # most phones of a big run: nothing sent to them yet
        return None
    times = sorted(t for t in recent if t > moment - DAY)
    if per_day > 0 and len(times) >= per_day:
        # The window frees up when the oldest text that keeps it full leaves it.
        return PHONE_DAY_CAP, times[-per_day] + DAY
    last_minute = [t for t in times if t > moment - MINUTE]
    if per_minute > 0 and len(last_minute) >= per_minute:
        return PHONE_MINUTE_CAP, last_minute[-per_minute] + MINUTE
    return None


def limit_reached(moment: datetime, recent: Iterable[datetime], limit: int, window: timedelta = DAY) -> bool:
    """Whether `limit` texts already went out within `window` before `moment` (0 = no limit)."""
    if limit <= 0 or not recent:
        return False
    since = moment - window
    return sum(1 for t in recent if t > since) >= limit


def opted_out(phone: str | None, opt_outs: Iterable[str] | set[str]) -> bool:
    """Phones in the opt-out list are stored as 11 digits, as `phone` is (a textable mobile)."""
    return bool(phone) and phone in opt_outs


@dataclass(frozen=True)
class RetryPolicy:
    """When a text the provider refused for now (throttling, a connection that never opened) is
    tried again: after the schedule's wait for its try (the last wait repeats), or the provider's
    own Retry-After up to `max_wait`; `failed` only once the next try would come after the
    message's deadline (a reminder's order closes, a notice's notify.max_age runs out), or after
    `max_attempts` tries when that is set (0 = no such cap). So an outage of a quarter of an hour
    delays texts, and fails only those it outlasts."""

    schedule: tuple[timedelta, ...] = (MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE)
    max_wait: timedelta = timedelta(hours=1)
    max_attempts: int = 0

    @classmethod
    def from_settings(cls, settings) -> RetryPolicy:
        schedule = tuple(clock.parse_duration(step) for step in read(settings, "sms.retry.schedule"))
        return cls(schedule or (MINUTE,), clock.parse_duration(read(settings, "sms.retry.max_wait")),
                   int(read(settings, "sms.max_attempts")))

    def wait(self, attempts: int, asked: float | None = None) -> timedelta:
        """How long to wait after the `attempts`-th try was refused; `asked` is the provider's
        Retry-After in seconds (already bounded by the provider adapter)."""
        own = self.schedule[min(max(attempts, 1), len(self.schedule)) - 1]
        if asked:
            own = max(own, min(timedelta(seconds=min(asked, 86_400 * 366)), self.max_wait))
        return own

    def exhausted(self, attempts: int) -> bool:
        return self.max_attempts > 0 and attempts >= self.max_attempts


@dataclass(frozen=True)
class Rules:
    """The rule settings of one run, read once from the shop's settings."""

    quiet: dict[str, QuietHours]
    per_phone_per_minute: int
    per_phone_per_day: int
    retry: RetryPolicy = RetryPolicy()

    @property
    def max_attempts(self) -> int:
        return self.retry.max_attempts

    @classmethod
    def from_settings(cls, settings) -> Rules:
        quiet = {name: QuietHours.parse(read(settings, f"sms.quiet_hours.{name}"))
                 for name in ("notification", "reminder", "marketing")}
        return cls(quiet, int(read(settings, "sms.per_phone_per_minute")), int(read(settings, "sms.per_phone_per_day")),
                   RetryPolicy.from_settings(settings))

    def quiet_until(self, sms_class: str, moment: datetime) -> datetime | None:
        # A run asks for every message at the same moment: answered once per (class, moment).
        memo = self.__dict__.setdefault("_quiet_memo", {})
        key = (sms_class, moment)
        if key not in memo:
            if len(memo) > 1000:
                memo.clear()
            hours = self.quiet.get(sms_class)
            memo[key] = hours.until(moment) if hours else None
        return memo[key]

    def hold(self, sms_class: str, moment: datetime, recent: Iterable[datetime]) -> tuple[str, datetime] | None:
        """Quiet hours first (a night's wait also lets every cap reset), then the phone's caps."""
        quiet = self.quiet_until(sms_class, moment)
        if quiet is not None:
            return QUIET_HOURS, quiet
        return cap_wait(moment, recent, per_minute=self.per_phone_per_minute, per_day=self.per_phone_per_day)
