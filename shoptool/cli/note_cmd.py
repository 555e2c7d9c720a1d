"""`shoptool note ORDER [TEXT] --flag COLOR --staff ID`: seller notes and flags, logged (PRODUCT §9)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..jobs import note
from .options import ConfigOpt, DbOpt, FormatOpt, HeadersOpt, NowOpt, OutputOpt, ShowPiiOpt, finish, open_shop, options


def note_command(
    order: Annotated[str, typer.Argument(help="Order number (订单编号).", show_default=False)],
    text: Annotated[Optional[str], typer.Argument(
        help="The new seller note; \"\" clears it. Without TEXT and --flag: show the order's history.",
        show_default=False)] = None,
    flag: Annotated[Optional[str], typer.Option(
        "--flag", help="red, yellow, green, blue or purple (红黄绿蓝紫, 1–5); none clears it.",
        show_default=False)] = None,
    append: Annotated[bool, typer.Option(
        "--append", help="Add TEXT after the current note instead of replacing it.")] = False,
    staff: Annotated[Optional[str], typer.Option(
        "--staff", help="Who writes it (default: setting shop.staff).", show_default=False)] = None,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write an order's seller note and/or flag (logged with who and when), or show its history."""
    opts = options(fmt, out, headers, show_pii)
    shop = open_shop(db, config, now)
    finish(note.run(shop, order, text, flag=flag, append=append, staff=staff), opts, shop)
