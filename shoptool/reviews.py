"""Medium and negative reviews: who still needs contacting, how long the 30-day window has left,
and why buyers complained (PRODUCT §10).

The platform lets the seller explain a review for `reviews.window_days` after it was posted, but
not once the buyer has added a follow-up review (追评); buyers may revise a 中评/差评 once within
the same window. So the clock matters more than anything else here: the list puts the reviews
nobody has acted on first, oldest first, and the exit code raises the alarm when an open 差评 has
waited longer than `reviews.alert_after`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import parse_duration
from .errors import ConfigError, UsageError
from .settings_defaults import default as setting_default

NEUTRAL, BAD = "neutral", "bad"
RATINGS = (NEUTRAL, BAD)  # good reviews are never listed: nothing to do about them
RATING_WORDS = {"neutral": NEUTRAL, "中评": NEUTRAL, "bad": BAD, "差评": BAD}

OPEN, CONTACTED, RESOLVED, REVISED, MALICIOUS, CLOSED = (
    "open", "contacted", "resolved", "revised", "malicious", "closed",
)
STATUSES = (OPEN, CONTACTED, RESOLVED, REVISED, MALICIOUS, CLOSED)
# What the default listing shows: a contacted buyer has not revised yet, so the review still
# needs following up; the other statuses are settled.
UNHANDLED = (OPEN, CONTACTED)
# Staff move a review on, never back to `open` (that is what an import finds).
UPDATE_STATUSES = (CONTACTED, RESOLVED, REVISED, MALICIOUS, CLOSED)

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReviewRules:
    window_days: int = field(default_factory=lambda: setting_default("reviews.window_days"))
    alert_after: timedelta = field(default_factory=lambda: parse_duration(setting_default("reviews.alert_after")))
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> ReviewRules:
        window = settings["reviews.window_days"]
        if not isinstance(window, int) or window < 0:
            raise ConfigError(f"setting reviews.window_days: expected a whole number of days, got {window!r}")
        return cls(window, settings.duration("reviews.alert_after"),
                   parse_tag_rules(settings["reviews.tags"]))


def parse_tag_rules(value: Any) -> dict[str, tuple[str, ...]]:
    """{tag: [keyword, …]} from settings; a single string counts as one keyword."""
    if not isinstance(value, Mapping):
        raise ConfigError("setting reviews.tags: expected a table of tag = [keywords]")
    rules = {}
    for tag, words in value.items():
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
            raise ConfigError(f"setting reviews.tags.{tag}: expected a list of keywords, got {words!r}")
        rules[str(tag)] = tuple(w.strip().lower() for w in words if w.strip())
    return rules


def parse_ratings(values: Sequence[str] | None) -> tuple[str, ...]:
    """--rating neutral|bad (repeatable, comma-separated, 中评/差评 too); none given = both."""
    wanted = _split(values)
    if not wanted:
        return RATINGS
    unknown = [v for v in wanted if v.lower() not in RATING_WORDS]
    if unknown:
        raise UsageError(f"--rating must be neutral or bad, not {unknown[0]!r}",
                         hint="good reviews are never listed")
    return tuple(r for r in RATINGS if r in {RATING_WORDS[v.lower()] for v in wanted})


def parse_statuses(values: Sequence[str] | None) -> tuple[str, ...]:
    """--status (repeatable, comma-separated, `all`); none given = the unhandled ones."""
    wanted = [v.lower() for v in _split(values)]
    if not wanted:
        return UNHANDLED
    if "all" in wanted:
        return STATUSES
    unknown = [v for v in wanted if v not in STATUSES]
    if unknown:
        raise UsageError(f"--status must be one of {', '.join(STATUSES)} or all, not {unknown[0]!r}")
    return tuple(s for s in STATUSES if s in wanted)


def check_new_status(status: str | None) -> str | None:
    if status is None:
        return None
    if status.lower() not in UPDATE_STATUSES:
        raise UsageError(f"--status must be one of {', '.join(UPDATE_STATUSES)}, not {status!r}")
    return status.lower()


def _split(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in str(value).split(",") if part.strip()]


def tags_for(text: str | None, rules: Mapping[str, Sequence[str]]) -> list[str]:
    """Reason tags, in the order the settings list them. Only the review's own text counts: a
    follow-up like 客服态度还可以 would otherwise tag 服务 on praise."""
    if not text:
        return []
    lowered = text.lower()
    return [tag for tag, words in rules.items() if any(word in lowered for word in words)]


@dataclass(frozen=True)
class Window:
    age_days: int | None
    days_left: int | None  # days the seller may still explain / the buyer still revise; 0 once past
    ends_at: datetime | None


def window(created_at: datetime | None, now: datetime, window_days: int) -> Window:
    """Age and days left in whole days: a window ending in 26 h has 1 day left, not 2; in its last
    day it shows 0 while `ends_at` (解释截止) still says until when (can_explain stays true)."""
    if created_at is None:
        return Window(None, None, None)
    ends_at = created_at + window_days * _DAY
    age = max(math.floor((now - created_at) / _DAY), 0)
    left = max(math.floor((ends_at - now) / _DAY), 0)
    return Window(age, left, ends_at)


def worklist(records: Iterable[Mapping], now: datetime, rules: ReviewRules, *,
             ratings: Sequence[str] = RATINGS, statuses: Sequence[str] = UNHANDLED,
             since: datetime | None = None) -> list[dict]:
    """Stored reviews → the rows staff work through, unhandled first and oldest first.

    `records` are rows of the reviews table; good ones and anything outside the filters are
    dropped here, so the caller may pass more than it needs.
    """
    rows = []
    for record in records:
        if record.get("rating") not in ratings or record.get("status") not in statuses:
            continue
        created = _time(record.get("created_at"))
        if since is not None and (created is None or created < since):
            continue
        rows.append(_row(record, created, now, rules))
    rows.sort(key=_priority)
    return rows


def _row(record: Mapping, created: datetime | None, now: datetime, rules: ReviewRules) -> dict:
    win = window(created, now, rules.window_days)
    has_followup = bool(record.get("followup") or record.get("followup_at"))
    status = record.get("status")
    overdue = (status == OPEN and record.get("rating") == BAD and created is not None
               and now - created > rules.alert_after)
    return {
        "review_id": record.get("review_id"),
        "order_id": record.get("order_id"),
        "rating": record.get("rating"),
        "status": status,
        "created_at": record.get("created_at"),
        "age_days": win.age_days,
        "days_left": win.days_left,
        "tags": tags_for(record.get("content"), rules.tags),
        "buyer": record.get("buyer_nick"),
        "item": record.get("item_title"),
        "content": record.get("content"),
        # additions to the §15 keys
        # the platform closes the explanation at the window's end or at the buyer's 追评
        "can_explain": None if win.days_left is None else win.days_left > 0 and not has_followup,
        "window_ends_at": win.ends_at.isoformat(timespec="seconds") if win.ends_at else None,
        "overdue": overdue,
        "followup": record.get("followup"),
        "reply": record.get("reply"),
        "status_at": record.get("status_at"),
        "status_staff": record.get("status_staff"),
        "status_note": record.get("status_note"),
        "_created": created,
    }


def _priority(row: dict) -> tuple:
    # Nobody has spoken to an `open` buyer yet; `contacted` ones wait on the buyer; settled last.
    rank = {OPEN: 0, CONTACTED: 1}.get(row["status"], 2)
    created = row["_created"]
    return (rank, created is None, created.timestamp() if created else 0, row["review_id"] or "")


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None  # the importer stores ISO; anything else is shown with an unknown age


def summarize(rows: Sequence[Mapping], rules: ReviewRules) -> dict:
    """Counts by rating (the main code), by status and by tag; `overdue` explains exit 1."""
    tags = {tag: 0 for tag in rules.tags}
    for row in rows:
        for tag in row["tags"]:
            tags[tag] = tags.get(tag, 0) + 1
    statuses = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return {
        "rows": len(rows),
        BAD: sum(1 for r in rows if r["rating"] == BAD),
        NEUTRAL: sum(1 for r in rows if r["rating"] == NEUTRAL),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "statuses": statuses,
        "tags": tags,
        "untagged": sum(1 for r in rows if not r["tags"]),
    }


def needs_action(rows: Sequence[Mapping]) -> bool:
    """Exit 1: an open 差评 has waited longer than reviews.alert_after."""
    return any(row["overdue"] for row in rows)


def summary_line(summary: Mapping, rules: ReviewRules) -> str:
    hours = rules.alert_after.total_seconds() / 3600
    after = f"{hours / 24:g}d" if hours % 24 == 0 else f"{hours:g}h"
    line = f"reviews: {summary['rows']} listed ({summary[BAD]} 差评, {summary[NEUTRAL]} 中评)"
    if summary["overdue"]:
        line += f"; {summary['overdue']} open 差评 older than {after}"
    return line


def resolve_id(ident: str, matches: Sequence[Mapping]) -> str:
    """A review id, or an order number when that order has exactly one review."""
    exact = [m for m in matches if m["review_id"] == ident]
    if exact:
        return exact[0]["review_id"]
    if not matches:
        raise UsageError(f"no review {ident!r} (neither a review id nor an order number with a review)",
                         hint="list them with `shoptool reviews --status all`")
    if len(matches) > 1:
        ids = ", ".join(m["review_id"] for m in matches)
        raise UsageError(f"order {ident} has {len(matches)} reviews; give the review id: {ids}")
    return matches[0]["review_id"]
