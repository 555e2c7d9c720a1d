"""`shoptool address-check`: will each paid, unshipped parcel arrive (PRODUCT §6)?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import columns as K
from .. import output
from ..columns import Column
from ..errors import EXIT_FINDINGS, EXIT_INPUT
from ..output import Result
from .app import app
from .options import (ConfigOpt, DbOpt, FormatOpt, HeadersOpt, NowOpt, OutEncodingOpt, OutputOpt, Shop, ShowPiiOpt,
                      finish, options)

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
    orders: Annotated[Optional[Path], typer.Option("--orders", help="Check this orders export (any shape import reads) instead of the shop database; nothing is stored.", show_default=False)] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list orders with only info findings (masked, remote_region) and clean ones.")] = False,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Sheet name or number in a workbook given with --orders.", show_default=False)] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="CSV encoding of --orders (detected: UTF-8, UTF-8 BOM, GBK/GB18030).", show_default=False)] = None,
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
    from .. import address, address_report as report

    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now(now))
    rules = address.AddressRules.from_settings(shop.settings.section("address"))
    if orders is None:
        rows, history, rejected, source = *_from_database(shop), 0, "the shop database"
    else:
        rows, history, rejected, source = _from_file(shop, orders, opts.generated_at, sheet, encoding)
    checks = address.check_orders(rows, rules, history=history, show_pii=show_pii)
    listed = report.report_rows(rows, checks, include_all=show_all)
    summary = report.summarize(listed, len(rows), rejected_rows=rejected)
    code = EXIT_FINDINGS if report.has_errors(checks) else EXIT_INPUT if rejected else 0
    finish(Result("address-check", COLUMNS, listed, summary, exit_code=code, title="地址核对",
                  summary_line=report.summary_line(summary, source), table_keys=TABLE_KEYS), opts, shop)


def _from_database(shop: Shop) -> tuple[list[dict], dict]:
    from ..address import CHANGE_FIELDS
    from ..address_report import OPEN_STATUSES
    from ..db import address as queries

    rows = queries.open_orders(shop.db, OPEN_STATUSES)
    if not rows and not queries.order_count(shop.db):
        output.warn("no orders in the shop database; run `shoptool import FILE` first, or pass --orders FILE")
    return rows, queries.order_changes(shop.db, OPEN_STATUSES, sorted(CHANGE_FIELDS))


def _from_file(shop: Shop, path: Path, now_iso: str, sheet: str | None, encoding: str | None):
    """The open orders of an export; a rejected row is reported as import would, and the rest checked."""
    from ..address_report import OPEN_STATUSES
    from ..orders_file import read_orders

    found = read_orders(path, shop.settings, now_iso=now_iso, sheet=sheet, encoding=encoding)
    if found.rejected:
        output.warn(f"{path.name}: {len(found.rejected)} of {found.rows_in} row(s) rejected and not checked:")
        for bad in found.rejected[:_MAX_REJECTS_SHOWN]:
            output.warn(f"  row {bad.row}, column {bad.column}: {bad.reason}")
        if len(found.rejected) > _MAX_REJECTS_SHOWN:
            output.warn(f"  … and {len(found.rejected) - _MAX_REJECTS_SHOWN} more")
    rows = [row for row in found.rows if row["status"] in OPEN_STATUSES]
    # In a file the only record of a change after payment is 修改后的收货地址 (address_modified).
    return rows, {}, len(found.rejected), path.name
