"""report (PRODUCT §21): the manager's page — deadlines first, then parcels in trouble, the
worklist, the period's numbers, 7/30-day trends and how old each kind of imported data is.

Each part is one panel computed from a job: `daily` (whose sections carry every check's rows, so
the page's counts are daily's own), the report's queries (db/report.py) and the jobs of features
that may not be installed yet (after-sales, ship-by, parcels). Such a panel is one entry in
OPTIONAL: when its job module exists it is used, and until it does — or while its table holds
nothing — the panel says what is missing instead of failing. Drawing is report/render.py's.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import collector, labels
from .. import columns as K
from ..errors import ConfigError, InputError, UsageError
from ..report import items as I
from ..report import numbers as N
from ..report.model import ATTENTION, CHECKS, FRESHNESS, MISSING, NUMBERS, OK, TRENDS, Number, Panel, Series
from ..result import Result, Section, json_rows, masked_rows
from .shop import Shop

COMMAND = "report"
COLUMNS = [
    K.Column("panel", "板块", "Panel", K.ID, labels="report_panel"),
    K.Column("title", "名称", "Title"),
    K.Column("state", "状态", "State", K.ID, labels="report_state"),
    K.Column("count", "数量", "Count", K.INT),
    K.Column("note", "说明", "Note"),
    K.Column("top", "前几条", "Top rows", K.JSON),
    K.Column("data", "数据", "Data", K.JSON),
]
TABLE_KEYS = ("title", "state", "count", "note")
# daily's checks whose every row a panel picks from (the Optional_ panels, _reviews_due); the
# stock panel needs only daily's count, counts and top rows. The parcels panel reads daily's
# logistics section (it ran logistics-check a second time before).
KEEP = frozenset({"aftersale", "ship_deadline", "logistics", "reviews"})
PERIODS = tuple(N.PERIODS)


@dataclass
class ReportResult(Result):
    """A Result whose rows are the page's panels, with the panels themselves for the renderer."""

    panels: list[Panel] = field(default_factory=list)
    period: str = "day"
    window: N.Window | None = None
    shop_name: str = ""


@dataclass
class Context:
    shop: Shop
    worklist: Result  # daily's
    top: int
    period: N.Window
    period_name: str

    @property
    def now(self):
        return self.shop.now()

    @property
    def tz(self):
        return self.shop.tz

    def section(self, check: str) -> Section | None:
        return next((s for s in self.worklist.sections if s.check == check), None)


@collector.paused()  # every check's rows live until the page is made
def run(shop: Shop, *, period: str = "day") -> ReportResult:
    """The page's panels at `shop.now()`; reads only, changes and sends nothing."""
    from . import daily

    if period not in PERIODS:
        raise UsageError(f"--period must be one of {', '.join(PERIODS)}, not {period!r}")
    moment = shop.now()
    top = int(shop.settings["report.top"])
    # daily keeps every row only of the checks whose panels pick from them; the rest, top rows
    worklist = daily.run(shop, top=top, keep=KEEP)
    context = Context(shop, worklist, top, N.period_window(moment, period), period)
    panels = [build(context) for build in PANELS]
    attention = [p.key for p in panels if p.state == ATTENTION]
    missing = [p.key for p in panels if p.state == MISSING]
    summary = {"period": period, "since": shop.iso(context.period.start), "until": shop.iso(moment),
               "daily": context.worklist.summary,
               "numbers": {n.key: n.json()["value"] for p in panels for n in p.numbers},
               "attention": attention, "missing": missing}
    line = (f"report: {len(attention)} panel(s) need attention"
            + (f" ({', '.join(attention)})" if attention else "")
            + (f"; no data yet for {', '.join(missing)}" if missing else ""))
    title = f"{shop.settings['shop.name']} · {moment.strftime('%Y-%m-%d %H:%M')} {N.PERIOD_TITLES[period]}"
    result = ReportResult(COMMAND, COLUMNS, [p.json_row() for p in panels], summary, title=title, summary_line=line,
                    table_keys=TABLE_KEYS, generated_at=shop.iso(moment), panels=panels, period=period,
                    window=context.period, shop_name=str(shop.settings["shop.name"]))
    for level, text in context.worklist.notes:
        result.notes.append((level, text))
    return result


# ---------------------------------------------------------------- list panels

def _list_panel(key: str, title: str, context: Context, columns, rows: list[dict], describe, *,
                empty: str, note: str | None = None, level_attention: bool = True, count: int | None = None) -> Panel:
    """`count`: the rows in all when `rows` holds only the first of them (daily's cut section)."""
    shown = masked_rows(columns, rows[:context.top], show_pii=False)
    cells = I.Cells(columns)
    count = len(rows) if count is None else count
    return Panel(key, title, state=ATTENTION if count and level_attention else OK, count=count, note=note,
                 items=[describe(row, cells) for row in shown], more=max(count - len(shown), 0),
                 top=json_rows(columns, shown), empty=empty)


