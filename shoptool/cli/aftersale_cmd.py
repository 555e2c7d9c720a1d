"""`shoptool aftersale`: the 售后 worklist (PRODUCT §17); `aftersale reasons`, `aftersale stop-list`,
`aftersale history ID`, and `aftersale ID --status handled --note … --staff …` to take a refund off
the list until it changes again (audited)."""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

from ..errors import UsageError
from ..jobs import aftersale
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
from .root import group


class _RefundGroup(TyperGroup):
    """`aftersale ID …` is the hidden `mark` command: a first word that names no subcommand is a
    refund (or order) number."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "mark", self.commands["mark"], args
        return super().resolve_command(ctx, args)


aftersale_app = group("aftersale", help="Refunds, returns and disputes that need the shop, most urgent first.",
                      cls=_RefundGroup, invoke_without_command=True, no_args_is_help=False)

IdArg = Annotated[str, typer.Argument(help="退款编号 (or the order number when the order has one refund).",
                                      show_default=False)]


@aftersale_app.callback()
def aftersale_command(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option(
        "--status", help="wait_seller_agree, wait_buyer_return, wait_seller_confirm_goods, seller_refused, success, "
                         "handled (rows marked handled) or all; repeatable (default: every refund on the list).",
        show_default=False)] = None,
    due_within: Annotated[str | None, typer.Option(
        "--due-within", help="Only refunds whose deadline is within this long (overdue included), e.g. 6h.",
        show_default=False)] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Findings that make the exit code 1, comma separated (default: overdue,due_soon,"
                          "evidence_due,intervention_open,refund_on_unshipped,intercept,return_arrived,"
                          'refunded_but_shipped); "" for none.', show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    out_encoding: OutEncodingOpt = "utf-8-sig",
) -> None:
    """Every refund that needs the shop, most urgent deadline first, with its finding and next step.

    Exit 1 when a refund's finding is in --fail-on.
    """
    if ctx.invoked_subcommand is not None:
        given = [param.opts[0] for param in ctx.command.params
                 if getattr(ctx.get_parameter_source(param.name), "name", "") == "COMMANDLINE"]
        if given:
            raise UsageError(f"{', '.join(given)}: put options after `aftersale {ctx.invoked_subcommand}`, "
                             "not before it")
        return
    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = open_shop(db, config, now)
    finish(aftersale.listing(shop, status=status, due_within=due_within, fail_on=fail_on), opts, shop)


@aftersale_app.command("reasons")
def reasons_command(
    since: Annotated[str, typer.Option("--since", help="A duration back from now (30d) or a date.")] = "30d",
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", out_encoding: OutEncodingOpt = "utf-8-sig",
) -> None:
    """Refund counts and amounts by reason × SKU × 责任方 (for 运营)."""
    opts = options(fmt, out, headers, encoding=out_encoding)
    shop = open_shop(db, config, now)
    finish(aftersale.reasons(shop, since=since), opts, shop)


@aftersale_app.command("stop-list")
def stop_list_command(
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    out_encoding: OutEncodingOpt = "utf-8-sig",
) -> None:
    """The unshipped orders with an open refund: the warehouse must not ship them (-o stop.xlsx)."""
    opts = options(fmt, out, headers, show_pii, out_encoding)
    shop = open_shop(db, config, now)
    finish(aftersale.stop_list(shop), opts, shop)


@aftersale_app.command("history")
def history_command(
    refund: IdArg, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh",
) -> None:
    """A refund's status changes (from imports) and staff's marks, oldest first."""
    opts = options(fmt, out, headers)
    shop = open_shop(db, config, now)
    finish(aftersale.history(shop, refund), opts, shop)


@aftersale_app.command("mark", hidden=True)
def mark_command(
    refund: IdArg,
    status: Annotated[str | None, typer.Option(
        "--status", help="handled (off the list until the refund changes) or open (back on it).",
        show_default=False)] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was done.", show_default=False)] = None,
    staff: StaffOpt = None, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None, headers: HeadersOpt = "zh",
) -> None:
    """`aftersale ID --status handled --note … --staff …`: record that a refund was handled (audited)."""
    opts = options(fmt, out, headers)
    shop = open_shop(db, config, now)
    finish(aftersale.mark(shop, refund, status=status, note=note, staff=staff), opts, shop)
