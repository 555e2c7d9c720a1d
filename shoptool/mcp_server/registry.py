"""Every tool `shoptool mcp` serves, in one table: its name, the job it calls, its arguments, what
it may do (read, write, send, import) and the hints MCP clients show.

A tool for a new job is one `Tool(...)` entry in TOOLS: the job's `run` over `call.shop` and the
call's arguments, the parameters it takes, and the command line that prints the same document
(`cli`), which the tests run to compare. Reads take `now`; writes, sends and imports take the
caller's `staff` and are audited (guards.py adds both, from `access`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..jobs import (
    address_check,
    aftersale,
    cod_confirm,
    customers,
    daily,
    export,
    import_files,
    invoices,
    kpi,
    logistics_check,
    merge_shipping,
    note,
    operations,
    rate_buyers,
    report,
    reviews,
    sending,
    ship_deadline,
    stock_check,
)
from ..result import Result
from . import params as P

READ, WRITE, SEND, IMPORT = "read", "write", "send", "import"


@dataclass
class Call:
    """What a tool's job call gets: the shop of this call (settings, database, clock), the checked
    arguments, and the paths the server was started with (for doctor)."""

    shop: Any  # jobs.Shop
    args: dict
    config: Path | None = None
    db: Path | None = None
    files: tuple[Path, ...] = ()  # import_file: the file guards.py resolved inside the inbox
    inbox: Path | None = None  # import_inbox: the inbox, resolved

    def get(self, key: str, default: Any = None) -> Any:
        value = self.args.get(key)
        return default if value is None else value


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    description: str
    run: Callable[[Call], Result]
    cli: Callable[[dict], list[str]]  # the command line printing the same document (tests, docs)
    params: tuple[P.Param, ...] = ()
    access: str = READ
    idempotent: bool = True
    destructive: bool = False
    clock: bool = True  # a read whose rows depend on the moment takes `now`

    @property
    def reads(self) -> bool:
        return self.access == READ

    @property
    def all_params(self) -> tuple[P.Param, ...]:
        """Reads can be asked about another moment (`now`); everything else acts now, for a named person."""
        if not self.reads:
            return self.params + (P.STAFF,)
        return self.params + ((P.NOW,) if self.clock else ())

    def input_schema(self) -> dict:
        return P.input_schema(self.all_params)

    def hints(self) -> dict[str, bool]:
        """MCP tool annotations: readOnlyHint, destructiveHint, idempotentHint, openWorldHint."""
        if self.reads:
            return {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}
        return {"readOnlyHint": False, "destructiveHint": self.destructive, "idempotentHint": self.idempotent,
                "openWorldHint": self.access == SEND}


def _flags(pairs) -> list[str]:
    return [option for option, on in pairs if on]


def _options(pairs) -> list[str]:
    out: list[str] = []
    for option, value in pairs:
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            out += [option, str(one)]
    return out


LOGISTICS_FINDINGS = ("no_pickup", "no_info", "stalled", "not_signed", "pickup_point_waiting", "exception", "returned",
                      "auto_confirm_risk", "delivered_disputed")  # logistics/findings.FINDINGS, kept light to import


def _order_numbers(values) -> list[str]:
    """Order numbers only: over MCP an argument is never read as a file (the CLI takes FILEs too)."""
    values = [values] if isinstance(values, str) else list(values or ())
    wrong = [v for v in values if not v.strip() or any(mark in v for mark in ("/", "\\", ".."))]
    if wrong or not values:
        raise UsageError("give order numbers (订单编号); files are not read over MCP")
    return values


_ORDERS = P.Param("orders", {"type": "array", "minItems": 1, "maxItems": 1000,
                            "items": {"type": "string", "minLength": 1, "maxLength": 100},
                            "description": "Order numbers (订单编号)."}, True)
_SEND_NOTE = ("A dry run: it sends nothing and writes nothing (like `--dry-run`); rows say would_send, deferred "
              "(quiet hours) or skipped with a reason.")

TOOLS: tuple[Tool, ...] = (
    Tool("daily", "今日待办 daily worklist",
         "The team's morning worklist: count and first rows of every check (stock risks, addresses to confirm, "
         "merges, reminders and shipping notices due, reviews, outbox). Changes and sends nothing.",
         lambda c: daily.run(c.shop, top=c.get("top", 5)),
         lambda a: ["daily", *_options([("--top", a.get("top"))])],
         (P.number("top", "Rows per check (default 5).", minimum=1, maximum=100, default=5),)),
    Tool("report", "经营日报 report",
         "The manager's page as data: deadlines (refunds, ship-by, 中差评 whose window ends within 3 days), parcels "
         "in trouble, daily's counts, the period's numbers (orders paid, reminders sent and paid within 24h with the "
         "amount recovered, notices, new 中差评 and how many were handled, refunds by reason, stock risks), 30-day "
         "trends and how old each kind of imported data is. A panel without data says so. Changes and sends nothing.",
         lambda c: report.run(c.shop, period=c.get("period", "day")),
         lambda a: ["report", *_options([("--period", a.get("period"))])],
         (P.choice("period", ("day", "week", "month"), "The last 24 hours (default), 7 days or 30 days."),)),
    Tool("stock_check", "库存核对 stock-check",
         "Page stock against warehouse stock, per SKU code: oversell_risk, missing_in_warehouse, duplicate_sku, "
         "negative_stock (errors), no_sku_code, underlisted (warnings), not_listed (info), with the suggested page "
         "stock. needs_action when a finding named by fail_on exists.",
         lambda c: stock_check.run(c.shop, fail_on=c.args.get("fail_on")),
         lambda a: ["stock-check", *_options([("--fail-on", a.get("fail_on"))])],
         (P.text("fail_on", "Findings that set needs_action, comma separated (default: oversell_risk,"
                            'missing_in_warehouse,duplicate_sku,negative_stock); "" for none.', max_length=200),)),
    Tool("address_check", "地址核对 address-check",
         "Paid, unshipped orders whose phone, receiver or address needs attention before dispatch, each with its "
         "finding codes and a confirmation text for the buyer (personal data masked). needs_action when any order "
         "has an error-level finding.",
         lambda c: address_check.run(c.shop, show_all=c.get("all", False), show_pii=False),
         lambda a: ["address-check", *_flags([("--all", a.get("all"))])],
         (P.flag("all", "Also list orders with only info findings (masked, remote_region) and clean ones."),)),
    Tool("merge_shipping", "合单发货 merge-shipping (report)",
         "Paid, unshipped orders that should travel as one parcel, the postage to refund, and near-groups that "
         "must not merge with their conflicts. A report only: it never applies a merge.",
         lambda c: merge_shipping.run(c.shop, window=c.args.get("window"), loose=c.get("loose", False),
                                      include_presale=c.get("include_presale", False),
                                      postage_rule=c.args.get("postage_rule"), apply=False, show_pii=False),
         lambda a: ["merge-shipping", *_options([("--window", a.get("window")),
                                                 ("--postage-rule", a.get("postage_rule"))]),
                    *_flags([("--loose", a.get("loose")), ("--include-presale", a.get("include_presale"))])],
         (P.text("window", "Longest time between a group's first and last order, e.g. 3d (default: [merge] window).",
                 max_length=20),
          P.flag("loose", "Also merge orders without a buyer nick (same receiver, phone and address)."),
          P.flag("include_presale", "Also merge pre-sale orders."),
          P.text("postage_rule", "max, first, flat:N or free_over:N (default: [postage] rule).", max_length=40))),
    Tool("reviews", "中差评 reviews",
         "Medium and negative reviews still to handle, oldest first, with days left to explain and reason tags. "
         "needs_action when an open 差评 is older than [reviews] alert_after.",
         lambda c: reviews.listing(c.shop, rating=c.args.get("rating"), status=c.args.get("status"),
                                   since=c.args.get("since")),
         lambda a: ["reviews", *_options([("--rating", a.get("rating")), ("--status", a.get("status")),
                                          ("--since", a.get("since"))])],
         (P.choices("rating", ("neutral", "bad"), "neutral (中评) and/or bad (差评); default both."),
          P.choices("status", ("open", "contacted", "resolved", "revised", "malicious", "closed", "all"),
                    "Statuses to list (default: open and contacted)."),
          P.text("since", "Only reviews posted on or after this date (shop time).", max_length=40))),
    Tool("aftersale", "售后待处理 aftersale",
         "Every refund that needs the shop, most urgent deadline first: finding (refund_on_unshipped, intercept, "
         "intercept_or_refuse, agree_return, return_arrived, evidence_due, intervention_open, refunded_but_shipped, "
         "overdue, due_soon…), deadline and its source, hours_left and the next action in Chinese (buyer masked). "
         "needs_action when a finding named by fail_on exists.",
         lambda c: aftersale.listing(c.shop, status=c.args.get("status"), due_within=c.args.get("due_within"),
                                     fail_on=c.args.get("fail_on")),
         lambda a: ["aftersale", *_options([("--status", a.get("status")), ("--due-within", a.get("due_within")),
                                            ("--fail-on", a.get("fail_on"))])],
         (P.choices("status", aftersale.STATUS_CHOICES, "Refund statuses to list (default: every refund on the list)."),
          P.text("due_within", "Only refunds due within this long, e.g. 6h (overdue included).", max_length=40),
          P.text("fail_on", "Findings that set needs_action, comma separated (default: overdue,due_soon,evidence_due,"
                            'intervention_open,refund_on_unshipped,intercept,return_arrived,refunded_but_shipped); '
                            '"" for none.', max_length=300))),
    Tool("aftersale_reasons", "退款原因 aftersale reasons",
         "Refund counts and amounts by reason × SKU × 责任方 since a moment (default the last 30 days).",
         lambda c: aftersale.reasons(c.shop, since=c.args.get("since")),
         lambda a: ["aftersale", "reasons", *_options([("--since", a.get("since"))])],
         (P.text("since", "A duration back from now (30d) or a date.", max_length=40),)),
    Tool("aftersale_stop_list", "退款拦截单 aftersale stop-list",
         "The unshipped orders with an open refund: the warehouse must not ship them.",
         lambda c: aftersale.stop_list(c.shop),
         lambda a: ["aftersale", "stop-list"]),
    Tool("aftersale_history", "退款记录 aftersale history",
         "A refund's status changes (from imports) and staff's handled marks, oldest first.",
         lambda c: aftersale.history(c.shop, c.args["refund"]),
         lambda a: ["aftersale", "history", a["refund"]],
         (P.text("refund", "退款编号, or the order number.", required=True, max_length=100),), clock=False),
    Tool("review_history", "评价处理记录 reviews history",
         "Who moved a review to which status, when, and their notes.",
         lambda c: reviews.history(c.shop, c.args["review"]),
         lambda a: ["reviews", "history", a["review"]],
         (P.text("review", "Review id, or the order number when that order has one review.", required=True,
                 max_length=100),), clock=False),
    Tool("order_history", "订单备注记录 note history",
         "An order's seller note, flag and status, and its history: notes and flags written (who, when, old → new) "
         "and recorded changes of status, address, receiver and phone (masked).",
         lambda c: note.run(c.shop, c.args["order"]),
         lambda a: ["note", a["order"]],
         (P.text("order", "Order number (订单编号).", required=True, max_length=100),)),
    Tool("ship_deadline", "发货时效 ship-deadline",
         "Paid and COD orders against their ship-by time (pay time + [shipping] promise; pre-sale dates and per-SKU "
         "promises win), and shipped ones with no pickup scan yet: ship_overdue (error), ship_due_soon, with the "
         "money a late shipment may cost. needs_action on ship_overdue (or the findings named by fail_on).",
         lambda c: ship_deadline.run(c.shop, fail_on=c.args.get("fail_on"), all_orders=c.get("all", False)),
         lambda a: ["ship-deadline", *_options([("--fail-on", a.get("fail_on"))]), *_flags([("--all", a.get("all"))])],
         (P.choices("fail_on", ship_deadline.FAIL_ON, "Findings that set needs_action (default: ship_overdue)."),
          P.flag("all", "List every running clock, not only overdue or due soon."))),
    Tool("logistics_check", "物流异常 logistics-check",
         "Parcels in trouble from the imported tracking results: no_pickup, no_info, stalled, not_signed, "
         "pickup_point_waiting, exception (with subtype), returned, auto_confirm_risk, delivered_disputed; each with "
         "a next action and an 安抚 text for 旺旺. needs_action on no_pickup, exception, returned, auto_confirm_risk "
         "(or the findings named by fail_on).",
         lambda c: logistics_check.run(c.shop, fail_on=c.args.get("fail_on")),
         lambda a: ["logistics-check", *_options([("--fail-on", a.get("fail_on"))])],
         (P.choices("fail_on", LOGISTICS_FINDINGS, "Findings that set needs_action (default: no_pickup, "
                                                   "exception, returned, auto_confirm_risk)."),)),
    Tool("logistics_couriers", "快递表现 logistics-check couriers",
         "Exception and stall rates per courier × province over parcels shipped within `since` (default 30d).",
         lambda c: logistics_check.couriers(c.shop, since=c.get("since", "30d")),
         lambda a: ["logistics-check", "couriers", *_options([("--since", a.get("since"))])],
         (P.text("since", "Parcels shipped within this long, e.g. 30d.", max_length=20),)),
    Tool("logistics_care", "物流关怀短信 logistics-check --send (dry run)",
         "Care texts due now for parcels in trouble (findings listed in [logistics] care), one per parcel and "
         "finding, ever. " + _SEND_NOTE,
         lambda c: logistics_check.send(c.shop, dry_run=True),
         lambda a: ["logistics-check", "--send", "--dry-run"]),
    Tool("notify_shipped", "发货通知 notify-shipped (dry run)",
         "Shipping notices due now, one per parcel. " + _SEND_NOTE,
         lambda c: sending.send(c.shop, "notify-shipped", dry_run=True),
         lambda a: ["notify-shipped", "--dry-run"]),
    Tool("remind_unpaid", "催付提醒 remind-unpaid (dry run)",
         "Unpaid-order reminders due now, at most one per buyer per day; unpaid duplicates of a paid order are "
         "listed as closable (paid_other_order). " + _SEND_NOTE,
         lambda c: sending.send(c.shop, "remind-unpaid", dry_run=True),
         lambda a: ["remind-unpaid", "--dry-run"]),
    Tool("outbox", "短信记录 sms outbox",
         "Every SMS and why it was sent, deferred, skipped or failed: one row per purpose, order and step.",
         lambda c: sending.outbox(c.shop, statuses=c.args.get("status"), purposes=c.args.get("purpose"),
                                  order_id=c.args.get("order"), limit=c.get("limit", 1000)),
         lambda a: ["sms", "outbox", *_options([("--status", a.get("status")), ("--purpose", a.get("purpose")),
                                                ("--order", a.get("order")), ("--limit", a.get("limit"))])],
         (P.choices("status", sending.STATUSES, "Only these statuses."),
          P.choices("purpose", sending.PURPOSES, "shipped and/or unpaid."),
          P.text("order", "Only messages about this order.", max_length=100),
          P.number("limit", "At most this many rows, newest first (0 = all; default 1000).", minimum=0,
                   maximum=1_000_000)), clock=False),
    Tool("customer", "客户档案 customers show",
         "One buyer as one timeline: orders, spend, tier, segments, RFM, refunds, 中差评, notes, tags, opt-out and "
         "consent, and whether a marketing text may reach them (and why not).",
         lambda c: customers.show(c.shop, c.args["buyer"]),
         lambda a: ["customers", "show", a["buyer"]],
         (P.text("buyer", "The buyer nick (买家会员名), or the buyer's phone.", required=True, max_length=100),)),
    Tool("customers_list", "客户列表 customers list",
         "Buyers with member tier, segment (成交客户 未成交客户 新客 复购 沉睡 流失) and RFM scores, "
         "biggest spenders first.",
         lambda c: customers.listing(c.shop, tiers=c.args.get("tier"), segments=c.args.get("segment"),
                                     limit=c.get("limit", 1000)),
         lambda a: ["customers", "list", *_options([("--tier", a.get("tier")), ("--segment", a.get("segment")),
                                                    ("--limit", a.get("limit"))])],
         (P.text("tier", "Only this tier (普通会员, 高级会员, VIP会员, 至尊VIP…).", max_length=40),
          P.text("segment", "Only this segment (成交客户 未成交客户 新客 复购 沉睡 流失).", max_length=40),
          P.number("limit", "At most this many rows (0 = all; default 1000).", minimum=0, maximum=1_000_000))),
    Tool("import_status", "导入记录 imports log",
         "The imports log: every file imported (name, SHA-256, kind, rows in/inserted/updated/unchanged/rejected, "
         "status, when) — how fresh each kind of data is.",
         lambda c: export.run(c.shop, "imports", show_pii=False),
         lambda a: ["export", "imports"], clock=False),
    Tool("doctor", "设置检查 doctor",
         "Every check of the shop's setup (settings, database, time zone, SMS provider, locks), one row each. "
         "needs_action when a check failed.",
         lambda c: operations.doctor(config=c.config, db=c.db, now=c.shop.iso(c.shop.now()) if c.shop.pinned else None,
                                     quick=True),
         lambda a: ["doctor", "--quick"]),
    Tool("cod_confirm", "货到付款待确认 cod-confirm",
         "Cash-on-delivery orders to confirm by phone before shipping (unconfirmed, and declined ones to close), "
         "each with a call script naming the COD total and fee and the hours left to the cut-off. needs_action "
         "when an unconfirmed order's cut-off is near or past.",
         lambda c: cod_confirm.listing(c.shop, fail_on=c.args.get("fail_on")),
         lambda a: ["cod-confirm", *_options([("--fail-on", a.get("fail_on"))])],
         (P.choices("fail_on", ("due_soon", "unconfirmed", "declined"),
                    "Rows that set needs_action (default: due_soon)."),)),
    Tool("rate_buyers", "待评价买家 rate-buyers",
         "Completed trades whose buyer can still be rated inside the platform's 15-day window, fewest days "
         "left first.",
         lambda c: rate_buyers.listing(c.shop),
         lambda a: ["rate-buyers"]),
    Tool("invoices", "待开发票 invoices",
         "Orders whose 发票抬头/开票信息 asks for an invoice, oldest first, until marked issued.",
         lambda c: invoices.listing(c.shop, status=c.args.get("status")),
         lambda a: ["invoices", *_options([("--status", a.get("status"))])],
         (P.choices("status", ("requested", "issued", "all"), "requested (default), issued or all."),)),
    Tool("kpi", "客服绩效 kpi",
         "The CS team's board for a month (or the days since a date): per agent inquiries, paid after inquiry, "
         "询单转化率 (Σ paid / Σ inquiries, never a mean of daily rates), response times, reply rate, sales, and "
         "what the agent did in shoptool (notes, addresses confirmed, reviews revised, refunds on time), with a "
         "weighted score and rank; summary rows of the sheets are kind=benchmark. Days the platform has not "
         "counted yet (延迟统计) are listed in not_final_days.",
         lambda c: kpi.run(c.shop, month=c.args.get("month"), since=c.args.get("since")),
         lambda a: ["kpi", *_options([("--month", a.get("month")), ("--since", a.get("since"))])],
         (P.text("month", "The month, YYYY-MM (default: this month to date).", max_length=20),
          P.text("since", "Instead of a month: a date (2026-11-01) or a duration (30d).", max_length=40))),
    # Writes: audited, for a named staff member.
    Tool("cod_confirm_record", "记录货到付款确认电话 cod-confirm ORDER --result",
         "Record a COD confirmation call (agreed, declined or unreachable): a note and flag on the order in its "
         "history, logged with who and when.",
         lambda c: cod_confirm.record(c.shop, _order_numbers(c.args["order"])[0], c.args["result"],
                                      staff=c.args["staff"], note=c.args.get("note")),
         lambda a: ["cod-confirm", a["order"], *_options([("--result", a.get("result")),
                                                          ("--staff", a.get("staff")), ("--note", a.get("note"))])],
         (P.text("order", "Order number (订单编号).", required=True, max_length=100),
          P.choice("result", ("agreed", "declined", "unreachable"), "What the buyer said.", required=True),
          P.text("note", "What the buyer said or what was done.", max_length=500)),
         access=WRITE, idempotent=False, destructive=True),
    Tool("rate_buyers_done", "标记已评价 rate-buyers --done",
         "Mark these orders' buyers as rated (logged with who and when).",
         lambda c: rate_buyers.done(c.shop, _order_numbers(c.args["orders"]), staff=c.args["staff"],
                                    note=c.args.get("note")),
         lambda a: ["rate-buyers", "--done", *a["orders"], *_options([("--staff", a.get("staff")),
                                                                      ("--note", a.get("note"))])],
         (_ORDERS, P.text("note", "What was done.", max_length=500)),
         access=WRITE),
    Tool("invoices_issued", "标记发票已开 invoices --issued",
         "Mark these orders' invoices as issued (logged with who and when).",
         lambda c: invoices.issued(c.shop, _order_numbers(c.args["orders"]), staff=c.args["staff"],
                                   note=c.args.get("note")),
         lambda a: ["invoices", *a["orders"], "--issued", *_options([("--staff", a.get("staff")),
                                                                     ("--note", a.get("note"))])],
         (_ORDERS, P.text("note", "What was done, e.g. the invoice number.", max_length=500)),
         access=WRITE),
    Tool("note", "写订单备注 note",
         "Write an order's seller note and/or flag, logged with who and when (the old note stays in the history). "
         "Give text, flag or both.",
         lambda c: note.run(c.shop, c.args["order"], c.args.get("text"), flag=c.args.get("flag"),
                            append=c.get("append", False), staff=c.args["staff"]),
         lambda a: ["note", a["order"], *([a["text"]] if a.get("text") is not None else []),
                    *_options([("--flag", a.get("flag")), ("--staff", a.get("staff"))]),
                    *_flags([("--append", a.get("append"))])],
         (P.text("order", "Order number (订单编号).", required=True, max_length=100),
          P.text("text", 'The new seller note; "" clears it.', max_length=500),
          P.text("flag", "red, yellow, green, blue or purple (红黄绿蓝紫, 1–5); none clears it.", max_length=20),
          P.flag("append", "Add text after the current note instead of replacing it.")),
         access=WRITE, destructive=True),
    Tool("reviews_update", "更新评价处理状态 reviews update",
         "Record a review's new status (contacted, resolved, revised, malicious, closed) and/or a note, audited; "
         "returns the review's history.",
         lambda c: reviews.update(c.shop, c.args["review"], status=c.args.get("status"), note=c.args.get("note"),
                                  staff=c.args["staff"]),
         lambda a: ["reviews", "update", a["review"], *_options([("--status", a.get("status")),
                                                                 ("--note", a.get("note")),
                                                                 ("--staff", a.get("staff"))])],
         (P.text("review", "Review id, or the order number when that order has one review.", required=True,
                 max_length=100),
          P.choice("status", ("contacted", "resolved", "revised", "malicious", "closed"), "The new status."),
          P.text("note", "What was done or agreed.", max_length=500)),
         access=WRITE, idempotent=False, destructive=True),
    Tool("aftersale_mark", "标记售后已处理 aftersale ID --status handled",
         "Take a refund off the after-sales list until it changes again (status handled), or put it back (open); "
         "audited with the staff id and note. Returns the refund's history.",
         lambda c: aftersale.mark(c.shop, c.args["refund"], status=c.args["status"], note=c.args.get("note"),
                                  staff=c.args["staff"]),
         lambda a: ["aftersale", a["refund"], *_options([("--status", a.get("status")), ("--note", a.get("note")),
                                                         ("--staff", a.get("staff"))])],
         (P.text("refund", "退款编号, or the order number when the order has one refund.", required=True,
                 max_length=100),
          P.choice("status", ("handled", "open"), "handled: off the list until it changes; open: back on it.",
                   required=True),
          P.text("note", "What was done.", max_length=500)),
         access=WRITE, idempotent=False),
    Tool("sms_opt_out", "短信退订 sms opt-out",
         "Never text this phone again: adds it to the opt-out list every send checks.",
         lambda c: sending.opt_out(c.shop, c.args["phone"], note=c.args.get("note")),
         lambda a: ["sms", "opt-out", a["phone"], *_options([("--note", a.get("note"))])],
         (P.text("phone", "The buyer's mobile number (11 digits; +86 and spaces are fine).", required=True,
                 max_length=40),
          P.text("note", "Why, e.g. the buyer's reply.", max_length=500)),
         access=WRITE),
    # Imports: only files inside [mcp] inbox (guards.py resolves and checks them).
    Tool("import_file", "导入文件 import",
         "Import one export file from the shop's MCP inbox folder ([mcp] inbox): orders, order lines, page or "
         "warehouse stock, shipments, reviews, opt-outs (detected from the header). One transaction per file; "
         "the same file twice changes nothing. Files outside the inbox are refused.",
         lambda c: import_files.run(c.shop, c.files, kind=c.args.get("kind"), sheet=c.args.get("sheet"),
                                    encoding=c.args.get("encoding"), strict=c.get("strict", False)),
         lambda a: ["import", a["file"], *_options([("--as", a.get("kind")), ("--sheet", a.get("sheet")),
                                                    ("--encoding", a.get("encoding"))]),
                    *_flags([("--strict", a.get("strict"))])],
         (P.text("file", "The file's name inside the inbox (or a path inside it).", required=True, max_length=500),
          P.text("kind", "Force the kind: orders, items, page-stock, warehouse-stock, shipments, reviews, opt-outs.",
                 max_length=40),
          P.text("sheet", "Sheet name or number in a workbook.", max_length=100),
          P.text("encoding", "CSV encoding (detected: UTF-8, UTF-8 BOM, GBK/GB18030).", max_length=40),
          P.flag("strict", "Store nothing from a file with any rejected row.")),
         access=IMPORT),
    Tool("import_inbox", "导入收件箱 import --inbox",
         "Import every new file of the shop's MCP inbox folder ([mcp] inbox) in name order, moving each to done/ "
         "(or failed/ with the error beside it), as cron does.",
         lambda c: import_files.run(c.shop, inbox=c.inbox),
         lambda a: ["import", "--inbox", "INBOX"],
         access=IMPORT),
    # Sends: served only when [mcp] allow_send = true; through the purposes' own guarantee.
    Tool("notify_shipped_send", "发送发货通知 notify-shipped",
         "Send the shipping notices due now (at most one per parcel, ever; quiet hours, caps and opt-outs apply).",
         lambda c: sending.send(c.shop, "notify-shipped"),
         lambda a: ["notify-shipped"],
         access=SEND),
    Tool("remind_unpaid_send", "发送催付提醒 remind-unpaid",
         "Send the unpaid-order reminders due now (at most one per order and step, ever; one per buyer per day; "
         "quiet hours, caps and opt-outs apply).",
         lambda c: sending.send(c.shop, "remind-unpaid"),
         lambda a: ["remind-unpaid"],
         access=SEND),
)
BY_NAME: dict[str, Tool] = {tool.name: tool for tool in TOOLS}
# Jobs that are not tools, and why (tests/test_mcp_registry.py holds every job to an entry or a reason).
NOT_TOOLS = {
    "operations.init": "writes a new shop folder: a person's first step",
    "operations.backup": "writes a file anywhere on disk",
    "operations.purge": "deletes personal data for good: a person decides",
    "sending.reconcile": "asks the SMS provider and settles unknown messages: a person checks the console",
    "cs_marks.mark": "the marking step shared by rate_buyers_done and invoices_issued, served through them",
    "customers.tag": "write tools take order numbers only (PRODUCT §22); a tag names a buyer",
    "customers.consent": "a consent is the shop's legal evidence for marketing texts: recorded by a person",
    "segments.run": "stores its counts as the baseline of the next run's change: a person's or cron's run",
    "segments.export": "writes a file of buyers for the platform's tools: a person's step",
    "campaign.create": "marketing texts are a person's decision (who, what, what it costs)",
    "campaign.preview": "about a campaign a person created and is about to send: read on the command line",
    "campaign.send": "marketing texts are a person's decision; MCP sends only through the §8 purposes' tools",
    "campaign.report": "about a campaign a person sent: read on the command line",
}
