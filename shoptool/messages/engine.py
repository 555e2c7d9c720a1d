"""Runs a sending command over the shop database: select what is due (shipping.py, reminders.py),
apply the rules, record every decision, then claim → send → record each text (outbox.py).

Glue only: the decisions live in the domain modules, the SQL in db/outbox.py. The command lock
(locks.single_instance) is taken here too, but nothing below relies on it: two runs that overlap
anyway (another command, a reconcile, a run started by hand) still cannot send a message twice.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from .. import clock
from ..db import outbox as q
from ..db.connect import write_transaction
from . import outbox as ob
from . import rules as R
from .providers.base import OutgoingMessage

DAY = timedelta(hours=24)
# Claims of runs alive in this process (a test or an agent may run several, one after another).
_ACTIVE: set[str] = set()
# Loggers of the SDKs that would write requests (phone numbers included) at DEBUG.
_SDK_LOGGERS = ("tencentcloud_sdk_common", "darabonba-core", "alibabacloud_tea_openapi", "urllib3")


# --- what differs between the two commands ------------------------------------------------------

class Job:
    purpose: str
    command: str
    template: str  # sms.templates.<template>

    def __init__(self, settings):
        self.settings = settings

    def plan(self, db, now: datetime) -> list[ob.Draft]:
        raise NotImplementedError

    def recheck(self, db, draft: ob.Draft, now: datetime) -> ob.Draft | None:
        """The same message as seen by the database now (inside the claiming transaction)."""
        raise NotImplementedError

    def iso(self, moment: datetime | None) -> str | None:
        return clock.to_iso(moment, self.settings.tz)


class ShippedJob(Job):
    purpose = "shipped"
    command = "notify-shipped"
    template = "shipped"

    def __init__(self, settings):
        super().__init__(settings)
        self.max_age = settings.duration("notify.max_age")
        self.shop_name = str(settings["shop.name"])

    def plan(self, db, now):
        ids = q.shipped_due_order_ids(db, self.iso(now - self.max_age))
        ids += q.pending_order_ids(db, self.purpose, self.iso(now))
        return self._drafts(db, ids, now, done_dropped=True)

    def recheck(self, db, draft, now):
        for fresh in self._drafts(db, draft.order_ids, now, done_dropped=False):
            if fresh.key == draft.key:
                return fresh
        return None

    def _drafts(self, db, order_ids, now, *, done_dropped: bool) -> list[ob.Draft]:
        from .. import shipping

        orders, shipments = q.parcel_rows(db, order_ids, shipping.usable_tracking)
        found = shipping.parcels(orders, shipments)
        bare = shipping.no_tracking(orders, shipments)
        keys = [p.key for p in found] + [shipping.no_tracking_draft(o, shop_name="").key for o in bare]
        recorded = q.messages_by_key(db, keys) if done_dropped else {}
        out = [shipping.draft(p, now=now, max_age=self.max_age, shop_name=self.shop_name)
               for p in found if _open(recorded.get(p.key))]
        out += [d for d in (shipping.no_tracking_draft(o, shop_name=self.shop_name) for o in bare)
                if _open(recorded.get(d.key))]
        return out


class UnpaidJob(Job):
    purpose = "unpaid"
    command = "remind-unpaid"
    template = "unpaid"

    def __init__(self, settings):
        from .. import reminders
        from ..errors import ConfigError

        super().__init__(settings)
        try:
            self.schedule = reminders.parse_schedule(settings.get("reminders.schedule", ["30m"]))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.close_after = settings.duration("shop.unpaid_close_after")
        self.cutoff = clock.parse_clock(settings["shop.cutoff"])
        self.per_buyer = int(settings.get("reminders.per_buyer_per_day", 1))
        self.shop_name = str(settings["shop.name"])

    def plan(self, db, now):
        from .. import reminders

        first = reminders.first_due(self.schedule, self.close_after)
        orders = {o["order_id"]: o for o in q.unpaid_due(db, self.iso(now - self.close_after), self.iso(now - first))}
        pending = [i for i in q.pending_order_ids(db, self.purpose, self.iso(now)) if i not in orders]
        orders.update({o["order_id"]: o for o in q.orders_by_id(db, pending)})
        return self._drafts(db, list(orders.values()), now, done_dropped=True)

    def recheck(self, db, draft, now):
        for fresh in self._drafts(db, q.orders_by_id(db, draft.order_ids), now, done_dropped=False):
            if fresh.key == draft.key:
                return fresh
        return None

    def _drafts(self, db, orders, now, *, done_dropped: bool) -> list[ob.Draft]:
        from .. import reminders

        # By order, not by key: steps of an older schedule still waiting are found and settled too.
        recorded = {r["dedupe_key"]: r for r in q.messages_for_orders(db, self.purpose, [o["order_id"] for o in orders])}
        due = [d for d in reminders.due_steps(orders, self.schedule, close_after=self.close_after, now=now,
                                              recorded=recorded)
               if not done_dropped or _open(recorded.get(d.key))]
        if not due:
            return []
        buyers = {reminders.buyer_of(d.order) for d in due} - {None}
        nicks = {d.order["buyer_nick"] for d in due if (d.order.get("buyer_nick") or "").strip()}
        phones = buyers - nicks
        since = min(d.order.get("created_at") or "" for d in due)
        paid = q.paid_orders_of(db, nicks, phones, since)
        return reminders.drafts(due, paid_orders=paid, now=now, cutoff=self.cutoff, shop_name=self.shop_name,
                                per_buyer_per_day=self.per_buyer)


JOBS = {"notify-shipped": ShippedJob, "remind-unpaid": UnpaidJob}


def _open(record) -> bool:
    return record is None or record["status"] in ob.CLAIMABLE


# --- one run ------------------------------------------------------------------------------------

@dataclass
class Report:
    command: str
    rows: list[dict]
    summary: dict
    exit_code: int
    summary_line: str
    notes: list[str] = field(default_factory=list)  # extra stderr lines (provider stopped, sheet written)


def run_command(command: str, shop, *, now: str | None = None, dry_run: bool = False) -> Report:
    """One run of notify-shipped or remind-unpaid. A real run holds the command's lock for the
    database; a dry run reads only, so it takes no lock and may run beside a real one."""
    from ..locks import single_instance

    job = JOBS[command](shop.settings)
    if dry_run:
        return Runner(job, shop, now_override=now, dry_run=True).run()
    with single_instance(shop.settings.db_path, command):
        return Runner(job, shop, now_override=now, dry_run=False).run()


class Runner:
    def __init__(self, job: Job, shop, *, now_override: str | None, dry_run: bool, provider=None):
        from .templates import Template

        self.job = job
        self.shop = shop
        self.settings = shop.settings
        self.dry_run = dry_run
        fixed = shop.now(now_override) if now_override else None
        self.clock: Callable[[], datetime] = (lambda: fixed) if fixed else (lambda: shop.now())
        self.rules = R.Rules.from_settings(self.settings.get)
        table = self.settings.templates().get(job.template)
        if table is None:
            from ..errors import ConfigError

            raise ConfigError(f"no template sms.templates.{job.template}")
        self.template = Template.from_settings(job.template, table,
                                               unsubscribe=str(self.settings.get("sms.unsubscribe_text", "拒收请回复R")))
        self.sign_name = str(self.settings.get("sms.sign_name", ""))
        self.provider = provider
        self.token = f"{os.getpid()}:{_start_time(os.getpid())}:{secrets.token_hex(4)}"

    @property
    def db(self):
        return self.shop.db

    def iso(self, moment):
        return clock.to_iso(moment, self.settings.tz)

    # ---------------------------------------------------------------------------------------
    def run(self) -> Report:
        now = self.clock()
        recovered = [] if self.dry_run else recover(self.db, self.iso(now))
        drafts = self.job.plan(self.db, now)
        ctx = self.context(drafts, now)
        planned: list[tuple[ob.Draft, ob.Decision, dict | None]] = []
        recorded = q.messages_by_key(self.db, [d.key for d in drafts])
        for draft in drafts:
            decision = ob.decide(draft, recorded.get(draft.key), ctx, self.rules, self.template.sms_class, now)
            if decision.action == ob.SEND:
                ctx.note_send(draft, now)
            planned.append((draft, decision, recorded.get(draft.key)))
        rendered = {d.key: self.render(d) for d, dec, _ in planned if dec.action in (ob.SEND, ob.WAIT)}
        if self.dry_run:
            outcomes = {d.key: ob.Outcome("would_send" if dec.action == ob.SEND else ob.outcome_of(dec, d).action,
                                          dec.reason, dec.until, draft=d)
                        for d, dec, _ in planned}
            return self.report(planned, outcomes, rendered, [], None, [], now)

        to_send = [d for d, dec, _ in planned if dec.action == ob.SEND]
        if to_send and self.provider is None:
            self.provider = build_provider(self.settings)  # before anything is written: a missing key stops here
        changes = ob.plan_changes(planned)
        if changes:
            with write_transaction(self.db):
                q.save_plan(self.db, [self.record_of(d, dec, rendered.get(d.key), now) for d, dec in changes])
        outcomes = {d.key: ob.outcome_of(dec, d) for d, dec, _ in planned}
        delivery = None
        if to_send:
            _ACTIVE.add(self.token)
            try:
                delivery = ob.deliver(to_send, claim=self.claim, record=self.record, provider=self.provider,
                                      now=self.clock, max_attempts=self.rules.max_attempts)
            finally:
                _ACTIVE.discard(self.token)
                self.provider.close()
            outcomes.update(delivery.outcomes)
        return self.report(planned, outcomes, rendered, recovered, delivery, to_send, now)

    def context(self, drafts: list[ob.Draft], now: datetime) -> ob.Context:
        phones = {d.phone for d in drafts if d.phone}
        if not phones:
            return ob.Context()
        since = self.iso(now - DAY)
        sends = q.recent_phone_sends(self.db, phones, since)
        buyers = {d.buyer for d in drafts if d.buyer and d.buyer_limit}
        by_buyer = q.recent_buyer_sends(self.db, self.job.purpose, buyers, since) if buyers else {}
        return ob.Context(
            opt_outs=q.opted_out_phones(self.db, phones),
            phone_sends={p: [datetime.fromisoformat(t) for t in ts] for p, ts in sends.items()},
            buyer_sends={b: [datetime.fromisoformat(t) for t in ts] for b, ts in by_buyer.items()},
        )

    def render(self, draft: ob.Draft):
        from .templates import render

        return render(self.template, draft.values, sign_name=self.sign_name)

    def record_of(self, draft: ob.Draft, decision: ob.Decision, rendered, now: datetime) -> dict:
        return {
            "dedupe_key": draft.key, "purpose": draft.purpose, "class": self.template.sms_class,
            "order_id": draft.order_id, "order_ids": draft.order_ids, "step": draft.step, "buyer": draft.buyer,
            "phone": draft.phone or draft.shown_phone, "template_code": self.template.code,
            "params": rendered.params if rendered else {}, "text": rendered.text if rendered else None,
            "parts": rendered.parts if rendered else None, "status": ob.status_of(decision),
            "reason": decision.reason, "next_attempt_at": self.iso(decision.until),
            "created_at": self.iso(now), "updated_at": self.iso(now),
        }

    # --- the two transactions around each provider call ----------------------------------------
    def claim(self, draft: ob.Draft):
        moment = self.clock()
        with write_transaction(self.db):
            fresh = self.job.recheck(self.db, draft, moment)
            if fresh is None:
                gone = ob.Draft(**{**draft.__dict__, "skip": ob.NOT_DUE})
                q.save_plan(self.db, [self.record_of(gone, ob.Decision(ob.SKIP, ob.NOT_DUE), None, moment)])
                return ob.Outcome("skipped", ob.NOT_DUE, draft=gone)
            existing = q.messages_by_key(self.db, [fresh.key]).get(fresh.key)
            decision = ob.decide(fresh, existing, self.context([fresh], moment), self.rules,
                                 self.template.sms_class, moment)
            if decision.action == ob.DONE:
                return ob.Outcome("done", draft=fresh)
            rendered = self.render(fresh) if decision.action != ob.SKIP else None
            record = self.record_of(fresh, decision, rendered, moment)
            if decision.action != ob.SEND or existing is None:
                q.save_plan(self.db, [record])
            if decision.action != ob.SEND:
                return ob.outcome_of(decision, fresh)
            message_id = q.claim(self.db, fresh.key, claimed_by=self.token, provider=self.provider.name,
                                 at=self.iso(moment), phone=fresh.phone, text=rendered.text, params=rendered.params,
                                 template_code=self.template.code, parts=rendered.parts, order_ids=fresh.order_ids)
            if message_id is None:
                return ob.Outcome("done", draft=fresh)
        attempts = (existing["attempts"] if existing else 0) + 1
        message = OutgoingMessage(phone=fresh.phone, text=rendered.text, template_code=self.template.code,
                                  params=rendered.params, out_id=fresh.key, sign_name=rendered.sign_name)
        return ob.Claim(message_id, self.token, attempts, message, fresh, rendered.parts)

    def record(self, pairs: list[tuple[ob.Claim, ob.Settlement]]) -> None:
        at = self.iso(self.clock())
        with write_transaction(self.db):
            for claimed, settled in pairs:
                q.settle(self.db, claimed.message_id, claimed.claimed_by, status=settled.status,
                         reason=settled.reason, provider_id=settled.provider_id, detail=settled.detail,
                         next_attempt_at=self.iso(settled.next_attempt_at), keep_sent_at=settled.keep_sent_at, at=at)

    # --- what the run says -----------------------------------------------------------------------
    def report(self, planned, outcomes, rendered, recovered, delivery, to_send, now) -> Report:
        rows: list[dict] = []
        for message in recovered:
            if message["purpose"] == self.job.purpose:
                rows.append(_recovered_row(message))
        for draft, decision, _ in planned:
            outcome = outcomes.get(draft.key)
            if outcome is None or outcome.action == "done":
                continue
            shown = outcome.draft or draft
            text = rendered.get(draft.key)
            rows.append({
                "order_id": shown.order_id,
                "order_ids": list(shown.order_ids),
                "purpose": shown.purpose,
                "step": shown.step,
                "action": outcome.action,
                "reason": outcome.reason,
                "phone": shown.phone or shown.shown_phone,
                "parts": text.parts if text is not None and outcome.action != "skipped" else None,
                "buyer": shown.buyer_nick,
                "next_attempt_at": self.iso(outcome.until) if outcome.action in ("deferred",) else None,
                "message_id": outcome.message_id,
                "text": text.text if text is not None and outcome.action != "skipped" else None,
                **shown.extra,
                "detail": outcome.detail,
            })
        counts = {a: 0 for a in ("sent", "queued", "deferred", "skipped", "failed", "unknown", "would_send")}
        reasons: dict[str, int] = {}
        for row in rows:
            counts[row["action"]] = counts.get(row["action"], 0) + 1
            if row["action"] == "skipped":
                reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
        stopped = delivery.stopped if delivery else None
        parts = sum(r["parts"] or 0 for r in rows if r["action"] in ("sent", "would_send"))
        summary = {**counts, "parts": parts, "skipped_by_reason": dict(sorted(reasons.items())),
                   "provider": self.provider.name if self.provider else str(self.settings.get("sms.provider", "file")),
                   "dry_run": self.dry_run,
                   "stopped": stopped is not None}
        notes: list[str] = []
        others = [m for m in recovered if m["purpose"] != self.job.purpose]
        if others:
            notes.append(f"{len(others)} message(s) of other commands were left `sending` by a run that ended; "
                         "now `unknown`: see `shoptool sms reconcile`")
        if stopped is not None:
            left = counts["queued"]
            notes.append(f"the SMS provider stopped the run ({stopped.code}: {stopped.detail}); "
                         f"{left} message(s) stay queued for the next run")
        if delivery and delivery.sheets:
            for sheet in delivery.sheets:
                notes.append(f"wrote {sheet}: upload it on the SMS console's bulk-send page")
        if self.job.purpose == "unpaid":
            summary["closable"] = reasons.get("paid_other_order", 0)
        failed = counts["failed"] + counts["unknown"]
        exit_code = 4 if failed or stopped is not None else 0
        return Report(self.job.command, rows, summary, exit_code, self.summary_line(counts, reasons, summary), notes)

    def summary_line(self, counts, reasons, summary) -> str:
        verb = "would send" if self.dry_run else "sent"
        number = counts["would_send"] if self.dry_run else counts["sent"]
        parts = [f"{verb} {number}" + (f" ({summary['parts']} part(s))" if number else ""),
                 f"deferred {counts['deferred']}"]
        skipped = f"skipped {counts['skipped']}"
        if reasons:
            skipped += " (" + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) + ")"
        parts.append(skipped)
        for key in ("queued", "failed", "unknown"):
            if counts[key]:
                parts.append(f"{key} {counts[key]}")
        line = f"{self.job.command}: " + ", ".join(parts)
        if summary.get("closable"):
            line += f"; {summary['closable']} unpaid duplicate(s) of buyers who paid another order can be closed"
        if self.dry_run:
            line += " (dry run: nothing sent or written)"
        return line


def _recovered_row(message: dict) -> dict:
    import json

    return {
        "order_id": message["order_id"], "order_ids": json.loads(message["order_ids"] or "[]"),
        "purpose": message["purpose"], "step": message["step"], "action": "unknown", "reason": ob.INTERRUPTED,
        "phone": message["phone"], "parts": message["parts"], "buyer": None, "next_attempt_at": None,
        "message_id": message["message_id"], "text": message["text"], "detail": message.get("detail"),
    }


# --- crash recovery -----------------------------------------------------------------------------

def recover(db, at: str) -> list[dict]:
    """Messages left `sending` by a run that is gone become `unknown`: the provider may or may not
    have them, and only its delivery query or a person can tell. A claim of a live run (another
    command, overlapping this one) is left alone."""
    orphans = [m for m in q.sending(db) if not claimer_alive(m.get("claimed_by"))]
    if not orphans:
        return []
    done = []
    with write_transaction(db):
        for message in orphans:
            if q.mark_unknown(db, message["message_id"], message.get("claimed_by"), reason=ob.INTERRUPTED,
                              detail="the run sending it ended before recording the provider's answer", at=at):
                done.append({**message, "status": "unknown", "reason": ob.INTERRUPTED})
    return done


def claimer_alive(claimed_by: str | None) -> bool:
    """Whether the process that claimed a message still runs: pid plus its start time, so a
    recycled pid is not mistaken for it."""
    try:
        pid_text, start, token = (claimed_by or "").split(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return bool(token) and claimed_by in _ACTIVE
    if os.path.isdir("/proc"):
        stat = _proc_stat(pid)
        if stat is None or stat[0] == "Z":
            return False
        return start in ("", "0") or stat[1] == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _proc_stat(pid: int) -> tuple[str, str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
        fields = data[data.rindex(b")") + 2:].split()
        return fields[0].decode(), fields[19].decode()  # state, starttime (fields 3 and 22)
    except (OSError, ValueError, IndexError):
        return None


def _start_time(pid: int) -> str:
    stat = _proc_stat(pid)
    return stat[1] if stat else "0"


# --- providers ----------------------------------------------------------------------------------

def build_provider(settings, name: str | None = None):
    """The configured provider, its SDK's chatty loggers held at INFO: Tencent's SDK logs every
    request at DEBUG and Aliyun's core library writes request URLs (phone numbers in them)."""
    from .providers import make_provider

    provider = make_provider(name, settings, base_dir=settings.shop_dir)
    for logger_name in _SDK_LOGGERS:
        logger = logging.getLogger(logger_name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    return provider


# --- reconcile ----------------------------------------------------------------------------------

def reconcile(shop, moment: datetime) -> list[tuple[dict, str]]:
    """Ask each `unknown` message's provider whether it has the text: delivered or sent → sent;
    the carrier failed it → failed; no record long enough after the attempt → failed `not_sent`
    (never resent automatically: a person may queue it again); no answer → stays unknown, listed.
    Returns (message row as it is now, what the provider said)."""
    import json

    from ..errors import ConfigError
    from .providers.base import DELIVERED, FAILED, NOT_FOUND, SENT

    db, settings = shop.db, shop.settings
    at = clock.to_iso(moment, settings.tz)
    recover(db, at)
    providers: dict[str, object] = {}
    results: list[tuple[dict, str]] = []
    for message in q.unknown_messages(db):
        name = message["provider"] or str(settings.get("sms.provider", "file"))
        if name not in providers:
            try:
                providers[name] = build_provider(settings, name)
            except ConfigError as exc:
                providers[name] = exc
        provider = providers[name]
        if isinstance(provider, Exception):
            results.append((message, f"cannot ask {name}: {provider.message}"))
            continue
        outgoing = OutgoingMessage(phone=message["phone"] or "", text=message["text"] or "",
                                   template_code=message["template_code"] or "",
                                   params=json.loads(message["params"] or "{}"), out_id=message["dedupe_key"],
                                   sign_name=str(settings.get("sms.sign_name", "")))
        sent_at = datetime.fromisoformat(message["sent_at"] or message["updated_at"])
        try:
            answer = provider.query(outgoing, sent_at=sent_at, provider_id=message["provider_id"], now=moment)
        except Exception as exc:  # noqa: BLE001  a query that fails settles nothing
            results.append((message, f"query failed: {type(exc).__name__}"))
            continue
        found = answer.status + (f": {answer.detail}" if answer.detail else "")
        status, reason = {DELIVERED: ("sent", "reconciled"), SENT: ("sent", "reconciled"),
                          FAILED: ("failed", "not_delivered"), NOT_FOUND: ("failed", "not_sent")}.get(
            answer.status, (None, None))
        if status is not None:
            with write_transaction(db):
                q.resolve_unknown(db, message["message_id"], status=status, reason=reason,
                                  provider_id=answer.provider_id, detail=found[:240], at=at)
            message = {**message, "status": status, "reason": reason,
                       "provider_id": answer.provider_id or message["provider_id"], "detail": found[:240]}
        results.append((message, found))
    for provider in providers.values():
        if not isinstance(provider, Exception):
            provider.close()
    return results
