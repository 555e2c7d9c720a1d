"""`shoptool doctor`: settings, database, locks, SMS setup and clocks, one row per check."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import columns as K
from ..output import Result
from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, NowOpt, OutputOpt, finish, options

COLUMNS = [
    K.Column("check", "检查项", "Check"),
    K.Column("status", "状态", "Status"),
    K.Column("detail", "说明", "Detail"),
    K.Column("source", "来源", "Source"),
]


@app.command("doctor")
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
    import os
    import sqlite3
    from datetime import datetime

    from .. import __version__, clock, doctor
    from ..config import load_settings
    from ..db.maintenance import facts
    from ..errors import ConfigError, UsageError

    opts = options(fmt, out)
    versions = doctor.versions(__version__, sqlite3.sqlite_version, _version_of("sqlite-utils"))
    try:
        settings = load_settings(config, db)
    except ConfigError as exc:  # still a report: what is wrong is the finding
        _finish([versions, doctor.check("config", doctor.ERROR, exc.message)], opts,
                clock.to_iso(datetime.now().astimezone(), None))
    try:
        shop_now = clock.now(settings.tz, now)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None
    cut = clock.to_iso(shop_now - settings.duration("privacy.retention"), settings.tz)
    rows = doctor.checks(settings, versions=versions, env=os.environ, shop_now=shop_now,
                         machine_now=datetime.now().astimezone(),
                         db_facts=facts(settings.db_path, quick=quick, retention_cut=cut),
                         held=doctor.lock_state(settings.db_path))
    _finish(rows, opts, clock.to_iso(shop_now, settings.tz))


def _finish(rows: list[dict], opts, generated_at: str) -> None:
    from .. import doctor

    opts.generated_at = generated_at
    counts = doctor.summary(rows)
    line = f"doctor: {counts['ok']} ok, {counts['warning']} warning(s), {counts['error']} error(s)"
    finish(Result("doctor", COLUMNS, rows, counts, exit_code=doctor.exit_code(rows), title="shoptool doctor",
                  summary_line=line, table_keys=("check", "status", "detail")), opts)


def _version_of(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None
