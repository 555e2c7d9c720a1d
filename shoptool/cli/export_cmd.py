"""`shoptool export TABLE -o FILE`: any table of the shop database as CSV, xlsx or JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from ..db.tables import EXPORTABLE, table_columns, table_rows
from ..errors import UsageError
from ..output import Result
from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, HeadersOpt, OutEncodingOpt, OutputOpt, Shop, ShowPiiOpt, finish, options


@app.command("export")
def export_command(
    table: Annotated[str, typer.Argument(help=f"One of: {', '.join(EXPORTABLE)}.")],
    out: OutputOpt = None,
    fmt: FormatOpt = "auto",
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Dump a table of the shop database (personal data masked unless --show-pii)."""
    if table not in EXPORTABLE:
        raise UsageError(f"unknown table {table!r}; tables: {', '.join(EXPORTABLE)}")
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now())
    columns = table_columns(shop.db, table)
    rows = list(table_rows(shop.db, table, show_pii))
    finish(Result("export", columns, rows, {"table": table, "rows": len(rows)}, title=table), opts, shop)
