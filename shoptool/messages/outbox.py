"""The outbox: what becomes of each message, and the send loop (PRODUCT §8). The provider and the
database are injected, so this module decides and never touches either directly.

The guarantee: at most one text per (purpose, order or parcel, step), ever. A message is one row,
found by its dedupe key (unique), and moves through these states:

    (new) → queued | deferred | skipped           the run's decision, revised by later runs
    (new) → sending                               a flush provider's send, claimed in the plan's own
                                                   BEGIN IMMEDIATE while nobody wrote since planning
    queued | retry | deferred | skipped → sending   claim: one conditional UPDATE in BEGIN IMMEDIATE,
                                                   committed (synchronous=FULL) before the provider call
    sending → sent | failed | unknown              the provider's answer (or a crash: see below)
    sending → retry | deferred | queued            the provider said nothing went out (retry,
                                                   defer, stop): safe to try again later

Why it holds:
- Only a claim leads to a provider call, and a claim changes the row only from a state in which
  nothing of the message reached a provider. Two runs that race take the write lock one after the
  other; the second finds `sending` (or `sent`) and its UPDATE changes nothing, so it does not send.
- `sending` is on disk before the request leaves. A run that dies after that instant — before the
  call, during it, or after the answer but before recording it — leaves `sending`; the next run
  turns it into `unknown` once the claiming process is gone, and `unknown` is never claimed:
  `shoptool sms reconcile` settles it with the provider's delivery query, or a person does.
- An answer that leaves doubt (timeout, 5xx, garbled body, an exception from the SDK) is `unknown`
  too. Only answers that say the text did not go out make a message claimable again.
- The file provider hands texts over on flush(): they stay `sending` until the sheet is written.
  Its sends may be claimed in the plan's transaction (runner._claim_with_plan): the plan read what
  a re-check would read, as long as PRAGMA data_version says no other connection committed since
  the run began planning; otherwise the plan is saved `queued` and claimed as above. Texts so
  claimed that the loop never hands over go back to `queued`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import rules as R
from .providers.base import DEFER, FAILED, RETRY, SENT, STOP, UNKNOWN, OutgoingMessage, SendResult

# Decisions of a run about one message.
SEND, WAIT, SKIP, DONE = "send", "defer", "skip", "done"
# Message states (messages.status).
QUEUED, SENDING, DEFERRED, SKIPPED = "queued", "sending", "deferred", "skipped"
CLAIMABLE = ("queued", "retry", "deferred", "skipped")
FINAL = ("sending", "sent", "failed", "unknown")  # automation never sends these again

# Reasons of the outbox itself (stable codes, as in messages.reason and JSON).
NO_PHONE = "no_phone"
INTERRUPTED = "interrupted"
PROVIDER_RETRY = "provider_retry"
PROVIDER_LIMIT = "provider_limit"
PROVIDER_STOPPED = "provider_stopped"
RETRIES_EXHAUSTED = "retries_exhausted"
HANDOVER_FAILED = "handover_failed"
NOT_DUE = "not_due"
RUN_TIME_UP = "run_time_up"  # sms.run_time passed before this message's turn: the next run sends it
DATABASE_BUSY = "database_busy"  # the database stayed locked (sms.lock_wait): the next run sends it


@dataclass(slots=True)
class Draft:
    """One message a selection (shipping.py, reminders.py) says is due, and what it knows of it."""

    purpose: str
    key: str  # dedupe key: short ASCII, the provider's out-id
    step: str
    order_ids: list[str]
    phone: str | None  # the 11-digit mobile to text; None when none can be texted
    shown_phone: str | None = None  # what the export holds, for listing an order that cannot be texted
    buyer: str | None = None  # who a per-buyer limit counts (nick, else phone)
    buyer_nick: str | None = None
    values: dict = field(default_factory=dict)  # template variables
    skip: str | None = None  # the selection's own reason not to send
    deadline: datetime | None = None  # a text after this moment is pointless (the order closes…)
    deadline_reason: str | None = None
    buyer_limit: int = 0  # texts of this purpose per buyer per 24 h; 0 = no limit
    extra: dict = field(default_factory=dict)  # row fields particular to the purpose

    @property
    def order_id(self) -> str | None:
        return self.order_ids[0] if self.order_ids else None


@dataclass(frozen=True)
class Decision:
    action: str  # send | defer | skip | done
    reason: str | None = None
    until: datetime | None = None
    status: str | None = None  # the state to record (deferred or an existing retry)


@dataclass
class Context:
    """What the database says about the phones and buyers of some drafts at one moment. A run adds
    its own sends as it plans, so a dry run shows the caps exactly as the real run meets them."""

    opt_outs: set[str] = field(default_factory=set)
    phone_sends: dict[str, list[datetime]] = field(default_factory=dict)
    buyer_sends: dict[str, list[datetime]] = field(default_factory=dict)

    def note_send(self, draft: Draft, moment: datetime) -> None:
        if draft.phone:
            self.phone_sends.setdefault(draft.phone, []).append(moment)
        if draft.buyer:
            self.buyer_sends.setdefault(draft.buyer, []).append(moment)


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def decide(draft: Draft, existing: Mapping | None, ctx: Context, rules: R.Rules, sms_class: str,
           now: datetime) -> Decision:
    """What to do with one message now. Reasons that belong to the order come first (they are what
    staff act on), then the buyer's choices and limits, then waiting."""
    if existing is not None and existing["status"] not in CLAIMABLE:
        return _DONE
    if draft.skip:
        return _skip(draft.skip)
    if not draft.phone:
        return _skip(NO_PHONE)
    if R.opted_out(draft.phone, ctx.opt_outs):
        return _skip(R.OPTED_OUT)
    if draft.buyer and R.limit_reached(now, ctx.buyer_sends.get(draft.buyer, ()), draft.buyer_limit):
        return _skip(R.BUYER_REMINDED)
    waiting = None
    if existing is not None and existing["status"] in ("retry", DEFERRED):
        until = _when(existing.get("next_attempt_at"))
        if until is not None and until > now:
            waiting = Decision(WAIT, existing.get("reason"), until, existing["status"])
    if waiting is None:
        held = rules.hold(sms_class, now, ctx.phone_sends.get(draft.phone, ()))
        if held is not None:
            waiting = Decision(WAIT, held[0], held[1], DEFERRED)
    if waiting is not None:
        if draft.deadline is not None and waiting.until >= draft.deadline:
            return Decision(SKIP, draft.deadline_reason or waiting.reason)
        return waiting
    return _SEND


