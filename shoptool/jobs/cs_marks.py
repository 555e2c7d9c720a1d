"""Marking orders done on a CS list (`rate-buyers --done`, `invoices --issued`): the orders named on
the command line or listed in a file, each mark recorded once with who and when, and logged in the
order's notes history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import columns as K
from ..errors import EXIT_INPUT, UsageError
from ..result import Result
from .shop import Shop

# 3.91200E+18: an order number Excel rounded (order_number says so), not a file name
_MANGLED_NUMBER = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("action", "处理", "Action", labels="mark_action"),
    K.Column("status", "订单状态", "Status", labels="order_status"),
    K.Column("staff", "客服", "Staff"),
    K.Column("at", "时间", "At", K.TIME),
    K.Column("source", "来源", "From", labels="mark_source"),  # "argument", or "FILE row N"
    K.Column("reason", "说明", "Reason"),
]


@dataclass(frozen=True)
class Target:
    order_id: str | None
    source: str  # "argument" or "FILE row N"
    reason: str | None = None  # why it cannot be marked (a mangled cell)


def targets(shop: Shop, given: Sequence[str]) -> list[Target]:
    """Each argument is a file of order numbers when such a file exists, else an order number."""
    from ..imports.order_numbers import read_order_numbers
    from .note import order_number

    found: list[Target] = []
    for item in given:
        path = Path(item)
        if path.is_file():
            listed = read_order_numbers(path, shop.settings)
            found += [Target(order_id, f"{path.name} row {row}") for order_id, row in listed.numbers]
            found += [Target(None, f"{path.name} row {r.row}", f"{r.column}: {r.reason}") for r in listed.rejected]
        elif any(mark in item for mark in ("/", "\\", ".")) and not _MANGLED_NUMBER.match(item.strip()):
            raise UsageError(f"{item}: no such file", hint="name order numbers, or files of them that exist")
        else:
            found.append(Target(order_number(item), "argument"))
    if not found:
        raise UsageError("no order numbers given", hint="name ORDER numbers or a FILE with an 订单编号 column")
    return found


def mark(shop: Shop, command: str, given: Sequence[str], *, task: str, result: str, action: str, text: str,
         staff: str | None = None, note: str | None = None) -> Result:
    """Record `task` = `result` on every named order not already so; rows say what happened to each.
    An unknown order number given as an argument stops everything (exit 2); unknown or unreadable
    rows of a file are listed and the rest marked (exit 3)."""
    from ..db import cs_lists as store
    from ..db import write_transaction

    wanted = targets(shop, given)
    known = store.existing_orders(shop.db, [t.order_id for t in wanted if t.order_id])
    missing = [t.order_id for t in wanted if t.source == "argument" and t.order_id not in known]
    if missing:
        raise UsageError(f"order {missing[0]} is not in the shop database ({shop.settings.db_path})",
                         hint="check the number, or import the orders export first: shoptool import FILE")
    at, who = shop.iso(shop.now()), shop.staff(staff)
    logged = f"{text}：{note.strip()}" if note and note.strip() else text
    rows, done = [], set()
    with write_transaction(shop.db):
        for target in wanted:
            row = {"order_id": target.order_id, "action": None, "status": None, "staff": None, "at": None,
                   "source": target.source, "reason": target.reason}
            rows.append(row)
            if target.order_id is None:
                row["action"] = "not_found"
                continue
            if target.order_id not in known:
                row.update(action="not_found", reason="订单不在库中（先导入订单导出表）")
                continue
            current = store.order_for_mark(shop.db, target.order_id)
            row["status"] = current["status"]
            before = current["marks"].get(task)
            if (before and before["result"] == result) or target.order_id in done:
                row.update(action="already", staff=before["staff"] if before else who,
                           at=before["at"] if before else at)
                continue
            store.record_mark(shop.db, target.order_id, task, result, at=at, staff=who)
            store.log(shop.db, target.order_id, at=at, staff=who, action=action, source=command, text=logged)
            done.add(target.order_id)
            row.update(action="marked", staff=who, at=at)
    counts = {name: sum(1 for r in rows if r["action"] == name) for name in ("marked", "already", "not_found")}
    bad = counts["not_found"]
    line = (f"{command}: {counts['marked']} order(s) marked by {who}, {counts['already']} already marked"
            + (f", {bad} not found or unreadable" if bad else ""))
    out = Result(command, COLUMNS, rows, counts, exit_code=EXIT_INPUT if bad else 0, summary_line=line,
                 generated_at=at)
    if bad:
        first = next(r for r in rows if r["action"] == "not_found")
        out.warn(f"{first['source']}: {first['reason'] or 'order not found'}"
                 + (f" (and {bad - 1} more)" if bad > 1 else ""))
    return out
