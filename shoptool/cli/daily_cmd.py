"""`shoptool daily`: the team's morning worklist — every check's count and first rows (PRODUCT §11)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..jobs import daily
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOpt,
    OutputOpt,
    ShowPiiOpt,
    finish,
    open_shop,
    options,
)


def daily_command(
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown per check on the screen and in JSON.")] = 5,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The morning worklist: stock risks, addresses to confirm, merges, texts due, reviews, the outbox.

    Counts and the first rows of every check; `-o daily.xlsx` writes one sheet per check with all
    its rows. Changes nothing and sends nothing.
    """
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = open_shop(db, config, now)
    sheets = _writes_sheets(opts)  # a workbook: every row of every check, as compact tuples
    finish(daily.run(shop, top=top, show_pii=show_pii, keep=None if sheets else (), compact=sheets), opts, shop)


def _writes_sheets(opts) -> bool:
    """Whether the output is a workbook, whose sheets hold every row of every check."""
    from .. import output
    from ..errors import UsageError

    try:
        return output.resolve_format(opts) == "xlsx"
    except UsageError:
        return True  # finish() reports it, after the run as before
