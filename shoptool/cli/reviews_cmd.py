"""`shoptool reviews`: the medium and negative reviews to work through (PRODUCT §10), and
`reviews update` / `reviews history` for their audited workflow."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from ..jobs import reviews
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
from .root import group

reviews_app = group("reviews", help="Medium and negative reviews still to handle, and their audited workflow.",
                    invoke_without_command=True, no_args_is_help=False)

IdArg = Annotated[str, typer.Argument(help="Review id, or the order number when that order has one review.",
                                      show_default=False)]


@reviews_app.callback()
def reviews_command(
    ctx: typer.Context,
    rating: Annotated[list[str] | None, typer.Option("--rating", help="neutral (中评) or bad (差评); repeatable.",
                                                        show_default=False)] = None,
    status: Annotated[list[str] | None, typer.Option(
        "--status", help="open, contacted, resolved, revised, malicious, closed or all; repeatable "
                         "(default: open and contacted).", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only reviews posted on or after DATE (shop time).",
                                                 show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    out_encoding: OutEncodingOpt = "utf-8-sig",
) -> None:
    """Medium and negative reviews still to handle, oldest first, with days left to explain.

    Exit 1 when an open 差评 is older than reviews.alert_after (default 2d).
    """
    if ctx.invoked_subcommand is not None:
        _refuse_group_options(ctx)
        return
    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = open_shop(db, config, now)
    finish(reviews.listing(shop, rating=rating, status=status, since=since), opts, shop)


def _refuse_group_options(ctx: typer.Context) -> None:
    # `reviews --db X update ID` would otherwise update the review in ./shoptool.db
    given = [param.opts[0] for param in ctx.command.params
             if getattr(ctx.get_parameter_source(param.name), "name", "") == "COMMANDLINE"]
    if given:
        raise UsageError(f"{', '.join(given)}: put options after `reviews {ctx.invoked_subcommand}`, not before it")


@reviews_app.command("update")
def update_command(
    review: IdArg,
    status: Annotated[str | None, typer.Option(
        "--status", help="contacted, resolved, revised, malicious or closed.", show_default=False)] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was done or agreed.", show_default=False)] = None,
    staff: Annotated[str | None, typer.Option("--staff", help="Staff id (default: setting shop.staff).",
                                                 show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh",
) -> None:
    """Record a review's new status and/or a note (audited); prints the review's history."""
    opts = options(fmt, out, headers)
    shop = open_shop(db, config, now)
    finish(reviews.update(shop, review, status=status, note=note, staff=staff), opts, shop)


@reviews_app.command("history")
def history_command(
    review: IdArg, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", now: NowOpt = None,
) -> None:
    """Show who moved a review to which status, when, and their notes."""
    opts = options(fmt, out, headers)
    shop = open_shop(db, config, now)
    finish(reviews.history(shop, review), opts, shop)
