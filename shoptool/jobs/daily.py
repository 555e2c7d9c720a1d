"""daily (PRODUCT §11): the team's morning worklist — every check's count and first rows, composed
from the same jobs the commands run, so the worklist can never disagree with them."""

from __future__ import annotations

from collections.abc import Callable, Collection

from .. import collector
from .. import columns as K
from ..errors import InputError
from ..result import Result, Section, json_rows, masked_rows
from ..rows import Rows
from . import (
    address_check,
    aftersale,
    cod_confirm,
    invoices,
    logistics_check,
    merge_shipping,
    rate_buyers,
    reviews,
    sending,
    ship_deadline,
    stock_check,
)
from .shop import Shop

COMMAND = "daily"
COLUMNS = [
    K.Column("check", "检查项", "Check", K.ID, labels="daily_check"),
    K.Column("title", "名称", "Title"),
    K.Column("count", "待处理", "Count", K.INT),
    K.Column("note", "说明", "Note"),
    K.Column("top", "前几条", "Top rows", K.JSON),
]


def _stock(shop: Shop) -> Section:
    try:
        result = stock_check.run(shop)
    except InputError as exc:  # nothing imported yet is a state of the shop, not a failure of daily
        return Section("stock", "库存风险", 0, [], [], note=f"{exc.reason}; {exc.hint}" if exc.hint else exc.reason)
    rows = result.rows
    if isinstance(rows, Rows):  # findings held as tuples: filtered and counted without a dict each
        rows = rows.where("severity", ("error", "warning"))
        counts = rows.count_by("finding")
    else:
        rows = [r for r in rows if r["severity"] in ("error", "warning")]
        counts = {}
        for row in rows:
            counts[row["finding"]] = counts.get(row["finding"], 0) + 1
    return Section("stock", "库存风险", len(rows), result.columns, rows, result.table_keys, notes=result.notes,
                   counts=counts)


def _addresses(shop: Shop) -> Section:
    result = address_check.run(shop)
    return Section("addresses", "待确认地址", len(result.rows), result.columns, result.rows, result.table_keys,
                   notes=result.notes)


def _cod(shop: Shop) -> Section:
    result = cod_confirm.listing(shop)
    due, declined = result.summary["due_soon"], result.summary["declined"]
    parts = ([f"{due} 单临近或已过截单时间"] if due else []) + ([f"{declined} 单买家拒收待关闭"] if declined else [])
    return Section("cod", "货到付款待确认", len(result.rows), result.columns, result.rows, result.table_keys,
                   "，".join(parts) or None, notes=result.notes)


def _merges(shop: Shop) -> Section:
    result = merge_shipping.run(shop)
    groups = [r for r in result.rows if not r["conflicts"]]
    # an applied group that can no longer ship as one parcel comes first: the warehouse must know
    broken = [r for r in result.rows if r["conflicts"] and r.get("applied_group")]
    listed = len(result.rows) - len(groups) - len(broken)
    notes = [f"{len(broken)} 个已合并的组现在不能合并，请通知仓库" if broken else None,
             f"另有 {listed} 组不能合并，需人工查看" if listed else None]
    note = "；".join(n for n in notes if n) or None
    rows = broken + groups + [r for r in result.rows if r["conflicts"] and not r.get("applied_group")]
    return Section("merges", "可合并发货", len(groups) + len(broken), result.columns, rows, result.table_keys, note)


def _sending(command: str, check: str, title: str) -> Callable[[Shop], Section]:
    def collect(shop: Shop) -> Section:
        result = sending.send(shop, command, dry_run=True)  # reads only, takes no lock
        due = [r for r in result.rows if r["action"] == "would_send"]
        later = [r for r in result.rows if r["action"] == "deferred"]
        note = f"另有 {len(later)} 条在免打扰时段后发送" if later else None
        return Section(check, title, len(due), result.columns, due + later, result.table_keys, note)

    return collect


def _reviews(shop: Shop) -> Section:
    result = reviews.listing(shop)
    overdue = sum(1 for r in result.rows if r.get("overdue"))
    note = f"{overdue} 条差评已超过处理时限" if overdue else None
    return Section("reviews", "待处理中差评", len(result.rows), result.columns, result.rows, result.table_keys, note)


def _aftersale(shop: Shop) -> Section:
    # counts by finding, the overdue first (PRODUCT §17); the rows keep the command's order
    result = aftersale.listing(shop)
    counts = sorted(result.summary.items(), key=lambda kv: (kv[0] != "overdue", -kv[1]))
    from ..labels import label

    note = "，".join(f"{label('aftersale_finding', code)} {n}" for code, n in counts) or None
    waiting = sum(1 for r in result.rows if r["severity"] != "info")  # the buyer's move is not the team's
    return Section("aftersale", "售后待处理", waiting, result.columns, result.rows, result.table_keys, note)


