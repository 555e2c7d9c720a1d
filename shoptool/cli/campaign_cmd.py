"""`shoptool campaign create|preview|send|report` (PRODUCT §20): marketing texts to a segment."""

from __future__ import annotations

from typing import Annotated

import typer

from ..jobs import campaign
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutputOpt,
    QuietOpt,
    ShowPiiOpt,
    StaffOpt,
    finish,
    open_shop,
    options,
)
from .root import group

NameArg = Annotated[str, typer.Argument(help="The campaign's name.", show_default=False)]

campaign_app = group("campaign", help="Marketing texts to a segment: only to buyers who consented and are not "
                                      "suppressed, once per phone, never in quiet hours.", no_args_is_help=True)


@campaign_app.command("create")
def create_command(
    name: NameArg,
    segment: Annotated[str, typer.Option("--segment", help="成交客户 未成交客户 新客 复购 沉睡 流失.",
                                         show_default=False)],
    template: Annotated[str, typer.Option("--template", help="A marketing-class template of [sms.templates] (its "
                                          "name or provider code), ending with 拒收请回复R.", show_default=False)],
    staff: StaffOpt = None, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None,
) -> None:
    """Create a campaign: a segment and a marketing template (refused unless it ends with the unsubscribe wording)."""
    opts = options(fmt, out)
    shop = open_shop(db, config, now)
    finish(campaign.create(shop, name, segment=segment, template=template, staff=staff), opts, shop)


@campaign_app.command("preview")
def preview_command(
    name: NameArg, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
) -> None:
    """Who would get the text, who is excluded and why, parts and cost (reads only)."""
    opts = options(fmt, out, headers, show_pii)
    shop = open_shop(db, config, now)
    finish(campaign.preview(shop, name), opts, shop)


@campaign_app.command("send")
def send_command(
    name: NameArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent, deferred or skipped; send "
                                          "and write nothing.")] = False,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False, quiet: QuietOpt = False,
) -> None:
    """Send the campaign (marketing class: quiet hours, caps, opt-outs; at most one text per phone, ever).

    Texts held back by quiet hours or caps are deferred: run it again later. Exit 0 when the run
    completed, 4 when a message failed or ended unknown, 5 when another run holds the lock.
    """
    opts = options(fmt, out, headers, show_pii, quiet=quiet)
    shop = open_shop(db, config, now)
    finish(campaign.send(shop, name, dry_run=dry_run), opts, shop)


@campaign_app.command("report")
def report_command(
    name: NameArg, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
) -> None:
    """Sent, failed, opted out since, and buyers who paid within crm.paid_within (default 7d) of the text."""
    opts = options(fmt, out, headers, show_pii)
    shop = open_shop(db, config, now)
    finish(campaign.report(shop, name), opts, shop)