# Decisions are frozen: the common ones are shared, not made again for each of 80,000 messages.
_DONE, _SEND = Decision(DONE), Decision(SEND)
_SKIPS: dict[str, Decision] = {}


def _skip(reason: str) -> Decision:
    found = _SKIPS.get(reason)
    if found is None:
        found = Decision(SKIP, reason)
        if len(_SKIPS) < 100:  # the selections' reason codes; never grows with the data
            _SKIPS[reason] = found
    return found


# --- the provider's answer ----------------------------------------------------------------------

@dataclass(slots=True)
class Settlement:
    status: str
    action: str  # for the run's rows: sent | deferred | queued | failed | unknown
    reason: str | None = None
    next_attempt_at: datetime | None = None
    provider_id: str | None = None
    detail: str | None = None
    keep_sent_at: bool = False  # the text may be with the buyer: its moment counts towards caps
    stop: bool = False


def backoff(attempts: int, policy: R.RetryPolicy | None = None) -> timedelta:
    return (policy or R.RetryPolicy()).wait(attempts)


def _later(now: datetime, wait: timedelta) -> datetime:
    try:
        return now + wait
    except OverflowError:  # cannot happen with bounded waits; a run must still never crash on one
        return now + MAX_PROVIDER_WAIT


MAX_PROVIDER_WAIT = timedelta(days=1)


