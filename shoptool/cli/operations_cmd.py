"""`shoptool init`, `doctor`, `backup` and `purge`: looking after the shop folder (PRODUCT §2, §13)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import output
from ..errors import UsageError
from ..jobs import operations
from .options import ConfigOpt, DbOpt, FormatOpt, NowOpt, OutputOpt, finish, open_shop, options


def init_command(
    folder: Annotated[Path, typer.Argument(help="The shop folder to set up.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing shoptool.toml.")] = False,
    shop_name: Annotated[Optional[str], typer.Option(
        "--shop-name", metavar="NAME", show_default=False,
        help="The shop's name, used in texts and as the SMS sign (default: the 店铺名称 of orders already "
             "imported here when they agree, else asked on a terminal).")] = None,
    fmt: FormatOpt = "auto",
) -> None:
    """Set up a shop folder: shoptool.toml with every default (commented) and shoptool.db.

    Never prompts without a terminal: there, give --shop-name (or keep the example and edit later).
    """
    opts = options(fmt)
    ask = _ask if _can_ask() and not shop_name else None
    result, shop = operations.init(folder, force=force, shop_name=shop_name, ask=ask)
    finish(result, opts, shop)


def _ask(question: str, suggestion: str | None) -> str:
    return typer.prompt(question, default=suggestion or "", show_default=bool(suggestion), err=True)


def doctor_command(
    quick: Annotated[bool, typer.Option("--quick", help="Faster, shallower database check (quick_check).")] = False,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
) -> None:
    """Check the setup: where each setting came from, the database file, locks, SMS provider, clocks.

    Never prints secret values and never creates or migrates the database. Exit 1 when a check
    fails (status error); warnings alone exit 0.
    """
    opts = options(fmt, out)
    finish(operations.doctor(config=config, db=db, now=now, quick=quick), opts)


def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (it holds buyers' data: keep it private).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
) -> None:
    """Copy the shop database to FILE, consistently, even while imports or sends are running.

    The copy is owner-only (0600), passes SQLite's integrity check, and is recorded in the audit
    log. An existing FILE is replaced only with --force.
    """
    opts = options(fmt)
    shop = open_shop(db, config)
    finish(operations.backup(shop, file, force=force), opts, shop)


def purge_command(
    older_than: Annotated[Optional[str], typer.Option(
        "--older-than", show_default=False,
        help="Finished orders last active longer ago than this, e.g. 180d "
             "(default: setting privacy.retention).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")] = False,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Do not ask for confirmation (required without a terminal).")] = False,
    staff: Annotated[Optional[str], typer.Option(
        "--staff", help="Who runs the purge, for the audit log (default: shop.staff).", show_default=False)] = None,
    now: NowOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
) -> None:
    """Remove buyers' names, phones and addresses from finished orders older than the retention.

    Completed, closed and signed (COD) orders whose last activity is before the cut lose them
    everywhere in the database; counts, money, items and regions stay. Open orders are never
    touched. The database file is rebuilt afterwards so no old bytes remain. Audited.
    """
    opts = options(fmt, out)
    shop = open_shop(db, config, now)
    _, cut = operations.purge_cut(shop, older_than)
    if not dry_run and not yes and not _can_ask():
        raise UsageError("purge removes buyers' data for good: pass --yes to run it without a terminal "
                         "(or --dry-run to see what it would do)")
    if not dry_run and not yes:
        count = operations.purge_count(shop, older_than, staff)
        if count and not typer.confirm(f"Anonymise {count} finished orders last active before {cut}? "
                                       "This cannot be undone", err=True):
            output.info("purge cancelled; nothing changed")
            shop.close()
            raise typer.Exit(0)
    finish(operations.purge(shop, older_than=older_than, dry_run=dry_run, staff=staff), opts, shop)


def _can_ask() -> bool:
    return sys.stdin.isatty()
