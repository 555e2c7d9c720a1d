"""The generic http provider: POST one JSON message to a gateway of the shop's own.

Request: POST {url} with JSON {"phone", "text", "template_code", "params", "out_id"}; `phone` is
the 11-digit mobile without country code, `text` the full text with its 【signature】. Headers:
`Idempotency-Key: <out_id>` (a gateway may dedupe on it) and `Authorization: Bearer <token>`
when a token is configured.

How answers are classed, and why:
- 2xx with a JSON object holding a non-empty "id": sent. A 2xx without one: unknown (the gateway
  took the request but did not say it sent anything).
- An error body may name a code, which wins over the status: throttled → retry; business_limit →
  defer; day_limit, month_limit, no_balance, account_disabled, unauthorized → stop; bad_number,
  bad_template, bad_signature, opted_out → failed.
- Otherwise by status: 429 and 408 → retry (refused before processing, Retry-After honoured);
  401, 402, 403 → stop (every later message would fail the same way, so marking each failed would
  burn the whole queue); other 4xx → failed; 5xx and anything else → unknown.
- No connection (refused, DNS, TLS handshake, connect timeout), or the request could not be
  written: no complete request left, so nothing can have been sent → retry. A timeout or reset
  while waiting for the answer happens after the gateway had the whole request → unknown.
- The timeout bounds the whole call in wall time (`sms.http.timeout`), not each read: a gateway
  that trickles its answer a byte at a time is cut off at the deadline (→ unknown).
- A Retry-After is bounded (base.bounded_wait): absurd figures and epochs become a deferral.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .base import (
    DEFER,
    FAILED,
    RETRY,
    SENT,
    STOP,
    UNKNOWN,
    BaseProvider,
    OutgoingMessage,
    SendResult,
    bounded_wait,
    check_phone,
    scrub,
)

_BODY_CODES = {
    "throttled": RETRY,
    "business_limit": DEFER,
    "day_limit": STOP,
    "month_limit": STOP,
    "no_balance": STOP,
    "account_disabled": STOP,
    "unauthorized": STOP,
    "bad_number": FAILED,
    "bad_template": FAILED,
    "bad_signature": FAILED,
    "opted_out": FAILED,
}
_MAX_BODY = 64 * 1024


class HttpProvider(BaseProvider):
    name = "http"

    def __init__(self, url: str, *, timeout: float = 5.0, token=None):
        from urllib.parse import urlparse

        from ...errors import ConfigError

        parsed = urlparse(url or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"sms.http.url must be an http(s) URL, got {url!r}")
        self.url = url
        self.timeout = timeout
        self._token = token  # a credentials.Secret or None

    def __repr__(self) -> str:
        return f"<HttpProvider {self.url} timeout={self.timeout}s token={'set' if self._token else 'none'}>"

    def send(self, message: OutgoingMessage) -> SendResult:
        import http.client
        import threading
        from urllib.parse import urlparse

        refused = check_phone(message)
        if refused:
            return refused
        body = json.dumps(
            {
                "phone": message.phone,
                "text": message.text,
                "template_code": message.template_code,
                "params": dict(message.params),
                "out_id": message.out_id,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": message.out_id,
            "User-Agent": "shoptool",
            "Connection": "close",
        }
        if self._token:
            headers["Authorization"] = "Bearer " + self._token.reveal()
        secret = self._token.reveal() if self._token else None
        parsed = urlparse(self.url)
        connection = (http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection)(
            parsed.hostname, parsed.port, timeout=self.timeout)
        path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
        # The timeout is the whole call's (wall time): a socket timeout alone restarts with every
        # byte, so a gateway trickling its answer could hold the run for ever. At the deadline the
        # socket is shut, which ends whatever read or write is waiting on it.
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            sock = connection.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(self.timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            try:
                connection.request("POST", path, body=body, headers=headers)
            except (OSError, http.client.HTTPException) as exc:
                # Connecting or writing the request failed: no complete request left, so the
                # gateway cannot act on it.
                what = ("connect timeout" if expired.is_set() or isinstance(exc, TimeoutError)
                        else type(exc).__name__)
                return SendResult(RETRY, code="connect_error", detail=scrub(f"{what}: {exc}", secret))
            try:
                response = connection.getresponse()
                raw = response.read(_MAX_BODY)
            except (OSError, http.client.HTTPException) as exc:
                # After the whole request went out: the gateway may have sent the text.
                if expired.is_set() or isinstance(exc, TimeoutError):
                    return SendResult(UNKNOWN, code="timeout",
                                      detail=f"no complete answer within {self.timeout:g}s after sending")
                return SendResult(UNKNOWN, code="connection_lost",
                                  detail=scrub(f"{type(exc).__name__}: {exc}", secret))
            if expired.is_set():
                return SendResult(UNKNOWN, code="timeout",
                                  detail=f"no complete answer within {self.timeout:g}s after sending")
            return self._classify(response.status, raw, response.getheader("Retry-After"), secret)
        finally:
            timer.cancel()
            connection.close()

    def _classify(self, status: int, raw: bytes, retry_after: str | None, secret: str | None) -> SendResult:
        data = _json(raw)
        wait = _retry_after(retry_after)
        if 200 <= status < 300:
            ident = data.get("id") if isinstance(data, dict) else None
            if ident not in (None, ""):
                return SendResult(SENT, provider_id=str(ident), code=f"http_{status}")
            return SendResult(UNKNOWN, code=f"http_{status}", detail="2xx answer without an id")
        code = data.get("code") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) else None
        detail = scrub(f"HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else ""), secret)
        if isinstance(code, str) and code in _BODY_CODES:
            outcome = _BODY_CODES[code]
            if outcome == DEFER and wait is None:
                wait = 3600.0  # a per-number limit rarely lifts sooner; the gateway may say otherwise
            return SendResult(outcome, code=code, detail=detail, retry_after=wait)
        if status in (429, 408):
            return SendResult(RETRY, code=f"http_{status}", detail=detail, retry_after=wait)
        if status in (401, 402, 403):
            return SendResult(STOP, code=f"http_{status}", detail=detail)
        if 400 <= status < 500:
            return SendResult(FAILED, code=f"http_{status}", detail=detail)
        return SendResult(UNKNOWN, code=f"http_{status}", detail=detail, retry_after=wait)


def _json(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or an HTTP date, bounded (base.bounded_wait): a gateway that says
    999999999999999 or an epoch in milliseconds defers a message, it never breaks the run."""
    if not value:
        return None
    value = value.strip()[:64]
    wait = bounded_wait(value)
    if wait is not None or value.replace(".", "", 1).lstrip("+-").isdigit():
        return wait
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return bounded_wait(max(0.0, (when - datetime.now(UTC)).total_seconds()))
    except OverflowError:
        return None
