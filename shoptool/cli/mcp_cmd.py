"""`shoptool mcp`: the checks as Model Context Protocol tools over stdio (PRODUCT §22)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import output
from ..errors import UsageError
from .options import ConfigOpt, DbOpt, FormatOpt, HeadersOpt, NowOpt, OutputOpt, finish, open_shop, options

_INSTALL = "pip install 'shoptool[mcp]'"


def mcp_command(
    list_tools: Annotated[bool, typer.Option(
        "--list", help="Print the tools this shop serves (and why others are not) instead of serving.")] = False,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
) -> None:
    """Serve the checks as MCP tools for LLM agents, over stdin/stdout (needs the mcp extra).

    Every read tool answers with the JSON document of its command (masked; no --show-pii).
    Writes need the caller's staff id and are audited; sending is a dry run unless [mcp]
    allow_send = true; imports only from [mcp] inbox. --now/SHOPTOOL_NOW pins the clock of every
    call. Register it with an MCP client as: shoptool mcp --config /path/to/shoptool.toml
    """
    if list_tools:
        from ..mcp_server import catalogue

        opts = options(fmt, out, headers)
        shop = open_shop(db, config, now)
        finish(catalogue.result(shop.settings, shop.iso(shop.now())), opts, shop)
    try:
        from ..mcp_server.server import serve
    except ImportError as exc:
        raise UsageError(f"shoptool mcp needs the MCP Python SDK 2.x ({exc})", hint=f"install it: {_INSTALL}") from None
    from ..mcp_server.calls import Served

    served = Served(config=config, db=db, now=now)
    shop = open_shop(db, config, now)  # a settings error or a bad --now stops here, before any client waits
    shop.now()
    if sys.stdin.isatty():
        output.info("shoptool mcp: serving MCP on stdin/stdout; start it from an MCP client (Ctrl-D ends it)")
    serve(served)
