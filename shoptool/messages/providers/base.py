"""What every provider takes and answers, so the outbox never sees an SDK type.

Outcomes of one send, and what the outbox does with each (PRODUCT §8):

- ``sent``     the provider accepted the text: store ``provider_id``, status ``sent``.
- ``retry``    refused before it was taken on (throttling, connection refused): nothing went out.
               Status ``retry``; next attempt after ``retry_after`` or the outbox's own backoff.
- ``defer``    a per-number limit at the provider: nothing went out. Try this message later
               (``retry_after`` estimates when); the rest of the run goes on.
- ``stop``     the account cannot send (balance, day/month limit, disabled, bad keys): nothing went
               out. Leave this message queued, send nothing more this run, exit 4.
- ``failed``   permanent for this message (bad number, template, signature): nothing went out.
- ``unknown``  the request may have reached the provider and the answer was lost or ambiguous
               (timeout after sending, 5xx, system error): never resend automatically; settle it
               with ``query`` (``shoptool sms reconcile``) or list it for a person.

Only ``sent`` and ``unknown`` can mean a text reached a buyer. The file provider answers ``sent``
at send() for a staged row; it is handed over only when flush() returns (``hands_over_on_flush``).

Reconcile (``query``) answers for an ``unknown`` message: ``delivered`` or ``sent`` (the provider
has it) → ``sent``; ``failed`` (the provider took it, the carrier did not deliver) → ``failed``;
``not_found`` (the provider has no record, asked long enough after the attempt) → it never went
out: ``failed`` with that reason, for a person to queue again if still wanted; ``unknown`` → stays
``unknown`` and is listed for a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from ...phones import mask_phone, mask_phones_in_text, normalise_mobile

SENT = "sent"
RETRY = "retry"
DEFER = "defer"
STOP = "stop"
FAILED = "failed"
UNKNOWN = "unknown"
OUTCOMES = (SENT, RETRY, DEFER, STOP, FAILED, UNKNOWN)

# Query (reconcile) answers.
DELIVERED = "delivered"  # the handset confirmed receipt
NOT_FOUND = "not_found"  # the provider has no record of this out-id: it never went out
QUERY_STATUSES = (DELIVERED, SENT, FAILED, NOT_FOUND, UNKNOWN)

# A provider's records lag the send by seconds to minutes; "no record" is only believed after this.
QUERY_SETTLE_SECONDS = 300


def scrub(text: object, *secrets: str | None, limit: int = 240) -> str:
    """Provider text made safe for `detail`, logs and errors: phones masked, secrets cut out.

    SDK exception texts carry the request URL, and for Aliyun that includes PhoneNumbers.
    """
    out = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "****")
    out = mask_phones_in_text(out)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One text to one buyer.

    ``text`` is the full text as the buyer sees it, signature included (templates.render);
    ``params`` are the template variables in template order (Tencent's are positional);
    ``out_id`` is the outbox's dedupe key, passed as the provider's out-id (Aliyun OutId,
    Tencent SessionContext, the http contract's out_id) so a query can find it again.
    """

    phone: str
    text: str
    template_code: str
    params: Mapping[str, str]
    out_id: str
    sign_name: str = ""

    def __repr__(self) -> str:  # tracebacks and logs never carry the full number
        return (
            f"OutgoingMessage(phone={mask_phone(self.phone)!r}, template_code={self.template_code!r}, "
            f"out_id={self.out_id!r}, chars={len(self.text)})"
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: str
    provider_id: str | None = None
    code: str | None = None  # the provider's own code (isv.BUSINESS_LIMIT_CONTROL, http_503, …)
    detail: str = ""  # short, for staff and logs: no secrets, no full phone
    retry_after: float | None = None  # seconds, when the provider says or the code implies it

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown send outcome {self.outcome!r}")

    @property
    def maybe_sent(self) -> bool:
        """Whether a buyer may have the text: only these must never be sent again."""
        return self.outcome in (SENT, UNKNOWN)


@dataclass(frozen=True, slots=True)
class QueryResult:
    status: str
    provider_id: str | None = None
    code: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in QUERY_STATUSES:
            raise ValueError(f"unknown query status {self.status!r}")


@runtime_checkable
class Provider(Protocol):
    name: str
    # True when send() only stages the text and flush() hands it over (the file provider): the
    # outbox commits `sent` for those messages only after flush() returns.
    hands_over_on_flush: bool

    def send(self, message: OutgoingMessage) -> SendResult: ...

    def flush(self) -> list[Path]: ...

    def query(
        self,
        message: OutgoingMessage,
        *,
        sent_at: datetime,
        provider_id: str | None = None,
        now: datetime | None = None,
    ) -> QueryResult: ...

    def close(self) -> None: ...


class BaseProvider:
    """Defaults shared by the adapters: nothing to flush, nothing to close, no query."""

    name = "base"
    hands_over_on_flush = False

    def __repr__(self) -> str:  # subclasses hold keys: show only what is safe
        return f"<{type(self).__name__} {self.name}>"

    def flush(self) -> list[Path]:
        return []

    def close(self) -> None:
        pass

    def query(self, message, *, sent_at, provider_id=None, now=None) -> QueryResult:
        return QueryResult(UNKNOWN, provider_id, detail=f"{self.name} has no delivery query; check by hand")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def call_within(send, message: OutgoingMessage, seconds: float | None) -> SendResult:
    """send(message) given at most `seconds` of wall time. An SDK stuck in a read (a gateway that
    trickles its answer, one that never answers) cannot hold the run: past the deadline the call
    is abandoned to its thread, which ends with its socket, and the answer is `unknown` (the
    request may have arrived). None or 0: no watchdog (the file provider)."""
    if not seconds:
        return send(message)
    import threading

    box: dict = {}

    def call() -> None:
        try:
            box["result"] = send(message)
        except BaseException as exc:  # noqa: BLE001  handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=call, name="sms-provider-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return SendResult(UNKNOWN, code="timeout", detail=f"no complete answer within {seconds:g}s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def check_phone(message: OutgoingMessage) -> SendResult | None:
    """A local refusal for a number no provider could deliver to; nothing is sent."""
    if normalise_mobile(message.phone) != message.phone:
        return SendResult(FAILED, code="invalid_phone", detail=f"not an 11-digit mobile: {mask_phone(message.phone)}")
    return None


def too_recent(sent_at: datetime, now: datetime | None) -> bool:
    now = now or datetime.now(sent_at.tzinfo)
    return (now - sent_at).total_seconds() < QUERY_SETTLE_SECONDS


_NOT_SENT_ERRORS = frozenset(
    {
        # The connection was never made, so no request reached anyone: safe to try again.
        "ConnectionRefusedError",
        "NewConnectionError",
        "NameResolutionError",
        "ConnectTimeoutError",
        "ConnectTimeout",
        "gaierror",
    }
)


def never_connected(exc: BaseException) -> bool:
    """Whether an SDK's network error happened before any byte of the request left.

    SDKs wrap the cause two or three times (Aliyun: UnretryableException → RetryError →
    requests.ConnectionError → MaxRetryError → NewConnectionError), so walk the whole chain.
    A reset or timeout after connecting is not in the list: the request may have arrived.
    """
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        cur = todo.pop()
        if not isinstance(cur, BaseException) or id(cur) in seen or len(seen) > 32:
            continue
        seen.add(id(cur))
        if any(cls.__name__ in _NOT_SENT_ERRORS for cls in type(cur).__mro__):
            return True
        todo.extend([cur.__cause__, cur.__context__, getattr(cur, "inner_exception", None),
                     getattr(cur, "reason", None), *[a for a in cur.args if isinstance(a, BaseException)]])
    return False


def timed_out(exc: BaseException) -> bool:
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        cur = todo.pop()
        if not isinstance(cur, BaseException) or id(cur) in seen or len(seen) > 32:
            continue
        seen.add(id(cur))
        if isinstance(cur, TimeoutError) or "Timeout" in type(cur).__name__:
            return True
        todo.extend([cur.__cause__, cur.__context__, getattr(cur, "inner_exception", None),
                     getattr(cur, "reason", None)])
    return False


# No provider's word makes a message wait longer than this: a per-number day limit lifts by midnight.
MAX_PROVIDER_WAIT = 86_400.0
_EPOCH_SECONDS = 1e9  # 2001-09-09: a "wait" this long can only be a moment since 1970
_EPOCH_MILLIS = 1e11


def bounded_wait(value, *, now: float | None = None) -> float | None:
    """A wait a provider asked for (seconds), made safe to add to a moment: not a number, NaN,
    infinite or negative → None (the outbox's own backoff applies); a figure that can only be an
    epoch (seconds or milliseconds since 1970, as some gateways send) → the time left until it;
    anything longer than MAX_PROVIDER_WAIT → that. Never raises."""
    import math
    import time

    try:
        wait = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(wait) or wait < 0:
        return None
    if wait >= _EPOCH_SECONDS:
        epoch = wait / 1000 if wait >= _EPOCH_MILLIS else wait
        wait = max(0.0, epoch - (time.time() if now is None else now))
    return min(wait, MAX_PROVIDER_WAIT)


def seconds(value) -> float:
    """'5s', '500ms', 5 → seconds; the shop's settings write durations as text."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower()
    if text.endswith("ms") and text[:-2].strip().replace(".", "", 1).isdigit():
        return float(text[:-2]) / 1000
    from ... import clock  # lazily: only a provider being built needs it

    return clock.parse_duration(text).total_seconds()


def seconds_until(hour: int, now: datetime | None = None) -> float:
    """Seconds until the next HH:00 in China time, where providers' daily limits reset."""
    from datetime import timedelta, timezone

    china = timezone(timedelta(hours=8))
    current = (now or datetime.now(china)).astimezone(china)
    target = current.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= current:
        target += timedelta(days=1)
    return (target - current).total_seconds()


def split_endpoint(endpoint: str, default: str) -> tuple[str, str]:
    """'http://127.0.0.1:8025' → ('127.0.0.1:8025', 'http'); a bare host means https."""
    text = (endpoint or default).strip().rstrip("/")
    if "://" in text:
        scheme, _, host = text.partition("://")
        return host, scheme.lower()
    return text, "https"


def sdk_missing(provider: str, package: str) -> Exception:
    from ...errors import ConfigError

    return ConfigError(
        f"sms.provider is {provider!r} but its SDK ({package}) is not installed",
        hint=f"pip install 'shoptool[{provider}]'",
    )
