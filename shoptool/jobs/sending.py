"""The SMS jobs (PRODUCT §8, §15): a run of notify-shipped or remind-unpaid, the outbox listing,
adding an opt-out, settling unknown messages."""

from __future__ import annotations

import json

from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .shop import Shop

# Rows of notify-shipped and remind-unpaid (§15 keys first; the rest are additions).
SEND_COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("order_ids", "相关订单", "Orders", K.LIST),
    K.Column("purpose", "用途", "Purpose", K.ID, labels="sms_purpose"),
    K.Column("step", "步骤", "Step", K.ID, labels="sms_step"),  # codes: kept whole in a table, as text in Excel
    K.Column("action", "处理", "Action", K.ID, labels="sms_action"),
    K.Column("reason", "原因", "Reason", K.ID, labels="sms_reason"),
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("parts", "计费条数", "Parts", K.INT),
    K.Column("buyer", "买家", "Buyer", K.NAME),
    K.Column("next_attempt_at", "下次发送", "Next attempt", K.TIME),
    K.Column("message_id", "消息编号", "Message", K.INT),
    K.Column("text", "短信内容", "Text"),
    K.Column("tracking_no", "物流单号", "Tracking no.", K.ID),
    K.Column("courier", "物流公司", "Courier"),
    K.Column("paid_order_id", "已付款订单", "Paid order", K.ID),
    K.Column("detail", "说明", "Detail"),
]
# What fits a terminal, per command; JSON and files carry every key.
SEND_TABLE_KEYS = {
    "notify-shipped": ("order_id", "action", "reason", "phone", "next_attempt_at", "tracking_no"),
    "remind-unpaid": ("order_id", "step", "action", "reason", "phone", "next_attempt_at"),
}

OUTBOX_COLUMNS = [
    K.Column("message_id", "消息编号", "Message", K.INT),
    K.Column("purpose", "用途", "Purpose", K.ID, labels="sms_purpose"),
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("step", "步骤", "Step", K.ID, labels="sms_step"),
    K.Column("status", "状态", "Status", K.ID, labels="sms_action"),
    K.Column("reason", "原因", "Reason", K.ID, labels="sms_reason"),
    K.Column("provider", "服务商", "Provider", labels="sms_provider"),
    K.Column("provider_id", "回执编号", "Provider id", K.ID),
    K.Column("attempts", "尝试次数", "Attempts", K.INT),
    K.Column("created_at", "创建时间", "Created", K.TIME),
    K.Column("sent_at", "发送时间", "Sent", K.TIME),
    K.Column("order_ids", "相关订单", "Orders", K.LIST),
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("parts", "计费条数", "Parts", K.INT),
    K.Column("next_attempt_at", "下次发送", "Next attempt", K.TIME),
    K.Column("updated_at", "更新时间", "Updated", K.TIME),
    K.Column("detail", "说明", "Detail"),
]
# The step tells the purpose apart (notice: shipping; 30m, close-1h…: reminders).
OUTBOX_TABLE_KEYS = ("order_id", "step", "status", "reason", "phone", "sent_at")
STATUSES = ("queued", "sending", "sent", "retry", "deferred", "skipped", "failed", "unknown")
PURPOSES = ("shipped", "unpaid", "logistics_care", "campaign")
OPT_OUT_COLUMNS = [
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("status", "结果", "Result"),
    K.Column("opted_out_at", "退订时间", "Opted out at", K.TIME),
    K.Column("source", "来源", "Source"),
    K.Column("note", "备注", "Note"),
]
RECONCILE_COLUMNS = OUTBOX_COLUMNS + [K.Column("found", "服务商查询结果", "Provider says")]


def send(shop: Shop, command: str, *, dry_run: bool = False, provider=None) -> Result:
    """One run of notify-shipped or remind-unpaid: its rows, one summary line, its exit code.
    `dry_run` reads only and sends nothing (and may run beside a real run)."""
    from ..db.shop import order_count
    from ..messages.engine import run_command

    created = not shop.db_exists
    report = run_command(command, shop, dry_run=dry_run, provider=provider)
    result = Result(command, SEND_COLUMNS, report.rows, report.summary, exit_code=report.exit_code,
                    title=SEND_TITLES.get(command, command), summary_line=report.summary_line,
                    table_keys=SEND_TABLE_KEYS[command], generated_at=shop.iso(shop.now()))
    if created:  # run outside the shop folder: "sent 0" would hide it
        result.warn(f"there was no shop database at {shop.settings.db_path}: an empty one was created, so nothing "
                    "was sent; run in the shop folder, or pass --db/--config (SHOPTOOL_DB/SHOPTOOL_CONFIG)")
    elif not order_count(shop.db):
        result.warn(f"the shop database {shop.settings.db_path} holds no orders: nothing to send; "
                    "run `shoptool import FILE` first")
    for note in report.notes:
        result.info(note)
    return result


