"""The send loop (PRODUCT §8): claim, send and record each text, as outbox.py decides and states
them. The provider and the database are injected (claim, record callbacks), so this module never
touches either directly; messages/runner.py gives it both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from . import rules as R
from .outbox import (
    DATABASE_BUSY,
    HANDOVER_FAILED,
    PROVIDER_STOPPED,
    QUEUED,
    RUN_TIME_UP,
    Claim,
    Draft,
    Outcome,
    Settlement,
    settle,
)
from .providers.base import SENT, UNKNOWN, SendResult


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

    A provider that stages a batch at once (stage_many), says what each sheet it wrote holds
    (handed_over) and how a row is named (row_ref), given `record_handed_over`, has each sheet's
    rows recorded `sent` in one statement: the file provider's 80,000 texts make no answer and no
    settlement each."""
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
            _record_sheets(staged, provider.handed_over(), provider.row_ref, record_handed_over, record, outcomes)
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


def _record_sheets(staged: list, sheets: list[tuple[str, list[str]]], row_ref, record_handed_over, record,
                   outcomes: dict) -> None:
    """Each written sheet's rows recorded `sent` (record_handed_over) with the outcome and detail
    settle() would give them; `row_ref(sheet, n)` is row n's (provider id, detail). A
    staged text in no sheet is `unknown` (flush() said nothing of it), as a failed flush leaves it."""
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
