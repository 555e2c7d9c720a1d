"""Aliyun SMS (dysmsapi 2017-05-25) through the official SDK, alibabacloud-dysmsapi20170525.

SendSms with OutId = the outbox's dedupe key; QuerySendDetails (per phone and day, up to 30 days
back) finds it again for reconcile. The SDK raises on HTTP errors only: a refused send comes back
as HTTP 200 with `Code` other than OK, classed here from Aliyun's published error codes
(help.aliyun.com/document_detail/101346, "API错误码").

The SDK is told never to retry (no retry options): a retried SendSms is a second text.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from .base import (
    DEFER,
    DELIVERED,
    FAILED,
    NOT_FOUND,
    RETRY,
    SENT,
    STOP,
    UNKNOWN,
    BaseProvider,
    OutgoingMessage,
    QueryResult,
    SendResult,
    bounded_wait,
    check_phone,
    never_connected,
    scrub,
    sdk_missing,
    seconds_until,
    split_endpoint,
    timed_out,
    too_recent,
)

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
CHINA = timezone(timedelta(hours=8))

CODES = {
    # Per-number flow control (minute/hour/day per signature+template+number): later, not never.
    "isv.BUSINESS_LIMIT_CONTROL": DEFER,
    # The account cannot send at all: stop the run, nothing was sent.
    "isv.DAY_LIMIT_CONTROL": STOP,
    "isv.MONTH_LIMIT_CONTROL": STOP,
    "isv.AMOUNT_NOT_ENOUGH": STOP,
    "isv.OUT_OF_SERVICE": STOP,  # 业务停机: balance below zero
    "isv.ACCOUNT_ABNORMAL": STOP,
    "isv.ACCOUNT_NOT_EXISTS": STOP,
    "isv.PRODUCT_UN_SUBSCRIPT": STOP,
    "isv.PRODUCT_UNSUBSCRIBE": STOP,
    "isv.BILLING_DEDUCTION_ERROR": STOP,
    "isv.DENY_IP_RANGE": STOP,
    "isp.RAM_PERMISSION_DENY": STOP,
    # This message can never go out as it is.
    "isv.MOBILE_NUMBER_ILLEGAL": FAILED,
    "isv.MOBILE_COUNT_OVER_LIMIT": FAILED,
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": FAILED,
    "isv.SMS_TEMPLATE_ILLEGAL": FAILED,
    "isv.TEMPLATE_MISSING_PARAMETERS": FAILED,
    "isv.TEMPLATE_PARAMS_ILLEGAL": FAILED,
    "isv.SMS_SIGNATURE_ILLEGAL": FAILED,
    "isv.SMS_SIGN_ILLEGAL": FAILED,
    "isv.SIGN_STATE_ILLEGAL": FAILED,
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": FAILED,
    "isv.SMS_CONTENT_ILLEGAL": FAILED,
    "isv.INVALID_PARAMETERS": FAILED,
    "isv.INVALID_JSON_PARAM": FAILED,
    "isv.PARAM_LENGTH_LIMIT": FAILED,
    "isv.PARAM_NOT_SUPPORT_URL": FAILED,
    "isv.BLACK_KEY_CONTROL_LIMIT": FAILED,
    "isv.EXTEND_CODE_ERROR": FAILED,
    # The platform failed on its side: whether the text went out is not known.
    "isp.SYSTEM_ERROR": UNKNOWN,
    "isp.GATEWAY_ERROR": UNKNOWN,
    "isp.UNKNOWN": UNKNOWN,
}
# OpenAPI gateway answers (HTTP 4xx before the SMS service saw the request).
_GATEWAY_STOP_PREFIXES = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "Forbidden",
                          "InvalidSecurityToken", "InvalidTimeStamp", "InvalidCredentials", "NoPermission",
                          "InvalidAction", "InvalidVersion", "UnsupportedHTTPMethod")


def classify_code(code: str | None, message: str | None = None, *, http_status: int | None = None) -> str:
    """The outcome for an Aliyun answer code (HTTP 200 body or an OpenAPI 4xx/5xx)."""
    code = code or ""
    if code in CODES:
        return CODES[code]
    if code.startswith("Throttling") or code == "SignatureNonceUsed":
        return RETRY  # refused before processing; the same request may go again
    if code.startswith(_GATEWAY_STOP_PREFIXES):
        return STOP
    if http_status is not None and http_status >= 500:
        return UNKNOWN
    if code.startswith("isp."):
        return UNKNOWN
    if code.startswith("isv."):
        return FAILED  # another business refusal of this message
    if http_status is not None and 400 <= http_status < 500:
        # Missing*/Invalid* parameters are this message's; anything else at the gateway is the
        # account or configuration, which would refuse every message: stop rather than burn them.
        return FAILED if code.startswith(("Missing", "InvalidParameter")) else STOP
    return UNKNOWN


def limit_wait(message: str | None) -> float:
    """How long a BUSINESS_LIMIT_CONTROL lasts, from its message (触发分钟级/小时级/天级流控)."""
    text = message or ""
    if "分钟" in text or "minute" in text.lower():
        return 60.0
    if "天" in text or "日" in text or "day" in text.lower():
        return seconds_until(0)
    return 3600.0


class AliyunProvider(BaseProvider):
    name = "aliyun"

    def __init__(self, credentials, *, sign_name: str, endpoint: str = DEFAULT_ENDPOINT,
                 region: str = "cn-hangzhou", timeout: float = 5.0):
        try:
            from alibabacloud_dysmsapi20170525.client import Client  # noqa: F401
        except ImportError:
            raise sdk_missing("aliyun", "alibabacloud-dysmsapi20170525") from None
        self.endpoint, self.protocol = split_endpoint(endpoint, DEFAULT_ENDPOINT)
        self.region = region
        self.timeout = timeout
        self.sign_name = sign_name.strip().strip("【】")
        self._secrets = tuple(filter(None, (credentials.get("access_key_secret"), credentials.get("security_token"))))
        self._client = _make_client(credentials, self.endpoint, self.protocol, region, _ms(timeout))

    def __repr__(self) -> str:
        return f"<AliyunProvider {self.protocol}://{self.endpoint} sign={self.sign_name!r}>"

    def _runtime(self):
        from darabonba.runtime import RuntimeOptions

        return RuntimeOptions(autoretry=False, read_timeout=_ms(self.timeout), connect_timeout=_ms(self.timeout))

    def send(self, message: OutgoingMessage) -> SendResult:
        from alibabacloud_dysmsapi20170525 import models

        refused = check_phone(message)
        if refused:
            return refused
        request = models.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=(message.sign_name or self.sign_name).strip("【】"),
            template_code=message.template_code,
            # Aliyun wants every value a string: {"code":"123"}, never {"code":123}.
            template_param=json.dumps({k: str(v) for k, v in message.params.items()}, ensure_ascii=False)
            if message.params else None,
            out_id=message.out_id,
        )
        try:
            response = self._client.send_sms_with_options(request, self._runtime())
        except Exception as exc:  # the SDK raises many unrelated types; each is classed below
            return self._from_exception(exc)
        body = response.body
        code, text = getattr(body, "code", None), getattr(body, "message", None)
        if code == "OK":
            return SendResult(SENT, provider_id=getattr(body, "biz_id", None), code="OK")
        outcome = classify_code(code, text)
        return SendResult(
            outcome,
            code=code,
            detail=scrub(f"{code}: {text}", *self._secrets),
            retry_after=limit_wait(text) if outcome == DEFER else None,
        )

    def _from_exception(self, exc: Exception) -> SendResult:
        status = getattr(exc, "status_code", None)
        code = getattr(exc, "code", None)
        if isinstance(code, str) and code not in ("", "None"):
            outcome = classify_code(code, getattr(exc, "message", None), http_status=status)
            wait = getattr(exc, "retry_after", None)
            detail = scrub(f"HTTP {status} {code}" if status else code, *self._secrets)
            return SendResult(outcome, code=code, detail=detail,
                              retry_after=_wait_ms(wait) if outcome == RETRY else None)
        if status is not None and status >= 500:
            return SendResult(UNKNOWN, code=f"http_{status}", detail=f"HTTP {status}")
        if never_connected(exc):
            return SendResult(RETRY, code="connect_error", detail="could not connect to the provider")
        if timed_out(exc):
            return SendResult(UNKNOWN, code="timeout", detail=f"no answer within {self.timeout:g}s after sending")
        # Anything else (a dropped connection, an unreadable answer) may follow a request that
        # arrived. The SDK's own text quotes the request URL with the phone number: never pass it on.
        return SendResult(UNKNOWN, code=type(exc).__name__, detail="the provider call failed without a usable answer")

    def query(self, message: OutgoingMessage, *, sent_at: datetime, provider_id: str | None = None,
              now: datetime | None = None) -> QueryResult:
        from alibabacloud_dysmsapi20170525 import models

        days = sorted({(sent_at + delta).astimezone(CHINA).strftime("%Y%m%d")
                       for delta in (timedelta(0), timedelta(minutes=10))})
        try:
            for day in days:
                for page in range(1, 21):
                    request = models.QuerySendDetailsRequest(
                        phone_number=message.phone, send_date=day, page_size=50, current_page=page,
                        biz_id=provider_id or None,
                    )
                    body = self._client.query_send_details_with_options(request, self._runtime()).body
                    if body.code != "OK":
                        return QueryResult(UNKNOWN, provider_id, code=body.code,
                                           detail=scrub(f"{body.code}: {body.message}", *self._secrets))
                    holder = body.sms_send_detail_dtos
                    rows = (holder.sms_send_detail_dto if holder else None) or []
                    for row in rows:
                        if row.out_id == message.out_id or (provider_id and not row.out_id):
                            return _query_result(row, provider_id)
                    if len(rows) < 50:
                        break
        except Exception as exc:
            return QueryResult(UNKNOWN, provider_id, code=type(exc).__name__,
                               detail=scrub(getattr(exc, "code", None) or "query failed", *self._secrets))
        if too_recent(sent_at, now):
            return QueryResult(UNKNOWN, provider_id, detail="no record yet; too soon after sending to tell")
        return QueryResult(NOT_FOUND, provider_id, detail=f"no send to this number with out-id {message.out_id}")


def _query_result(row, provider_id: str | None) -> QueryResult:
    status = {3: DELIVERED, 2: FAILED, 1: SENT}.get(row.send_status, UNKNOWN)
    return QueryResult(status, provider_id, code=row.err_code or None,
                       detail=f"SendStatus {row.send_status}" + (f" {row.err_code}" if row.err_code else ""))


def _wait_ms(value) -> float | None:
    """x-acs-retry-after (milliseconds, as the SDK reads it), bounded: an absurd figure defers."""
    try:
        return bounded_wait(float(value) / 1000) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _ms(seconds: float) -> int:
    return max(1, int(round(seconds * 1000)))


def _make_client(credentials, endpoint: str, protocol: str, region: str, timeout_ms: int):
    # The Config object prints its whole map (secret included) when str()-ed: it lives only here.
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    config = Config(
        access_key_id=credentials.get("access_key_id"),
        access_key_secret=credentials.get("access_key_secret"),
        security_token=credentials.get("security_token"),
        endpoint=endpoint,
        protocol=protocol,
        region_id=region,
        read_timeout=timeout_ms,
        connect_timeout=timeout_ms,
    )
    return Client(config)