SEND_TITLES = {"notify-shipped": "发货通知", "remind-unpaid": "催付提醒"}


def outbox(shop: Shop, *, statuses=(), purposes=(), order_id: str | None = None, limit: int | None = 1000) -> Result:
    """The outbox (also what `daily` shows): one row per purpose, order and step."""
    from ..db import outbox as q

    statuses, purposes = _checked(statuses, STATUSES, "--status"), _checked(purposes, PURPOSES, "--purpose")
    rows = [outbox_row(m) for m in q.list_messages(shop.db, statuses=statuses, purposes=purposes,
                                                   order_id=order_id, limit=limit or None)]
    summary = q.count_by_status(shop.db, purposes=purposes)
    return Result("sms outbox", OUTBOX_COLUMNS, rows, summary, title="短信记录", table_keys=OUTBOX_TABLE_KEYS,
                  summary_line=f"sms outbox: {len(rows)} message(s) listed; "
                               + (", ".join(f"{k} {v}" for k, v in summary.items()) or "the outbox is empty"),
                  generated_at=shop.iso(shop.now()))


def outbox_row(message: dict) -> dict:
    return {
        "message_id": message["message_id"], "purpose": message["purpose"], "order_id": message["order_id"],
        "step": message["step"], "status": message["status"], "reason": message["reason"],
        "provider": message["provider"], "provider_id": message["provider_id"], "attempts": message["attempts"],
        "created_at": message["created_at"], "sent_at": message["sent_at"],
        "order_ids": json.loads(message["order_ids"] or "[]"), "phone": message["phone"], "parts": message["parts"],
        "next_attempt_at": message["next_attempt_at"], "updated_at": message["updated_at"],
        "detail": message["detail"],
    }


def _checked(values, allowed: tuple[str, ...], option: str) -> list[str]:
    found = [v.strip() for value in values or () for v in value.split(",") if v.strip()]
    wrong = [v for v in found if v not in allowed]
    if wrong:
        raise UsageError(f"{option}: {', '.join(wrong)} (choose from {', '.join(allowed)})")
    return found


def opt_out(shop: Shop, phone: str, *, note: str | None = None) -> Result:
    """Never text this phone again: adds it to the opt-out list every send checks."""
    from ..db import outbox as q
    from ..db.connect import write_transaction
    from ..phones import mask_phone, normalise_mobile

    mobile = normalise_mobile(phone)
    if mobile is None:
        raise UsageError(f"not a mainland mobile number: {mask_phone(phone)!r} (11 digits, starting with 1)")
    at = shop.iso(shop.now())
    with write_transaction(shop.db):
        existing = q.add_opt_out(shop.db, mobile, at=at, source="shoptool", note=note)
    row = dict(existing) if existing else {"phone": mobile, "opted_out_at": at, "source": "shoptool", "note": note}
    row = {"phone": row["phone"], "status": "already" if existing else "added", "opted_out_at": row["opted_out_at"],
           "source": row["source"], "note": row["note"]}
    line = (f"sms opt-out: {mask_phone(mobile)} was already on the opt-out list" if existing
            else f"sms opt-out: {mask_phone(mobile)} added; no text will go to it")
    return Result("sms opt-out", OPT_OUT_COLUMNS, [row], {row["status"]: 1}, summary_line=line, generated_at=at)


def reconcile(shop: Shop) -> Result:
    """Settle `unknown` messages through the provider's delivery query; those only a person can
    settle stay listed (exit 4)."""
    from ..locks import single_instance
    from ..messages.recovery import reconcile as settle_unknown

    moment = shop.now()
    with single_instance(shop.settings.db_path, "sms-reconcile"):
        found = settle_unknown(shop, moment)
    rows = [{**outbox_row(m), "found": said} for m, said in found]
    summary: dict = {}
    for row in rows:
        summary[row["status"]] = summary.get(row["status"], 0) + 1
    left = summary.get("unknown", 0)
    line = (f"sms reconcile: {len(rows)} unknown message(s) looked up; "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.items())) if rows else "sms reconcile: nothing unknown")
    if left:
        line += f"; {left} need a person: check the provider's console, then record it by hand"
    return Result("sms reconcile", RECONCILE_COLUMNS, rows, summary, exit_code=4 if left else 0,
                  title="短信结果核对", summary_line=line, table_keys=OUTBOX_TABLE_KEYS + ("found",),
                  generated_at=shop.iso(moment))
