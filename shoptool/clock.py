"""Shop time: parsing the many ways exports write a moment, durations from settings, and `--now`.

A time without an offset is shop time (PRODUCT §2), whatever zone the machine runs in. Times are
stored as ISO-8601 with the shop's offset, so they read naturally in Datasette and sort as text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|w|天|小时|分钟|秒)", re.I)
_DURATION_UNITS = {
    "w": 7 * 86400, "d": 86400, "天": 86400, "h": 3600, "小时": 3600,
    "m": 60, "分钟": 60, "s": 1, "秒": 1,
}
_EXCEL_EPOCH = datetime(1899, 12, 30)
# What a person may type where a moment is asked for (--now, --since), for error hints.
TIME_FORMATS_HINT = ("use e.g. 2026-11-21 10:00, 2026-11-21T10:00:00+08:00, 2026/11/21 or 20261121 "
                     "(without an offset it is shop time)")

_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)


@lru_cache(maxsize=8)
def zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_duration(text: str | int | float) -> timedelta:
    """'30m', '24h', '2d', '1h30m', '180d', '5s'; a bare number is seconds."""
    if isinstance(text, (int, float)):
        return timedelta(seconds=text)
    raw = str(text).strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return timedelta(seconds=float(raw))
    pos, total = 0, 0.0
    for match in _DURATION.finditer(raw):
        if raw[pos:match.start()].strip():
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or raw[pos:].strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 24h, 2d)")
    return timedelta(seconds=total)


def parse_clock(text: str) -> time:
    """'16:00' → time(16, 0)."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", str(text))
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        raise ValueError(f"not a time of day: {text!r} (use HH:MM)")
    hour = int(match.group(1)) % 24
    return time(hour, int(match.group(2)), int(match.group(3) or 0))


def parse_quiet_hours(text: str | None) -> tuple[time, time] | None:
    """'21:00-08:00' → (start, end) times of day; empty means no quiet hours."""
    if text is None or not str(text).strip():
        return None
    start, sep, end = str(text).partition("-")
    if not sep:
        raise ValueError(f"not a time range: {text!r} (use e.g. 21:00-08:00)")
    return parse_clock(start), parse_clock(end)


def parse_time(value, tz: tzinfo) -> datetime | None:
    """Any export's moment → an aware datetime; None for blank. Raises ValueError when unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial(value, tz)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = (
        text.replace("年", "-").replace("月", "-").replace("日", " ")
        .replace("时", ":").replace("分", ":").replace("秒", "")
    ).strip().rstrip(":")
    text = re.sub(r"\s+", " ", text)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return excel_serial(float(text), tz)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(f"not a date/time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def excel_serial(serial: float, tz: tzinfo) -> datetime:
    """Excel stores moments as days since 1899-12-30 (the 1900 leap-year bug included)."""
    if not 1 <= serial < 2958466:
        raise ValueError(f"not an Excel date: {serial!r}")
    moment = _EXCEL_EPOCH + timedelta(days=serial)
    moment = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
    return moment.replace(tzinfo=tz)


def to_iso(moment: datetime | None, tz: tzinfo) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(tz).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def now(tz: tzinfo, override: str | None = None) -> datetime:
    """The current moment in shop time, or the `--now` a user or test asked for."""
    if override:
        parsed = parse_time(override, tz)
        if parsed is None:
            raise ValueError("--now is empty")
        return parsed.astimezone(tz)
    return datetime.now(tz)
