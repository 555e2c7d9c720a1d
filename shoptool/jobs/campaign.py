"""`shoptool campaign create|preview|send|report` (PRODUCT §20, §24): a marketing text to one
segment, only to buyers who consented and are not suppressed, sent through the SMS engine (§8:
marketing class, quiet hours, caps, opt-outs, at most one text per (campaign, phone) ever)."""

from __future__ import annotations

from decimal import Decimal

from .. import columns as K
from ..errors import UsageError
from ..result import Result
from .sending import SEND_COLUMNS
from .shop import Shop

PREVIEW_COLUMNS = [
    K.Column("buyer", "买家", "Buyer"),
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("action", "处理", "Action", labels="campaign_action"),
    K.Column("reason", "原因", "Reason", labels="campaign_reason"),
    K.Column("parts", "计费条数", "Parts", K.INT),
    K.Column("reasons", "全部原因", "All reasons", K.LIST, labels="campaign_reason"),
    K.Column("tier", "会员等级", "Tier"),
    K.Column("text", "短信内容", "Text"),
]
REPORT_COLUMNS = [
    K.Column("buyer", "买家", "Buyer"),
    K.Column("phone", "手机号", "Phone", K.PHONE),
    K.Column("status", "状态", "Status", K.ID, labels="sms_action"),
    K.Column("sent_at", "发送时间", "Sent", K.TIME),
    K.Column("opted_out_since", "发送后退订", "Opted out since", K.BOOL),
    K.Column("paid_within", "发送后付款", "Paid after", K.BOOL),
    K.Column("paid_amount", "付款金额（元）", "Paid", K.MONEY),
]
# The §15 sending rows; the buyer is the nick staff reach in 旺旺 (visible, §12), not masked.
SEND_ROWS = [K.Column("buyer", "买家", "Buyer") if c.key == "buyer" else c for c in SEND_COLUMNS]
CAMPAIGN_COLUMNS = [
    K.Column("name", "活动", "Campaign"),
    K.Column("segment", "人群", "Segment"),
    K.Column("template", "模板", "Template"),
    K.Column("template_code", "模板编号", "Template code", K.ID),
    K.Column("created_at", "创建时间", "Created", K.TIME),
    K.Column("staff", "客服", "Staff"),
]


def _template(shop: Shop, code: str):
    """The [sms.templates] entry named CODE (its key, or its provider code): marketing class, ending
    with the unsubscribe wording (Template.check), and only variables a campaign fills."""
    from ..messages.due.campaign import VALUES
    from ..messages.templates import MARKETING, Template

    tables = shop.settings.templates()
    key = code if code in tables else next((k for k, t in tables.items() if str(t.get("code")) == code), None)
    if key is None:
        raise UsageError(f"--template: no template {code!r} in [sms.templates]",
                         hint=f"define [sms.templates.<name>] with class = \"marketing\" (have: {', '.join(tables)})")
    template = Template.from_settings(key, tables[key], unsubscribe=str(shop.settings["sms.unsubscribe_text"]))
    if template.sms_class != MARKETING:
        raise UsageError(f"--template {code}: a {template.sms_class} template; a campaign needs class = \"marketing\"")
    extra = [p for p in template.params if p not in VALUES]
    if extra:
        raise UsageError(f"--template {code}: variable(s) {', '.join(extra)} a campaign cannot fill "
                         f"(a campaign fills {', '.join(VALUES)})")
    return key, template


def _campaign(shop: Shop, name: str) -> dict:
    from ..db import customers as cq

    found = cq.campaign(shop.db, name)
    if found is None:
        raise UsageError(f"no campaign {name!r}", hint=f"shoptool campaign create {name} --segment SEG --template CODE")
    return found


def create(shop: Shop, name: str, *, segment: str, template: str, staff: str | None = None) -> Result:
    from ..customers.segments import segment_name
    from ..db import customers as cq
    from ..db import write_transaction

    name = (name or "").strip()
    if not name or len(name) > 40:
        raise UsageError("campaign NAME: 1 to 40 characters")
    seg = segment_name(segment)
    if seg is None:
        raise UsageError(f"--segment: unknown segment {segment!r}", hint="成交客户 未成交客户 新客 复购 沉睡 流失")
    key, tpl = _template(shop, template)
    at, who = shop.iso(shop.now()), shop.staff(staff)
    with write_transaction(shop.db):
        if cq.campaign(shop.db, name) is not None:
            raise UsageError(f"campaign {name!r} exists already", hint=f"shoptool campaign preview {name}")
        cq.create_campaign(shop.db, name=name, segment=seg, template=key, template_code=tpl.code, at=at, staff=who)
    row = {"name": name, "segment": seg, "template": key, "template_code": tpl.code, "created_at": at, "staff": who}
    return Result("campaign create", CAMPAIGN_COLUMNS, [row], {"created": 1}, generated_at=at,
                  summary_line=f"campaign create: {name} → {seg} with template {key} ({tpl.code}); "
                               f"next: shoptool campaign preview {name}")


