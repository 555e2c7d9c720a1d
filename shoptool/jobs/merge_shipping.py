"""merge-shipping (PRODUCT §7): paid, unshipped orders that should travel as one parcel."""

from __future__ import annotations

from contextlib import nullcontext

from .. import clock
from .. import columns as K
from ..columns import Column
from ..errors import ConfigError, UsageError
from ..result import Result
from .shop import Shop

COMMAND = "merge-shipping"
COLUMNS = [
    Column("group_id", "合单号", "Group", K.ID),
    Column("order_ids", "订单编号", "Orders", K.LIST),
    Column("buyer", "买家会员名", "Buyer"),
    Column("receiver", "收货人", "Receiver"),
    Column("postage_paid", "已付邮费", "Postage paid", K.MONEY),
    Column("postage_due", "合单邮费", "Postage due", K.MONEY),
    Column("refund", "应退邮费", "Refund", K.MONEY),
    Column("conflicts", "不能合并原因", "Conflicts", K.LIST, labels="merge_conflict"),
    Column("receiver_name", "收货人姓名", "Receiver name", K.NAME),
    Column("receiver_phone", "联系手机", "Receiver phone", K.PHONE),
    Column("address", "收货地址", "Address", K.ADDRESS),
    Column("order_count", "订单数", "Orders (count)", K.INT),
    Column("goods_total", "货款合计", "Goods total", K.MONEY),
    Column("first_order_at", "首单时间", "First order", K.TIME),
    Column("last_order_at", "末单时间", "Last order", K.TIME),
    Column("order_conflicts", "各单原因", "Per order", K.JSON, labels="merge_conflict"),
    Column("applied_group", "已合并组", "Applied group", K.ID),
    Column("detail", "说明", "Detail"),
    # an addition to the §15 keys (PRODUCT §19): the row's COD orders not yet confirmed by phone
    Column("cod_unconfirmed", "货到付款未确认", "COD not confirmed", K.LIST),
]
TABLE_KEYS = ("order_ids", "receiver", "postage_paid", "refund", "detail")


def run(shop: Shop, *, window: str | None = None, loose: bool = False, include_presale: bool = False,
        postage_rule: str | None = None, apply: bool = False, flag: str | None = None, staff: str | None = None,
        show_pii: bool = False) -> Result:
    """Merge groups and near-groups now; `apply` records the groups and notes every order in them."""
    from ..db import write_transaction
    from ..db.cs_lists import unconfirmed_cod_order_ids
    from ..db.merge import apply_groups, candidate_orders, recorded_groups
    from ..db.refunds import open_refund_order_ids
    from ..merge import find_merges
    from ..notes import parse_flag

    at = shop.iso(shop.now())
    rule = _rule(postage_rule or shop.settings["postage.rule"],
                 "--postage-rule" if postage_rule else "setting postage.rule")
    span = _window(window or shop.settings["merge.window"], "--window" if window else "setting merge.window")
    try:
        colour = parse_flag(flag or shop.settings["merge.flag"])
    except ValueError as exc:
        raise UsageError(f"--flag: {exc}") from None
    applied = None
    with write_transaction(shop.db) if apply else nullcontext():  # read and write what was read
        orders = list(candidate_orders(shop.db, at))
        refunding = open_refund_order_ids(shop.db, [o["order_id"] for o in orders])
        for order in orders:
            order["open_refund"] = order["order_id"] in refunding
        report = find_merges(orders, window=span, rule=rule, include_presale=include_presale,
                             courier_words=shop.settings["merge.courier_words"], loose=loose,
                             applied=recorded_groups(shop.db))
        if apply:
            applied = apply_groups(shop.db, report.groups, at=at, staff=shop.staff(staff), flag=colour, rule=rule.text)
    summary = report.summary() | ({"applied": applied} if applied is not None else {})
    rows = [row.as_row(show_pii) for row in report.rows]
    unconfirmed = unconfirmed_cod_order_ids(shop.db) if rows else set()
    for row in rows:
        row["cod_unconfirmed"] = [order_id for order_id in row["order_ids"] if order_id in unconfirmed]
    return Result(COMMAND, COLUMNS, rows, summary,
                  title="合单发货", table_keys=TABLE_KEYS, summary_line=_line(summary, apply), generated_at=at)


def _rule(text: str, where: str):
    from ..postage import parse_postage_rule

    try:
        return parse_postage_rule(text)
    except ValueError as exc:
        raise (UsageError if where.startswith("--") else ConfigError)(f"{where}: {exc}") from None


def _window(text: str, where: str):
    try:
        return clock.parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _line(summary: dict, apply: bool) -> str:
    from ..merge import CONFLICTS

    listed = sum(v for k, v in summary.items() if k in CONFLICTS)
    line = (f"merge-shipping: {summary['merge']} group(s) of {summary['orders_merged']} orders, "
            f"postage to refund {summary['postage_refund']:.2f} yuan; {listed} near-group(s) listed for staff")
    if summary.get("no_buyer"):
        line += f"; {summary['no_buyer']} order(s) without buyer nick or phone (merged only with --loose)"
    if summary.get("applied_broken"):
        line += (f"; {summary['applied_broken']} applied group(s) can no longer ship as one parcel: "
                 "tell the warehouse")
    if apply:
        a = summary.get("applied") or {}
        return line + (f"; applied: {a.get('groups_new', 0)} new, {a.get('groups_updated', 0)} updated, "
                       f"{a.get('orders_noted', 0)} order(s) noted")
    return line + "; nothing written (use --apply)"
