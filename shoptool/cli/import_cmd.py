"""`shoptool import`: platform/ERP exports into the shop database (PRODUCT §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import output
from ..jobs import import_files
from .options import ConfigOpt, DbOpt, FormatOpt, NowOpt, OutputOpt, finish, open_shop, options


def import_command(
    files: Annotated[Optional[list[Path]], typer.Argument(
        help="Export files (.csv, .xlsx, .xls).", show_default=False)] = None,
    kind: Annotated[Optional[str], typer.Option(
        "--as", help=f"Force the kind: {import_files.kinds_help()}.", show_default=False)] = None,
    sheet: Annotated[Optional[str], typer.Option(
        "--sheet", help="Sheet name or number in a workbook.", show_default=False)] = None,
    encoding: Annotated[Optional[str], typer.Option(
        "--encoding", help="CSV encoding (detected: UTF-8, UTF-8 BOM, GBK/GB18030).", show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Store nothing from a file with any rejected row.")] = False,
    period: Annotated[Optional[str], typer.Option(
        "--period", help="Days a 客服绩效 sheet without a 日期 column covers, when its file name does not say: "
                         "2026-10, 20261001-20261031 or 2026-10-01..2026-10-31.", show_default=False)] = None,
    inbox: Annotated[Optional[Path], typer.Option(
        "--inbox", help="Import every new file in DIR, moving each to DIR/done or DIR/failed.",
        show_default=False)] = None,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
) -> None:
    """Import exports: orders, order lines, page stock, warehouse stock, shipments, reviews, opt-outs, 客服绩效.

    The kind is detected from the header row. One transaction per file; rejected rows go to
    FILE.rejects.csv with row, column and reason (exit 3). Importing the same file again changes nothing.
    """
    opts = options(fmt, out)
    shop = open_shop(db, config, now)
    result = import_files.run(shop, files or (), inbox=inbox, kind=kind, sheet=sheet, encoding=encoding,
                              strict=strict, period=period, full_paths=opts.format == "json", announce=output.note,
                              progress=output.Progress)
    finish(result, opts, shop)
