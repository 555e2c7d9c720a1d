"""The outbox: what becomes of each message (PRODUCT §8); the send loop over it is delivery.py.
The provider and the database are injected, so these modules decide and never touch either
directly.

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
from collections.abc import Iterable, Mapping
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
