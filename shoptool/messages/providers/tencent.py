"""Tencent Cloud SMS (API 3.0, sms 2021-01-11) through the official SDK, tencentcloud-sdk-python-sms.

SendSms to one number at a time with SessionContext = the outbox's dedupe key (returned as is in
the answer and in delivery receipts). ExtendCode is not used: it is a reply-number extension that
must be enabled per account, not an id. A refused number comes back in SendStatusSet with its own
Code (the SDK does not raise); a refused request raises TencentCloudSDKException with the code.
Codes are classed from the SDK's own list (tencentcloud/sms/v20210111/errorcodes.py) and
cloud.tencent.com/document/api/382/59177 ("短信 API 3.0 发送错误码").

Reconcile: PullSmsSendStatusByPhoneNumber lists delivery receipts for a number and time span.
Receipts lag and carry SessionContext only where Tencent enabled it, so a missing receipt is never
taken as "not sent": it stays unknown and is listed for a person.

The SDK retries nothing unless given a retryer, and none is given: a retried SendSms is a second text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .base import (
    DEFER,
    DELIVERED,
    FAILED,
    RETRY,
    SENT,
    STOP,
    UNKNOWN,
    BaseProvider,
    OutgoingMessage,
    QueryResult,
    SendResult,
    check_phone,
    never_connected,
    scrub,
    sdk_missing,
    seconds_until,
    split_endpoint,
    timed_out,
    too_recent,
)

DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"

CODES = {
    # Request-rate limits of the API itself: refused before processing.
    "RequestLimitExceeded": RETRY,
    "LimitExceeded.GlobalSmsSendingRateLimit": RETRY,
    # Per-number frequency limits (console 频率限制): this number, later.
    "LimitExceeded.PhoneNumberThirtySecondLimit": DEFER,
    "LimitExceeded.PhoneNumberOneHourLimit": DEFER,
    "LimitExceeded.PhoneNumberDailyLimit": DEFER,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": DEFER,
    "LimitExceeded.DeliveryFrequencyLimit": DEFER,
    "FailedOperation.MarketingSendTimeConstraint": DEFER,  # marketing only 08:00–22:00
    # The application or account cannot send: stop the run.
    "LimitExceeded.AppDailyLimit": STOP,
    "LimitExceeded.AppMainlandChinaDailyLimit": STOP,
    "LimitExceeded.AppGlobalDailyLimit": STOP,
    "LimitExceeded.AppCountryOrRegionDailyLimit": STOP,
    "LimitExceeded.DailyLimit": STOP,
    "FailedOperation.InsufficientBalanceInSmsPackage": STOP,
    "FailedOperation.NotEnterpriseCertification": STOP,
    "InvalidParameterValue.SdkAppIdNotExist": STOP,
    "InternalError.RequestTimeException": STOP,  # clock skew: every request would be refused
    "InternalError.SigVerificationFail": STOP,
    "InternalError.SigFieldMissing": STOP,
    "InternalError.RestApiInterfaceNotExist": STOP,
    "UnsupportedOperation.UnsupportedRegion": STOP,
    "InvalidAction": STOP,
    # This number or this message: never as it is.
    "InvalidParameterValue.IncorrectPhoneNumber": FAILED,
    "FailedOperation.PhoneNumberParseFail": FAILED,
    "FailedOperation.PhoneNumberInBlacklist": FAILED,  # the buyer opted out at the carrier
    "LimitExceeded.AppCountryOrRegionInBlacklist": FAILED,
    "LimitExceeded.PhoneNumberCountLimit": FAILED,
    "FailedOperation.SignatureIncorrectOrUnapproved": FAILED,
    "FailedOperation.TemplateIncorrectOrUnapproved": FAILED,
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": FAILED,
    "FailedOperation.TemplateUnapprovedOrNotExist": FAILED,
    "FailedOperation.ContainSensitiveWord": FAILED,
    # Tencent's side failed mid-way or the answer got lost: the text may be out.
    "InternalError.Timeout": UNKNOWN,
    "InternalError.SendAndRecvFail": UNKNOWN,
    "InternalError.OtherError": UNKNOWN,
    "InternalError.UnknownError": UNKNOWN,
    "InternalError.ParseBackendResponseFail": UNKNOWN,
    "InternalError": UNKNOWN,
    "ServerNetworkError": UNKNOWN,  # the SDK's name for any non-200 answer
}
_PREFIXES = (
    ("RequestLimitExceeded", RETRY),
    ("UnauthorizedOperation.", STOP),  # SdkAppIdIsDisabled, ServiceSuspendDueToArrears, …
    ("AuthFailure", STOP),
    ("InvalidParameterValue.", FAILED),
    ("InvalidParameter", FAILED),
    ("MissingParameter", FAILED),
    ("UnsupportedOperation.", FAILED),
    ("FailedOperation.", FAILED),
    ("LimitExceeded.", DEFER),
    ("InternalError.", UNKNOWN),
)


def classify_code(code: str | None) -> str:
    code = code or ""
    if code in CODES:
        return CODES[code]
    for prefix, outcome in _PREFIXES:
        if code.startswith(prefix):
            return outcome
    return UNKNOWN


def defer_wait(code: str) -> float:
    return {
        "LimitExceeded.PhoneNumberThirtySecondLimit": 30.0,
        "LimitExceeded.PhoneNumberOneHourLimit": 3600.0,
        "LimitExceeded.PhoneNumberDailyLimit": seconds_until(0),
        "LimitExceeded.PhoneNumberSameContentDailyLimit": seconds_until(0),
        "FailedOperation.MarketingSendTimeConstraint": seconds_until(8),
    }.get(code, 3600.0)


class TencentProvider(BaseProvider):
    name = "tencent"

    def __init__(self, credentials, *, sign_name: str, sdk_app_id: str, endpoint: str = DEFAULT_ENDPOINT,
                 region: str = "ap-guangzhou", timeout: float = 5.0):
        try:
            from tencentcloud.sms.v20210111 import sms_client  # noqa: F401
        except ImportError:
            raise sdk_missing("tencent", "tencentcloud-sdk-python-sms") from None
        if not str(sdk_app_id or "").strip():
            from ...errors import ConfigError

            raise ConfigError("sms.tencent.sdk_app_id is empty: set the SmsSdkAppId of the SMS application")
        self.endpoint, self.protocol = split_endpoint(endpoint, DEFAULT_ENDPOINT)
        self.region = region
        self.timeout = timeout
        self.sdk_app_id = str(sdk_app_id).strip()
        self.sign_name = sign_name.strip().strip("【】")
        self._secrets = tuple(filter(None, (credentials.get("secret_key"), credentials.get("token"))))
        self._client = _make_client(credentials, self.endpoint, self.protocol, region, timeout)

    def __repr__(self) -> str:
        return f"<TencentProvider {self.protocol}://{self.endpoint} app={self.sdk_app_id} sign={self.sign_name!r}>"

    def send(self, message: OutgoingMessage) -> SendResult:
        from tencentcloud.sms.v20210111 import models

        refused = check_phone(message)
        if refused:
            return refused
        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + message.phone]
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = (message.sign_name or self.sign_name).strip("【】")
        request.TemplateId = message.template_code
        request.TemplateParamSet = [str(v) for v in message.params.values()]  # positional
        request.SessionContext = message.out_id
        try:
            response = self._client.SendSms(request)
        except Exception as exc:  # TencentCloudSDKException, or anything the transport raised
            return self._from_exception(exc)
        statuses = response.SendStatusSet or []
        if len(statuses) != 1:
            return SendResult(UNKNOWN, code="no_status", detail=f"{len(statuses)} statuses for one number")
        status = statuses[0]
        if status.Code == "Ok":
            return SendResult(SENT, provider_id=status.SerialNo or None, code="Ok")
        outcome = classify_code(status.Code)
        return SendResult(
            outcome,
            code=status.Code,
            detail=scrub(f"{status.Code}: {status.Message}", *self._secrets),
            retry_after=defer_wait(status.Code) if outcome == DEFER else None,
        )

    def _from_exception(self, exc: Exception) -> SendResult:
        code = getattr(exc, "code", None) or ""
        if code == "ClientNetworkError":
            if never_connected(exc):
                return SendResult(RETRY, code="connect_error", detail="could not connect to the provider")
            if timed_out(exc):
                return SendResult(UNKNOWN, code="timeout", detail=f"no answer within {self.timeout:g}s after sending")
            return SendResult(UNKNOWN, code=code, detail="connection lost after sending")
        if code in ("ClientError", "ClientParamsError"):
            return SendResult(FAILED, code=code, detail=scrub(getattr(exc, "message", "") or code, *self._secrets))
        if code:
            outcome = classify_code(code)
            # A ServerNetworkError's message is the raw body of whatever answered: keep it short.
            message = getattr(exc, "message", "")
            detail = scrub(f"{code}: {message}" if code != "ServerNetworkError" else "non-200 answer", *self._secrets)
            return SendResult(outcome, code=code, detail=detail,
                              retry_after=defer_wait(code) if outcome == DEFER else None)
        return SendResult(UNKNOWN, code=type(exc).__name__, detail="the provider call failed without a usable answer")

    def query(self, message: OutgoingMessage, *, sent_at: datetime, provider_id: str | None = None,
              now: datetime | None = None) -> QueryResult:
        from tencentcloud.sms.v20210111 import models

        end = now or datetime.now(sent_at.tzinfo)
        try:
            for offset in range(0, 1000, 100):
                request = models.PullSmsSendStatusByPhoneNumberRequest()
                request.BeginTime = int((sent_at - timedelta(minutes=1)).timestamp())
                request.EndTime = int((end + timedelta(minutes=1)).timestamp())
                request.Offset = offset
                request.Limit = 100
                request.PhoneNumber = "+86" + message.phone
                request.SmsSdkAppId = self.sdk_app_id
                rows = self._client.PullSmsSendStatusByPhoneNumber(request).PullSmsSendStatusSet or []
                for row in rows:
                    if row.SessionContext == message.out_id or (provider_id and row.SerialNo == provider_id):
                        status = DELIVERED if row.ReportStatus == "SUCCESS" else FAILED
                        return QueryResult(status, row.SerialNo or provider_id, code=row.ReportStatus,
                                           detail=scrub(f"{row.ReportStatus}: {row.Description}", *self._secrets))
                if len(rows) < 100:
                    break
        except Exception as exc:
            return QueryResult(UNKNOWN, provider_id, code=getattr(exc, "code", None) or type(exc).__name__,
                               detail="delivery query failed")
        reason = "too soon after sending to tell" if too_recent(sent_at, now) else (
            "no delivery receipt matches; Tencent cannot prove it was not sent: check by hand")
        return QueryResult(UNKNOWN, provider_id, detail=reason)


def _make_client(credentials, endpoint: str, protocol: str, region: str, timeout: float):
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import sms_client

    cred = credential.Credential(
        credentials.get("secret_id"), credentials.get("secret_key"), credentials.get("token")
    )
    profile = ClientProfile(httpProfile=HttpProfile(protocol=protocol, endpoint=endpoint, reqTimeout=timeout))
    return sms_client.SmsClient(cred, region, profile)
