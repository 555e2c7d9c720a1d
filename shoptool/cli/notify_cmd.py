"""`shoptool notify-shipped`: one shipping notice per parcel (PRODUCT §8)."""

from __future__ import annotations

from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, HeadersOpt, NowOpt, OutputOpt, QuietOpt, ShowPiiOpt
from .sms_cmd import DryRunOpt, send_command


@app.command("notify-shipped")
def notify_shipped_command(
    dry_run: DryRunOpt = False, now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None,
    fmt: FormatOpt = "auto", out: OutputOpt = None, headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Text each shipped parcel's buyer its courier and tracking number, once per parcel.

    Parcels shipped within notify.max_age (default 2d); orders sharing a tracking number get one
    text. Orders with no textable phone are listed (no_phone) for 旺旺. Exit 0 when the run
    completed, 4 when a message failed or ended unknown or the provider stopped the run, 5 when
    another run holds the lock.
    """
    send_command("notify-shipped", dry_run=dry_run, now=now, db=db, config=config, fmt=fmt, out=out,
                 headers=headers, show_pii=show_pii, quiet=quiet)