def settle(result: SendResult, *, attempts: int, now: datetime, policy: R.RetryPolicy | None = None,
           deadline: datetime | None = None, max_attempts: int | None = None) -> Settlement:
    """The provider's answer → the message's next state (providers/base.py classes the answers).
    A refusal for now is retried on the policy's schedule until the message's deadline."""
    policy = policy or R.RetryPolicy()
    if max_attempts is not None:
        policy = R.RetryPolicy(policy.schedule, policy.max_wait, max_attempts)
    detail = result.detail or None
    if result.outcome == SENT:
        return Settlement("sent", "sent", None, None, result.provider_id, detail, keep_sent_at=True)
    if result.outcome == UNKNOWN:
        return Settlement("unknown", "unknown", result.code or "no_answer", None, result.provider_id, detail,
                          keep_sent_at=True)
    if result.outcome == FAILED:
        return Settlement("failed", "failed", result.code or "provider_refused", None, None, detail)
    asked = _asked(result.retry_after)
    if result.outcome == RETRY:
        until = _later(now, policy.wait(attempts, asked))
        if deadline is not None and until >= deadline:
            # One last try just before the deadline, unless it is that close already.
            until = deadline - R.MINUTE
            if until <= now:
                return Settlement("failed", "failed", RETRIES_EXHAUSTED, None, None,
                                  _joined(detail, "refused until the message's deadline"))
        if policy.exhausted(attempts):
            return Settlement("failed", "failed", RETRIES_EXHAUSTED, None, None, detail)
        return Settlement("retry", "deferred", PROVIDER_RETRY, until, None, detail)
    if result.outcome == DEFER:
        wait = timedelta(seconds=asked) if asked else timedelta(hours=1)
        return Settlement(DEFERRED, "deferred", PROVIDER_LIMIT, _later(now, wait), None, detail)
    if result.outcome == STOP:
        return Settlement(QUEUED, "queued", PROVIDER_STOPPED, None, None, detail, stop=True)
    raise ValueError(f"unknown send outcome {result.outcome!r}")


def _asked(seconds) -> float | None:
    """A provider's wait in seconds, whatever the adapter passed: a finite number in (0, 1 day]."""
    import math

    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        return None
    return min(float(seconds), MAX_PROVIDER_WAIT.total_seconds())


def _joined(detail: str | None, more: str) -> str:
    return f"{detail}; {more}" if detail else more


# --- the send loop ------------------------------------------------------------------------------

@dataclass(slots=True)
class Claim:
    """A message this run holds in `sending`: the only licence to call the provider."""

    message_id: int
    claimed_by: str
    attempts: int
    message: OutgoingMessage
    draft: Draft
    parts: int


@dataclass(slots=True)
class Outcome:
    action: str
    reason: str | None = None
    until: datetime | None = None
    message_id: int | None = None
    draft: Draft | None = None  # the draft as re-checked at claim time
    detail: str | None = None


@dataclass
class Delivery:
    outcomes: dict[str, Outcome]
    stopped: SendResult | None = None
    sheets: list = field(default_factory=list)
    out_of_time: int = 0  # messages left queued because the run's time was up
    busy: str | None = None  # the database stayed locked: the rest left queued


class Busy(Exception):
    """claim() could not get the database within the run's lock wait (an import holds it)."""