def _rate_buyers(shop: Shop) -> Section:
    result = rate_buyers.listing(shop)
    last = result.summary["last_day"]
    return Section("rate_buyers", "待评价买家", len(result.rows), result.columns, result.rows, result.table_keys,
                   f"{last} 单今天是最后一天" if last else None, notes=result.notes)


def _invoices(shop: Shop) -> Section:
    result = invoices.listing(shop)
    oldest = result.summary["oldest_days"]
    return Section("invoices", "待开发票", len(result.rows), result.columns, result.rows, result.table_keys,
                   f"最早一单已付款 {oldest} 天" if oldest else None, notes=result.notes)


def _ship_deadline(shop: Shop) -> Section:
    result = ship_deadline.run(shop)
    overdue = result.summary["ship_overdue"]
    note = f"{overdue} 单已超过承诺发货时间，可能赔付 {result.summary['money_at_risk']:g} 元" if overdue else None
    return Section("ship_deadline", "发货时效", len(result.rows), result.columns, result.rows, result.table_keys, note,
                   notes=result.notes)


def _logistics(shop: Shop) -> Section:
    result = logistics_check.run(shop)
    errors = sum(1 for r in result.rows if r["severity"] == "error")
    return Section("logistics", "物流异常", len(result.rows), result.columns, result.rows, result.table_keys,
                   f"{errors} 个包裹需要马上处理" if errors else None, notes=result.notes)


OUTBOX_WAITING = ("deferred", "retry", "unknown", "failed")


def _outbox(shop: Shop) -> Section:
    # Counted in SQL (the listing stops at its limit); the rows are the most recent ones.
    result = sending.outbox(shop, statuses=OUTBOX_WAITING)
    count = sum(n for status, n in result.summary.items() if status in OUTBOX_WAITING)
    unknown = result.summary.get("unknown", 0)
    note = f"{unknown} 条发送结果不明，请运行 shoptool sms reconcile" if unknown else None
    return Section("outbox", "短信待处理", count, result.columns, result.rows, result.table_keys, note)


CHECKS: list[Callable[[Shop], Section]] = [
    _stock, _addresses, _cod, _ship_deadline, _merges,
    _sending("remind-unpaid", "reminders", "待催付"),
    _sending("notify-shipped", "notices", "待发货通知"), _logistics,
    _reviews, _aftersale, _rate_buyers, _invoices, _outbox,
]


@collector.paused()  # every check's rows live until the page is made
def run(shop: Shop, *, top: int = 5, show_pii: bool = False, keep: Collection[str] | None = None,
        compact: bool = False) -> Result:
    """Counts and the first `top` rows of every check; changes nothing and sends nothing.

    `keep`: the checks whose sections hold every row (a workbook's sheets, the report's panels);
    None keeps all. The others keep their first `top` rows only, each check's list freed before
    the next one runs: the JSON and the screen show no more, and at a million orders holding
    every check's rows at once was most of daily's memory (issue #25). `compact`: the kept rows
    hold only their columns' values, as tuples (all a workbook's sheets write)."""
    from ..db.report import worklist_cache

    moment = shop.now()
    worklist_cache(shop.db)
    sections, tops = [], []
    for collect in CHECKS:
        section = collect(shop)
        tops.append(json_rows(section.columns, masked_rows(section.columns, section.rows[:top], show_pii)))
        if keep is not None and section.check not in keep:
            section.rows = list(section.rows[:top])
        elif compact and not isinstance(section.rows, Rows):
            section.rows = Rows.of(section.columns, section.rows)
        sections.append(section)
    rows = [{"check": s.check, "title": s.title, "count": s.count, "note": s.note, "top": shown}
            for s, shown in zip(sections, tops)]
    summary = {s.check: s.count for s in sections}
    waiting = ", ".join(f"{s.title} {s.count}" for s in sections if s.count) or "nothing waiting"
    title = f"{shop.settings['shop.name']} · {moment.strftime('%Y-%m-%d %H:%M')} 今日待办"
    return Result(COMMAND, COLUMNS, rows, summary, title=title, sections=sections, top=top,
                  table_keys=("title", "count", "note"), summary_line=f"daily: {waiting}",
                  generated_at=shop.iso(moment), notes=[note for s in sections for note in s.notes])
