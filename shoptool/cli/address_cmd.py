"""`shoptool address-check`: will each paid, unshipped parcel arrive (PRODUCT §6)?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..jobs import address_check
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOnlyOpt,
    OutputOpt,
    ShowPiiOpt,
    finish,
    open_shop,
    options,
)


def address_check_command(
    orders: Annotated[Path | None, typer.Option(
        "--orders",
        help="Check this orders export (any shape import reads) instead of the shop database; nothing is stored.",
        show_default=False)] = None,
    show_all: Annotated[bool, typer.Option(
        "--all", help="Also list orders with only info findings (masked, remote_region) and clean ones.")] = False,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", help="Sheet name or number in a workbook given with --orders.", show_default=False)] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="CSV encoding of --orders (detected: UTF-8, UTF-8 BOM, GBK/GB18030).",
        show_default=False)] = None,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    out_encoding: OutEncodingOnlyOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
) -> None:
    """Check paid, unshipped orders' receiver, phone and address before dispatch.

    Lists orders with errors (cannot ship as is) and warnings (confirm first), each with a
    confirmation text for 旺旺 or SMS. Exit 1 when any order has an error-level finding.
    """
    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = open_shop(db, config, now)
    finish(address_check.run(shop, orders=orders, show_all=show_all, show_pii=show_pii, sheet=sheet,
                             encoding=encoding), opts, shop)
