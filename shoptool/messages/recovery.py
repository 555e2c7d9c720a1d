"""Messages whose fate is in doubt: a claim left `sending` by a run that is gone becomes
`unknown` (recover), and an `unknown` one is settled by asking its provider (reconcile).
Whether a claimer still runs is read from its pid and start time, never from a lock.
"""

from __future__ import annotations

import os
from datetime import datetime

from .. import clock
from ..db import outbox as q
from ..db.connect import write_transaction
from . import outbox as ob
from .provider_setup import build_provider
from .providers.base import OutgoingMessage

# Claims of runs alive in this process (a test or an agent may run several, one after another).
_ACTIVE: set[str] = set()


def recover(db, at: str, *, wait: float | None = None) -> list[dict]:
    """Messages left `sending` by a run that is gone become `unknown`: the provider may or may not
    have them, and only its delivery query or a person can tell. A claim of a live run (another
    command, overlapping this one) is left alone."""
    orphans = [m for m in q.sending(db) if not claimer_alive(m.get("claimed_by"))]
    if not orphans:
        return []
    done = []
    with write_transaction(db, wait=wait):
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
        name = message["provider"] or str(settings["sms.provider"])
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
                                   params=json.loads(message["params"] or "{}"),
                                   out_id=message.get("out_id") or message["dedupe_key"],  # m007 rekeyed
                                   sign_name=str(settings["sms.sign_name"]))
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
