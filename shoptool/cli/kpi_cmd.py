"""`shoptool kpi`: the CS team's board — inquiry conversion, response and outcomes per agent (PRODUCT §23)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..jobs import kpi
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutEncodingOpt,
    OutputOpt,
    finish,
    open_shop,
    options,
)


def kpi_command(
    month: Annotated[Optional[str], typer.Option(
        "--month", help="The month, e.g. 2026-10 (default: this month to date).", show_default=False,
        metavar="YYYY-MM")] = None,
    since: Annotated[Optional[str], typer.Option(
        "--since", help="Instead of a month: the days since a date or for a duration, e.g. 2026-11-01 or 30d.",
        show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto",
    out: OutputOpt = None, headers: HeadersOpt = "zh", encoding: OutEncodingOpt = "utf-8-sig",
) -> None:
    """The CS team's board: inquiries, 询单转化率, response times and what each agent did, scored and ranked.

    询单转化率 is Σ paid / Σ inquiries over the period (never a mean of daily rates). Chat figures come
    from imported 客服绩效 sheets (千牛 咨询接待分析, 生意参谋 询单到付款, plug-in sheets), agents' 旺旺
    nicks mapped to staff ids by the setting staff.nicks; summary rows (汇总值, 同行同层均值…) are
    benchmark rows. Outcomes come from shoptool's own audit. -o kpi.xlsx writes the board with its
    scoring rules and sources.
    """
    opts = options(fmt, out, headers, encoding=encoding)
    shop = open_shop(db, config, now)
    finish(kpi.run(shop, month=month, since=since), opts, shop)