def deliver(
    drafts: Sequence[Draft],
    *,
    claim: Callable[[Draft], Claim | Outcome],
    record: Callable[[list[tuple[Claim, Settlement]]], None],
    claim_many: Callable[[list[Draft]], list[Claim | Outcome]] | None = None,
    record_handed_over: Callable[[list[tuple[str, list[int]]]], None] | None = None,
    provider,
    now: Callable[[], datetime],
    policy: R.RetryPolicy | None = None,
    max_attempts: int | None = None,
    call_deadline: float | None = None,
    stop_at: float | None = None,
) -> Delivery:
    """Claim, send and record each draft in turn. `claim` re-checks the message against the
    database inside its transaction and returns a Claim, or the Outcome it came to instead.

    Every wait is bounded: one provider call gets `call_deadline` seconds of wall time (then it is
    abandoned as `unknown`), and no message is claimed after `stop_at` (time.monotonic()): those
    stay queued for the next run. A claim that cannot get the database (Busy) ends the loop the
    same way; an answer once had is always recorded (`record` waits as long as it must).

    A provider that stages a batch at once (stage_many) and says what each sheet it wrote holds
    (handed_over), given `record_handed_over`, has each sheet's rows recorded `sent` in one
    statement: the file provider's 80,000 texts make no answer and no settlement each."""
    import time

    policy = policy or R.RetryPolicy()
    if max_attempts is not None:
        policy = R.RetryPolicy(policy.schedule, policy.max_wait, max_attempts)
    outcomes: dict[str, Outcome] = {}
    staged: list[tuple[Claim, SendResult]] = []
    stopped: SendResult | None = None
    busy: str | None = None
    out_of_time = 0
    # A provider that hands texts over only on flush() may have a whole batch claimed in one
    # transaction (nothing leaves before flush); any other gets one claim, one commit, per text.
    batch = CLAIM_BATCH if claim_many is not None and getattr(provider, "hands_over_on_flush", False) else 1
    claimed: list[tuple[Draft, Claim | Outcome]] = []
    staging = batch > 1 and record_handed_over is not None and callable(getattr(provider, "stage_many", None))
    for start in range(0, len(drafts), batch):
        chunk = list(drafts[start:start + batch])
        if stopped is not None or busy is not None:
            for draft in chunk:
                outcomes[draft.key] = Outcome("queued", PROVIDER_STOPPED if stopped is not None else DATABASE_BUSY,
                                              draft=draft)
            continue
        if stop_at is not None and time.monotonic() >= stop_at:
            for draft in chunk:
                outcomes[draft.key] = Outcome("queued", RUN_TIME_UP, draft=draft)
            out_of_time += len(chunk)
            continue
        try:
            claimed = list(zip(chunk, claim_many(chunk) if batch > 1 else [claim(chunk[0])]))
        except Busy as exc:
            busy = str(exc) or "the database is busy"
            for draft in chunk:
                outcomes[draft.key] = Outcome("queued", DATABASE_BUSY, draft=draft)
            continue
        if staging and stopped is None:
            stopped = _stage(claimed, provider, outcomes, staged, record, now, policy)
            continue
        for draft, got in claimed:
            if stopped is not None and isinstance(got, Claim):  # claimed in this batch, never sent: give it back
                record([(got, Settlement(QUEUED, "queued", PROVIDER_STOPPED, detail=stopped.detail or None))])
                outcomes[draft.key] = Outcome("queued", PROVIDER_STOPPED, draft=got.draft)
                continue
            stopped = _send_one(draft, got, provider, outcomes, staged, record, now, policy, call_deadline) or stopped
    sheets: list = []
    if staged:
        try:
            sheets = provider.flush()
        except BaseException:
            # Some sheets may be written, some not: the handover log tells reconcile which.
            record([(c, Settlement("unknown", "unknown", HANDOVER_FAILED, keep_sent_at=True,
                                   detail="writing the upload sheet failed")) for c, _ in staged])
            raise
        if staging:
            _record_sheets(staged, provider.handed_over(), record_handed_over, record, outcomes)
        else:
            moment = now()
            settled_all = [(c, _handed_over(r) if r.outcome == SENT else
                            settle(r, attempts=c.attempts, now=moment, policy=policy, deadline=c.draft.deadline))
                           for c, r in staged]
            record(settled_all)
            for c, s in settled_all:
                outcomes[c.draft.key] = Outcome(s.action, s.reason, None, c.message_id, c.draft, s.detail)
    return Delivery(outcomes, stopped, sheets, out_of_time, busy)


def _stage(claimed: list[tuple[Draft, Claim | Outcome]], provider, outcomes: dict, staged: list, record, now,
           policy) -> SendResult | None:
    """A claimed batch to provider.stage_many(): the staged claims join `staged` (with no answer of
    their own: the sheets say what was handed over), each refusal is recorded as _send_one would.
    Returns the refusal that stops the run, if one does (its batch is staged all the same: nothing
    of it leaves before flush)."""
    claims = []
    for draft, got in claimed:
        if isinstance(got, Outcome):
            outcomes[draft.key] = got
        else:
            claims.append(got)
    if not claims:
        return None
    try:
        refused = provider.stage_many([c.message for c in claims])
    except Exception as exc:  # noqa: BLE001  an adapter bug: what it staged is flushed, the rest may be
        refused = {n: SendResult(UNKNOWN, code=type(exc).__name__, detail="the provider call raised; it may have sent")
                   for n in range(len(claims))}
    stopped = None
    answered = []
    for n, result in refused.items():
        got = claims[n]
        settled = settle(result, attempts=got.attempts, now=now(), policy=policy, deadline=got.draft.deadline)
        answered.append((got, settled))
        outcomes[got.draft.key] = Outcome(settled.action, settled.reason, settled.next_attempt_at, got.message_id,
                                          got.draft, settled.detail)
        if settled.stop and stopped is None:
            stopped = result
    if answered:
        record(answered)
    staged.extend((c, None) for n, c in enumerate(claims) if n not in refused)
    return stopped


