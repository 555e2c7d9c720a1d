"""`shoptool ship-deadline` and `shoptool logistics-check [couriers]`: the parcel's clocks (PRODUCT §18)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ..jobs import logistics_check, ship_deadline
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutputOpt,
    QuietOpt,
    ShowPiiOpt,
    finish,
    open_shop,
    options,
)
from .root import group

FailOnOpt = Annotated[Optional[list[str]], typer.Option(
    "--fail-on", help="Exit 1 when a row has one of these findings; comma-separated or repeated.",
    show_default=False, metavar="CODES")]


def ship_deadline_command(
    fail_on: FailOnOpt = None,
    all_orders: Annotated[bool, typer.Option("--all", help="List every running clock, not only overdue or due soon.")
                          ] = False,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
) -> None:
    """Paid and COD orders against their ship-by time (shipping.promise after payment), soonest first.

    Also shipped orders whose parcel shows no pickup scan yet (their clock runs until the first
    scan). Findings ship_overdue and ship_due_soon (within shipping.due_within) with the money a
    late shipment may cost (shipping.late_penalty). Exit 1 on ship_overdue (--fail-on to change).
    """
    opts = options(fmt, out, headers, show_pii)
    shop = open_shop(db, config, now)
    finish(ship_deadline.run(shop, fail_on=fail_on, all_orders=all_orders), opts, shop)


logistics_app = group("logistics-check", help="Parcels in trouble between 发货 and 签收.",
                      invoke_without_command=True, no_args_is_help=False)


@logistics_app.callback()
def logistics_check_command(
    ctx: typer.Context,
    send: Annotated[bool, typer.Option("--send", help="Send the logistics_care texts due (findings in logistics.care)."
                                       )] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --send: show what would be sent; send nothing.")
                       ] = False,
    fail_on: FailOnOpt = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False, quiet: QuietOpt = False,
) -> None:
    """Parcels in trouble: no pickup scan, no trace, stalled, not signed, waiting at a locker, exceptions,
    returned, auto-confirm close, delivered but disputed — each with a next action and an 安抚 text for 旺旺.

    Exit 1 on no_pickup, exception, returned or auto_confirm_risk (--fail-on to change). With
    --send: one care text per parcel and finding (findings in logistics.care), under every SMS
    rule; exit 0 when the run completed, 4 when a text failed or ended unknown, 5 when another run
    holds the lock.
    """
    if ctx.invoked_subcommand is not None:
        given = [p.opts[0] for p in ctx.command.params
                 if getattr(ctx.get_parameter_source(p.name), "name", "") == "COMMANDLINE"]
        if given:
            raise UsageError(f"{', '.join(given)}: put options after `logistics-check {ctx.invoked_subcommand}`")
        return
    if dry_run and not send:
        raise UsageError("--dry-run goes with --send (plain logistics-check only lists and sends nothing)")
    opts = options(fmt, out, headers, show_pii, quiet=quiet)
    shop = open_shop(db, config, now)
    if send:
        finish(logistics_check.send(shop, dry_run=dry_run), opts, shop)
    else:
        finish(logistics_check.run(shop, fail_on=fail_on), opts, shop)


@logistics_app.command("couriers")
def couriers_command(
    since: Annotated[str, typer.Option("--since", help="Parcels shipped within this long (e.g. 30d).")] = "30d",
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh",
) -> None:
    """Exception and stall rates per courier × province, over parcels shipped since --since."""
    opts = options(fmt, out, headers)
    shop = open_shop(db, config, now)
    finish(logistics_check.couriers(shop, since=since), opts, shop)
