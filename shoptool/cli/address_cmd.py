"""`shoptool address-check`: will each paid, unshipped parcel arrive (PRODUCT §6)?"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from .. import columns as K
from .. import output
from ..columns import Column
from ..errors import EXIT_FINDINGS, EXIT_INPUT
from ..output import Result
from .app import app
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOpt,
    OutputOpt,
    Shop,
    ShowPiiOpt,
    finish,
    options,
)

COLUMNS = [
    Column("order_id", "订单编号", "Order", K.ID),
    Column("severity", "级别", "Severity"),
    Column("findings", "问题代码", "Findings", K.LIST),
    Column("province", "省", "Province"),
    Column("city", "市", "City"),
    Column("district", "区/县", "District"),
    Column("suggested_message", "建议发给买家", "Suggested message"),
    Column("buyer", "买家会员名", "Buyer"),
    Column("receiver", "收货人", "Receiver", K.NAME),
    Column("phone", "收件电话", "Phone", K.PHONE),
    Column("address", "收货地址", "Address", K.ADDRESS),
    Column("details", "问题说明", "Details", K.LIST),
    Column("status", "订单状态", "Status"),
]
# What fits 80–120 columns: the order, how bad, why in words; the message and the rest go to files.
TABLE_KEYS = ("order_id", "severity", "details", "receiver", "phone")
_MAX_REJECTS_SHOWN = 5


@app.command("address-check")
def address_check_command(
    orders: Annotated[Path | None, typer.Option("--orders", help="Check this orders export (any shape import reads) instead of the shop database; nothing is stored.", show_default=False)] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list orders with only info findings (masked, remote_region) and clean ones.")] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet name or number in a workbook given with --orders.", show_default=False)] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="CSV encoding of --orders (detected: UTF-8, UTF-8 BOM, GBK/GB18030).", show_default=False)] = None,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    out_encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
) -> None:
    """Check paid, unshipped orders' receiver, phone and address before dispatch.

    Lists orders with errors (cannot ship as is) and warnings (confirm first), each with a
    confirmation text for 旺旺 or SMS. Exit 1 when any order has an error-level finding.
    """
    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = Shop(db, config)
    moment = shop.now(now)
    opts.generated_at = shop.iso(moment)
    result = address_result(shop, moment, orders=orders, show_all=show_all, show_pii=show_pii, sheet=sheet,
                            encoding=encoding)
    finish(result, opts, shop)


def address_result(shop: Shop, moment, *, orders: Path | None = None, show_all: bool = False,
                   show_pii: bool = False, sheet: str | None = None, encoding: str | None = None) -> Result:
    """The address-check result for this shop (also one check of `shoptool daily`): the database's
    open orders, or those of the `orders` export."""
    from .. import address_report as report
    from ..address import AddressRules

    rules = AddressRules.from_settings(shop.settings.section("address"))
    check = partial(report.check_all, rules=rules, show_pii=show_pii, include_all=show_all)
    if orders is None:
        checked, rejected, source = _from_database(shop, check), 0, "the shop database"
    else:
        checked, rejected = _from_file(shop, orders, shop.iso(moment), sheet, encoding, check)
        source = orders.name
    summary = report.summarize(checked.rows, checked.checked, rejected_rows=rejected)
    code = EXIT_FINDINGS if checked.errors else EXIT_INPUT if rejected else 0
    return Result("address-check", COLUMNS, checked.rows, summary, exit_code=code, title="地址核对",
                  summary_line=report.summary_line(summary, source), table_keys=TABLE_KEYS)


def _from_database(shop: Shop, check):
    """Open orders streamed from one snapshot of the database, with their recorded changes."""
    from ..address import CHANGE_FIELDS, find_multiple_addresses
    from ..address_report import OPEN_STATUSES
    from ..db import address as queries

    with queries.read_snapshot(shop.db):
        elsewhere = find_multiple_addresses(queries.open_order_buyers(shop.db, OPEN_STATUSES), open_statuses=None)
        history = queries.order_changes(shop.db, OPEN_STATUSES, sorted(CHANGE_FIELDS))
        checked = check(queries.open_orders(shop.db, OPEN_STATUSES), elsewhere=elsewhere, history=history)
        if not checked.checked and not queries.order_count(shop.db):
            output.warn("no orders in the shop database; run `shoptool import FILE` first, or pass --orders FILE")
    return checked


def _from_file(shop: Shop, path: Path, now_iso: str, sheet: str | None, encoding: str | None, check):
    """The open orders of an export; a rejected row is reported as import would, and the rest checked.
    In a file the only record of a change after payment is 修改后的收货地址 (address_modified)."""
    from ..address import find_multiple_addresses
    from ..address_report import OPEN_STATUSES
    from ..db.address import ORDER_COLUMNS
    from ..orders_file import read_orders

    found = read_orders(path, shop.settings, now_iso=now_iso, sheet=sheet, encoding=encoding,
                        statuses=OPEN_STATUSES, columns=ORDER_COLUMNS)
    if found.rejected:
        output.warn(f"{path.name}: {len(found.rejected)} of {found.rows_in} row(s) rejected and not checked:")
        for bad in found.rejected[:_MAX_REJECTS_SHOWN]:
            output.warn(f"  row {bad.row}, column {bad.column}: {bad.reason}")
        if len(found.rejected) > _MAX_REJECTS_SHOWN:
            output.warn(f"  … and {len(found.rejected) - _MAX_REJECTS_SHOWN} more")
    elsewhere = find_multiple_addresses(found.rows, open_statuses=None)
    return check(found.rows, elsewhere=elsewhere, history={}), len(found.rejected)
