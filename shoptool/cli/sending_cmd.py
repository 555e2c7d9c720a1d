"""`shoptool notify-shipped`, `shoptool remind-unpaid` and `shoptool sms outbox|opt-out|reconcile`
(PRODUCT §8)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..jobs import sending
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOpt,
    OutputOpt,
    QuietOpt,
    ShowPiiOpt,
    finish,
    open_shop,
    options,
)
from .root import group

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be sent, deferred or skipped; send and write nothing.")
]


def _send(command: str, *, dry_run: bool, now, db, config, fmt, out, headers, show_pii, quiet) -> None:
    opts = options(fmt, out, headers, show_pii, quiet=quiet)
    shop = open_shop(db, config, now)
    finish(sending.send(shop, command, dry_run=dry_run), opts, shop)


def notify_shipped_command(
    dry_run: DryRunOpt = False, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Text each shipped parcel's buyer its courier and tracking number, once per parcel.

    Parcels shipped within notify.max_age (default 2d); orders sharing a tracking number get one
    text. Orders with no textable phone are listed (no_phone) for 旺旺. Exit 0 when the run
    completed, 4 when a message failed or ended unknown or the provider stopped the run, 5 when
    another run holds the lock.
    """
    _send("notify-shipped", dry_run=dry_run, now=now, db=db, config=config, fmt=fmt, out=out, headers=headers,
          show_pii=show_pii, quiet=quiet)


def remind_unpaid_command(
    dry_run: DryRunOpt = False, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Remind buyers of unpaid orders on reminders.schedule, at most once per buyer per day.

    Skips COD, pre-sale orders, and buyers who have since paid another order (those unpaid
    duplicates are listed as closable: reason paid_other_order). Built for cron: exit 0 when the run
    completed, 4 when a message failed or ended unknown or the provider stopped the run, 5 when
    another run holds the lock.
    """
    _send("remind-unpaid", dry_run=dry_run, now=now, db=db, config=config, fmt=fmt, out=out, headers=headers,
          show_pii=show_pii, quiet=quiet)


sms_app = group("sms", help="The SMS outbox: what was sent and why, opt-outs, settling unknown messages.",
                no_args_is_help=True)


@sms_app.command("outbox")
def outbox_command(
    status: Annotated[Optional[list[str]], typer.Option(
        "--status", help=f"Only these statuses ({', '.join(sending.STATUSES)}); repeatable or comma-separated.",
        show_default=False)] = None,
    purpose: Annotated[Optional[list[str]], typer.Option("--purpose", help="shipped or unpaid; repeatable.",
                                                        show_default=False)] = None,
    order: Annotated[Optional[str], typer.Option("--order", help="Only messages about this order.",
                                                show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows, newest first (0 = all).")] = 1000,
    db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False, out_encoding: OutEncodingOpt = "utf-8-sig",
    now: NowOpt = None,
) -> None:
    """Every message and why it was sent, deferred, skipped or failed (one row per purpose, order and step)."""
    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = open_shop(db, config, now)
    finish(sending.outbox(shop, statuses=status, purposes=purpose, order_id=order, limit=limit), opts, shop)


@sms_app.command("opt-out")
def opt_out_command(
    phone: Annotated[str, typer.Argument(help="The buyer's mobile number (11 digits; +86 and spaces are fine).")],
    note: Annotated[Optional[str], typer.Option(
        "--note", help="Why, e.g. the buyer's reply.", show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    show_pii: ShowPiiOpt = False,
) -> None:
    """Never text this phone again (adds it to the opt-out list every send checks)."""
    opts = options(fmt, out, "zh", show_pii)
    shop = open_shop(db, config, now)
    finish(sending.opt_out(shop, phone, note=note), opts, shop)


@sms_app.command("reconcile")
def reconcile_command(
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False, quiet: QuietOpt = False,
) -> None:
    """Settle messages whose fate is unknown (a crash or a lost answer) through the provider's delivery
    query; list those only a person can settle.

    Exit 4 while any message stays unknown.
    """
    opts = options(fmt, out, headers, show_pii, quiet=quiet)
    shop = open_shop(db, config, now)
    finish(sending.reconcile(shop), opts, shop)