def _missing(key: str, title: str, note: str) -> Panel:
    return Panel(key, title, state=MISSING, note=note)


@dataclass(frozen=True)
class Optional_:
    """A panel over the job of a feature that may not be installed yet: `jobs/<module>.py` with
    `run(shop) -> Result`. Its rows come from daily's section `check` when daily has one."""

    key: str
    title: str
    module: str
    table: str  # the table whose emptiness means "not imported yet"
    missing: str  # what the panel says then
    pick: Callable[[list[dict], Context], list[dict]]
    describe: Callable
    empty: str = "暂无"
    check: str | None = None  # daily's section of this job's rows, when not named as the module

    def __call__(self, context: Context) -> Panel:
        from ..db.report import has_rows

        section = context.section(self.check or self.module)
        if section is None and importlib.util.find_spec(f"{__package__}.{self.module}") is None:
            return _missing(self.key, self.title, self.missing)
        if not has_rows(context.shop.db, self.table):
            return _missing(self.key, self.title, self.missing)
        if section is not None:
            columns, rows = section.columns, section.rows
        else:
            try:
                result = importlib.import_module(f"{__package__}.{self.module}").run(context.shop)
            except InputError as exc:
                return _missing(self.key, self.title, exc.reason)
            columns, rows = result.columns, list(result.rows)
        picked = sorted(self.pick(rows, context), key=_urgency)
        return _list_panel(self.key, self.title, context, columns, picked, self.describe, empty=self.empty)


def _urgency(row: dict):
    """Errors first, then the nearest deadline (hours_left), then the longest silence (hours_since)."""
    hours = row.get("hours_left")
    since = row.get("hours_since")
    return ({"error": 0, "warning": 1}.get(str(row.get("severity")), 2 if "severity" in row else 1),
            not isinstance(hours, (int, float)), hours if isinstance(hours, (int, float)) else 0,
            -since if isinstance(since, (int, float)) else 0)


def _refunds_due(rows: list[dict], context: Context) -> list[dict]:
    within = None
    if "aftersale.due_within" in context.shop.settings:
        within = context.shop.settings.duration("aftersale.due_within").total_seconds() / 3600
    # due_soon/overdue is the finding only of a row with no more specific one (§17): the clock is
    # hours_left, so a past deadline is a deadline whatever the finding says
    def due(row: dict) -> bool:
        hours = row.get("hours_left")
        if not isinstance(hours, (int, float)) or isinstance(hours, bool):
            return False
        return hours < 0 or (within is not None and hours <= within)

    return [r for r in rows if r.get("finding") in ("overdue", "due_soon") or due(r)]


def _ship_due(rows: list[dict], context: Context) -> list[dict]:
    return [r for r in rows if r.get("finding") in ("ship_overdue", "ship_due_soon")]


def _parcels_in_trouble(rows: list[dict], context: Context) -> list[dict]:
    return [r for r in rows if r.get("severity") in (None, "error", "warning")]


OPTIONAL = {
    "refunds_due": Optional_("refunds_due", "退款即将超时", "aftersale", "refunds", "未导入退款数据",
                             _refunds_due, I.refund, "没有逾期或临近超时的退款"),
    "ship_due": Optional_("ship_due", "超过发货时限", "ship_deadline", "orders", "未启用发货时限检查",
                          _ship_due, I.ship, "没有超时或临近超时未发货的订单"),
    "parcels": Optional_("parcels", "异常包裹", "logistics_check", "parcels", "未导入物流轨迹数据",
                         _parcels_in_trouble, I.parcel, "没有异常包裹", check="logistics"),
}


def _reviews_due(context: Context) -> Panel:
    from ..db.report import has_rows

    key, title = "reviews_due", "中差评解释期将满"
    if not has_rows(context.shop.db, "reviews"):
        return _missing(key, title, "未导入评价数据")
    section = context.section("reviews")
    days = int(context.shop.settings["report.review_days_left"])
    now = context.now
    rows = [r for r in (section.rows if section else [])
            if r.get("days_left") is not None and r["days_left"] <= days and r.get("can_explain")
            and (N.parse(r.get("window_ends_at"), context.tz) or now) > now]
    rows.sort(key=lambda r: r.get("window_ends_at") or "")
    return _list_panel(key, title, context, section.columns if section else [], rows,
                       lambda row, cells: I.review(row, cells, now), empty=f"没有 {days} 天内到期的中差评")


