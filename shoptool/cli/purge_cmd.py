"""`shoptool purge`: anonymise buyers' personal data of old finished orders (PRODUCT §13)."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from .. import columns as K
from .. import output
from ..output import Result
from .app import app
from .options import ConfigOpt, DbOpt, FormatOpt, NowOpt, OutputOpt, Shop, _os_user, finish, options

COLUMNS = [
    K.Column("table", "数据表", "Table"),
    K.Column("rows", "行数", "Rows", K.INT),
    K.Column("action", "处理", "Action"),
]
ACTIONS = {
    "orders": "收货人、电话、详细地址、买家会员名清空；留言与备注中的个人信息打码；extra 清空",
    "order_history": "地址、收货人、电话的变更记录清空（状态变更保留）",
    "shipments": "收货人、手机清空",
    "messages": "手机号、买家、模板参数清空；短信正文打码",
    "notes": "备注日志正文中的个人信息打码",
    "reviews": "买家昵称清空；评价正文中的个人信息打码",
    "merge_groups": "买家会员名清空",
    "order_items": "行备注打码；extra 清空",
}


@app.command("purge")
def purge_command(
    older_than: Annotated[Optional[str], typer.Option(
        "--older-than", help="Finished orders last active longer ago than this, e.g. 180d (default: setting privacy.retention).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (required without a terminal).")] = False,
    staff: Annotated[Optional[str], typer.Option("--staff", help="Who runs the purge, for the audit log (default: shop.staff).",
                                                 show_default=False)] = None,
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
    from .. import clock, purge
    from ..db.purge import purge as run_purge
    from ..errors import UsageError

    opts = options(fmt, out)
    shop = Shop(db, config)
    moment = shop.now(now)
    opts.generated_at = shop.iso(moment)
    text = older_than or shop.settings["privacy.retention"]
    try:
        cut = purge.cut_before(moment, clock.parse_duration(text))
    except ValueError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    if not dry_run and not yes and not _can_ask():
        raise UsageError("purge removes buyers' data for good: pass --yes to run it without a terminal "
                         "(or --dry-run to see what it would do)")
    args = dict(cut_iso=shop.iso(cut), at=opts.generated_at, staff=f"{shop.staff(staff)} ({_os_user()})",
                older_than=text)
    if not dry_run and not yes:
        preview = run_purge(shop.db, apply=False, **args)
        count = sum(preview["by_status"].values())
        if count and not typer.confirm(f"Anonymise {count} finished orders last active before {args['cut_iso']}? "
                                       "This cannot be undone", err=True):
            output.info("purge cancelled; nothing changed")
            shop.close()
            raise typer.Exit(0)
    result = run_purge(shop.db, apply=not dry_run, **args)
    finish(_result(result, args["cut_iso"], text, dry_run), opts, shop)


def _result(result: dict, cut_iso: str, older_than: str, dry_run: bool) -> Result:
    counts = result["rows"]
    rows = [{"table": table, "rows": counts[table], "action": action} for table, action in ACTIONS.items()
            if table in counts]
    orders = sum(result["by_status"].values())
    wipe = result["wipe"] or {}
    summary = {"dry_run": dry_run, "cut": cut_iso, "older_than": older_than, "orders": orders,
               "by_status": result["by_status"], "vacuumed": bool(wipe.get("vacuumed")),
               "wal_truncated": wipe.get("wal_truncated")}
    verb = "would anonymise" if dry_run else "anonymised"
    line = f"purge: {verb} {orders} finished orders last active before {cut_iso}"
    if wipe and not wipe.get("wal_truncated"):
        output.warn("another process is reading the database, so its WAL file (shoptool.db-wal) could not be "
                    "emptied yet; run `shoptool purge --yes` again when it is done")
    return Result("purge", COLUMNS, rows, summary, title="个人信息清理", summary_line=line)


def _can_ask() -> bool:
    return sys.stdin.isatty()
