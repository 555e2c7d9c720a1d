"""One run of a sending command: plan the job's drafts, decide each against the rules and the
outbox, record the plan, then claim → send → record each text (outbox.deliver) and report.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import clock, collector
from ..db import outbox as q
from ..db.connect import Checkpointer, page_cache, write_transaction
from . import delivery as dl
from . import outbox as ob
from . import rules as R
from .provider_setup import build_provider
from .providers.base import OutgoingMessage
from .purposes import Purpose
from .recovery import _ACTIVE, _start_time, recover
from .run_rows import run_rows

DAY = timedelta(hours=24)
RUN_CACHE_KIB = 16_384


@dataclass
class Report:
    command: str
    rows: list[dict]
    summary: dict
    exit_code: int
    summary_line: str
    notes: list[str] = field(default_factory=list)  # extra stderr lines (provider stopped, sheet written)


class Runner:
    def __init__(self, job: Purpose, shop, *, dry_run: bool, provider=None):
        from .templates import Template

        self.job = job
        self.shop = shop
        self.settings = shop.settings
        self.dry_run = dry_run
        self.clock: Callable[[], datetime] = shop.now
        self.rules = R.Rules.from_settings(self.settings)
        table = self.settings.templates().get(job.template)
        if table is None:
            from ..errors import ConfigError

            raise ConfigError(f"no template sms.templates.{job.template}")
        self.template = Template.from_settings(job.template, table,
                                               unsubscribe=str(self.settings["sms.unsubscribe_text"]))
        self.sign_name = str(self.settings["sms.sign_name"])
        self.provider = provider
        self.token = f"{os.getpid()}:{_start_time(os.getpid())}:{secrets.token_hex(4)}"
        # Every wait of a run is bounded: for the database (an import may hold it: a run never
        # gives up between a provider's answer and its record), for the provider, for the run.
        self.lock_wait = self.settings.duration("sms.lock_wait").total_seconds()
        self.run_time = self.settings.duration("sms.run_time").total_seconds()
        self.started = time.monotonic()
        self._preclaimed: dict[str, ob.Claim] | None = None  # texts claimed with the plan (_claim_with_plan)

    @property
    def db(self):
        return self.shop.db

    def iso(self, moment):
        if moment is None:
            return None
        # The same few moments (the run's now, a deadline) are written on every record of a run.
        memo = self.__dict__.setdefault("_isos", {})
        found = memo.get(moment)
        if found is None:
            if len(memo) > 10_000:
                memo.clear()
            found = memo[moment] = clock.to_iso(moment, self.settings.tz)
        return found

    # ---------------------------------------------------------------------------------------
    def run(self) -> Report:
        # A run reads each order page once (the due orders, their buyers' orders): a small page
        # cache costs it nothing and keeps 50 MB of a million-order shop's pages out of memory.
        # Its drafts and rows live until it ends: the cyclic collector would only walk them
        # (collector.py).
        with page_cache(self.db, RUN_CACHE_KIB), collector.paused(), Checkpointer(self.db) as self._checkpoints:
            return self._run()

    def _run(self) -> Report:
        now = self.clock()
        recovered = [] if self.dry_run else recover(self.db, self.iso(now), wait=self.lock_wait)
        # Read before planning: a commit by anyone else while the plan reads is a change it may
        # have missed (this connection's own writes never change it).
        self.planned_version = q.data_version(self.db)
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
        self._rendered = rendered
        if self.dry_run:
            outcomes = {d.key: ob.Outcome("would_send" if dec.action == ob.SEND else ob.outcome_of(dec, d).action,
                                          dec.reason, dec.until, draft=d)
                        for d, dec, _ in planned}
            return self.report(planned, outcomes, rendered, [], None, [], now)

        to_send = [d for d, dec, _ in planned if dec.action == ob.SEND]
        if to_send and self.provider is None:
            self.provider = build_provider(self.settings)  # before anything is written: a missing key stops here
        changes = ob.plan_changes(planned)
        # {key: (message_id, attempts the claim makes)} of the messages to send, as the plan leaves
        # them: a batch claim whose every row changed need not read them back.
        self._known = {k: (r["message_id"], r["attempts"] + 1) for k, r in recorded.items()}
        self._preclaimed = None
        flushing = bool(to_send) and getattr(self.provider, "hands_over_on_flush", False)
        if changes or flushing:
            if flushing:
                _ACTIVE.add(self.token)  # from the claim on, recovery must see this run as alive
            with write_transaction(self.db, wait=self.lock_wait):
                if flushing and q.data_version(self.db) == self.planned_version:
                    self._preclaimed = self._claim_with_plan(changes, to_send, recorded, now)
                elif changes:
                    last = q.last_message_id(self.db)
                    q.save_plan(self.db, (self.record_of(d, dec, rendered.get(d.key), now) for d, dec in changes))
                    self._known.update({k: (mid, attempts + 1) for k, (mid, attempts) in
                                        q.message_ids_after(self.db, last).items() if k not in self._known})
            if not flushing:
                self._checkpoints.after_commit()
        # the send loop says what became of every text it was given (to_send)
        outcomes = {d.key: ob.outcome_of(dec, d) for d, dec, _ in planned if dec.action != ob.SEND}
        delivery = None
        if to_send:
            _ACTIVE.add(self.token)
            try:
                delivery = dl.deliver(to_send, claim=self.claim, claim_many=self.claim_many, record=self.record,
                                      record_handed_over=self.record_handed_over, provider=self.provider,
                                      now=self.clock, policy=self.rules.retry,
                                      call_deadline=_call_deadline(self.provider),
                                      stop_at=self.started + self.run_time)
            finally:
                try:
                    self._give_back_unsent(delivery)
                finally:
                    _ACTIVE.discard(self.token)
                    self.provider.close()
            if flushing:  # now, not beside the handover's fsyncs (the copy's writes slowed them by 0.5 s)
                self._checkpoints.after_commit()
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
        """The draft's text. Texts are shared between drafts whose template variables are the same
        (Rendered is frozen): 80,000 reminders of one shop and cut-off are a handful of texts."""
        from .templates import render

        memo = self.__dict__.setdefault("_texts", {})
        same = tuple(map(draft.values.get, self.template.params))
        found = memo.get(same)
        if found is None:
            found = memo[same] = render(self.template, draft.values, sign_name=self.sign_name)
        return found

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
        from ..errors import LockedError

        try:
            return self._claim(draft)
        except LockedError as exc:
            raise dl.Busy(exc.message) from None

    def _claim_with_plan(self, changes, to_send: list[ob.Draft], recorded: dict, now: datetime) -> dict:
        """For a provider that hands texts over only on flush(), while nobody else has written since
        this run began planning: the plan's sends are claimed in the plan's own transaction (the
        plan's decisions are what a re-check would find), so a text costs one write before the
        provider, not two. New messages are inserted `sending`; recorded ones are claimed by the
        usual conditional UPDATE. Returns {key: Claim} of what this run now holds."""
        sending = {d.key for d in to_send}
        rendered = self._rendered
        at = self.iso(self.clock())
        last = q.last_message_id(self.db)
        q.save_plan(self.db, (self.record_of(d, dec, rendered.get(d.key), now) for d, dec in changes
                              if d.key not in sending or d.key in recorded))
        fresh = [d for d in to_send if d.key not in recorded]
        inserted, ids = q.insert_claimed(self.db, self._claimed_texts(fresh), purpose=self.job.purpose,
                                         sms_class=self.template.sms_class, template_code=self.template.code,
                                         planned_at=self.iso(now), claimed_by=self.token,
                                         provider=self.provider.name, at=at)
        again = [d for d in to_send if d.key in recorded]
        taken = q.claim_many(self.db, [self._claim_row(d) for d in again], claimed_by=self.token,
                             provider=self.provider.name, at=at, known=self._known) if again else {}
        if inserted == len(fresh) and ids is not None:
            taken.update({d.key: (message_id, 1) for d, message_id in zip(fresh, ids)})
        elif inserted == len(fresh):
            taken.update({k: ids for k, ids in q.message_ids_after(self.db, last, sending_only=True).items()
                          if k in sending and k not in taken})
        else:  # cannot happen under the write lock with nothing written since; read what is held
            taken = q.held_by(self.db, self.token)
        return {c.draft.key: c for c in self._claims_of(to_send, taken)}

    def _claimed_texts(self, drafts: list[ob.Draft]):
        """What record_of() says of each draft about to be claimed, as q.insert_claimed takes it.
        A run's texts share a handful of Rendered objects (render()), so each one's variables are
        encoded once."""
        rendered = self._rendered
        encoded: dict[int, str] = {}
        for d in drafts:
            text = rendered[d.key]
            params = encoded.get(id(text))
            if params is None:
                params = encoded[id(text)] = q.params_json(text.params)
            yield (d.key, d.order_id, q.ids_json(d.order_ids), d.step, d.buyer, d.phone or d.shown_phone, params,
                   text.text, text.parts)

    def _give_back_unsent(self, delivery) -> None:
        """Texts claimed with the plan that the send loop never handed to the provider (the run's
        time was up, the provider stopped it, it ended by an error): back to `queued`, so the next
        run sends them; nothing of them reached a provider."""
        left = self._preclaimed
        if not left:
            return
        self._preclaimed = {}
        outcomes = delivery.outcomes if delivery else {}
        self.record([(claim, ob.Settlement(ob.QUEUED, "queued", getattr(outcomes.get(key), "reason", None)))
                     for key, claim in left.items()])

    def claim_many(self, drafts: list[ob.Draft]) -> list:
        """claim() for a batch in one transaction: for a provider that hands texts over only on
        flush() (the file provider), where nothing leaves before every claim is on disk. Each
        message is re-checked and decided as claim() would, caps counting the batch's own claims."""
        from ..errors import LockedError

        if self._preclaimed is not None:  # claimed with the plan (_claim_with_plan)
            return [self._preclaimed.pop(d.key, None) or ob.Outcome("done", draft=d) for d in drafts]
        try:
            moment = self.clock()
            with write_transaction(self.db, wait=self.lock_wait):
                if q.data_version(self.db) == getattr(self, "planned_version", None):
                    # Nobody has written since this run planned (its own writes do not count): a
                    # re-check would find the very drafts and decisions the plan made, caps
                    # included (the plan counted each send it decided). Take them as they are.
                    return self._claim_planned(drafts, moment)
                fresh = self.job.recheck_many(self.db, drafts, moment)
                alive = [f for f in fresh.values() if f is not None]
                existing = q.messages_by_key(self.db, [f.key for f in alive])
                ctx = self.context(alive, moment)
                return [self._claim_fresh(d, fresh.get(d.key), existing.get(fresh[d.key].key) if fresh.get(d.key)
                                          else None, ctx, moment) for d in drafts]
        except LockedError as exc:
            raise dl.Busy(exc.message) from None

    def _claim_row(self, d: ob.Draft) -> dict:
        text = self._rendered[d.key]
        return {"key": d.key, "phone": d.phone, "text": text.text, "params": text.params,
                "template_code": self.template.code, "parts": text.parts, "order_ids": d.order_ids}

    def _claim_planned(self, drafts: list[ob.Draft], moment) -> list:
        taken = q.claim_many(self.db, [self._claim_row(d) for d in drafts], claimed_by=self.token,
                             provider=self.provider.name, at=self.iso(moment), known=getattr(self, "_known", None))
        return self._claims_of(drafts, taken)

    def _claims_of(self, drafts: list[ob.Draft], taken: dict) -> list:
        """A Claim for each draft this run holds ({key: (message_id, attempts)}), else done."""
        out: list = []
        for d in drafts:
            if d.key not in taken:  # another run holds it
                out.append(ob.Outcome("done", draft=d))
                continue
            message_id, attempts = taken[d.key]
            text = self._rendered[d.key]
            message = OutgoingMessage(phone=d.phone, text=text.text, template_code=self.template.code,
                                      params=text.params, out_id=d.key, sign_name=text.sign_name)
            out.append(ob.Claim(message_id, self.token, attempts, message, d, text.parts))
        return out

    def _claim(self, draft: ob.Draft):
        moment = self.clock()
        with write_transaction(self.db, wait=self.lock_wait):
            fresh = self.job.recheck(self.db, draft, moment)
            existing = q.messages_by_key(self.db, [fresh.key]).get(fresh.key) if fresh else None
            ctx = self.context([fresh], moment) if fresh else None
            return self._claim_fresh(draft, fresh, existing, ctx, moment)

    def _claim_fresh(self, draft: ob.Draft, fresh: ob.Draft | None, existing, ctx, moment):
        """Inside the claiming transaction: the message as the database sees it now → a Claim
        (it is `sending`, the licence to call the provider) or the Outcome it came to instead."""
        if fresh is None:
            gone = dataclasses.replace(draft, skip=ob.NOT_DUE)
            q.save_plan(self.db, [self.record_of(gone, ob.Decision(ob.SKIP, ob.NOT_DUE), None, moment)])
            return ob.Outcome("skipped", ob.NOT_DUE, draft=gone)
        decision = ob.decide(fresh, existing, ctx, self.rules, self.template.sms_class, moment)
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
        ctx.note_send(fresh, moment)  # the next claim of this batch sees this one under the caps
        attempts = (existing["attempts"] if existing else 0) + 1
        message = OutgoingMessage(phone=fresh.phone, text=rendered.text, template_code=self.template.code,
                                  params=rendered.params, out_id=fresh.key, sign_name=rendered.sign_name)
        return ob.Claim(message_id, self.token, attempts, message, fresh, rendered.parts)

    def record(self, pairs: list[tuple[ob.Claim, ob.Settlement]]) -> None:
        at = self.iso(self.clock())
        # The provider has answered: this must land whatever holds the database now, or a text
        # that went out would end `unknown`. So it waits the whole lock wait, and then some.
        with write_transaction(self.db, wait=max(self.lock_wait, 60.0)):
            q.settle_many(self.db, [
                (settled.status, settled.reason, settled.provider_id, settled.detail,
                 self.iso(settled.next_attempt_at), settled.keep_sent_at, claimed.message_id)
                for claimed, settled in pairs], claimed_by=self.token, at=at)

    def record_handed_over(self, sheets: list[tuple[str, list[int]]]) -> None:
        """record() of the sheets a flush wrote: (sheet, message ids in row order), each row `sent`."""
        at = self.iso(self.clock())
        with write_transaction(self.db, wait=max(self.lock_wait, 60.0)):
            for sheet, message_ids in sheets:
                q.settle_handed_over(self.db, sheet, message_ids, claimed_by=self.token, at=at)

    # --- what the run says -----------------------------------------------------------------------
    def report(self, planned, outcomes, rendered, recovered, delivery, to_send, now) -> Report:
        rows, counts, reasons, parts = run_rows(
            ((outcomes[d.key].draft or d, outcomes[d.key], rendered.get(d.key)) for d, _, _ in planned
             if d.key in outcomes and outcomes[d.key].action != "done"),
            [m for m in recovered if m["purpose"] == self.job.purpose], self.iso)
        stopped = delivery.stopped if delivery else None
        summary = {**counts, "parts": parts, "skipped_by_reason": dict(sorted(reasons.items())),
                   "provider": self.provider.name if self.provider else str(self.settings["sms.provider"]),
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
        if delivery and delivery.out_of_time:
            notes.append(f"the run's time (sms.run_time) was up: {delivery.out_of_time} message(s) stay queued "
                         "for the next run")
        if delivery and delivery.busy:
            notes.append(f"the database stayed busy ({delivery.busy}); the messages not yet sent stay queued "
                         "for the next run")
        if delivery and delivery.sheets:
            before = self.upload_before()
            for sheet in delivery.sheets:
                notes.append(f"wrote {sheet}: upload it on the SMS console's bulk-send page{before}")
        if self.job.purpose == "unpaid":
            summary["closable"] = reasons.get("paid_other_order", 0)
        # Exit 4 whenever a person must settle something: this run's failed or unknown texts, texts
        # of any command found orphaned and made unknown, and unknown ones still in the outbox
        # (monitoring that watches the exit code sees them until `sms reconcile` settles them).
        waiting = q.count_unknown(self.db)
        summary["unknown_in_outbox"] = waiting
        if waiting and not counts["unknown"]:
            notes.append(f"{waiting} message(s) in the outbox are `unknown`: see `shoptool sms reconcile`")
        failed = counts["failed"] + counts["unknown"] + len(others) + waiting
        exit_code = 4 if failed or stopped is not None else 5 if delivery and delivery.busy else 0
        return Report(self.job.command, rows, summary, exit_code, self.summary_line(counts, reasons, summary), notes)

    def upload_before(self) -> str:
        """Until when a sheet written now may be uploaded: texts sent from it in quiet hours would
        reach buyers at night (the console sends at once)."""
        hours = self.rules.quiet.get(self.template.sms_class)
        if hours is None or hours.start is None:
            return ""
        now = self.clock()
        start = now.replace(hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0)
        if hours.until(now) is not None:
            return f" — now is quiet hours for {self.template.sms_class} texts: upload after {hours.end:%H:%M}"
        day = "today" if start > now else "tomorrow"
        return f" before {hours.start:%H:%M} {day} (shop time; quiet hours for {self.template.sms_class} texts)"

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


def _call_deadline(provider) -> float | None:
    """Wall time one provider call may take: its own timeout and a second of grace (the http
    provider keeps to its timeout itself; the SDKs only bound each socket read)."""
    timeout = getattr(provider, "timeout", None)
    return float(timeout) + 1.0 if isinstance(timeout, (int, float)) and timeout > 0 else None
