"""Notes and flags on orders (PRODUCT §9): the words staff use for a flag, how a note is appended,
and an order's history as one time-ordered list of rows.

Pure domain: no database, no printing. The audit log itself is the `notes` table (db/notes.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from .orders import FLAG_COLOURS as FLAGS

FLAG_ZH = {"red": "红旗", "yellow": "黄旗", "green": "绿旗", "blue": "蓝旗", "purple": "紫旗"}
SEPARATOR = "；"

# order_history fields (filled by the orders triggers) → the history row's keys for old/new.
_CHANGE_KEYS = {
    "status": ("old_status", "new_status"),
    "address": ("old_address", "new_address"),
    "receiver_name": ("old_receiver_name", "new_receiver_name"),
    "receiver_mobile": ("old_phone", "new_phone"),
    "receiver_tel": ("old_phone", "new_phone"),
}
HISTORY_KEYS = (
    "order_id", "at", "action", "staff", "old_note", "new_note", "old_flag", "new_flag", "old_status",
    "new_status", "old_address", "new_address", "old_receiver_name", "new_receiver_name", "old_phone",
    "new_phone", "source",
)


def parse_flag(text: str) -> str | None:
    """A flag as staff type it: red, 红, 红旗, 1 … purple, 紫, 5; none, 0 or 无 clears it (None)."""
    from .orders import flag_colour

    try:
        return flag_colour(str(text))
    except ValueError:
        raise ValueError(
            f"not a flag: {text!r} (use {', '.join(FLAGS)}, 红/黄/绿/蓝/紫, 1–5, or none to clear it)"
        ) from None


def clean_note(text: str | None) -> str | None:
    """A note as stored: trimmed; empty means no note."""
    text = (text or "").strip()
    return text or None


def appended(old: str | None, text: str | None) -> str | None:
    """`text` after the existing note, unless the note already says it."""
    old, text = clean_note(old), clean_note(text)
    if not text or (old and text in old):
        return old
    return f"{old}{SEPARATOR}{text}" if old else text


def history(order_id: str, notes: Iterable[Mapping], changes: Iterable[Mapping]) -> list[dict]:
    """Notes-log rows and recorded status/address/receiver changes, oldest first."""
    rows = []
    for note in notes:
        row = dict.fromkeys(HISTORY_KEYS)
        row.update(order_id=order_id, at=note.get("at"), action=note.get("action"), staff=note.get("staff"),
                   source=note.get("source") or "notes")
        for key in ("old_note", "new_note", "old_flag", "new_flag", "old_status", "new_status"):
            row[key] = note.get(key)
        rows.append(row)
    for change in changes:
        keys = _CHANGE_KEYS.get(change.get("field"))
        if keys is None:
            continue
        row = dict.fromkeys(HISTORY_KEYS)
        row.update(order_id=order_id, at=change.get("changed_at"), action=f"{change['field']}_changed",
                   source="import")
        row[keys[0]], row[keys[1]] = change.get("old"), change.get("new")
        rows.append(row)
    rows.sort(key=lambda r: _instant(r["at"]))
    return rows


def _instant(text: str | None) -> float:
    """Seconds since the epoch; an unreadable or missing time sorts first."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        moment = None
    return moment.timestamp() if moment else float("-inf")
