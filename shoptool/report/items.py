"""A check's row as one line of the manager's page: what it is about, what to know, how urgent.

Rows come masked and in their check's own keys (PRODUCT §15, §24); their columns say how to read
a value (money in fen, a time, a code with its Chinese labels), so a row of a check this module
has never seen still reads right. Plain functions: no database, no drawing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from .. import columns as K
from ..labels import label
from .model import Item

TEXT_CUT = 40  # characters of a free text (a review, a courier's last scan) shown on the page


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"¥{fen / 100:,.2f}"


class Cells:
    """Values of rows of one check, as people read them."""

    def __init__(self, columns: Sequence[K.Column]):
        self.by_key = {c.key: c for c in columns}

    def __call__(self, row: Mapping, key: str) -> str:
        value = row.get(key)
        if value is None or value == "" or value == []:
            return ""
        column = self.by_key.get(key)
        if column is None:
            return _cut(str(value))
        if column.kind == K.MONEY and isinstance(value, int) and not isinstance(value, bool):
            return yuan(value)
        if column.kind == K.TIME:
            return short_time(value)
        if isinstance(value, (list, tuple)):
            return "、".join(str(label(column.labels, v)) for v in value)
        if column.labels:
            return str(label(column.labels, value))
        return _cut(str(value))


def short_time(value) -> str:
    """11-21 10:00 (the year is the report's own)."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%m-%d %H:%M")


def _cut(text: str, size: int = TEXT_CUT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size - 1] + "…"


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def hours_badge(hours) -> tuple[str | None, str]:
    """(badge, level) from hours left: past the deadline is an error."""
    if hours is None:
        return None, "warning"
    hours = float(hours)
    if hours < 0:
        return f"已超时 {_hours(-hours)}", "error"
    return f"剩 {_hours(hours)}", "warning"


def _hours(hours: float) -> str:
    if hours < 1:
        return f"{max(int(hours * 60), 1)} 分钟"
    if hours < 48:
        return f"{hours:.0f} 小时"
    return f"{hours / 24:.0f} 天"


def refund(row: Mapping, cells: Cells) -> Item:
    badge, level = hours_badge(row.get("hours_left"))
    return Item(title=cells(row, "order_id") or cells(row, "refund_id"),
                detail=_join(cells(row, "finding"), cells(row, "title") or cells(row, "sku"), cells(row, "amount"),
                             cells(row, "next_action")),
                badge=badge, level=level)


def ship(row: Mapping, cells: Cells) -> Item:
    badge, level = hours_badge(row.get("hours_left"))
    due = cells(row, "due_at")
    risk = cells(row, "money_at_risk")
    return Item(title=cells(row, "order_id"),
                detail=_join(cells(row, "finding"), f"应发货 {due}" if due else "", cells(row, "sku"),
                             f"延误赔付约 {risk}" if risk else ""),
                badge=badge, level=level)


def review(row: Mapping, cells: Cells, now: datetime) -> Item:
    ends = row.get("window_ends_at")
    days = row.get("days_left")
    if days == 0 and ends:
        badge, level = f"今天 {short_time(ends)[-5:]} 截止", "error"
    else:
        badge, level = (f"剩 {days} 天", "warning") if days is not None else (None, "warning")
    return Item(title=cells(row, "order_id") or cells(row, "review_id"),
                detail=_join(cells(row, "rating"), cells(row, "status"), cells(row, "tags"), cells(row, "content")),
                badge=badge, level=level)


def parcel(row: Mapping, cells: Cells) -> Item:
    since = row.get("hours_since")
    level = {"error": "error", "info": "info"}.get(str(row.get("severity")), "warning")
    return Item(title=cells(row, "tracking_no") or cells(row, "order_ids"),
                detail=_join(cells(row, "courier"), cells(row, "finding"), cells(row, "subtype"),
                             cells(row, "last_event"), cells(row, "next_action")),
                badge=f"{float(since):.0f} 小时无更新" if isinstance(since, (int, float)) else None, level=level)


def stock(row: Mapping, cells: Cells) -> Item:
    level = {"error": "error", "info": "info"}.get(str(row.get("severity")), "warning")
    figures = []
    if row.get("page_stock") is not None:
        figures.append(f"页面 {row['page_stock']}")
    if row.get("available") is not None:
        figures.append(f"可售 {row['available']}")
    return Item(title=cells(row, "sku") or "（无编码）",
                detail=_join(cells(row, "title"), cells(row, "attrs"), " / ".join(figures)),
                badge=cells(row, "finding") or None, level=level)