def _stock(context: Context) -> Panel:
    from ..db.report import has_rows

    key, title = "stock", "库存风险"
    if not (has_rows(context.shop.db, "page_stock") and has_rows(context.shop.db, "warehouse_stock")):
        return _missing(key, title, "未导入库存数据（宝贝库存和仓库库存）")
    section = context.section("stock")  # daily's, cut to its top rows: count and counts stand for all
    rows = section.rows if section else []
    panel = _list_panel(key, title, context, section.columns if section else [], rows, I.stock,
                        empty="页面库存与仓库一致", count=section.count if section else 0)
    by_finding: dict[str, int] = {}
    for code, n in (section.counts if section else {}).items():
        name = labels.label("stock_finding", code)
        by_finding[name] = by_finding.get(name, 0) + n
    panel.bars = sorted(by_finding.items(), key=lambda kv: -kv[1])
    return panel


# A check daily could not run (nothing of its kind imported: daily's note is then the command
# line's English hint) reads on the page as what is missing.
NOT_RUN = {"stock": "未导入库存数据（宝贝库存和仓库库存）"}


def _worklist(context: Context) -> Panel:
    def note(row: dict) -> str | None:
        section = context.section(row["check"])
        if section is not None and not section.columns and not row["count"]:
            return NOT_RUN.get(row["check"], "数据不足，未能检查")
        return row["note"]

    checks = [{"check": r["check"], "title": r["title"], "count": r["count"], "note": note(r)}
              for r in context.worklist.rows]
    waiting = sum(c["count"] for c in checks)
    return Panel("worklist", "今日待办", kind=CHECKS, state=ATTENTION if waiting else OK, count=waiting,
                 checks=checks, note=f"共 {waiting} 项待处理，与 shoptool daily 一致" if waiting else None)


# ---------------------------------------------------------------- the period's numbers, trends

def _period(context: Context) -> Panel:
    from ..db import report as q

    shop, tz, window = context.shop, context.tz, context.period
    previous = window.previous
    start, end = N.Window(previous.start, window.end).query_bounds(tz)

    def split(rows, key):
        return N.within(rows, key, window, tz), N.within(rows, key, previous, tz)

    paid, paid_before = split(q.paid_orders(shop.db, start, end), "paid_at")
    outcomes = N.reminder_outcomes(q.reminder_orders(shop.db, start, end), tz, until=context.now)
    sent = [o for o in outcomes if window.holds(o.sent_at)]
    sent_before = [o for o in outcomes if previous.holds(o.sent_at)]
    notices, notices_before = split(q.sent_messages(shop.db, "shipped", start, end), "sent_at")
    reviews, reviews_before = split(q.new_reviews(shop.db, start, end, ("neutral", "bad")), "created_at")
    handled = [r for r in reviews if r["status"] not in ("open", "contacted")]
    contacted = [r for r in reviews if r["status"] == "contacted"]
    stock = context.section("stock")
    recovered = [o for o in sent if o.paid]
    numbers = [
        Number("orders_paid", "付款订单", len(paid), len(paid_before)),
        Number("paid_amount", "付款金额", sum(r["amount_fen"] for r in paid),
               sum(r["amount_fen"] for r in paid_before), kind=K.MONEY),
        Number("reminders_sent", "催付短信", len(sent), len(sent_before)),
        Number("reminders_paid", "催付后24小时内付款", len(recovered), sum(1 for o in sent_before if o.paid),
               detail=f"付款率 {len(recovered) / len(sent):.0%}" if sent else None),
        Number("recovered_amount", "催付挽回金额", sum(o.recovered_fen for o in recovered),
               sum(o.recovered_fen for o in sent_before if o.paid), kind=K.MONEY),
        Number("notices_sent", "发货通知", len(notices), len(notices_before)),
        Number("new_bad_reviews", "新增中差评", len(reviews), len(reviews_before),
               detail=f"已处理 {len(handled)}，跟进中 {len(contacted)}" if reviews else None,
               level="error" if len(reviews) > len(handled) else None),
        Number("bad_reviews_handled", "其中已处理", len(handled)),
        Number("stock_risks", "库存风险", stock.count if stock else 0, level="error" if stock and stock.count else None,
               detail="当前，与 daily 一致"),
    ]
    note = (f"{N.PERIOD_LABELS[context.period_name]}（{window.start:%m-%d %H:%M} 至 {window.end:%m-%d %H:%M}），"
            "“上期”为之前同样长的一段")
    return Panel("period", "本期数据", kind=NUMBERS, numbers=numbers, note=note)


