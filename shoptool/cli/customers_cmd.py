"""`shoptool customers show|list|tag|consent` and `shoptool segments [export]` (PRODUCT §20)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ..jobs import customers, segments
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

BuyerArg = Annotated[str, typer.Argument(help="The buyer nick (买家会员名), or the buyer's phone in any spelling.",
                                         show_default=False)]

customers_app = group("customers", help="Buyers: one view of a customer, the buyer list with tiers and segments, "
                                        "tags and consents.", no_args_is_help=True)


@customers_app.command("show")
def show_command(
    buyer: BuyerArg, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
) -> None:
    """One buyer as one timeline: orders, spend, tier, refunds, 中差评, notes, tags, opt-out and consent."""
    opts = options(fmt, out, headers, show_pii)
    shop = open_shop(db, config, now)
    finish(customers.show(shop, buyer), opts, shop)


@customers_app.command("list")
def list_command(
    tier: Annotated[Optional[list[str]], typer.Option("--tier", help="Only these tiers (普通会员, 高级会员, VIP会员, "
                                                      "至尊VIP…); repeatable.", show_default=False)] = None,
    segment: Annotated[Optional[list[str]], typer.Option(
        "--segment", help="Only these segments (成交客户 未成交客户 新客 复购 沉睡 流失, or paid unpaid new repeat "
                          "sleeping lost); repeatable.", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows, biggest spenders first (0 = all).")
                     ] = 1000,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", encoding: OutEncodingOpt = "utf-8-sig", show_pii: ShowPiiOpt = False,
) -> None:
    """Buyers with tier, segment and RFM scores (1–5), from the orders held."""
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = open_shop(db, config, now)
    finish(customers.listing(shop, tiers=tier, segments=segment, limit=limit), opts, shop)


@customers_app.command("tag")
def tag_command(
    buyer: BuyerArg,
    tag: Annotated[str, typer.Argument(help="The tag, e.g. malicious (never texted) or VIP.", show_default=False)],
    remove: Annotated[bool, typer.Option("--remove", help="Take the tag off instead.")] = False,
    staff: StaffOpt = None, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None,
) -> None:
    """Tag a buyer (logged with who and when); crm.malicious_tags keep a buyer from marketing texts."""
    opts = options(fmt, out)
    shop = open_shop(db, config, now)
    finish(customers.tag(shop, buyer, tag, staff=staff, remove=remove), opts, shop)


@customers_app.command("consent")
def consent_command(
    phone: Annotated[str, typer.Argument(help="The mobile that agreed to marketing texts (any spelling).",
                                         show_default=False)],
    source: Annotated[str, typer.Option("--source", help="Where: 会员注册, 入会协议, 线下表单…", show_default=False)],
    proof: Annotated[Optional[str], typer.Option("--proof", help="The evidence: a form id, a screenshot's name.",
                                                 show_default=False)] = None,
    at: Annotated[Optional[str], typer.Option("--at", help="When the buyer agreed (default: now).",
                                              show_default=False)] = None,
    buyer: Annotated[Optional[str], typer.Option("--buyer", help="The buyer nick, when known.",
                                                 show_default=False)] = None,
    staff: StaffOpt = None, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None, show_pii: ShowPiiOpt = False,
) -> None:
    """Record by hand that a buyer agreed to marketing texts, with source and proof (logged and audited)."""
    opts = options(fmt, out, "zh", show_pii)
    shop = open_shop(db, config, now)
    finish(customers.consent(shop, phone, source=source, proof=proof, at=at, buyer=buyer, staff=staff), opts, shop)


segments_app = group("segments", help="Buyer segments (成交客户 未成交客户 新客 复购 沉睡 流失) and their counts.",
                     invoke_without_command=True, no_args_is_help=False)


@segments_app.callback()
def segments_command(
    ctx: typer.Context, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh",
) -> None:
    """How many buyers each segment holds, and the change since the last run (tiers and RFM in the summary)."""
    if ctx.invoked_subcommand is not None:
        given = [p.opts[0] for p in ctx.command.params
                 if getattr(ctx.get_parameter_source(p.name), "name", "") == "COMMANDLINE"]
        if given:
            raise UsageError(f"{', '.join(given)}: put options after `segments {ctx.invoked_subcommand}`")
        return
    opts = options(fmt, out, headers)
    shop = open_shop(db, config, now)
    finish(segments.run(shop), opts, shop)


@segments_app.command("export")
def export_command(
    segment: Annotated[str, typer.Argument(help="The segment: 成交客户 未成交客户 新客 复购 沉睡 流失.",
                                           show_default=False)],
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", encoding: OutEncodingOpt = "utf-8-sig", show_pii: ShowPiiOpt = False,
) -> None:
    """A segment's buyer nicks as a file for the platform's crowd tools; phones only with --show-pii (audited)."""
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = open_shop(db, config, now)
    finish(segments.export(shop, segment, show_pii=show_pii), opts, shop)
