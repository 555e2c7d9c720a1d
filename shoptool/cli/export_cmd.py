"""`shoptool export TABLE -o FILE`: any table of the shop database as CSV, xlsx or JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from ..db.tables import EXPORTABLE
from ..jobs import export
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


def export_command(
    table: Annotated[str, typer.Argument(help=f"One of: {', '.join(EXPORTABLE)}.")],
    out: OutputOpt = None,
    fmt: FormatOpt = "auto",
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
    now: NowOpt = None,
) -> None:
    """Dump a table of the shop database (personal data masked unless --show-pii)."""
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = open_shop(db, config, now)
    finish(export.run(shop, table, show_pii=show_pii), opts, shop)
