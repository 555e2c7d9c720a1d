"""One tracking result (a 快递100 or 快递鸟 JSON record, or a tracking sheet's row) → the parcel it
describes: canonical state and subtype, first scan, last event, delivery time and its events.
Plain functions: the import kind (imports/kinds/tracking.py) feeds them cleaned values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from .. import clock
from . import states as S

KUAIDI100, KDNIAO, SHEET = "kuaidi100", "kdniao", "sheet"
# states a provider's overall answer may give that an ordinary event code must not override
_SETTLED = frozenset({S.EXCEPTION, S.REJECTED, S.RETURNED, S.RETURNING, S.DELIVERED})


@dataclass
class Event:
    at: datetime | None
    text: str
    location: str | None = None
    code: str | None = None  # 快递100 statusCode / status, 快递鸟 Action

    def as_list(self, tz) -> list:
        return [clock.to_iso(self.at, tz), self.text, self.location, self.code]


@dataclass
class Result:
    state: str
    subtype: str | None
    provider_state: str | None
    first_scan_at: datetime | None
    last_event_at: datetime | None
    last_event: str | None
    last_location: str | None
    delivered_at: datetime | None
    events: list[Event] = field(default_factory=list)


class TraceError(ValueError):
    pass


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def events_of(provider: str, raw, tz) -> list[Event]:
    """The events of a JSON result (`data` of 快递100, `Traces` of 快递鸟), oldest first. `raw` is
    the list itself or its JSON text. Raises TraceError for something that is not a list of events."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise TraceError("the event list is not valid JSON") from None
    if not isinstance(raw, list):
        raise TraceError("the event list is not a list")
    out = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise TraceError(f"event {number} is not an object")
        if provider == KDNIAO:
            when, text = item.get("AcceptTime"), item.get("AcceptStation")
            location, code = item.get("Location"), item.get("Action")
        else:
            when, text = item.get("ftime") or item.get("time"), item.get("context")
            location = item.get("location") or item.get("areaName")
            code = item.get("statusCode") or item.get("status")
        try:
            at = clock.parse_time(when, tz) if when not in (None, "") else None
        except ValueError:
            raise TraceError(f"event {number}: not a time: {str(when)[:40]!r}") from None
        out.append(Event(at, _text(text), _text(location) or None, _text(code) or None))
    # providers list newest first (快递100) or oldest first (快递鸟): sort by time, keep the order of ties
    out.sort(key=lambda e: (e.at is None, e.at or datetime.min.replace(tzinfo=tz)))
    return out


def _event_state(provider: str, event: Event) -> tuple[str, str | None] | None:
    if event.code:
        found = (S.kdniao(None, event.code) if provider == KDNIAO else S.kuaidi100(None, event.code)
                 or S.from_words(event.code))
        if found:
            return found
    return None


def _first_scan(provider: str, events: list[Event]) -> datetime | None:
    """The courier's first scan: the first event that is (or comes after) a pickup."""
    for event in events:
        if event.at is None:
            continue
        found = _event_state(provider, event)
        if found is not None:
            if found[0] in S.SCANNED:
                return event.at
            continue
        if S.is_pickup_text(event.text):
            return event.at
        if S.from_words(event.text) in ((S.AWAITING_PICKUP, None), (S.NO_INFO, None)):
            continue
        return event.at  # a transit scan without a pickup line: the courier has it
    return None


def result(provider: str, *, state=None, state_ex=None, status_text=None, events=(), last_event=None,
           last_event_at: datetime | None = None, picked_up_at: datetime | None = None,
           signed_at: datetime | None = None, is_check=None) -> Result:
    """The parcel a result describes. `state`/`state_ex` are the provider's codes (快递100 state
    and the newest event's statusCode; 快递鸟 State/StateEx); a sheet gives `status_text` words."""
    events = list(events)
    newest = next((e for e in reversed(events) if e.at is not None), events[-1] if events else None)
    found = None
    if provider == KDNIAO:
        found = S.kdniao(state, state_ex)
        code = "/".join(p for p in (_text(state), _text(state_ex)) if p)
    elif provider == KUAIDI100:
        code_ex = state_ex or (newest.code if newest and newest.code and newest.code.isdigit() else None)
        found = S.kuaidi100(state, code_ex)
        overall = S.kuaidi100(state)
        if overall and found and overall[0] in _SETTLED and found[0] not in _SETTLED:
            found = overall  # 疑难/签收/退回 overall, an ordinary code on the newest line: the overall state holds
        code = "/".join(p for p in (_text(state), _text(code_ex)) if p)
        if _text(is_check) == "1" and (found is None or found[0] not in (S.DELIVERED, S.RETURNED, S.REJECTED)):
            found = (S.DELIVERED, None)
    else:
        code = _text(status_text) or None
        found = S.from_words(status_text)
    if found is None and newest is not None:
        found = _event_state(provider, newest) or S.from_words(newest.text)
    if found is None:
        found = (S.NO_INFO, None) if not events and not last_event else (S.IN_TRANSIT, None)
    the_state, subtype = found
    last_text = newest.text if newest is not None else _text(last_event) or None
    last_at = newest.at if newest is not None and newest.at is not None else last_event_at
    if the_state in (S.EXCEPTION, S.REJECTED, S.RETURNING) and subtype in (None, "delivery_failed"):
        # 派件异常 says little: the courier's words (地址不详, 电话错误…) say what went wrong
        subtype = S.subtype_from_text(last_text) or S.subtype_from_text(status_text) or subtype
    if the_state == S.NO_INFO and (events or last_event):
        # 快递鸟 401 / 暂无轨迹 with lines that are only 已下单: nothing scanned yet
        the_state = S.AWAITING_PICKUP if _first_scan(provider, events) is None else S.IN_TRANSIT
    first = picked_up_at or _first_scan(provider, events)
    if first is None and the_state in S.SCANNED:
        first = events[0].at if events and events[0].at else last_at
    if the_state in (S.AWAITING_PICKUP, S.NO_INFO):
        first = picked_up_at
    delivered = signed_at or (last_at if the_state == S.DELIVERED else None)
    return Result(the_state, subtype, code, first, last_at, last_text,
                  newest.location if newest is not None else None, delivered, events)
