"""Options shared by many commands, declared once, and the small shop context every command opens."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import clock, output
from ..errors import UsageError

DbOpt = Annotated[
    Optional[Path],
    typer.Option("--db", envvar="SHOPTOOL_DB", help="Shop database file (default: shoptool.db beside the config, else in this folder).",
                 show_default=False),
]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", envvar="SHOPTOOL_CONFIG", help="Settings file (default: ./shoptool.toml if present).",
                 show_default=False),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help="auto (table on a terminal, JSON otherwise), table, json, csv or xlsx."),
]
OutputOpt = Annotated[
    Optional[str],
    typer.Option("--output", "-o", help="Write the rows to FILE (.csv, .xlsx or .json) instead of stdout.",
                 show_default=False),
]
HeadersOpt = Annotated[str, typer.Option("--headers", help="Column headers in files and tables: zh or en.")]
OutEncodingOpt = Annotated[
    str, typer.Option("--out-encoding", help="CSV output encoding: utf-8-sig (Excel-friendly) or gbk.")
]
ShowPiiOpt = Annotated[
    bool,
    typer.Option("--show-pii", help="Show buyers' names, phones and addresses in full (recorded in the audit log)."),
]
NowOpt = Annotated[
    Optional[str],
    typer.Option("--now", envvar="SHOPTOOL_NOW",
                 help="Pretend it is this moment (ISO time; without an offset it is shop time).",
                 show_default=False),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print no rows on stdout; the summary still goes to stderr.")]


def check_format(value: str) -> str:
    if value not in output.FORMATS:
        raise UsageError(f"--format must be one of {', '.join(output.FORMATS)}, not {value!r}")
    return value


class Shop:
    """Settings, the database (opened on first use) and the clock for one command run."""

    def __init__(self, db: Path | None = None, config: Path | None = None):
        from ..config import load_settings

        self.settings = load_settings(config, db)
        for warning in self.settings.warnings:
            output.warn(warning)
        self._db = None

    @property
    def db(self):
        if self._db is None:
            from ..db import open_db

            self._db = open_db(self.settings.db_path)
        return self._db

    @property
    def tz(self):
        return self.settings.tz

    def now(self, override: str | None = None) -> datetime:
        try:
            return clock.now(self.tz, override)
        except ValueError as exc:
            raise UsageError(f"--now: {exc}") from None

    def iso(self, moment: datetime) -> str:
        return clock.to_iso(moment, self.tz)

    def staff(self, given: str | None = None) -> str:
        return given or self.settings["shop.staff"]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def options(fmt: str = "auto", out: str | None = None, headers: str = "zh", show_pii: bool = False,
            encoding: str = "utf-8-sig", quiet: bool = False, generated_at: str | None = None) -> output.OutputOptions:
    check_format(fmt)
    if headers not in ("zh", "en"):
        raise UsageError(f"--headers must be zh or en, not {headers!r}")
    return output.OutputOptions(fmt, out, headers, show_pii, encoding, quiet, generated_at)


def finish(result: output.Result, opts: output.OutputOptions, shop: Shop | None = None) -> None:
    """Render, record a --show-pii reveal, and leave with the result's exit code."""
    if opts.show_pii and shop is not None and _reveals_pii(result):
        from ..db.store import audit, write_transaction

        with write_transaction(shop.db):
            audit(shop.db, "show_pii", at=shop.iso(shop.now()), command=result.command,
                  staff=f"{shop.staff()} ({_os_user()})",
                  detail={"rows": len(result.rows), "output": opts.output or "stdout"})
    output.render(result, opts)
    if shop is not None:
        shop.close()
    raise typer.Exit(result.exit_code)


def _reveals_pii(result: output.Result) -> bool:
    """Personal data in the main rows, a dashboard section (daily) or an extra sheet."""
    tables = [(result.columns, result.rows)]
    tables += [(section.columns, section.rows) for section in result.sections]
    tables += [(columns, rows) for _, columns, rows in result.sheets]
    return any(rows and any(c.is_pii for c in columns) for columns, rows in tables)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some containers
        return "?"
