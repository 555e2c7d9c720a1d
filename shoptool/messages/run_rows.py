"""A sending run's rows (what `notify-shipped` / `remind-unpaid` list) and the counts of its summary.

Each row is made as a tuple: ROW_KEYS with the draft's extra keys (a reminder's paid_order_id, a
notice's tracking_no and courier) before "detail". When every row has the same keys, as a run's
rows have unless recovery found an orphan beside them, they are read as dicts through rows.Rows
(80,000 reminders: a third of the memory of as many dicts); otherwise each becomes its own dict.
Either way a row reads with exactly the keys, in the order, it always had. Plain data; no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from ..rows import Rows
from . import outbox as ob

ROW_KEYS = ("order_id", "order_ids", "purpose", "step", "action", "reason", "phone", "parts", "buyer",
            "next_attempt_at", "message_id", "text", "detail")
_ACTION, _REASON, _PARTS = (ROW_KEYS.index(k) for k in ("action", "reason", "parts"))
ACTIONS = ("sent", "queued", "deferred", "skipped", "failed", "unknown", "would_send")


def run_rows(shown: Iterable[tuple[ob.Draft, ob.Outcome, object]], recovered: Iterable[dict],
             iso: Callable) -> tuple[list[dict] | Rows, dict[str, int], dict[str, int], int]:
    """(rows, {action: count}, {skip reason: count}, parts sent) of a run: `recovered` are the
    messages recovery made `unknown` (listed first), `shown` (draft as shown, its outcome, its
    rendered text or None) the rest, in plan order."""
    values: list[tuple] = [_recovered(m) for m in recovered]
    shapes: dict[tuple, tuple] = {}  # the extra keys, each shape one shared tuple
    row_shapes: list[tuple] = [shapes.setdefault((), ())] * len(values) if values else []
    for draft, outcome, text in shown:
        action = outcome.action
        shows_text = text is not None and action != "skipped"
        extra = draft.extra
        keys = tuple(extra)
        row_shapes.append(shapes.setdefault(keys, keys))
        values.append((draft.order_id, list(draft.order_ids), draft.purpose, draft.step, action, outcome.reason,
                       draft.phone or draft.shown_phone, text.parts if shows_text else None, draft.buyer_nick,
                       iso(outcome.until) if action == "deferred" else None, outcome.message_id,
                       text.text if shows_text else None, *extra.values(), outcome.detail))
    counts = dict.fromkeys(ACTIONS, 0)
    reasons: dict[str, int] = {}
    parts = 0
    for row in values:
        action = row[_ACTION]
        counts[action] = counts.get(action, 0) + 1
        if action == "skipped":
            reasons[row[_REASON]] = reasons.get(row[_REASON], 0) + 1
        elif action in ("sent", "would_send"):
            parts += row[_PARTS] or 0
    if len(shapes) <= 1:
        rows: list[dict] | Rows = Rows(_keys(next(iter(shapes), ())), values)
    else:
        rows = [dict(zip(_keys(shape), row)) for shape, row in zip(row_shapes, values)]
    return rows, counts, reasons, parts


def _keys(extra: tuple) -> tuple:
    return (*ROW_KEYS[:-1], *extra, ROW_KEYS[-1])


def _recovered(message: dict) -> tuple:
    """A message found orphaned (made `unknown`), as a row of ROW_KEYS (no extra keys)."""
    return (message["order_id"], json.loads(message["order_ids"] or "[]"), message["purpose"], message["step"],
            "unknown", ob.INTERRUPTED, message["phone"], message["parts"], None, None, message["message_id"],
            message["text"], message.get("detail"))
