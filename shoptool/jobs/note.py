"""note (PRODUCT §9): an order's seller note and flag, written through the audit log, or its history."""

from __future__ import annotations

import re

from .. import columns as K
from ..columns import Column
from ..errors import UsageError
from ..result import Result
from .shop import Shop

COMMAND = "note"
COLUMNS = [
    Column("order_id", "订单编号", "Order", K.ID),
    Column("at", "时间", "At", K.TIME),
    Column("action", "操作", "Action", labels="note_action"),
    Column("staff", "客服", "Staff"),
    Column("old_note", "原备注", "Old note"),
    Column("new_note", "新备注", "New note"),
    Column("old_flag", "原旗帜", "Old flag", labels="flag"),
    Column("new_flag", "新旗帜", "New flag", labels="flag"),
    Column("old_status", "原状态", "Old status", labels="order_status"),
    Column("new_status", "新状态", "New status", labels="order_status"),
    Column("old_address", "原地址", "Old address", K.ADDRESS),
    Column("new_address", "新地址", "New address", K.ADDRESS),
    Column("old_receiver_name", "原收货人", "Old receiver", K.NAME),
    Column("new_receiver_name", "新收货人", "New receiver", K.NAME),
    Column("old_phone", "原电话", "Old phone", K.PHONE),
    Column("new_phone", "新电话", "New phone", K.PHONE),
    Column("source", "来源", "Source"),
]
TABLE_KEYS = ("at", "action", "staff", "old_note", "new_note", "old_flag", "new_flag", "old_status", "new_status",
              "old_address", "new_address")
_MANGLED = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")


def run(shop: Shop, order: str, text: str | None = None, *, flag: str | None = None, append: bool = False,
        staff: str | None = None) -> Result:
    """Write the order's note and/or flag (logged with who and when); with neither, its history."""
    from ..db import notes as notes_db
    from ..db import write_transaction
    from ..notes import appended, clean_note, history, parse_flag

    at = shop.iso(shop.now())
    order_id = order_number(order)
    colour = notes_db.KEEP
    if flag is not None:
        try:
            colour = parse_flag(flag)
        except ValueError as exc:
            raise UsageError(f"--flag: {exc}") from None
    if text is None and flag is None:
        current = _existing(shop, order_id)
        rows = history(order_id, notes_db.notes_of(shop.db, order_id), notes_db.changes_of(shop.db, order_id))
        line = f"note: order {order_id}: {len(rows)} history entr{'y' if len(rows) == 1 else 'ies'}"
    else:
        with write_transaction(shop.db):
            current = _existing(shop, order_id)
            note = notes_db.KEEP if text is None else (
                appended(current["seller_note"], text) if append else clean_note(text))
            written = notes_db.write_note(shop.db, order_id, at=at, staff=shop.staff(staff), source="note",
                                          note=note, flag=colour, text=clean_note(text))
            current = notes_db.find_order(shop.db, order_id)
        rows = history(order_id, [written] if written else [], [])
        line = f"note: order {order_id}: " + (f"{written['action']} written by {written['staff']}" if written
                                              else "already so, nothing written")
    summary = {"order_id": order_id, "status": current["status"], "seller_note": current["seller_note"],
               "flag": current["flag"], "entries": len(rows)}
    return Result(COMMAND, COLUMNS, rows, summary, title=f"订单 {order_id}", table_keys=TABLE_KEYS,
                  summary_line=line, generated_at=at)


def order_number(text: str) -> str:
    """An order number as staff paste it (="…", a leading ', spaces); refused when Excel rounded it."""
    from ..tables.cells import unwrap

    order_id = unwrap(text)
    if _MANGLED.match(order_id):
        raise UsageError(f"{text!r} is an order number Excel turned into a rounded number; it cannot be recovered",
                         hint="copy the order number from 千牛 or from the export opened as text")
    if not order_id:
        raise UsageError("ORDER is empty")
    return order_id


def _existing(shop: Shop, order_id: str) -> dict:
    from ..db.notes import find_order

    current = find_order(shop.db, order_id)
    if current is None:
        raise UsageError(f"order {order_id} is not in the shop database ({shop.settings.db_path})",
                         hint="check the number, or import the orders export first: shoptool import FILE")
    return current
