"""kpi (PRODUCT §23): the CS team's board for a month or the days since a moment — pooled chat
metrics from the imported 客服绩效 sheets, what each agent did in shoptool, a weighted score and a
rank, the platform's summary rows as benchmarks."""

from __future__ import annotations

from .. import columns as K
from ..columns import Column
from ..errors import ConfigError, UsageError
from ..result import Result
from .shop import Shop

COMMAND = "kpi"
COLUMNS = [
    Column("staff", "客服", "Staff"),
    Column("nick", "旺旺", "Nick"),
    Column("kind", "类型", "Kind", labels="kpi_kind"),
    Column("inquiries", "询单人数", "Inquiries", K.INT),
    Column("inquiry_paid", "询单付款人数", "Paid after inquiry", K.INT),
    Column("inquiry_conversion", "询单转化率", "Inquiry conversion", K.PERCENT),
    Column("first_response_s", "首次响应(秒)", "First response (s)", K.INT),
    Column("avg_response_s", "平均响应(秒)", "Avg response (s)", K.INT),
    Column("reply_rate", "回复率", "Reply rate", K.PERCENT),
    Column("sales", "销售额", "Sales", K.MONEY),
    Column("refunds_on_time", "按时处理退款", "Refunds on time", K.INT),
    Column("reviews_revised", "中差评改评", "Reviews revised", K.INT),
    Column("remind_recovered", "催付成功", "Reminders paid", K.INT),
    Column("score", "得分", "Score", K.INT),
    Column("rank", "排名", "Rank", K.INT),
    Column("satisfaction", "客户满意率", "Satisfaction", K.PERCENT),
    Column("received", "接待人数", "Received", K.INT),
    Column("notes", "备注数", "Notes", K.INT),
    Column("addresses_confirmed", "确认地址", "Addresses confirmed", K.INT),
    Column("refunds_handled", "处理退款", "Refunds handled", K.INT),
    Column("days", "数据天数", "Days of data", K.INT),
    Column("not_final_days", "未定稿日期", "Not final", K.LIST),
    Column("sources", "数据来源", "Sources", K.LIST, labels="kpi_source"),
]
TABLE_KEYS = ("staff", "nick", "kind", "inquiries", "inquiry_paid", "inquiry_conversion", "reply_rate", "score",
              "rank")
RULE_COLUMNS = [
    Column("metric", "指标", "Metric", K.ID),
    Column("name", "名称", "Name"),
    Column("better", "方向", "Better", labels="kpi_better"),
    Column("weight", "权重", "Weight", K.INT),
    Column("target", "目标", "Target", K.INT),
    Column("counted", "计分", "Counted", K.BOOL),
    Column("reason", "不计分原因", "Why not", labels="kpi_reason"),
]
SHEET_COLUMNS = [
    Column("source", "表格", "Sheet", labels="kpi_source"),
    Column("nick", "旺旺/汇总行", "Nick or summary row"),
    Column("kind", "类型", "Kind", labels="kpi_kind"),
    Column("days", "日期", "Days"),
    Column("final", "已定稿", "Final", K.BOOL),
    Column("status", "使用情况", "Status", labels="kpi_sheet_status"),
    Column("file", "文件", "File"),
]


def run(shop: Shop, *, month: str | None = None, since: str | None = None) -> Result:
    """The board of `month` (YYYY-MM), of the days `since` (30d, 2026-11-01), or of this month to date."""
    from .. import kpi as board_rules
    from ..address import AddressRules
    from ..db import kpi as queries
    from ..db.address import ORDER_COLUMNS
    from ..kpi.outcomes import ADDRESS_FIELDS
    from ..settings_defaults import default

    now = shop.now()
    try:
        period = board_rules.board_period(month, since, now)
    except ValueError as exc:
        raise UsageError(str(exc), hint="e.g. --month 2026-10 or --since 30d") from None
    settings = shop.settings
    try:
        scoring = board_rules.Scoring.from_settings(settings["kpi.weights"],
                                                    {**default("kpi.targets"), **settings["kpi.targets"]},
                                                    settings["kpi.cap"])
        within = settings.duration("kpi.recovered_within")
    except ValueError as exc:
        raise ConfigError(str(exc) if str(exc).startswith("setting") else f"setting kpi.recovered_within: {exc}") \
            from None
    start, end = shop.iso(period.start), shop.iso(period.end)
    db = shop.db
    notes = queries.notes_between(db, start, end)
    refunds = queries.refund_marks(db, start, end)
    reminders_staff = str(settings["kpi.reminders_staff"]).strip() or None
    outcomes = board_rules.count(
        period, notes=notes, refunds=refunds,
        load_orders=lambda ids: queries.orders_with_history(db, ids, ORDER_COLUMNS, ADDRESS_FIELDS),
        reminders=queries.reminders_sent(db, start, end),
        address_rules=AddressRules.from_settings(settings.section("address")),
        reminders_staff=reminders_staff, recovered_within=within)
    unknown = {}
    if refunds is None:
        unknown["refunds_on_time"] = "no_refunds_table"
    if reminders_staff is None:
        unknown["remind_recovered"] = "not_credited"
    board = board_rules.build(queries.rows_touching(db, period.first_day, period.last_day), outcomes,
                              board_rules.Nicks(settings["staff.nicks"]), scoring, period, unknown)
    agents = board.summary["agents"]
    line = (f"kpi {period.label}: {agents} agent(s), {board.summary['benchmarks']} benchmark row(s)"
            + (f", team 询单转化率 {board.summary['inquiry_conversion'] * 100:.1f}%"
               if board.summary["inquiry_conversion"] is not None else "")
            + (f"; not final: {', '.join(board.summary['not_final_days'])}" if board.summary["not_final_days"] else ""))
    result = Result(COMMAND, COLUMNS, board.rows, board.summary, title=f"客服绩效 {period.label}",
                    summary_line=line, table_keys=TABLE_KEYS, generated_at=shop.iso(now),
                    sheets=[("评分规则", RULE_COLUMNS, [rule.as_row() for rule in board.rules]),
                            ("数据来源", SHEET_COLUMNS, board.sheets)])
    result.notes.extend(board.notes)
    return result
