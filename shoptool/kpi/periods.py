"""The periods of the board: a month, the days since a moment, and the days a sheet covers (its
日期 column, a range in its file name such as `…_20261001-20261031.xlsx`, or `import --period`).

Pure domain: dates and datetimes in, a Period or a pair of dates out; ValueError with words for
staff when a text is not a period.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from .. import clock

# Counting targets ([kpi.targets] of notes, reviews revised…) are per month of this many days; a
# period that is not a whole calendar month scales them by its length.
MONTH_DAYS = 30
PERIOD_HINT = "use e.g. 2026-10 (a month), 2026-10-05 (a day), 20261001-20261031 or 2026-10-01..2026-10-31"


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, shop time
    end: datetime  # exclusive
    label: str
    whole_month: bool = False

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    @property
    def target_scale(self) -> float:
        """What share of a month's counting targets this period is asked for."""
        return 1.0 if self.whole_month else round(self.days / MONTH_DAYS, 4)

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))\s*$")


def parse_month(text: str) -> tuple[int, int]:
    """`2026-10`, `2026/10`, `202610`, `2026年10月` → (2026, 10)."""
    match = _MONTH.match(unicodedata.normalize("NFKC", str(text)))
    if not match:
        raise ValueError(f"not a month: {text!r} (use YYYY-MM, e.g. 2026-10)")
    year, month = int(match.group(1)), int(match.group(2) or match.group(3))
    if not 1 <= month <= 12 or not 2000 <= year <= 2099:
        raise ValueError(f"not a month: {text!r} (use YYYY-MM, e.g. 2026-10)")
    return year, month


def month_period(text: str, now: datetime) -> Period:
    """A calendar month in shop time; the current month runs until `now` (month to date)."""
    year, month = parse_month(text)
    tz = now.tzinfo
    start = datetime(year, month, 1, tzinfo=tz)
    following = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    if start > now:
        raise ValueError(f"{year}-{month:02d} has not begun yet (now is {now:%Y-%m-%d %H:%M})")
    end = min(following, now)
    label = f"{year}-{month:02d}" + ("" if end == following else f" (to {now:%m-%d %H:%M})")
    return Period(start, end, label, whole_month=end == following)


_DURATION_ONLY = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?:w|d|h|天|小时|周)\s*$", re.I)


def since_period(text: str, now: datetime) -> Period:
    """`30d`, `2w`, `12h` before `now`, or a date/time (`2026-11-01`) until `now`."""
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    if _DURATION_ONLY.match(raw):
        start = now - clock.parse_duration(raw.replace("周", "w"))
    else:
        start = clock.parse_time(raw, now.tzinfo)
        if start is None:
            raise ValueError("--since is empty")
        start = start.astimezone(now.tzinfo)
    if start >= now:
        raise ValueError(f"{text!r} is not before now ({now:%Y-%m-%d %H:%M})")
    return Period(start, now, f"{start:%Y-%m-%d %H:%M} – {now:%Y-%m-%d %H:%M}")


def board_period(month: str | None, since: str | None, now: datetime) -> Period:
    """--month, --since, or (neither) the current month to date. ValueError names the option."""
    if month and since:
        raise ValueError("give --month or --since, not both")
    try:
        if since:
            return since_period(since, now)
        return month_period(month or f"{now:%Y-%m}", now)
    except ValueError as exc:
        raise ValueError(f"{'--since' if since else '--month'}: {exc}") from None


def whole_days(first: date, last: date, tz: tzinfo) -> Period:
    """The days first..last as a Period (the span of a sheet, for notes)."""
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    return Period(start, datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1),
                  f"{first}..{last}")


# ---------------------------------------------------------------- the days a sheet covers

_DAY_TOKEN = re.compile(
    r"(?<!\d)(?:(20\d{2})-(\d{1,2})-(\d{1,2})|(20\d{2})/(\d{1,2})/(\d{1,2})|(20\d{2})(\d{2})(\d{2}))(?!\d)"
)
_MONTH_TOKEN = re.compile(r"(?<!\d)(20\d{2})[-_]?(0[1-9]|1[0-2])(?!\d)")
_RANGE_WORDS = re.compile(r"^\s*(?:-|_|~|至|到|—|–|\.\.|to)\s*$", re.I)


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"(\d)\s*年\s*(\d)", r"\1-\2", re.sub(r"(\d)\s*月\s*(\d)", r"\1-\2", text)).replace("日", "")


def _day_tokens(text: str) -> list[tuple[date, int, int]]:
    found = []
    for match in _DAY_TOKEN.finditer(text):
        groups = [g for g in match.groups() if g is not None]
        try:
            found.append((date(int(groups[0]), int(groups[1]), int(groups[2])), match.start(), match.end()))
        except ValueError:
            continue  # 20261399: not a date, perhaps part of a number
    return found


def days_in_text(text: str) -> tuple[date, date] | None:
    """The days a text names: a range of two dates (`20261001-20261031`, `2026-10-01至2026-10-31`),
    one date (that day), or a month (`202610`, `2026-10`); None when it names none."""
    text = _normalised(text)
    tokens = _day_tokens(text)
    if len(tokens) >= 2:
        first, last = tokens[0][0], tokens[1][0]
        return (first, last) if first <= last else None
    if len(tokens) == 1:
        return tokens[0][0], tokens[0][0]
    month = _MONTH_TOKEN.search(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    return None


def parse_days(text: str) -> tuple[date, date]:
    """`import --period`: a month, a day or a range of days (see PERIOD_HINT). ValueError otherwise."""
    raw = _normalised(text).strip()
    try:
        year, month = parse_month(raw)
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        pass
    tokens = _day_tokens(raw)
    spans = [raw[:tokens[0][1]]] if tokens else [raw]
    if len(tokens) == 2:
        spans += [raw[tokens[1][2]:]]
        between = raw[tokens[0][2]:tokens[1][1]]
        if not _RANGE_WORDS.match(between):
            raise ValueError(f"not a period: {text!r} ({PERIOD_HINT})")
    elif len(tokens) == 1:
        spans += [raw[tokens[0][2]:]]
    if not tokens or len(tokens) > 2 or any(part.strip() for part in spans):
        raise ValueError(f"not a period: {text!r} ({PERIOD_HINT})")
    first, last = tokens[0][0], tokens[-1][0]
    if last < first:
        raise ValueError(f"the period ends before it begins: {text!r}")
    return first, last


def parse_day(value, tz: tzinfo) -> date | None:
    """A 日期 cell: a date, a datetime, an Excel serial number or text (2026-10-01, 2026/10/1,
    20261001, 2026年10月1日). None for blank; ValueError when it is no date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    moment = clock.parse_time(text, tz)
    return moment.date() if moment else None
