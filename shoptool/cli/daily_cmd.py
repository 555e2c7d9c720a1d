"""`shoptool daily`: the team's morning worklist — every check's count and first rows (PRODUCT §11)."""

from __future__ import annotations

from typing import Annotated, Callable

import typer

from .. import columns as K
from .. import output
from ..errors import InputError
from ..output import Result, Section
from .app import app
from .options import (ConfigOpt, DbOpt, FormatOpt, HeadersOpt, NowOpt, OutEncodingOpt, OutputOpt, Shop, ShowPiiOpt,
                      finish, options)

COLUMNS = [
    K.Column("check", "检查项", "Check", K.ID),
    K.Column("title", "名称", "Title"),
    K.Column("count", "待处理", "Count", K.INT),
    K.Column("note", "说明", "Note"),
    K.Column("top", "前几条", "Top rows", K.JSON),
]


def _stock(shop: Shop, moment, now: str | None) -> Section:
    from .stock_cmd import stock_result

    try:
        result = stock_result(shop, moment)
    except InputError as exc:  # nothing imported yet is a state of the shop, not a failure of daily
        return Section("stock", "库存风险", 0, [], [], note=f"{exc.reason}; {exc.hint}" if exc.hint else exc.reason)
    rows = [r for r in result.rows if r["severity"] in ("error", "warning")]
    return Section("stock", "库存风险", len(rows), result.columns, rows, result.table_keys)


def _addresses(shop: Shop, moment, now: str | None) -> Section:
    from .address_cmd import address_result

    result = address_result(shop, moment)
    return Section("addresses", "待确认地址", len(result.rows), result.columns, result.rows, result.table_keys)


def _merges(shop: Shop, moment, now: str | None) -> Section:
    from .merge_cmd import merge_result

    result = merge_result(shop, moment)
    groups = [r for r in result.rows if not r["conflicts"]]
    listed = len(result.rows) - len(groups)
    note = f"另有 {listed} 组不能合并，需人工查看" if listed else None
    rows = groups + [r for r in result.rows if r["conflicts"]]
    return Section("merges", "可合并发货", len(groups), result.columns, rows, result.table_keys, note)


def _sending(command: str, check: str, title: str) -> Callable:
    def collect(shop: Shop, moment, now: str | None) -> Section:
        from ..messages.engine import run_command
        from .sms_cmd import SEND_COLUMNS, SEND_TABLE_KEYS

        report = run_command(command, shop, now=shop.iso(moment), dry_run=True)  # reads only, takes no lock
        due = [r for r in report.rows if r["action"] == "would_send"]
        later = [r for r in report.rows if r["action"] == "deferred"]
        note = f"另有 {len(later)} 条在免打扰时段后发送" if later else None
        return Section(check, title, len(due), SEND_COLUMNS, due + later, SEND_TABLE_KEYS[command], note)

    return collect


def _reviews(shop: Shop, moment, now: str | None) -> Section:
    from .reviews_cmd import listing

    result = listing(shop, moment)
    overdue = sum(1 for r in result.rows if r.get("overdue"))
    note = f"{overdue} 条差评已超过处理时限" if overdue else None
    return Section("reviews", "待处理中差评", len(result.rows), result.columns, result.rows, result.table_keys, note)


def _outbox(shop: Shop, moment, now: str | None) -> Section:
    from .sms_cmd import outbox_result

    result = outbox_result(shop, statuses=("deferred", "retry", "unknown", "failed"))
    unknown = sum(1 for r in result.rows if r["status"] == "unknown")
    note = f"{unknown} 条发送结果不明，请运行 shoptool sms reconcile" if unknown else None
    return Section("outbox", "短信待处理", len(result.rows), result.columns, result.rows, result.table_keys, note)


CHECKS: list[Callable] = [
    _stock, _addresses, _merges,
    _sending("remind-unpaid", "reminders", "待催付"),
    _sending("notify-shipped", "notices", "待发货通知"),
    _reviews, _outbox,
]


@app.command("daily")
def daily_command(
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown per check on the screen and in JSON.")] = 5,
    now: NowOpt = None,
    fmt: FormatOpt = "auto",
    out: OutputOpt = None,
    headers: HeadersOpt = "zh",
    encoding: OutEncodingOpt = "utf-8-sig",
    show_pii: ShowPiiOpt = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The morning worklist: stock risks, addresses to confirm, merges, texts due, reviews, the outbox.

    Counts and the first rows of every check; `-o daily.xlsx` writes one sheet per check with all
    its rows. Changes nothing and sends nothing.
    """
    opts = options(fmt, out, headers, show_pii, encoding)
    shop = Shop(db, config)
    moment = shop.now(now)
    opts.generated_at = shop.iso(moment)
    sections = [collect(shop, moment, now) for collect in CHECKS]
    rows = [{
        "check": s.check, "title": s.title, "count": s.count, "note": s.note,
        "top": output.json_rows(s.columns, output.masked_rows(s.columns, s.rows[:top], show_pii)),
    } for s in sections]
    summary = {s.check: s.count for s in sections}
    waiting = ", ".join(f"{s.title} {s.count}" for s in sections if s.count) or "nothing waiting"
    title = f"{shop.settings['shop.name']} · {moment.strftime('%Y-%m-%d %H:%M')} 今日待办"
    finish(Result("daily", COLUMNS, rows, summary, title=title, sections=sections, top=top,
                  table_keys=("title", "count", "note"), summary_line=f"daily: {waiting}"), opts, shop)
