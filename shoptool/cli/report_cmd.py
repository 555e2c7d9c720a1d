"""`shoptool report`: the manager's page, one self-contained HTML file (PRODUCT §21)."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from .. import output
from ..errors import UsageError
from ..jobs import report
from .options import ConfigOpt, DbOpt, NowOpt, QuietOpt, finish, open_shop, options

FORMATS = ("auto", "html", "json", "table")


def report_command(
    period: Annotated[str, typer.Option(
        "--period", metavar="day|week|month",
        help="The period of the numbers: the last 24 hours, 7 days or 30 days.")] = "day",
    out: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the page to FILE (report.html; a .json name writes the JSON document).")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="auto (the page to -o FILE or to a pipe; a summary table on a terminal), html, json "
             "(the page's numbers as one document) or table.")] = "auto",
    now: NowOpt = None,
    quiet: QuietOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The manager's page: deadlines, parcels in trouble, the period's numbers, trends, data freshness.

    One HTML file with inline CSS and SVG charts, no script and nothing loaded from the network, for
    a phone (from 360 px wide), offline or inside a chat app. Personal data is always masked; the
    counts are those of `shoptool daily` at the same --now. Changes nothing and sends nothing.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    fmt = _resolve(fmt, out)
    shop = open_shop(db, config, now)
    result = report.run(shop, period=period)
    if fmt != "html":
        finish(result, options(fmt, out if fmt == "json" else None, quiet=quiet), shop)
    from ..report.render import render, write

    page = render(result)
    for level, text in result.notes:  # the stock sheets' sources are the freshness panel's
        if level in ("warning", "error"):
            output.note(level, text)
    if out or not quiet:
        write(page, out)
    if out:
        output.info(f"wrote the report to {out} ({len(page.encode('utf-8')) // 1024 + 1} KB)")
    output.info(result.summary_line)
    shop.close()
    raise typer.Exit(result.exit_code)


def _resolve(fmt: str, out: str | None) -> str:
    if fmt != "auto":
        if fmt == "table" and out:
            raise UsageError("--format table prints to the terminal; write a file with -o report.html")
        return fmt
    if out:
        suffix = os.path.splitext(out)[1].lower()
        if suffix in (".html", ".htm"):
            return "html"
        if suffix == ".json":
            return "json"
        raise UsageError(f"--output {os.path.basename(out)}: name the page .html (or .json for the numbers)")
    return "table" if output.stdout_is_terminal() else "html"
