"""`shoptool merge-shipping`: paid, unshipped orders that should travel as one parcel (PRODUCT §7)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..jobs import merge_shipping
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


def merge_shipping_command(
    window: Annotated[Optional[str], typer.Option(
        "--window", help="Longest time between a group's first and last order (default: setting merge.window, 3d).",
        show_default=False)] = None,
    loose: Annotated[bool, typer.Option(
        "--loose", help="Merge the same receiver across different buyer nicks.")] = False,
    include_presale: Annotated[bool, typer.Option(
        "--include-presale", help="Merge fully paid pre-sale orders too.")] = False,
    postage_rule: Annotated[Optional[str], typer.Option(
        "--postage-rule", help="max, first, flat:N or free_over:N (yuan) (default: setting postage.rule).",
        show_default=False)] = None,
    apply: Annotated[bool, typer.Option(
        "--apply", help="Record the groups and write a note and flag on every order in them.")] = False,
    flag: Annotated[Optional[str], typer.Option(
        "--flag", help="Flag --apply sets (default: setting merge.flag, blue; none: no flag).",
        show_default=False)] = None,
    staff: Annotated[Optional[str], typer.Option(
        "--staff", help="Staff id for the notes (default: setting shop.staff).", show_default=False)] = None,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Find paid, unshipped orders to ship as one parcel, and the postage to refund."""
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = open_shop(db, config, now)
    finish(merge_shipping.run(shop, window=window, loose=loose, include_presale=include_presale,
                              postage_rule=postage_rule, apply=apply, flag=flag, staff=staff, show_pii=show_pii),
           opts, shop)
