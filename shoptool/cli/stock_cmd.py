"""`shoptool stock-check`: page stock against warehouse stock (PRODUCT §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..jobs import stock_check
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOpt,
    OutputOpt,
    finish,
    open_shop,
    options,
)


def stock_check_command(
    page: Annotated[Path | None, typer.Option(
        "--page", help="Page stock sheet (宝贝库存 export) instead of the imported one.", show_default=False)] = None,
    warehouse: Annotated[Path | None, typer.Option(
        "--warehouse", help="Warehouse/ERP stock sheet (旺店通, 聚水潭, generic) instead of the imported one.",
        show_default=False)] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Findings that make the exit code 1, comma separated (default: "
        "oversell_risk,missing_in_warehouse,duplicate_sku,negative_stock); \"\" for none.", show_default=False)] = None,
    fix_file: Annotated[Path | None, typer.Option(
        "--fix-file", help="Write the suggested page stock to FILE (.xlsx or .csv) for the platform's batch edit.",
        show_default=False)] = None,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
) -> None:
    """Check page stock against warehouse stock: oversell risks, unknown codes, lost sales.

    Exit 1 when a finding named by --fail-on exists, 0 otherwise. Files given with --page or
    --warehouse are read, not stored; the other side comes from the shop database.
    """
    opts = options(fmt, out, headers, encoding=encoding)
    shop = open_shop(db, config, now)
    finish(stock_check.run(shop, page=page, warehouse=warehouse, fail_on=fail_on, fix_file=fix_file), opts, shop)
