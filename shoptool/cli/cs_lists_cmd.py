"""`shoptool cod-confirm`, `rate-buyers` and `invoices`: the other lists of the CS day (PRODUCT §19),
each a list by default and an audited mark with an ORDER (or FILE of orders)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ..jobs import cod_confirm, invoices, rate_buyers
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOpt,
    OutputOpt,
    ShowPiiOpt,
    StaffOpt,
    finish,
    open_shop,
    options,
)

NoteOpt = Annotated[Optional[str], typer.Option("--note", help="What the buyer said or what was done (logged).",
                                                show_default=False, metavar="TEXT")]
TargetsArg = Annotated[Optional[list[str]], typer.Argument(
    help="Order numbers, or files with an 订单编号 column (any export or sheet, or one number per line).",
    show_default=False)]


def cod_confirm_command(
    order: Annotated[Optional[str], typer.Argument(
        help="Order number of the call to record (with --result); without it, list the COD orders to call.",
        show_default=False)] = None,
    result: Annotated[Optional[str], typer.Option(
        "--result", help="agreed, declined or unreachable (同意/拒绝/未接通).", show_default=False,
        metavar="RESULT")] = None,
    staff: StaffOpt = None,
    note: NoteOpt = None,
    fail_on: Annotated[Optional[list[str]], typer.Option(
        "--fail-on", help="Exit 1 when a row is due_soon (default), unconfirmed or declined; comma-separated or "
                          "repeated.", show_default=False, metavar="CODES")] = None,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Cash-on-delivery orders to confirm by phone before shipping, with a script naming the COD total and fee.

    `cod-confirm ORDER --result agreed|declined|unreachable --staff ID` records the call (a note and
    flag on the order, in its history). Exit 1 when an unconfirmed order's cut-off (shop.cutoff) is
    within cod.alert_within (default 2h) or past.
    """
    opts = options(fmt, out, headers, show_pii, encoding)
    if order is None and (result is not None or note is not None):
        raise UsageError("--result and --note record a call: name the ORDER", hint="cod-confirm ORDER --result agreed")
    if order is not None and fail_on:
        raise UsageError("--fail-on goes with the list, not with recording a call")
    shop = open_shop(db, config, now)
    if order is None:
        finish(cod_confirm.listing(shop, fail_on=fail_on), opts, shop)
    finish(cod_confirm.record(shop, order, result, staff=staff, note=note), opts, shop)


def rate_buyers_command(
    orders: TargetsArg = None,
    done: Annotated[bool, typer.Option("--done", help="Mark the ORDERs (or every order in FILE) as rated.")] = False,
    staff: StaffOpt = None,
    note: NoteOpt = None,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Completed trades whose buyer you can still rate (15-day window), fewest days left first.

    `rate-buyers --done ORDER|FILE...` marks them rated (logged with who and when). Exit 0.
    """
    opts = options(fmt, out, headers, show_pii, encoding)
    if orders and not done:
        raise UsageError("order numbers are for --done", hint="rate-buyers --done ORDER|FILE...")
    if done and not orders:
        raise UsageError("--done needs ORDER numbers or a FILE of them", hint="rate-buyers --done ORDER|FILE...")
    if note is not None and not done:
        raise UsageError("--note goes with --done")
    shop = open_shop(db, config, now)
    if done:
        finish(rate_buyers.done(shop, orders, staff=staff, note=note), opts, shop)
    finish(rate_buyers.listing(shop), opts, shop)


def invoices_command(
    orders: TargetsArg = None,
    issued: Annotated[bool, typer.Option("--issued", help="Mark the invoices of the ORDERs (or FILE) issued.")] = False,
    status: Annotated[Optional[list[str]], typer.Option(
        "--status", help="requested (default), issued or all; repeatable.", show_default=False,
        metavar="STATUS")] = None,
    staff: StaffOpt = None,
    note: NoteOpt = None,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Orders whose 发票抬头/开票信息 asks for an invoice, oldest first, until marked issued.

    `invoices ORDER... --issued --staff ID` marks them issued (logged with who and when). Exit 0.
    """
    opts = options(fmt, out, headers, show_pii, encoding)
    if orders and not issued:
        raise UsageError("order numbers are for --issued", hint="invoices ORDER --issued --staff ID")
    if issued and not orders:
        raise UsageError("--issued needs ORDER numbers or a FILE of them", hint="invoices ORDER --issued --staff ID")
    if note is not None and not issued:
        raise UsageError("--note goes with --issued")
    if issued and status:
        raise UsageError("--status filters the list; it does not go with --issued")
    shop = open_shop(db, config, now)
    if issued:
        finish(invoices.issued(shop, orders, staff=staff, note=note), opts, shop)
    finish(invoices.listing(shop, status=status), opts, shop)
