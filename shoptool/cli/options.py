"""Options shared by many commands, declared once, and how a command opens its shop and finishes:
render the job's Result, audit a --show-pii reveal, leave with the result's exit code."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import output
from ..errors import UsageError
from ..jobs.shop import Shop
from ..result import Result

DbOpt = Annotated[
    Optional[Path],
    typer.Option("--db", envvar="SHOPTOOL_DB", show_default=False, metavar="FILE",
                 help="Shop database file (default: shoptool.db beside the config, else in this folder)."),
]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", envvar="SHOPTOOL_CONFIG", help="Settings file (default: ./shoptool.toml if present).",
                 show_default=False, metavar="FILE"),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", metavar="FORMAT",
                 help="auto (table on a terminal, JSON otherwise), table, json, csv (for Excel/WPS: long numbers "
                      "kept as =\"…\", codes in Chinese), plain-csv (for programs: plain digits, codes as in JSON) "
                      "or xlsx."),
]
OutputOpt = Annotated[
    Optional[str],
    typer.Option("--output", "-o", help="Write the rows to FILE (.csv, .xlsx or .json) instead of stdout.",
                 show_default=False, metavar="FILE"),
]
HeadersOpt = Annotated[str, typer.Option("--headers", metavar="zh|en",
                                         help="Headers and codes in files and tables: zh (中文, default) or en.")]
_OUT_ENCODING_HELP = "CSV output encoding: utf-8-sig (Excel-friendly, default) or gbk (written as GB18030)."
# `--encoding gbk` is the spelling staff know (PRODUCT §4); commands that also read a CSV of their own
# (`address-check --orders`) keep `--encoding` for that input and take `--out-encoding` only.
OutEncodingOpt = Annotated[
    str, typer.Option("--out-encoding", "--encoding", metavar="ENCODING", help=_OUT_ENCODING_HELP)
]
OutEncodingOnlyOpt = Annotated[
    str, typer.Option("--out-encoding", metavar="ENCODING", help=_OUT_ENCODING_HELP)
]
ShowPiiOpt = Annotated[
    bool,
    typer.Option("--show-pii", help="Show buyers' names, phones and addresses in full (recorded in the audit log)."),
]
NowOpt = Annotated[
    Optional[str],
    typer.Option("--now", envvar="SHOPTOOL_NOW", metavar="TIME",
                 help="Pretend it is this moment, e.g. \"2026-11-21 10:00\" or 2026-11-21T10:00:00+08:00 "
                      "(without an offset it is shop time).",
                 show_default=False),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print no rows on stdout; the summary still goes to stderr.")
]
StaffOpt = Annotated[Optional[str], typer.Option("--staff", help="Staff id (default: setting shop.staff).",
                                                 show_default=False, metavar="ID")]


def options(fmt: str = "auto", out: str | None = None, headers: str = "zh", show_pii: bool = False,
            encoding: str = "utf-8-sig", quiet: bool = False) -> output.OutputOptions:
    if fmt not in output.FORMATS:
        raise UsageError(f"--format must be one of {', '.join(output.FORMATS)}, not {fmt!r}")
    if headers not in ("zh", "en"):
        raise UsageError(f"--headers must be zh or en, not {headers!r}")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(f"unknown output encoding {encoding!r}: use utf-8-sig, utf-8 or gbk") from None
    return output.OutputOptions(fmt, out, headers, show_pii, encoding, quiet)


def open_shop(db: Path | None = None, config: Path | None = None, now: str | None = None) -> Shop:
    """The shop of this run; settings warnings (unknown keys) go to stderr."""
    shop = Shop(db, config, now=now)
    for warning in shop.warnings:
        output.warn(warning)
    return shop


def finish(result: Result, opts: output.OutputOptions, shop: Shop | None = None) -> None:
    """Render, record a --show-pii reveal, and leave with the result's exit code."""
    if opts.show_pii and shop is not None:
        shop.record_reveal(result, opts.output or "stdout")
    output.render(result, opts)
    if shop is not None:
        shop.close()
    raise typer.Exit(result.exit_code)
