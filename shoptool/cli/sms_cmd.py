"""`shoptool sms outbox | opt-out | reconcile`, and what notify-shipped and remind-unpaid share:
their row columns and how a run becomes output (PRODUCT §8, §15)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import columns as K
from ..output import Result
from .app import app
from .options import (
    ConfigOpt,
    DbOpt,
    FormatOpt,
    HeadersOpt,
    NowOpt,
    OutputOpt,
    QuietOpt,
    Shop,
    ShowPiiOpt,
    finish,
    options,
)

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be sent, deferred or skipped; send and write nothing.")]

# Rows of notify-shipped and remind-unpaid (§15 keys first; the rest are additions).
SEND_COLUMNS = [
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("order_ids", "相关订单", "Orders", K.LIST),
    K.Column("purpose", "用途", "Purpose", K.ID),
    K.Column("step", "步骤", "Step", K.ID),  # codes: kept whole in a table, as text in Excel
    K.Column("action", "处理", "Action", K.ID),
    K.Column("reason", "原因", "Reason", K.ID),
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
    K.Column("purpose", "用途", "Purpose", K.ID),
    K.Column("order_id", "订单编号", "Order", K.ID),
    K.Column("step", "步骤", "Step", K.ID),
    K.Column("status", "状态", "Status", K.ID),
    K.Column("reason", "原因", "Reason", K.ID),
    K.Column("provider", "服务商", "Provider"),
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
PURPOSES = ("shipped", "unpaid")


def send_command(command: str, *, dry_run: bool, now: str | None, db, config, fmt: str, out: str | None,
                 headers: str, show_pii: bool, quiet: bool) -> None:
    """notify-shipped and remind-unpaid: one run, its rows, one summary line, its exit code."""
    from .. import output
    from ..messages.engine import run_command

    opts = options(fmt, out, headers, show_pii, quiet=quiet)
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now(now))
    report = run_command(command, shop, now=now, dry_run=dry_run)
    for note in report.notes:
        output.info(note)
    finish(Result(command, SEND_COLUMNS, report.rows, report.summary, exit_code=report.exit_code,
                  title=command, summary_line=report.summary_line, table_keys=SEND_TABLE_KEYS[command]), opts, shop)


sms_app = typer.Typer(name="sms", no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
                      help="The SMS outbox: what was sent and why, opt-outs, settling unknown messages.")
app.add_typer(sms_app, name="sms")


def outbox_result(shop: Shop, *, statuses=(), purposes=(), order_id=None, limit: int | None = 1000) -> Result:
    """The outbox as a Result (also what `daily` can show)."""
    from ..db import outbox as q

    rows = [_outbox_row(m) for m in q.list_messages(shop.db, statuses=statuses, purposes=purposes,
                                                    order_id=order_id, limit=limit or None)]
    summary = q.count_by_status(shop.db, purposes=purposes)
    return Result("sms outbox", OUTBOX_COLUMNS, rows, summary, title="sms outbox", table_keys=OUTBOX_TABLE_KEYS,
                  summary_line=f"sms outbox: {len(rows)} message(s) listed; "
                               + (", ".join(f"{k} {v}" for k, v in summary.items()) or "the outbox is empty"))


def _outbox_row(message: dict) -> dict:
    import json

    return {
        "message_id": message["message_id"], "purpose": message["purpose"], "order_id": message["order_id"],
        "step": message["step"], "status": message["status"], "reason": message["reason"],
        "provider": message["provider"], "provider_id": message["provider_id"], "attempts": message["attempts"],
        "created_at": message["created_at"], "sent_at": message["sent_at"],
        "order_ids": json.loads(message["order_ids"] or "[]"), "phone": message["phone"], "parts": message["parts"],
        "next_attempt_at": message["next_attempt_at"], "updated_at": message["updated_at"],
        "detail": message["detail"],
    }


def _split(values: list[str] | None, allowed: tuple[str, ...], option: str) -> list[str]:
    from ..errors import UsageError

    found = [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
    wrong = [v for v in found if v not in allowed]
    if wrong:
        raise UsageError(f"{option}: {', '.join(wrong)} (choose from {', '.join(allowed)})")
    return found


@sms_app.command("outbox")
def outbox_command(
    status: Annotated[Optional[list[str]], typer.Option("--status", help=f"Only these statuses ({', '.join(STATUSES)}); "
                                                                       "repeatable or comma-separated.",
                                                       show_default=False)] = None,
    purpose: Annotated[Optional[list[str]], typer.Option("--purpose", help="shipped or unpaid; repeatable.",
                                                        show_default=False)] = None,
    order: Annotated[Optional[str], typer.Option("--order", help="Only messages about this order.",
                                                show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows, newest first (0 = all).")] = 1000,
    db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False,
) -> None:
    """Every message and why it was sent, deferred, skipped or failed (one row per purpose, order and step)."""
    opts = options(fmt, out, headers, show_pii)
    shop = Shop(db, config)
    opts.generated_at = shop.iso(shop.now())
    result = outbox_result(shop, statuses=_split(status, STATUSES, "--status"),
                           purposes=_split(purpose, PURPOSES, "--purpose"), order_id=order, limit=limit)
    finish(result, opts, shop)


OPT_OUT_COLUMNS = [
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("status", "结果", "Result"),
    K.Column("opted_out_at", "退订时间", "Opted out at", K.TIME),
    K.Column("source", "来源", "Source"),
    K.Column("note", "备注", "Note"),
]


@sms_app.command("opt-out")
def opt_out_command(
    phone: Annotated[str, typer.Argument(help="The buyer's mobile number (11 digits; +86 and spaces are fine).")],
    note: Annotated[Optional[str], typer.Option("--note", help="Why, e.g. the buyer's reply.", show_default=False)] = None,
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    show_pii: ShowPiiOpt = False,
) -> None:
    """Never text this phone again (adds it to the opt-out list every send checks)."""
    from ..db import outbox as q
    from ..db.connect import write_transaction
    from ..errors import UsageError
    from ..messages.providers.base import normalise_phone

    mobile = normalise_phone(phone)
    if mobile is None:
        raise UsageError(f"not a mainland mobile number: {phone!r} (11 digits, starting with 1)")
    opts = options(fmt, out, "zh", show_pii)
    shop = Shop(db, config)
    at = shop.iso(shop.now(now))
    opts.generated_at = at
    with write_transaction(shop.db):
        existing = q.add_opt_out(shop.db, mobile, at=at, source="shoptool", note=note)
    row = dict(existing) if existing else {"phone": mobile, "opted_out_at": at, "source": "shoptool", "note": note}
    row = {"phone": row["phone"], "status": "already" if existing else "added", "opted_out_at": row["opted_out_at"],
           "source": row["source"], "note": row["note"]}
    from ..privacy import mask_phone

    line = (f"sms opt-out: {mask_phone(mobile)} was already on the opt-out list" if existing
            else f"sms opt-out: {mask_phone(mobile)} added; no text will go to it")
    finish(Result("sms opt-out", OPT_OUT_COLUMNS, [row], {row["status"]: 1}, summary_line=line), opts, shop)


RECONCILE_COLUMNS = OUTBOX_COLUMNS + [K.Column("found", "服务商查询结果", "Provider says")]


@sms_app.command("reconcile")
def reconcile_command(
    now: NowOpt = None, db: DbOpt = None, config: ConfigOpt = None, fmt: FormatOpt = "auto", out: OutputOpt = None,
    headers: HeadersOpt = "zh", show_pii: ShowPiiOpt = False, quiet: QuietOpt = False,
) -> None:
    """Settle messages whose fate is unknown (a crash or a lost answer) through the provider's delivery
    query; list those only a person can settle.

    Exit 4 while any message stays unknown.
    """
    from ..locks import single_instance
    from ..messages.engine import reconcile

    opts = options(fmt, out, headers, show_pii, quiet=quiet)
    shop = Shop(db, config)
    moment = shop.now(now)
    opts.generated_at = shop.iso(moment)
    with single_instance(shop.settings.db_path, "sms-reconcile"):
        rows = reconcile(shop, moment)
    rows = [{**_outbox_row(m), "found": found} for m, found in rows]
    summary: dict = {}
    for row in rows:
        summary[row["status"]] = summary.get(row["status"], 0) + 1
    left = summary.get("unknown", 0)
    line = (f"sms reconcile: {len(rows)} unknown message(s) looked up; "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.items())) if rows else "sms reconcile: nothing unknown")
    if left:
        line += f"; {left} need a person: check the provider's console, then record it by hand"
    finish(Result("sms reconcile", RECONCILE_COLUMNS, rows, summary, exit_code=4 if left else 0,
                  title="sms reconcile", summary_line=line, table_keys=OUTBOX_TABLE_KEYS + ("found",)), opts, shop)
