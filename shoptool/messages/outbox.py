"""The outbox: what becomes of each message, and the send loop (PRODUCT §8). The provider and the
database are injected, so this module decides and never touches either directly.

The guarantee: at most one text per (purpose, order or parcel, step), ever. A message is one row,
found by its dedupe key (unique), and moves through these states:

    (new) → queued | deferred | skipped           the run's decision, revised by later runs
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

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


@dataclass
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
        return Decision(DONE)
    if draft.skip:
        return Decision(SKIP, draft.skip)
    if not draft.phone:
        return Decision(SKIP, NO_PHONE)
    if R.opted_out(draft.phone, ctx.opt_outs):
        return Decision(SKIP, R.OPTED_OUT)
    if draft.buyer and R.limit_reached(now, ctx.buyer_sends.get(draft.buyer, ()), draft.buyer_limit):
        return Decision(SKIP, R.BUYER_REMINDED)
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
    return Decision(SEND)


# --- the provider's answer ----------------------------------------------------------------------

@dataclass(frozen=True)
class Settlement:
    status: str
    action: str  # for the run's rows: sent | deferred | queued | failed | unknown
    reason: str | None = None
    next_attempt_at: datetime | None = None
    provider_id: str | None = None
    detail: str | None = None
    keep_sent_at: bool = False  # the text may be with the buyer: its moment counts towards caps
    stop: bool = False


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def settle(result: SendResult, *, attempts: int, max_attempts: int, now: datetime) -> Settlement:
    """The provider's answer → the message's next state (providers/base.py classes the answers)."""
    detail = result.detail or None
    wait = timedelta(seconds=result.retry_after) if result.retry_after else None
    if result.outcome == SENT:
        return Settlement("sent", "sent", None, None, result.provider_id, detail, keep_sent_at=True)
    if result.outcome == UNKNOWN:
        return Settlement("unknown", "unknown", result.code or "no_answer", None, result.provider_id, detail,
                          keep_sent_at=True)
    if result.outcome == FAILED:
        return Settlement("failed", "failed", result.code or "provider_refused", None, None, detail)
    if result.outcome == RETRY:
        if attempts >= max_attempts:
            return Settlement("failed", "failed", RETRIES_EXHAUSTED, None, None, detail)
        until = now + max(wait or timedelta(0), backoff(attempts))
        return Settlement("retry", "deferred", PROVIDER_RETRY, until, None, detail)
    if result.outcome == DEFER:
        return Settlement(DEFERRED, "deferred", PROVIDER_LIMIT, now + (wait or timedelta(hours=1)), None, detail)
    if result.outcome == STOP:
        return Settlement(QUEUED, "queued", PROVIDER_STOPPED, None, None, detail, stop=True)
    raise ValueError(f"unknown send outcome {result.outcome!r}")


# --- the send loop ------------------------------------------------------------------------------

@dataclass
class Claim:
    """A message this run holds in `sending`: the only licence to call the provider."""

    message_id: int
    claimed_by: str
    attempts: int
    message: OutgoingMessage
    draft: Draft
    parts: int


@dataclass
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


def deliver(
    drafts: Sequence[Draft],
    *,
    claim: Callable[[Draft], Claim | Outcome],
    record: Callable[[list[tuple[Claim, Settlement]]], None],
    provider,
    now: Callable[[], datetime],
    max_attempts: int,
) -> Delivery:
    """Claim, send and record each draft in turn. `claim` re-checks the message against the
    database inside its transaction and returns a Claim, or the Outcome it came to instead."""
    outcomes: dict[str, Outcome] = {}
    staged: list[tuple[Claim, SendResult]] = []
    stopped: SendResult | None = None
    for draft in drafts:
        if stopped is not None:
            outcomes[draft.key] = Outcome("queued", PROVIDER_STOPPED, draft=draft)
            continue
        got = claim(draft)
        if isinstance(got, Outcome):
            outcomes[draft.key] = got
            continue
        try:
            result = provider.send(got.message)
        except Exception as exc:  # noqa: BLE001  an adapter bug or an SDK surprise: it may have sent
            result = SendResult(UNKNOWN, code=type(exc).__name__, detail="the provider call raised; it may have sent")
        if result.outcome == SENT and getattr(provider, "hands_over_on_flush", False):
            staged.append((got, result))
            continue
        settled = settle(result, attempts=got.attempts, max_attempts=max_attempts, now=now())
        record([(got, settled)])
        outcomes[draft.key] = Outcome(settled.action, settled.reason, settled.next_attempt_at, got.message_id,
                                      got.draft, settled.detail)
        if settled.stop:
            stopped = result
    sheets: list = []
    if staged:
        try:
            sheets = provider.flush()
        except BaseException:
            # Some sheets may be written, some not: the handover log tells reconcile which.
            record([(c, Settlement("unknown", "unknown", HANDOVER_FAILED, keep_sent_at=True,
                                   detail="writing the upload sheet failed")) for c, _ in staged])
            raise
        moment = now()
        settled_all = [(c, settle(r, attempts=c.attempts, max_attempts=max_attempts, now=moment)) for c, r in staged]
        record(settled_all)
        for c, s in settled_all:
            outcomes[c.draft.key] = Outcome(s.action, s.reason, None, c.message_id, c.draft, s.detail)
    return Delivery(outcomes, stopped, sheets)


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