def _record_sheets(staged: list, sheets: list[tuple[str, list[str]]], record_handed_over, record,
                   outcomes: dict) -> None:
    """Each written sheet's rows recorded `sent` (record_handed_over) with the outcome and detail
    settle() would give them; row n is provider id f"{sheet}#{n}" (providers/file.row_ref). A
    staged text in no sheet is `unknown` (flush() said nothing of it), as a failed flush leaves it."""
    from .providers.file import row_ref

    held = {c.message.out_id: c for c, _ in staged}
    recorded = []
    for sheet, out_ids in sheets:
        claims = [held.pop(k, None) for k in out_ids]  # None: a row staged by no claim of this run
        recorded.append((sheet, [c.message_id if c else None for c in claims]))
        for row, c in enumerate(claims, start=1):
            if c is not None:
                outcomes[c.draft.key] = Outcome("sent", None, None, c.message_id, c.draft, row_ref(sheet, row)[1])
    record_handed_over(recorded)
    if held:
        lost = Settlement("unknown", "unknown", HANDOVER_FAILED, keep_sent_at=True, detail="in no sheet written")
        record([(c, lost) for c in held.values()])
        for c in held.values():
            outcomes[c.draft.key] = Outcome("unknown", HANDOVER_FAILED, None, c.message_id, c.draft, lost.detail)


def _handed_over(result: SendResult) -> Settlement:
    """settle() of a staged row the flush handed over: sent (the common case, made directly)."""
    return Settlement("sent", "sent", None, None, result.provider_id, result.detail or None, True)


# Texts claimed to one transaction for a provider that hands over on flush(): each commit is an
# fsync (synchronous=FULL), and 160 of them were a third of a cron run sending 80,000 reminders.
# A batch holds the write lock ~0.2 s; the run's time limit is checked between batches.
CLAIM_BATCH = 10_000


def _send_one(draft: Draft, got, provider, outcomes: dict, staged: list, record, now, policy,
              call_deadline) -> SendResult | None:
    """One claimed text to the provider, and its answer recorded; returns the answer if it stops
    the run. A text already stopped (the provider said stop earlier in a batch) is not sent."""
    from .providers.base import call_within

    if isinstance(got, Outcome):
        outcomes[draft.key] = got
        return None
    try:
        result = call_within(provider.send, got.message, call_deadline)
    except Exception as exc:  # noqa: BLE001  an adapter bug or an SDK surprise: it may have sent
        result = SendResult(UNKNOWN, code=type(exc).__name__, detail="the provider call raised; it may have sent")
    if result.outcome == SENT and getattr(provider, "hands_over_on_flush", False):
        staged.append((got, result))
        return None
    settled = settle(result, attempts=got.attempts, now=now(), policy=policy, deadline=got.draft.deadline)
    record([(got, settled)])
    outcomes[draft.key] = Outcome(settled.action, settled.reason, settled.next_attempt_at, got.message_id,
                                  got.draft, settled.detail)
    return result if settled.stop else None


def outcome_of(decision: Decision, draft: Draft) -> Outcome:
    action = {SKIP: "skipped", WAIT: "deferred", DONE: "done", SEND: "queued"}[decision.action]
    return Outcome(action, decision.reason, decision.until, draft=draft)


def status_of(decision: Decision) -> str:
    """The state a planned decision is recorded in."""
    if decision.action == SEND:
        return QUEUED
    if decision.action == WAIT:
        return decision.status or DEFERRED
    return SKIPPED


def plan_changes(pairs: Iterable[tuple[Draft, Decision, Mapping | None]]) -> list[tuple[Draft, Decision]]:
    """The decisions that differ from what is recorded: a cron run that sees nothing new writes nothing."""
    changed = []
    for draft, decision, existing in pairs:
        if decision.action == DONE:
            continue
        if existing is not None:
            same = (existing["status"] == status_of(decision)
                    and existing.get("reason") == decision.reason
                    and _when(existing.get("next_attempt_at")) == decision.until
                    and existing.get("phone") == (draft.phone or draft.shown_phone)
                    and _ids(existing.get("order_ids")) == list(draft.order_ids))
            if same:
                continue
        changed.append((draft, decision))
    return changed


def _ids(value) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])
