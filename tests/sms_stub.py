"""A stub SMS provider on 127.0.0.1 for tests: the generic http contract, Aliyun's RPC API and
Tencent's API 3.0, answered from a script.

In a test:

    with SmsStub() as stub:
        stub.script("13800138001", "throttled", "success")   # per phone, consumed in order
        stub.script(None, "slow:2")                           # next call whatever the phone
        stub.default = "success"                              # once the scripts run out
        ... point the provider at stub.http_url / stub.endpoint ...
        stub.sent       # what a buyer would receive: every request the provider accepted
        stub.requests   # every request that arrived, whatever it was answered

As a process (a crash test kills the sender and then counts what arrived):

    python tests/sms_stub.py --port 0 --log calls.jsonl --port-file port.txt \
        --default success --script 13800138001=slow:5,success

Each request is written to the log (one JSON line, flushed and fsynced) the moment it is read,
before it is answered: a provider that received a request may send the text even if the caller
never hears back, which is exactly the case the outbox must survive.

Behaviours: success, business_limit, bad_number, bad_template, no_balance, day_limit,
account_disabled, throttled, server_error, system_error, slow[:SECONDS] (answers success after
the delay, so the client times out; the text still counts as sent), garbled (sends the text, then
answers 200 with a body no client can read).

Faults (the fault-injection suite, tests/test_faults_sms.py):
- throttled_huge / throttled_epoch_ms / throttled_date: refused for now, with an absurd wait
  (Retry-After: 999999999999999, an epoch in milliseconds, a date in the year 9999; Aliyun's
  x-acs-retry-after the same). Nothing is sent.
- trickle[:SECONDS]: takes the text, then answers success one byte every SECONDS (default 2): a
  socket timeout alone never fires.
- reset: takes the text, then drops the connection without a word (TCP reset).
- hang[:SECONDS]: takes the text and answers nothing for SECONDS (default 30), then closes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

BEHAVIOURS = (
    "success",
    "business_limit",
    "bad_number",
    "bad_template",
    "no_balance",
    "day_limit",
    "account_disabled",
    "throttled",
    "server_error",
    "system_error",
    "slow",
    "garbled",
    "throttled_huge",
    "throttled_epoch_ms",
    "throttled_date",
    "trickle",
    "reset",
    "hang",
)
# Behaviours after which the provider has the text and sends it.
ACCEPTED = ("success", "slow", "garbled", "trickle", "reset", "hang")
THROTTLED = ("throttled", "throttled_huge", "throttled_epoch_ms", "throttled_date")
_DEFAULT_ARG = {"slow": 2.0, "trickle": 2.0, "hang": 30.0}
CHINA = timezone(timedelta(hours=8))

_ALIYUN_CODES = {
    "business_limit": "isv.BUSINESS_LIMIT_CONTROL",
    "bad_number": "isv.MOBILE_NUMBER_ILLEGAL",
    "bad_template": "isv.SMS_TEMPLATE_ILLEGAL",
    "no_balance": "isv.AMOUNT_NOT_ENOUGH",
    "day_limit": "isv.DAY_LIMIT_CONTROL",
    "account_disabled": "isv.ACCOUNT_ABNORMAL",
    "system_error": "isp.SYSTEM_ERROR",
}
_TENCENT_CODES = {
    "business_limit": "LimitExceeded.PhoneNumberDailyLimit",
    "bad_number": "InvalidParameterValue.IncorrectPhoneNumber",
    "bad_template": "FailedOperation.TemplateIncorrectOrUnapproved",
    "no_balance": "FailedOperation.InsufficientBalanceInSmsPackage",
    "day_limit": "LimitExceeded.AppDailyLimit",
    "account_disabled": "UnauthorizedOperation.SdkAppIdIsDisabled",
    "system_error": "InternalError.OtherError",
}
_PROVIDER_IDS = {"http": "stub-{seq}", "aliyun": "{seq}000000^0", "tencent": "2433:{seq}"}
_HTTP_ERRORS = {  # behaviour -> (status, code in the JSON body)
    "business_limit": (400, "business_limit"),
    "bad_number": (400, "bad_number"),
    "bad_template": (400, "bad_template"),
    "no_balance": (402, "no_balance"),
    "day_limit": (403, "day_limit"),
    "account_disabled": (403, "account_disabled"),
    "system_error": (500, "system_error"),
}


def parse_behaviour(text: str) -> tuple[str, float]:
    name, _, arg = text.strip().partition(":")
    if name not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {text!r}; known: {', '.join(BEHAVIOURS)}")
    return name, float(arg) if arg else _DEFAULT_ARG.get(name, 0.0)


class SmsStub:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, log: str | os.PathLike | None = None):
        self.default = "success"
        self.requests: list[dict] = []
        self.delivery: dict[str, str] = {}  # phone -> delivered | failed | waiting (for queries)
        self._scripts: dict[str | None, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._log_path = Path(log) if log else None
        self._log = None
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False  # stop() must not wait out a slow answer
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> SmsStub:
        if self._log_path:
            self._log = open(self._log_path, "a", encoding="utf-8")
        # A short poll keeps stop() quick: shutdown() waits for the loop to look.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self) -> SmsStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def endpoint(self) -> str:
        """host:port, as the SDKs take it (with protocol http)."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    @property
    def http_url(self) -> str:
        return self.url + "/send"

    # --- scripting -------------------------------------------------------------------------
    def script(self, phone: str | None, *behaviours: str) -> None:
        """Queue answers for one phone (or, with None, for the next calls whatever the phone)."""
        parsed = [parse_behaviour(b) for b in behaviours]
        with self._lock:
            self._scripts[phone].extend(parsed)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()
            self.delivery.clear()
            self.default = "success"

    @property
    def sent(self) -> list[dict]:
        """Requests the provider accepted: texts a buyer receives."""
        with self._lock:
            return [r for r in self.requests if r["accepted"]]

    def _next(self, phone: str | None) -> tuple[str, float]:
        with self._lock:
            for key in (phone, None):
                if self._scripts.get(key):
                    return self._scripts[key].popleft()
        return parse_behaviour(self.default)

    def _record(self, entry: dict) -> dict:
        with self._lock:
            entry["seq"] = len(self.requests) + 1
            if entry["accepted"]:
                # Assigned on receipt: a text the caller timed out on still has its id at the provider.
                entry["provider_id"] = _PROVIDER_IDS[entry["api"]].format(seq=entry["seq"])
            self.requests.append(entry)
            if self._log:
                public = {k: v for k, v in entry.items() if k != "authorization"}
                self._log.write(json.dumps(public, ensure_ascii=False) + "\n")
                self._log.flush()
                os.fsync(self._log.fileno())
        return entry

    def _accepted_for(self, phone: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["accepted"] and r["phone"] == phone and r["action"] == "SendSms"]


