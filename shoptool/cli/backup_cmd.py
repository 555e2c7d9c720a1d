"""`shoptool backup FILE`: a consistent, owner-only copy of the shop database (PRODUCT §13)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import columns as K
from ..output import Result
from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, Shop, _os_user, finish, options

COLUMNS = [
    K.Column("file", "备份文件", "File"),
    K.Column("source", "数据库", "Database"),
    K.Column("bytes", "字节数", "Bytes", K.INT),
    K.Column("orders", "订单数", "Orders", K.INT),
    K.Column("integrity", "完整性", "Integrity"),
    K.Column("mode", "权限", "Mode"),
]


@app.command("backup")
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
    from ..db.connect import open_db
    from ..db.maintenance import backup

    opts = options(fmt)
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now())
    source = open_db(shop.settings.db_path, create=False, migrate=False)  # copied as it is, never migrated
    try:
        row = backup(source, file, force=force, audit_at=opts.generated_at, staff=f"{shop.staff()} ({_os_user()})")
    finally:
        source.close()
    finish(Result("backup", COLUMNS, [row], {"backed_up": 1, "bytes": row["bytes"]},
                  summary_line=f"backup: {row['file']} ({row['bytes']} bytes, integrity ok, mode {row['mode']})"),
           opts, shop)