def preview(shop: Shop, name: str) -> Result:
    """Who gets the text, who is excluded and why, parts and cost. Reads only."""
    from ..db import outbox as q
    from ..messages.due.campaign import message_key
    from ..messages.purposes import Campaign
    from ..messages.templates import render

    campaign = _campaign(shop, name)
    _, template = _template(shop, campaign["template"])
    purpose = Campaign(shop.settings, campaign)
    now = shop.now()
    audience = purpose.audience(shop.db, now)
    sent = q.messages_by_key(shop.db, [message_key(campaign["campaign_id"], r["mobile"]) for r in audience
                                       if r["mobile"]])
    sign = str(shop.settings["sms.sign_name"])
    rows, counts, reasons, parts = [], {"would_send": 0, "excluded": 0, "already_sent": 0}, {}, 0
    for r in audience:
        row = {"buyer": r["nick"] or r["buyer"], "phone": r["phone"], "action": r["action"], "reason": r["reason"],
               "parts": None, "reasons": r["reasons"], "tier": r["tier"], "text": None}
        record = sent.get(message_key(campaign["campaign_id"], r["mobile"])) if r["mobile"] else None
        if record is not None and record["status"] in q.MAYBE_SENT + ("failed",):
            row.update(action="already_sent", reason=record["status"])
        elif r["action"] == "would_send":
            text = render(template, {"shop": str(shop.settings["shop.name"]), "buyer": r["nick"] or "",
                                     "tier": r["tier"] or ""}, sign_name=sign)
            row.update(parts=text.parts, text=text.text)
            parts += text.parts
        else:
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
        counts[row["action"]] += 1
        rows.append(row)
    order = {"would_send": 0, "excluded": 1, "already_sent": 2}
    rows.sort(key=lambda r: (order[r["action"]], r["reason"] or "", r["buyer"] or ""))
    price = Decimal(str(shop.settings["crm.price_per_part"]))
    cost = float((price * parts).quantize(Decimal("0.01")))
    summary = {**counts, "parts": parts, "cost": cost, "excluded_by_reason": dict(sorted(reasons.items())),
               "segment": campaign["segment"], "template": campaign["template"]}
    line = (f"campaign preview {name}: would send {counts['would_send']} ({parts} part(s), about {cost} yuan), "
            f"excluded {counts['excluded']}" + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) + ")"
                                                if reasons else "")
            + (f", already sent {counts['already_sent']}" if counts["already_sent"] else ""))
    return Result("campaign preview", PREVIEW_COLUMNS, rows, summary, title=f"营销活动 {name}",
                  table_keys=("buyer", "phone", "action", "reason", "parts", "tier"), summary_line=line,
                  generated_at=shop.iso(now))


def send(shop: Shop, name: str, *, dry_run: bool = False, provider=None) -> Result:
    """One run of the campaign through the outbox; a second run sends nothing already sent."""
    from ..locks import single_instance
    from ..messages.purposes import Campaign
    from ..messages.runner import Runner

    campaign = _campaign(shop, name)
    _template(shop, campaign["template"])
    purpose = Campaign(shop.settings, campaign)
    if dry_run:
        report = Runner(purpose, shop, dry_run=True, provider=provider).run()
    else:
        with single_instance(shop.settings.db_path, "campaign-send"):
            report = Runner(purpose, shop, dry_run=False, provider=provider).run()
    line = report.summary_line.replace("campaign send:", f"campaign send {name}:", 1)
    result = Result("campaign send", SEND_ROWS, report.rows, report.summary, exit_code=report.exit_code,
                    title=f"营销活动 {name}", summary_line=line,
                    table_keys=("buyer", "action", "reason", "phone", "next_attempt_at", "parts"),
                    generated_at=shop.iso(shop.now()))
    for note in report.notes:
        result.info(note)
    return result


def report(shop: Shop, name: str) -> Result:
    """Sent, failed, opted out since, and buyers who paid within crm.paid_within of the text."""
    from datetime import datetime

    from ..db import customers as cq

    campaign = _campaign(shop, name)
    messages = cq.campaign_messages(shop.db, name)
    window = shop.settings.duration("crm.paid_within")
    phones = [m["phone"] for m in messages if m["phone"]]
    opt_outs = {r["phone"]: r for r in cq.opt_out_rows(shop.db, phones)}
    paid = cq.paid_after(shop.db, [m["buyer"] for m in messages if m["buyer"] and m["status"] == "sent"])
    rows = []
    for m in messages:
        row = {"buyer": m["buyer"], "phone": m["phone"], "status": m["status"], "sent_at": m["sent_at"],
               "opted_out_since": False, "paid_within": False, "paid_amount": None}
        if m["status"] == "sent" and m["sent_at"]:
            sent_at = datetime.fromisoformat(m["sent_at"])
            out = opt_outs.get(m["phone"])
            when = out and (out.get("opted_out_at") or out.get("first_seen_at"))
            row["opted_out_since"] = bool(when and datetime.fromisoformat(when) >= sent_at)
            after = [fen for t, fen in paid.get(m["buyer"], ())
                     if sent_at <= datetime.fromisoformat(t) <= sent_at + window]
            row.update(paid_within=bool(after), paid_amount=sum(after) if after else None)
        rows.append(row)
    summary = {
        "sent": sum(1 for r in rows if r["status"] == "sent"),
        "failed": sum(1 for r in rows if r["status"] in ("failed", "unknown")),
        "waiting": sum(1 for r in rows if r["status"] in ("queued", "deferred", "retry", "sending")),
        "skipped": sum(1 for r in rows if r["status"] == "skipped"),
        "opted_out_since": sum(1 for r in rows if r["opted_out_since"]),
        "paid_within": sum(1 for r in rows if r["paid_within"]),
        "paid_amount": round(sum(r["paid_amount"] or 0 for r in rows) / 100, 2),
        "segment": campaign["segment"],
    }
    line = (f"campaign report {name}: sent {summary['sent']}, failed {summary['failed']}, "
            f"opted out since {summary['opted_out_since']}, paid within {window.days}d {summary['paid_within']} "
            f"({summary['paid_amount']} yuan)")
    return Result("campaign report", REPORT_COLUMNS, rows, summary, title=f"营销效果 {name}", summary_line=line,
                  generated_at=shop.iso(shop.now()))