def _handler_for(stub: SmsStub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            self._dispatch(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._dispatch(self.rfile.read(length) if length else b"")

        def _dispatch(self, body: bytes) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
            ctype = self.headers.get("Content-Type", "")
            if "x-www-form-urlencoded" in ctype and body:
                query.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
            try:
                if self.headers.get("X-TC-Action"):
                    self._tencent(self.headers["X-TC-Action"], json.loads(body or b"{}"))
                elif "Action" in query or self.headers.get("x-acs-action"):
                    self._aliyun(query.get("Action") or self.headers["x-acs-action"], query)
                else:
                    self._generic(json.loads(body or b"{}"))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): what it sent is already recorded

        # --- answering ---------------------------------------------------------------------
        def _answer(self, status: int, payload, *, ctype="application/json", headers=None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _fault(self, behaviour: str, arg: float, status: int, payload) -> bool:
            """Answer a fault behaviour; False when `behaviour` is not one."""
            if behaviour == "hang":
                time.sleep(arg)
                self.close_connection = True
                return True
            if behaviour == "reset":
                import socket
                import struct

                # SO_LINGER 0: close() sends a reset, the client sees "connection reset by peer".
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return True
            if behaviour == "trickle":
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                head = (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(data)}\r\n\r\n").encode()
                deadline = time.monotonic() + 120  # the stub never trickles for ever either
                for byte in head + data:
                    if time.monotonic() > deadline:
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(arg)
                self.close_connection = True
                return True
            return False

        def _throttle_wait(self, behaviour: str, unit: float = 1.0) -> str:
            if behaviour == "throttled_huge":
                return "999999999999999"
            if behaviour == "throttled_epoch_ms":
                return str(int((time.time() + 60) * 1000))
            if behaviour == "throttled_date":
                return "Fri, 31 Dec 9999 23:59:59 GMT" if unit == 1.0 else "99999999999999999999"
            return "1" if unit == 1.0 else "1500"

        def _take(self, api: str, action: str, phone: str, **fields) -> tuple[str, dict]:
            behaviour, arg = stub._next(phone)
            entry = stub._record(
                {
                    "api": api,
                    "action": action,
                    "phone": phone,
                    "behaviour": behaviour,
                    "accepted": behaviour in ACCEPTED,
                    "at": datetime.now(CHINA).isoformat(timespec="seconds"),
                    **fields,
                }
            )
            if behaviour == "slow":
                time.sleep(arg)
            self._arg = arg
            return behaviour, entry

        # --- the generic http contract -----------------------------------------------------
        def _generic(self, data: dict) -> None:
            auth = self.headers.get("Authorization")
            behaviour, entry = self._take(
                "http",
                "SendSms",
                str(data.get("phone", "")),
                out_id=data.get("out_id"),
                template=data.get("template_code"),
                params=data.get("params"),
                text=data.get("text"),
                authorization=auth,
                idempotency_key=self.headers.get("Idempotency-Key"),
            )
            if self._fault(behaviour, self._arg, 200, {"id": entry.get("provider_id")}):
                return
            if behaviour == "garbled":
                self._answer(200, b"OK", ctype="text/plain")
            elif behaviour in ACCEPTED:
                self._answer(200, {"id": entry["provider_id"]})
            elif behaviour in THROTTLED:
                self._answer(429, {"code": "throttled", "message": "slow down"},
                             headers={"Retry-After": self._throttle_wait(behaviour)})
            elif behaviour == "server_error":
                self._answer(503, b"<html>busy</html>", ctype="text/html")
            else:
                status, code = _HTTP_ERRORS[behaviour]
                self._answer(status, {"code": code, "message": behaviour})

        # --- Aliyun RPC (dysmsapi 2017-05-25) ----------------------------------------------
        def _aliyun(self, action: str, query: dict) -> None:
            request_id = str(uuid.uuid4()).upper()
            if action == "QuerySendDetails":
                self._aliyun_query(query, request_id)
                return
            if action != "SendSms":
                self._answer(404, {"Code": "InvalidAction.NotFound", "RequestId": request_id})
                return
            raw_params = query.get("TemplateParam")
            behaviour, entry = self._take(
                "aliyun",
                "SendSms",
                query.get("PhoneNumbers", ""),
                out_id=query.get("OutId"),
                template=query.get("TemplateCode"),
                params=json.loads(raw_params) if raw_params else None,
                sign_name=query.get("SignName"),
                signed=bool(self.headers.get("Authorization") or query.get("Signature")),
            )
            ok = {"Code": "OK", "Message": "OK", "BizId": entry.get("provider_id"), "RequestId": request_id}
            if self._fault(behaviour, self._arg, 200, ok):
                return
            if behaviour == "garbled":
                self._answer(200, b"<html>gateway</html>", ctype="text/html")
            elif behaviour in ACCEPTED:
                self._answer(200, ok)
            elif behaviour in THROTTLED:
                self._answer(
                    400,
                    {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.",
                     "RequestId": request_id},
                    # milliseconds, as the SDK reads it
                    headers={"x-acs-retry-after": self._throttle_wait(behaviour, unit=0.001)},
                )
            elif behaviour == "server_error":
                self._answer(503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": request_id})
            else:
                code = _ALIYUN_CODES[behaviour]
                self._answer(200, {"Code": code, "Message": behaviour, "RequestId": request_id})

        def _aliyun_query(self, query: dict, request_id: str) -> None:
            phone = query.get("PhoneNumber", "")
            day = query.get("SendDate", "")
            stub._record({"api": "aliyun", "action": "QuerySendDetails", "phone": phone, "accepted": False,
                          "send_date": day})
            rows = [r for r in stub._accepted_for(phone) if r["at"][:10].replace("-", "") == day]
            if query.get("BizId"):
                rows = [r for r in rows if r.get("provider_id") == query["BizId"]]
            size, page = int(query.get("PageSize", 10)), int(query.get("CurrentPage", 1))
            status = {"delivered": 3, "failed": 2, "waiting": 1}[stub.delivery.get(phone, "delivered")]
            dtos = [
                {
                    "PhoneNum": phone,
                    "SendStatus": status,
                    "ErrCode": "DELIVERED" if status == 3 else ("MK:0001" if status == 2 else ""),
                    "TemplateCode": r.get("template"),
                    "Content": "",
                    "SendDate": r["at"][:19].replace("T", " "),
                    "ReceiveDate": r["at"][:19].replace("T", " "),
                    "OutId": r.get("out_id"),
                }
                for r in rows[(page - 1) * size : page * size]
            ]
            self._answer(
                200,
                {"Code": "OK", "Message": "OK", "RequestId": request_id, "TotalCount": len(rows),
                 "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos}},
            )

        # --- Tencent API 3.0 (sms 2021-01-11) ----------------------------------------------
        def _tencent(self, action: str, data: dict) -> None:
            request_id = str(uuid.uuid4())
            if action == "PullSmsSendStatusByPhoneNumber":
                self._tencent_pull(data, request_id)
                return
            if action != "SendSms":
                self._tencent_error("InvalidAction", "no such action", request_id)
                return
            numbers = data.get("PhoneNumberSet") or [""]
            e164 = numbers[0]
            phone = e164[3:] if e164.startswith("+86") else e164
            behaviour, entry = self._take(
                "tencent",
                "SendSms",
                phone,
                out_id=data.get("SessionContext"),
                template=data.get("TemplateId"),
                params=data.get("TemplateParamSet"),
                sign_name=data.get("SignName"),
                sdk_app_id=data.get("SmsSdkAppId"),
                signed=bool(self.headers.get("Authorization")),
            )
            if behaviour in THROTTLED:
                self._tencent_error("RequestLimitExceeded", "too many requests", request_id)
                return
            if behaviour in ("trickle", "reset", "hang"):
                status = {"SerialNo": entry["provider_id"], "PhoneNumber": e164, "Fee": 1,
                          "SessionContext": data.get("SessionContext", ""), "Code": "Ok",
                          "Message": "send success", "IsoCode": "CN"}
                self._fault(behaviour, self._arg, 200, {"Response": {"SendStatusSet": [status],
                                                                     "RequestId": request_id}})
                return
            if behaviour == "server_error":
                self._answer(502, b"Bad Gateway", ctype="text/plain")
                return
            if behaviour == "garbled":
                self._answer(200, b"<html>gateway</html>", ctype="text/html")
                return
            if behaviour in ACCEPTED:
                status = {"SerialNo": entry["provider_id"], "PhoneNumber": e164, "Fee": 1,
                          "SessionContext": data.get("SessionContext", ""), "Code": "Ok",
                          "Message": "send success", "IsoCode": "CN"}
            else:
                status = {"SerialNo": "", "PhoneNumber": e164, "Fee": 0,
                          "SessionContext": data.get("SessionContext", ""),
                          "Code": _TENCENT_CODES[behaviour], "Message": behaviour, "IsoCode": "CN"}
            self._answer(200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}})

        def _tencent_error(self, code: str, message: str, request_id: str) -> None:
            # Tencent's client reads an error body only under exactly this content type.
            self._answer(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}})

        def _tencent_pull(self, data: dict, request_id: str) -> None:
            e164 = data.get("PhoneNumber", "")
            phone = e164[3:] if e164.startswith("+86") else e164
            stub._record({"api": "tencent", "action": "PullSmsSendStatusByPhoneNumber", "phone": phone,
                          "accepted": False})
            state = stub.delivery.get(phone, "delivered")
            rows = [] if state == "waiting" else stub._accepted_for(phone)
            items = [
                {
                    "UserReceiveTime": int(time.time()),
                    "CountryCode": "86",
                    "SubscriberNumber": phone,
                    "PhoneNumber": e164,
                    "SerialNo": r.get("provider_id", ""),
                    "ReportStatus": "SUCCESS" if state == "delivered" else "FAIL",
                    "Description": "DELIVRD" if state == "delivered" else "MK:0001",
                    "SessionContext": r.get("out_id") or "",
                }
                for r in rows
            ]
            offset, limit = int(data.get("Offset", 0)), int(data.get("Limit", 100))
            self._answer(200, {"Response": {"PullSmsSendStatusSet": items[offset : offset + limit],
                                            "RequestId": request_id}})

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stub SMS provider (generic http, Aliyun, Tencent).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", help="append one JSON line per request received")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--default", default="success", help="answer once the scripts run out")
    parser.add_argument(
        "--script", action="append", default=[],
        help="PHONE=B1,B2,... (or *=... for any phone), consumed in order; repeatable",
    )
    args = parser.parse_args(argv)
    stub = SmsStub(port=args.port, log=args.log)
    parse_behaviour(args.default)
    stub.default = args.default
    for item in args.script:
        phone, _, behaviours = item.partition("=")
        stub.script(None if phone == "*" else phone, *behaviours.split(","))
    stub.start()
    if args.port_file:
        tmp = Path(args.port_file + ".tmp")
        tmp.write_text(str(stub.port))
        os.replace(tmp, args.port_file)  # a reader never sees a half-written port
    print(f"PORT {stub.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