def _refund_reasons(context: Context) -> Panel:
    from ..db import report as q

    key, title = "refund_reasons", "退款原因"
    tz, window = context.tz, context.period
    start, end = window.query_bounds(tz)
    rows = q.refunds_in(context.shop.db, start, end)
    if rows is None or not q.has_rows(context.shop.db, "refunds"):
        return _missing(key, title, "未导入退款数据")
    rows = N.within(rows, "at", window, tz)
    by_reason: dict[str, int] = {}
    for row in rows:
        reason = str(row.get("reason") or "").strip() or "未填写原因"
        by_reason[reason] = by_reason.get(reason, 0) + 1
    bars = sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    amount = sum(int(r.get("amount_fen") or 0) for r in rows)
    return Panel(key, title, state=OK, count=len(rows), bars=bars, empty="本期没有退款申请",
                 numbers=[Number("refunds", "退款申请", len(rows)), Number("refund_amount", "退款金额", amount,
                                                                         kind=K.MONEY)] if rows else [])


def _trends(context: Context) -> Panel:
    from ..db import report as q

    shop, tz, now = context.shop, context.tz, context.now
    days = N.trend_days(now)
    window = N.trend_window(now)
    start, end = window.query_bounds(tz)
    paid = q.paid_orders(shop.db, start, end)
    outcomes = [{"sent_at": o.sent_at.isoformat(), "paid": 1 if o.paid else 0, "fen": o.recovered_fen}
                for o in N.reminder_outcomes(q.reminder_orders(shop.db, start, end), tz, until=now)]

    def daily(rows, key, value_key=None):
        return N.per_day(rows, key, days, tz, value_key, until=now)

    series = [
        Series("orders_paid", "付款订单", daily(paid, "paid_at")),
        Series("paid_amount", "付款金额", daily(paid, "paid_at", "amount_fen"), kind=K.MONEY),
        Series("reminders_sent", "催付短信", daily(outcomes, "sent_at")),
        Series("reminders_paid", "催付后付款", daily(outcomes, "sent_at", "paid")),
        Series("notices_sent", "发货通知", daily(q.sent_messages(shop.db, "shipped", start, end), "sent_at")),
        Series("new_bad_reviews", "新增中差评",
               daily(q.new_reviews(shop.db, start, end, ("neutral", "bad")), "created_at")),
    ]
    refunds = q.refunds_in(shop.db, start, end)
    if refunds is not None:
        series.append(Series("refunds", "退款申请", daily(refunds, "at")))
    first, last = days[0], days[-1]
    return Panel("trends", "近7天 / 近30天趋势", kind=TRENDS, series=series,
                 note=f"{first:%m-%d} 至 {last:%m-%d}，按天统计（今天截至 {now:%H:%M}）")


def _freshness(context: Context) -> Panel:
    from ..db.report import latest_imports
    from ..imports.kinds import NAMES
    from ..report.model import Freshness

    settings, now, tz = context.shop.settings, context.now, context.tz
    latest = latest_imports(context.shop.db)
    rows = []
    for kind in list(NAMES) + sorted(set(latest) - set(NAMES)):
        entry = latest.get(kind)
        moment = N.parse(entry["at"], tz) if entry else None
        rows.append(Freshness(kind, str(labels.label("import_kind", kind)), entry["at"] if entry else None,
                              N.age_hours(moment, now), _stale_after(settings, kind),
                              entry["file"] if entry else None))
    stale = [f for f in rows if f.stale]
    if not latest:
        return Panel("freshness", "数据新鲜度", kind=FRESHNESS, state=MISSING, freshness=rows,
                     note="尚未导入任何数据：先运行 shoptool import FILE")
    return Panel("freshness", "数据新鲜度", kind=FRESHNESS, state=ATTENTION if stale else OK, count=len(stale),
                 freshness=rows, note="、".join(f.label for f in stale) + " 已过期，请重新导出导入" if stale else None)


def _stale_after(settings, kind: str) -> float:
    from .. import clock

    path = f"report.stale_after.{kind.replace('-', '_')}"
    if path not in settings:
        path = "report.stale_after.other"
    try:
        return clock.parse_duration(settings[path]).total_seconds() / 3600
    except ValueError as exc:
        raise ConfigError(f"setting {path}: {exc}") from None


PANELS: list[Callable[[Context], Panel]] = [
    OPTIONAL["refunds_due"], OPTIONAL["ship_due"], _reviews_due,  # deadlines first
    OPTIONAL["parcels"],  # then parcels in trouble
    _worklist,
    _period, _refund_reasons, _stock,
    _trends,
    _freshness,
]
# The first panels are the page's deadlines block (drawn under one heading).
DEADLINES = ("refunds_due", "ship_due", "reviews_due")
