"""aftersale (PRODUCT §17): every refund that needs the shop, most urgent deadline first, each with
its finding and one next step; `mark` takes a refund off the list until it changes again.
`stop_list` is what the warehouse must not ship; `reasons` counts refunds by reason × SKU × 责任方."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from .. import clock
from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .shop import Shop

COMMAND = "aftersale"
COLUMNS = [
    K.Column("refund_id", "退款编号", "Refund", K.ID),
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("sku", "商家编码", "SKU", K.ID),
    K.Column("title", "宝贝标题", "Item"),
    K.Column("buyer", "买家", "Buyer", K.NAME),
    K.Column("amount", "退款金额", "Amount", K.MONEY),
    K.Column("kind", "退款类型", "Kind", labels="refund_kind"),
    K.Column("status", "退款状态", "Status", labels="refund_status"),
    K.Column("goods_status", "货物状态", "Goods", labels="goods_status"),
    K.Column("cs_status", "客服介入", "Intervention", labels="cs_status"),
    K.Column("deadline", "超时时间", "Deadline", K.TIME),
    K.Column("deadline_source", "时限来源", "Deadline from", labels="deadline_source"),
    K.Column("hours_left", "剩余小时", "Hours left"),
    K.Column("finding", "情况", "Finding", labels="aftersale_finding"),
    K.Column("next_action", "下一步", "Next action"),
    K.Column("return_tracking", "退货物流单号", "Return tracking", K.ID),
    K.Column("reason", "退款原因", "Reason"),
    K.Column("responsible", "责任方", "Responsible"),
    # additions to §24
    K.Column("severity", "级别", "Severity", labels="severity"),
    K.Column("flags", "全部情况", "All findings", K.LIST, labels="aftersale_finding"),
    K.Column("requested_at", "申请时间", "Requested at", K.TIME),
    K.Column("erp_no", "ERP单号", "ERP number", K.ID),
]
TABLE_KEYS = ("refund_id", "finding", "hours_left", "next_action")
HISTORY_COLUMNS = [
    K.Column("at", "时间", "At", K.TIME),
    K.Column("staff", "处理人", "Staff"),
    K.Column("action", "操作", "Action", labels="note_action"),
    K.Column("old_status", "原状态", "Old"),
    K.Column("new_status", "新状态", "New"),
    K.Column("text", "备注", "Note"),
]
STATUS_CHOICES = ("wait_seller_agree", "wait_buyer_return", "wait_seller_confirm_goods", "seller_refused",
                  "success", "handled", "all")


def parse_statuses(values: Sequence[str] | None) -> set[str] | None:
    """--status, repeatable or comma separated; None = every status on the list."""
    picked: set[str] = set()
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part not in STATUS_CHOICES:
                raise UsageError(f"--status: not a refund status here: {part!r} (use {', '.join(STATUS_CHOICES)})")
            picked.add(part)
    return picked or None


def _duration(text: str | None, where: str) -> timedelta | None:
    if text is None:
        return None
    try:
        return clock.parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def rows_now(shop: Shop, moment, *, include_handled: bool = False) -> list[dict]:
    """Every refund on the worklist at `moment`, assessed, most urgent first (with `_deadline`)."""
    from ..aftersale import findings as F
    from ..db import parcels as P
    from ..db import refunds as q

    rules = F.Rules.from_settings(shop.settings)
    lookback = shop.iso(moment - shop.settings.duration("aftersale.shipped_lookback"))
    refunds = q.worklist(shop.db, lookback=lookback)
    platform_orders = {r["order_id"] for r in refunds if r["source"] == "platform" and r["order_id"]}
    erp = q.erp_records(shop.db, sorted(platform_orders))
    reused = q.reused_return_trackings(shop.db, [r["return_tracking"] for r in refunds if r["return_tracking"]])
    nicks = {(r["buyer_nick"] or r["order_buyer_nick"] or "").strip() for r in refunds} - {""}
    phones = {r["order_mobile"] for r in refunds if r["order_mobile"]
              and not (r["buyer_nick"] or r["order_buyer_nick"] or "").strip()}
    buyers = q.refunds_by_buyer(shop.db, sorted(nicks), sorted(phones),
                                shop.iso(moment - shop.settings.duration("aftersale.repeat_window")))
    for r in refunds:
        # stored in the one spelling of a parcel (PRODUCT §16), so compared as they are
        shipped = r.pop("shipped")
        if shipped:
            first, _, numbers = shipped.partition("|")
            r["shipped_at"] = first or None
            r["outbound"] = sorted({*numbers.split(), *((r["order_tracking"],) if r["order_tracking"] else ())})
        else:
            r["shipped_at"] = None
            r["outbound"] = [r["order_tracking"]] if r["order_tracking"] else []
    wanted = {t for r in refunds for t in r["outbound"]} | {r["return_tracking"] for r in refunds
                                                            if r["return_tracking"]}
    parcels = P.parcel_states(shop.db, sorted(wanted)) if wanted else {}
    out = []
    for r in refunds:
        if r["source"] == "erp" and r["order_id"] in platform_orders:
            continue  # the ERP's record of a platform refund: read into that refund below
        # what `mark` saw: the refund's own row, before the ERP's record is read into it
        handled = r.get("handled_sig") is not None and r["handled_sig"] == q.signature(r)
        for record in erp.get(r["order_id"], ()) if r["source"] == "platform" else ():
            r["erp_no"] = r.get("erp_no") or record["erp_no"]
            r["warehouse_in"] = max(r.get("warehouse_in") or 0, record["warehouse_in"] or 0)
            r["return_tracking"] = r.get("return_tracking") or record["return_tracking"]
        r["parcel_states"] = {t: parcels[t]["state"] for t in r["outbound"] if t in parcels}
        back = parcels.get(r["return_tracking"]) if r["return_tracking"] else None
        r["return_state"] = back["state"] if back else None
        r["reused"] = bool(r["return_tracking"] and (r["return_tracking"] in reused
                                                     or r["return_tracking"] in r["outbound"]))
        buyer = (r.get("buyer_nick") or r.get("order_buyer_nick") or "").strip()
        key = buyer or (r.get("order_mobile") or "").strip()
        r["buyer_refunds"] = buyers.get(key, 0) if key else 0
        assessed = F.assess(r, moment, rules)
        if assessed is None:
            continue
        if handled and not include_handled:
            continue
        out.append(_row(shop, r, assessed, buyer, handled))
    out.sort(key=F.sort_key)
    return out


def _row(shop: Shop, r: dict, a: dict, buyer: str, handled: bool) -> dict:
    return {
        "refund_id": r["refund_id"], "order_id": r["order_id"], "sku": r["sku"], "title": r["title"],
        "buyer": buyer or None, "amount": r["amount_fen"], "kind": r["kind"], "status": r["status"],
        "goods_status": r["goods_status"], "cs_status": r["cs_status"], "deadline": _iso(shop, a["deadline"], r),
        "deadline_source": a["deadline_source"], "hours_left": a["hours_left"], "finding": a["finding"],
        "next_action": a["next_action"], "return_tracking": r["return_tracking"], "reason": r["reason"],
        "responsible": r["responsible"], "severity": a["severity"], "flags": a["flags"],
        "requested_at": r["requested_at"], "erp_no": r.get("erp_no"), "_deadline": a["deadline"],
        "_handled": handled,
    }


def _iso(shop: Shop, moment, refund: dict) -> str | None:
    # the stored 超时时间 is already ISO in the shop's zone: most rows need no conversion
    if moment is None:
        return None
    for stored in (refund["deadline_at"], refund["evidence_deadline_at"]):
        if stored and stored[:19] == moment.isoformat()[:19] and stored.endswith(moment.isoformat()[19:]):
            return stored
    return shop.iso(moment)


def listing(shop: Shop, *, status: Sequence[str] | None = None, due_within: str | None = None,
            fail_on: str | None = None) -> Result:
    """The after-sales worklist now (also what `daily` shows)."""
    from ..aftersale import findings as F

    try:
        fails = F.parse_fail_on(fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    statuses = parse_statuses(status)
    window = _duration(due_within, "--due-within")
    moment = shop.now()
    show_handled = bool(statuses and ({"handled", "all"} & statuses))
    rows = rows_now(shop, moment, include_handled=show_handled)
    if statuses and "all" not in statuses:
        rows = [r for r in rows if (r["status"] in statuses and not r["_handled"])
                or ("handled" in statuses and r["_handled"])]
    if window is not None:
        rows = [r for r in rows if r["_deadline"] is not None and r["_deadline"] - moment <= window]
    summary = F.summarize(rows)
    failing = [r for r in rows if r["finding"] in fails]
    overdue = sum(1 for r in rows if r["finding"] == F.OVERDUE or (r["hours_left"] is not None
                                                                   and r["hours_left"] < 0))
    line = (f"aftersale: {len(rows)} refund(s) to handle, {len(failing)} need action now"
            + (f", {overdue} past the deadline" if overdue else ""))
    result = Result(COMMAND, COLUMNS, rows, summary, exit_code=1 if failing else 0, title="售后待处理",
                    summary_line=line, table_keys=TABLE_KEYS, generated_at=shop.iso(moment))
    if not shop.db_exists or not _any_refunds(shop):
        result.info("no refunds imported yet: import the 退款管理 export (shoptool import FILE)")
    return result


def _any_refunds(shop: Shop) -> bool:
    return shop.db.conn.execute("SELECT 1 FROM refunds LIMIT 1").fetchone() is not None


def mark(shop: Shop, ident: str, *, status: str | None, note: str | None = None,
         staff: str | None = None) -> Result:
    """`aftersale ID --status handled|open --note … --staff …`: audited; handled takes the refund off
    the worklist until an import changes it (status, goods, intervention, deadline, return)."""
    from ..db import refunds as q

    if status not in ("handled", "open"):
        raise UsageError("give --status handled (off the list until the refund changes) or --status open")
    found = q.candidates(shop.db, ident)
    if not found:
        raise UsageError(f"no refund {ident!r} (a 退款编号, ERP number or order number)")
    ids = list(dict.fromkeys(r["refund_id"] for r in found))
    if len(ids) > 1 and not any(r["refund_id"] == ident for r in found):
        raise UsageError(f"order {ident} has {len(ids)} refunds: give one 退款编号 ({', '.join(ids)})")
    refund_id = ident if ident in ids else ids[0]
    at = shop.iso(shop.now())
    q.mark(shop.db, refund_id, handled=status == "handled", note=note, staff=shop.staff(staff), at=at)
    return _history("aftersale mark", refund_id, q.history(shop.db, refund_id), at, status)


def history(shop: Shop, ident: str) -> Result:
    from ..db import refunds as q

    found = q.candidates(shop.db, ident)
    if not found:
        raise UsageError(f"no refund {ident!r}")
    refund_id = found[0]["refund_id"]
    return _history("aftersale history", refund_id, q.history(shop.db, refund_id), shop.iso(shop.now()), None)


def _history(command: str, refund_id: str, rows: list[dict], at: str, status: str | None) -> Result:
    summary = {"refund_id": refund_id, "changes": len(rows)} | ({"marked": status} if status else {})
    line = f"refund {refund_id}: " + (f"marked {status}; " if status else "") + f"{len(rows)} change(s) recorded"
    return Result(command, HISTORY_COLUMNS, rows, summary, title=f"退款 {refund_id}", summary_line=line,
                  generated_at=at)


STOP_COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("refund_id", "退款编号", "Refund", K.ID),
    K.Column("sku", "商家编码", "SKU", K.ID),
    K.Column("title", "宝贝标题", "Item"),
    K.Column("buyer", "买家", "Buyer", K.NAME),
    K.Column("amount", "退款金额", "Amount", K.MONEY),
    K.Column("status", "退款状态", "Refund status", labels="refund_status"),
    K.Column("order_status", "订单状态", "Order status", labels="order_status"),
    K.Column("requested_at", "申请时间", "Requested at", K.TIME),
    K.Column("deadline", "超时时间", "Deadline", K.TIME),
    K.Column("is_cod", "货到付款", "COD", K.BOOL),
    K.Column("action", "仓库操作", "Warehouse action"),
]


def stop_list(shop: Shop) -> Result:
    """`aftersale stop-list -o stop.xlsx`: the unshipped orders with an open refund, one row per
    order: the warehouse must not ship them."""
    from ..db import refunds as q

    moment = shop.now()
    by_order: dict[str, dict] = {}
    for r in q.stop_list(shop.db):
        row = by_order.get(r["order_id"])
        if row is not None:
            row["refund_id"] += f",{r['refund_id']}"
            row["amount"] = (row["amount"] or 0) + (r["amount_fen"] or 0)
            continue
        by_order[r["order_id"]] = {
            "order_id": r["order_id"], "refund_id": r["refund_id"], "sku": r["sku"], "title": r["title"],
            "buyer": r["buyer"], "amount": r["amount_fen"], "status": r["status"], "order_status": r["order_status"],
            "requested_at": r["requested_at"], "deadline": r["deadline_at"], "is_cod": bool(r["is_cod"]),
            "action": "退款中，暂停发货",
        }
    rows = list(by_order.values())
    line = f"aftersale stop-list: {len(rows)} unshipped order(s) with an open refund: do not ship"
    return Result("aftersale stop-list", STOP_COLUMNS, rows, {"orders": len(rows)}, title="退款拦截单（勿发货）",
                  summary_line=line, table_keys=("order_id", "refund_id", "amount", "status", "action"),
                  generated_at=shop.iso(moment))


REASON_COLUMNS = [
    K.Column("reason", "退款原因", "Reason"),
    K.Column("sku", "商家编码", "SKU", K.ID),
    K.Column("responsible", "责任方", "Responsible"),
    K.Column("title", "宝贝标题", "Item"),
    K.Column("refunds", "退款笔数", "Refunds", K.INT),
    K.Column("amount", "申请金额", "Amount asked", K.MONEY),
    K.Column("succeeded", "退款成功笔数", "Succeeded", K.INT),
    K.Column("refunded", "已退金额", "Refunded", K.MONEY),
]


def reasons(shop: Shop, *, since: str | None = None) -> Result:
    """`aftersale reasons --since 30d`: refunds requested since then by reason × SKU × 责任方."""
    from ..db import refunds as q

    moment = shop.now()
    text = since or "30d"
    try:
        start = moment - clock.parse_duration(text)
    except ValueError:
        try:
            start = clock.parse_time(text, shop.tz)
        except ValueError as exc:
            raise UsageError(f"--since: {exc} (a duration such as 30d, or a date)",
                             hint=clock.TIME_FORMATS_HINT) from None
    rows = [{"reason": r["reason"] or None, "sku": r["sku"] or None, "responsible": r["responsible"] or None,
             "title": r["title"], "refunds": r["refunds"], "amount": r["amount_fen"], "succeeded": r["succeeded"],
             "refunded": r["refunded_fen"] or 0} for r in q.reasons(shop.db, shop.iso(start))]
    total = sum(r["refunds"] for r in rows)
    summary = {"refunds": total, "amount": round(sum(r["amount"] or 0 for r in rows) / 100, 2), "groups": len(rows),
               "since": shop.iso(start)}
    line = f"aftersale reasons: {total} refund(s) since {start:%Y-%m-%d %H:%M} in {len(rows)} reason × SKU group(s)"
    return Result("aftersale reasons", REASON_COLUMNS, rows, summary, title="退款原因", summary_line=line,
                  generated_at=shop.iso(moment))


# the name composing jobs call (the report's deadline panel when daily has no aftersale section)
run = listing
