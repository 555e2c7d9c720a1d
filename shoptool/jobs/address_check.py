"""address-check (PRODUCT §6): will each paid, unshipped parcel arrive?"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from .. import columns as K
from ..columns import Column
from ..errors import EXIT_FINDINGS, EXIT_INPUT
from ..result import Result
from .shop import Shop

COMMAND = "address-check"
COLUMNS = [
    Column("order_id", "订单编号", "Order", K.ID),
    Column("severity", "级别", "Severity", labels="severity"),
    Column("findings", "问题", "Findings", K.LIST, labels="address_finding"),
    Column("province", "省", "Province"),
    Column("city", "市", "City"),
    Column("district", "区/县", "District"),
    Column("suggested_message", "建议发给买家", "Suggested message"),
    Column("buyer", "买家会员名", "Buyer"),
    Column("receiver", "收货人", "Receiver", K.NAME),
    Column("phone", "收件电话", "Phone", K.PHONE),
    Column("address", "收货地址", "Address", K.ADDRESS),
    Column("details", "问题说明", "Details", K.LIST),
    Column("status", "订单状态", "Status", labels="order_status"),
]
# What fits 80–120 columns: the order, how bad, why in words; the message and the rest go to files.
TABLE_KEYS = ("order_id", "severity", "details", "receiver", "phone")
_MAX_REJECTS_SHOWN = 5


def run(shop: Shop, *, orders: Path | None = None, show_all: bool = False, show_pii: bool = False,
        sheet: str | None = None, encoding: str | None = None) -> Result:
    """The database's open orders checked, or those of the `orders` export (nothing stored).
    `show_pii` quotes names, phones and streets in the suggested messages."""
    from ..address import AddressRules, check_all, summarize, summary_line

    rules = AddressRules.from_settings(shop.settings.section("address"))
    check = partial(check_all, rules=rules, show_pii=show_pii, include_all=show_all)
    notes: list[tuple[str, str]] = []
    if orders is None:
        checked, rejected, source = _from_database(shop, check, notes), 0, "the shop database"
    else:
        checked, rejected = _from_file(shop, orders, sheet, encoding, check, notes)
        source = orders.name
    summary = summarize(checked.rows, checked.checked, rejected_rows=rejected)
    code = EXIT_FINDINGS if checked.errors else EXIT_INPUT if rejected else 0
    result = Result(COMMAND, COLUMNS, checked.rows, summary, exit_code=code, title="地址核对",
                    summary_line=summary_line(summary, source), table_keys=TABLE_KEYS,
                    generated_at=shop.iso(shop.now()))
    result.notes.extend(notes)
    return result


def _from_database(shop: Shop, check, notes):
    """Open orders streamed from one snapshot of the database, with their recorded changes."""
    from ..address import CHANGE_FIELDS, OPEN_STATUSES, find_multiple_addresses
    from ..db import address as queries

    with queries.read_snapshot(shop.db):
        elsewhere = find_multiple_addresses(queries.open_order_buyers(shop.db, OPEN_STATUSES), open_statuses=None)
        history = queries.order_changes(shop.db, OPEN_STATUSES, sorted(CHANGE_FIELDS))
        checked = check(queries.open_orders(shop.db, OPEN_STATUSES), elsewhere=elsewhere, history=history)
        if not checked.checked and not queries.order_count(shop.db):
            notes.append(("warning", "no orders in the shop database; run `shoptool import FILE` first, "
                                     "or pass --orders FILE"))
    return checked


def _from_file(shop: Shop, path: Path, sheet: str | None, encoding: str | None, check, notes):
    """The open orders of an export; a rejected row is reported as import would, and the rest checked.
    In a file the only record of a change after payment is 修改后的收货地址 (address_modified)."""
    from ..address import OPEN_STATUSES, find_multiple_addresses
    from ..db.address import ORDER_COLUMNS
    from ..imports.orders_file import read_orders

    found = read_orders(path, shop.settings, now_iso=shop.iso(shop.now()), sheet=sheet, encoding=encoding,
                        statuses=OPEN_STATUSES, columns=ORDER_COLUMNS)
    if found.rejected:
        notes.append(("warning",
                      f"{path.name}: {len(found.rejected)} of {found.rows_in} row(s) rejected and not checked:"))
        for bad in found.rejected[:_MAX_REJECTS_SHOWN]:
            notes.append(("warning", f"  row {bad.row}, column {bad.column}: {bad.reason}"))
        if len(found.rejected) > _MAX_REJECTS_SHOWN:
            notes.append(("warning", f"  … and {len(found.rejected) - _MAX_REJECTS_SHOWN} more"))
    elsewhere = find_multiple_addresses(found.rows, open_statuses=None)
    return check(found.rows, elsewhere=elsewhere, history={}), len(found.rejected)
