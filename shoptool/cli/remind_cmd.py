"""`shoptool remind-unpaid`: payment reminders on the shop's schedule (PRODUCT §8)."""

from __future__ import annotations

from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, HeadersOpt, NowOpt, OutputOpt, QuietOpt, ShowPiiOpt
from .sms_cmd import DryRunOpt, send_command


@app.command("remind-unpaid")
def remind_unpaid_command(
    dry_run: DryRunOpt = False, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Remind buyers of unpaid orders on reminders.schedule, at most once per buyer per day.

    Skips COD, pre-sale orders, and buyers who have since paid another order (those unpaid
    duplicates are listed as closable: reason paid_other_order). Built for cron: exit 0 when the run
    completed, 4 when a message failed or ended unknown or the provider stopped the run, 5 when
    another run holds the lock.
    """
    send_command("remind-unpaid", dry_run=dry_run, now=now, db=db, config=config, fmt=fmt, out=out,
                 headers=headers, show_pii=show_pii, quiet=quiet)
