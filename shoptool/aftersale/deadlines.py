"""When a refund's current step times out (PRODUCT §17): the export's 超时时间 when it gives one,
else the per-status default of `[aftersale.timeouts]` counted from when the step began."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import codes

EXPORT, CONFIG = "export", "config"


@dataclass(frozen=True)
class Deadline:
    at: datetime | None
    source: str | None  # export | config | None (no clock for this step)


def _time(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def step_began(refund: Mapping) -> datetime | None:
    """When the refund's current step began: the request for a request, the buyer's return for a
    return awaiting the seller, else the snapshot that first showed this status."""
    status = refund.get("status")
    if status == codes.WAIT_SELLER_AGREE:
        return _time(refund.get("requested_at")) or _time(refund.get("status_since"))
    if status == codes.WAIT_SELLER_CONFIRM:
        return _time(refund.get("returned_at")) or _time(refund.get("status_since"))
    return _time(refund.get("status_since")) or _time(refund.get("requested_at"))


def deadline(refund: Mapping, timeouts: Mapping[str, timedelta]) -> Deadline:
    """The step's deadline and where it came from; closed and succeeded refunds have none."""
    if refund.get("status") in (codes.CLOSED, codes.SUCCESS):
        return Deadline(None, None)
    exported = _time(refund.get("deadline_at"))
    if exported is not None:
        return Deadline(exported, EXPORT)
    span = timeouts.get(refund.get("status") or "")
    began = step_began(refund)
    if span is None or began is None:
        return Deadline(None, None)
    return Deadline(began + span, CONFIG)


def hours_left(at: datetime | None, now: datetime) -> float | None:
    """Hours from now to the deadline, one decimal; negative once it has passed."""
    if at is None:
        return None
    return round((at - now).total_seconds() / 3600, 1)


def evidence_deadline(refund: Mapping) -> datetime | None:
    return _time(refund.get("evidence_deadline_at"))
